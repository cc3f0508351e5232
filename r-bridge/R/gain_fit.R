#' Fit GAIN imputation models once, to impute new data with them
#'
#' `gain_fit()` trains the `m` bootstrap imputation models of [gain_impute()]
#' (Python's `socgan.GainImputer`) on `data` without imputing it; pass the
#' result as `gain_impute(newdata, model = fit)` to impute new rows of the
#' same columns (a new wave, a new batch of responses), one imputation per
#' model, so the imputations stay proper. New data must have the fitted
#' columns (matched by name, in any order) with compatible types (a factor
#' may arrive as character, an integer as a double; a number where a factor
#' was fitted is an error); a level not seen in fitting is an error naming
#' the column. Columns in `idvars` are copied as they are, whatever they hold.
#'
#' The fitted models live in the Python session: save them with
#' `gain_model_save(fit, path)` and read them back, in another session, with
#' `gain_model_load(path)`. The file is a safetensors file (weights, donor
#' residuals, and a JSON header with the columns, levels, scaling, settings
#' and a format version); nothing in it is executed when it is loaded, and a
#' file of an unknown format version is refused.
#'
#' @param data A data.frame (as for [gain_impute()]).
#' @param m Number of models to fit (the most imputations the model gives).
#' @param seed A whole number; `NULL` (or `NA`) draws one from R's random number
#'   generator, so that `set.seed()` first repeats the fit.
#' @param ... GAIN settings by name, as in [gain_impute()].
#' @param bounds Ranges of numeric columns' imputations, as in [gain_impute()]; the
#'   model keeps them (also when saved).
#' @param idvars Columns kept out of the model, as in [gain_impute()]; the model
#'   keeps them (also when saved) and copies them from new data as they are.
#' @param derived Formulas of columns computed from others, as in
#'   [gain_impute()]; the model keeps them (also when saved) and applies them
#'   to new data.
#' @param progress Show a progress bar while training (as in [gain_impute()]).
#' @param model A fitted model from `gain_fit()` or `gain_model_load()`.
#' @param path File to write or read (e.g. `"wave1.safetensors"`).
#' @return `gain_fit()` and `gain_model_load()`: a model of class
#'   `gain_model` (a list with `m`, `columns` and the Python imputer as
#'   `python`); `gain_model_save()`: `path`, invisibly.
#' @seealso [gain_impute()]
#' @examples
#' \dontrun{
#' d <- mice::nhanes
#' fit <- gain_fit(d[1:20, ], m = 5, seed = 1, epochs = 20)
#' imp <- gain_impute(d[21:25, ], model = fit, seed = 2)
#' gain_model_save(fit, "nhanes.safetensors")
#' same <- gain_model_load("nhanes.safetensors")
#' }
#' @export
gain_fit <- function(data, m = 5, seed = NULL, ..., bounds = NULL, idvars = NULL,
                     derived = NULL, progress = NULL) {
  check_data_frame(data)
  m <- check_count(m, "m")
  seed <- r_seed(seed)
  progress <- resolve_progress(progress)
  given <- list(...)
  socgan <- socgan_python()
  options <- check_gain_options(given, "gain_fit()")
  bounds <- gain_bounds_to_python(bounds)
  idvars <- check_idvars(idvars, data)
  derived <- check_derived(derived, data)
  check_imputable(data[setdiff(names(data), idvars)], "data")
  prepared <- prepare_columns(data, "data", "gain_fit()", keep = idvars)
  values <- c(list(m = m, seed = seed, progress = progress), given)
  imputer <- do.call(call_python, c(
    list(reticulate::py_get_attr(socgan, "GainImputer"), m = m, seed = seed,
         progress = progress, bounds = bounds,
         idvars = if (length(idvars)) as.list(idvars), derived = derived),
    options, list(values = values)))
  call_python(reticulate::py_get_attr(imputer, "fit"), frame_to_python(prepared$python),
              values = values)
  gain_model(imputer)
}

#' @rdname gain_fit
#' @export
gain_model_save <- function(model, path) {
  check_gain_model(model)
  path <- check_string(path, "path")
  call_python(reticulate::py_get_attr(model$python, "save"), path.expand(path),
              values = list(path = path))
  invisible(path)
}

#' @rdname gain_fit
#' @export
gain_model_load <- function(path) {
  path <- check_string(path, "path")
  socgan <- socgan_python()
  imputer <- call_python(reticulate::py_get_attr(socgan$GainImputer, "load"),
                         path.expand(path), values = list(path = path))
  gain_model(imputer)
}

gain_model <- function(imputer) {
  # a NumPy object array, which reticulate leaves unconverted: as a Python list
  names_in <- reticulate::py_get_attr(imputer, "feature_names_in_")
  columns <- reticulate::py_to_r(reticulate::py_call(reticulate::py_get_attr(names_in, "tolist")))
  structure(list(m = as.integer(reticulate::py_to_r(reticulate::py_get_attr(imputer, "m_"))),
                 columns = as.character(unlist(columns)), python = imputer),
            class = "gain_model")
}

check_gain_model <- function(model) {
  if (!inherits(model, "gain_model")) {
    socgan_stop("`model` must be a fitted model from gain_fit() or gain_model_load(), not ",
         class(model)[1L], ".", call. = FALSE)
  }
  if (reticulate::py_is_null_xptr(model$python)) {
    socgan_stop("`model` belongs to an R session that has ended (its Python objects are gone); ",
         "save models with gain_model_save() and read them with gain_model_load().",
         call. = FALSE)
  }
  invisible(model)
}

#' @export
print.gain_model <- function(x, ...) {
  cat(sprintf("<GAIN imputation model: %d fitted models; columns: %s>\n", x$m,
              paste(x$columns, collapse = ", ")))
  invisible(x)
}
