#' socgan: GAN-based multiple imputation for survey data, pooled like mice
#'
#' An R interface to the socgan Python package.
#'
#' * [gain_impute()] multiply imputes a data.frame with GAIN and returns a
#'   mice `mids` object, so that `with()`, `pool()` and `complete()` work as
#'   after `mice::mice()`.
#' * [pool_rubin()] pools estimates made elsewhere with Rubin's rules, as
#'   `mice::pool()` does.
#' * [sae_estimate()] estimates an outcome's mean in every area of a census
#'   from a survey (small-area estimation: GAIN or Amelia multiple
#'   overimputation, MRP, BART); [turnout_data()] simulates a survey and a
#'   census with known truth to try it on.
#' * [dp_synthesize()] makes a differentially private synthetic copy of a
#'   data.frame.
#' * [install_socgan()] sets up Python with socgan; [socgan_available()]
#'   tells whether it is there.
#'
#' Python is found through reticulate: set `RETICULATE_PYTHON` to a Python
#' that has socgan, or let [install_socgan()] create the environment
#' `r-socgan`, which reticulate finds by itself.
#'
#' @keywords internal
"_PACKAGE"
