#' How useful and how private a synthetic release is, as a data.frame
#'
#' Compares a synthetic data.frame (e.g. from [dp_synthesize()]) with the real one: one- and
#' two-way margins, correlations, a regression fitted to both, a model trained on the
#' synthetic rows and tested on real ones, how well a classifier tells synthetic rows from
#' real ones, and (with a `holdout` of real rows the release never saw) distances, exact
#' copies and a membership test. Each row says what its value means and what a good value
#' looks like (column `reading`).
#'
#' This reads the private data without noise: it is for the data holder, or for trying
#' settings on public data of the same kind. Its output is not covered by the release's
#' privacy guarantee; do not publish it with the release.
#'
#' @param real The real data.frame the release was made from (complete).
#' @param synthetic The synthetic data.frame: the columns of `real` (others are ignored).
#' @param formula `NULL` (default) or a regression to fit to both tables by least squares,
#'   as a formula or one string, e.g. `wage ~ educ + exper + I(exper^2) + log(hours)`.
#'   It is read by Python's formula parser (patsy): `I(x^2)` is translated to `I(x**2)`;
#'   `log()`, `log2()`, `log10()`, `exp()`, `sqrt()`, `abs()` and `C()` work as in R;
#'   the left side must be a number.
#' @param target `NULL` (default) or the name of a discrete column: a logit (or multinomial
#'   model) for it is trained on the synthetic rows and tested on `holdout` (or `real`), beside
#'   one trained on real rows; its accuracy and AUC.
#' @param holdout `NULL` (default) or a data.frame of real rows the release did not see
#'   (same columns): the test rows for `target`, and the privacy readings.
#' @param bins Intervals per numeric column for the margins (default `10`).
#' @param detection `TRUE` (default): add the detection AUC (gradient-boosted trees telling
#'   synthetic rows from real ones, 0.5 = indistinguishable) and the share of synthetic rows
#'   the detector takes for real.
#' @return A data.frame with columns `metric`, `variable`, `value` and `reading`.
#' @seealso [dp_synthesize()].
#' @examples
#' \dontrun{
#' d <- MASS::birthwt[, c("age", "lwt", "bwt", "smoke")]
#' d$smoke <- factor(d$smoke)
#' syn <- dp_synthesize(d, epsilon = 3, bounds = list(age = c(10, 50), lwt = c(70, 300),
#'                      bwt = c(500, 5500), smoke = c("0", "1")), seed = 1)
#' ev <- dp_evaluate(d, syn, formula = bwt ~ age + lwt + smoke, target = "smoke")
#' ev[, c("metric", "variable", "value")]
#' }
#' @export
dp_evaluate <- function(real, synthetic, formula = NULL, target = NULL, holdout = NULL,
                        bins = 10, detection = TRUE) {
  check_data_frame(real, "real")
  check_data_frame(synthetic, "synthetic")
  if (!is.null(holdout)) check_data_frame(holdout, "holdout")
  formula <- formula_to_python(formula)
  if (!is.null(target)) target <- check_string(target, "target")
  bins <- check_count(bins, "bins")
  detection <- check_flag(detection, "detection")
  synth <- socgan_python("synth")
  result <- call_python(synth$evaluate, frame_to_python(real), frame_to_python(synthetic),
                        formula = formula, target = target,
                        holdout = if (is.null(holdout)) NULL else frame_to_python(holdout),
                        bins = bins, detection = detection,
                        values = list(formula = formula, target = target, bins = bins))
  out <- frame_from_python(result)
  out$value <- as.double(out$value)
  out
}

# An R formula (or one string) as Python's formula parser reads it: one line, and R's power
# inside I() as Python's (`I(x^2)` would be a bitwise XOR there, silently).
formula_to_python <- function(formula) {
  if (is.null(formula)) return(NULL)
  if (inherits(formula, "formula")) {
    formula <- paste(deparse(formula, width.cutoff = 500L), collapse = " ")
  }
  formula <- check_string(formula, "formula")
  chars <- strsplit(formula, "", fixed = TRUE)[[1L]]
  out <- character(0)
  depth <- 0L  # parentheses open inside the current I( ... ), 0 outside
  i <- 1L
  while (i <= length(chars)) {
    ch <- chars[[i]]
    starts_i <- ch == "I" && i < length(chars) && chars[[i + 1L]] == "(" &&
      (i == 1L || !grepl("[A-Za-z0-9._]", chars[[i - 1L]]))
    if (depth == 0L && starts_i) {
      out <- c(out, "I", "(")
      depth <- 1L
      i <- i + 2L
      next
    }
    if (depth > 0L) {
      if (ch == "(") depth <- depth + 1L
      if (ch == ")") depth <- depth - 1L
      if (ch == "^") ch <- "**"
    }
    out <- c(out, ch)
    i <- i + 1L
  }
  paste(out, collapse = "")
}
