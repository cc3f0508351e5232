#' Multiple imputation with GAIN, returned as a mice `mids` object
#'
#' Imputes the missing values of `data` `m` times with socgan's proper GAIN
#' (generative adversarial imputation nets, Yoon, Jordon & van der Schaar 2018,
#' each imputation from its own model trained on a bootstrap resample of the
#' rows) and returns the result as mice's `mids`, built with
#' [mice::as.mids()] from the long format. Analyse it as after
#' [mice::mice()]: `with(imp, lm(...))`, `pool()`, `summary()`, `complete()`.
#'
#' Columns may be numeric, integer, logical, factor (ordered or not) or
#' character; they come back with the same types, factor levels and level
#' order. Date and other classed columns cannot be imputed: convert them to
#' numbers first.
#'
#' @param data A data.frame with missing values (`NA`).
#' @param m Number of imputations (a whole number; `5` and `5L` both work).
#' @param seed `NULL` for fresh randomness, or a whole number: the same seed
#'   gives identical imputations.
#' @param ... GAIN settings passed on to the Python function `socgan.impute()`,
#'   by name: `epochs` (passes over the data per model, default 300),
#'   `batch_size`, `hint_rate`, `alpha`, `hidden`, `learning_rate`,
#'   `weight_decay`, `bootstrap`.
#' @param output `"mids"` (default) for a mice `mids` object, or `"list"` for a
#'   plain list of the `m` completed data.frames.
#' @param progress Show Python's progress bar while training.
#' @return A `mids` object, or a list of `m` data.frames with the row names,
#'   columns and column types of `data`.
#' @seealso [pool_rubin()] for estimates made elsewhere; [install_socgan()].
#' @examples
#' \dontrun{
#' imp <- gain_impute(mice::nhanes, m = 5, seed = 1, epochs = 100)
#' fit <- with(imp, lm(chl ~ age + bmi))
#' summary(mice::pool(fit))
#' }
#' @export
gain_impute <- function(data, m = 5, seed = NULL, ..., output = c("mids", "list"),
                        progress = FALSE) {
  check_data_frame(data)
  m <- check_count(m, "m")
  seed <- check_seed(seed)
  output <- match.arg(output)
  progress <- check_flag(progress, "progress")
  options <- check_gain_options(list(...))
  dates <- names(data)[vapply(data, function(x) inherits(x, c("Date", "POSIXt")), logical(1))]
  if (length(dates)) {
    stop("gain_impute() cannot impute date columns (", paste(dates, collapse = ", "),
         "); convert them to numbers (as.numeric()) or leave them out.", call. = FALSE)
  }

  socgan <- socgan_python()
  py_data <- frame_to_python(data)
  imputations <- do.call(socgan$impute,
                         c(list(py_data, m = m, seed = seed, progress = progress), options))
  if (output == "list") {
    return(frames_from_python(imputations$datasets))
  }
  long <- frame_from_python(imputations$long())
  long_to_mids(long)
}

# mice::as.mids() runs mice(maxit = 0) on the original data to set the object up; its
# "Number of logged events" warning is about that set-up, not about the imputations.
long_to_mids <- function(long) {
  withCallingHandlers(
    mice::as.mids(long, .imp = ".imp", .id = ".id"),
    warning = function(w) {
      if (grepl("logged events", conditionMessage(w), fixed = TRUE)) {
        invokeRestart("muffleWarning")
      }
    }
  )
}

# GAIN settings that are counts cross as integers; the others as they are.
gain_count_options <- c("epochs", "batch_size", "hidden")

check_gain_options <- function(options) {
  check_options(options, counts = gain_count_options, example = "epochs = 100", skip_null = TRUE)
}
