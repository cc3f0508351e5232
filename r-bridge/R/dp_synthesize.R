#' Differentially private synthetic data, returned as a data.frame
#'
#' Makes a synthetic copy of `data` under \eqn{(\epsilon, \delta)}-differential
#' privacy with socgan's Python function `socgan.synth.synthesize()`: a GAN
#' whose discriminator is trained with DP-SGD (`"dpgan"`; Abadi et al. 2016),
#' optionally improved by Private Post-GAN Boosting (`"pgb"`, the default;
#' Neunhoeffer, Wu & Dwork 2021). `"gan"` and `"pgb-nonprivate"` do the same
#' without privacy, for comparison. The privacy spent is accounted in Python
#' (the smaller of a PLD and a Renyi DP accountant) and never exceeds
#' `epsilon`.
#'
#' Columns may be numeric, integer, logical, factor (ordered or not) or
#' character; they come back with the same types, factor levels and level
#' order. `data` must be complete (impute first, e.g. with [gain_impute()]);
#' Date and other classed columns cannot be synthesized: convert them first.
#'
#' @section Public bounds:
#' The private methods need `bounds`: metadata known *without looking at the
#' data* (a questionnaire, a codebook), one entry per column of `data`. Bounds
#' read from the data would leak information outside the privacy budget, so
#' they are refused as a default. The data are checked against them.
#' * a numeric or integer column: `c(low, high)`, its possible range;
#' * a factor column: its levels, as a character vector or as the factor
#'   itself (they must be the factor's levels);
#' * a character column: all its possible values (a character vector);
#' * a logical column: `c(FALSE, TRUE)`;
#' * a number to be treated as discrete (e.g. a 0/1 code): a *list* of its
#'   values, `list(0, 1)`.
#'
#' @param data A complete data.frame (no `NA`).
#' @param epsilon The privacy budget of the release: one positive, finite
#'   number. Leave it out (or `NULL`) for the non-private methods.
#' @param delta `NULL` for the default `min(1e-5, 1 / (10 * nrow(data)))`, or a
#'   number in (0, 1), below `1 / nrow(data)`.
#' @param method `"pgb"` (default), `"dpgan"`, `"pgb-nonprivate"` or `"gan"`.
#' @param n Rows to release (a whole number); `NULL` for `nrow(data)`.
#' @param seed `NULL` for fresh randomness, or a whole number: the same seed
#'   gives the same release. Keep it secret: whoever knows it can recompute the
#'   noise.
#' @param bounds A named list, one entry per column (see "Public bounds").
#'   Required for `"pgb"` and `"dpgan"`; the non-private methods read them from
#'   the data when `NULL`.
#' @param steps Discriminator training steps (a whole number); each is one
#'   DP-SGD step.
#' @param progress Show Python's progress bar while training.
#' @param ... Further settings of `socgan.synth.synthesize()`, by name:
#'   `batch_size` (expected rows per step, default `min(256, nrow(data) %/% 4)`,
#'   below `nrow(data)`),
#'   `clip_norm`, `hidden`, `learning_rate`, `snapshots`, `candidates`,
#'   `pgb_rounds`, `pgb_share`.
#' @return A data.frame of `n` synthetic rows with the columns and column types
#'   of `data` and automatic row names, with attributes
#'   * `epsilon`: the epsilon actually spent (at most the one requested; `Inf`
#'     for the non-private methods);
#'   * `delta`: the delta of the guarantee (`NA` for the non-private methods);
#'   * `method`: the method used;
#'   * `privacy_report`: a list with the accountant, noise multiplier,
#'     sampling rate, steps, budget split and the public bounds used.
#' @references
#' Abadi, M. et al. (2016). Deep learning with differential privacy. *CCS '16*.
#'
#' Neunhoeffer, M., Wu, Z. S. and Dwork, C. (2021). Private post-GAN boosting.
#' *ICLR 2021*.
#' @seealso [gain_impute()] to complete the data first.
#' @examples
#' \dontrun{
#' set.seed(1)
#' d <- data.frame(age = sample(18:90, 300, TRUE), income = runif(300, 0, 150),
#'                 smoker = runif(300) < 0.2,
#'                 region = factor(sample(c("north", "south"), 300, TRUE)))
#' syn <- dp_synthesize(d, epsilon = 1, seed = 1, steps = 300,
#'                      bounds = list(age = c(18, 90), income = c(0, 200),
#'                                    smoker = c(FALSE, TRUE),
#'                                    region = c("north", "south")))
#' attr(syn, "epsilon")
#' str(attr(syn, "privacy_report"))
#' }
#' @export
dp_synthesize <- function(data, epsilon, delta = NULL,
                          method = c("pgb", "dpgan", "pgb-nonprivate", "gan"), n = NULL,
                          seed = NULL, bounds = NULL, steps = 2000, progress = FALSE, ...) {
  check_data_frame(data)
  check_synth_data(data)
  method <- match.arg(method)
  private <- method %in% c("pgb", "dpgan")
  if (private) {
    if (missing(epsilon) || is.null(epsilon)) {
      stop("`epsilon` is required for method \"", method, "\": one positive, finite number.",
           call. = FALSE)
    }
    epsilon <- check_number(epsilon, "epsilon", 0, Inf)
    if (!is.null(delta)) delta <- check_number(delta, "delta", 0, 1)
    if (is.null(bounds)) {
      stop("`bounds` is required for a private release: give each numeric column's ",
           "c(low, high) and each discrete column's levels, as public metadata (e.g. from the ",
           "codebook). Reading them from the data would leak them outside the privacy budget.",
           call. = FALSE)
    }
  } else {
    if (!missing(epsilon) && !is.null(epsilon) || !is.null(delta)) {
      stop("Method \"", method, "\" is not private: leave out `epsilon` and `delta`, ",
           "or use method \"pgb\" or \"dpgan\".", call. = FALSE)
    }
    epsilon <- NULL
  }
  if (!is.null(n)) n <- check_count(n, "n")
  seed <- check_seed(seed)
  steps <- check_count(steps, "steps")
  progress <- check_flag(progress, "progress")
  bounds <- check_bounds(bounds, data)
  options <- check_synth_options(list(...))

  synth <- socgan_python("synth")
  py_data <- frame_to_python(data)
  release <- do.call(synth$synthesize,
                     c(list(py_data, epsilon = epsilon, delta = delta, method = method, n = n,
                            seed = seed, bounds = bounds_to_python(bounds), steps = steps,
                            progress = progress),
                       options))
  out <- frame_from_python(release$data)
  report <- reticulate::py_to_r(release$report)
  if (is.list(report$public_bounds)) {
    # (low, high) tuples arrive as lists of two numbers: give them back as R gave them.
    report$public_bounds <- lapply(report$public_bounds, function(b) {
      if (is.list(b) && all(vapply(b, function(v) is.numeric(v) && length(v) == 1L,
                                   logical(1)))) unlist(b) else b
    })
  }
  spent_delta <- reticulate::py_to_r(release$delta)
  attr(out, "epsilon") <- as.double(reticulate::py_to_r(release$epsilon))
  attr(out, "delta") <- if (is.null(spent_delta)) NA_real_ else as.double(spent_delta)
  attr(out, "method") <- as.character(reticulate::py_to_r(release$method))
  attr(out, "privacy_report") <- report
  out
}

# Complete data of types synthesize() takes, checked before anything crosses.
check_synth_data <- function(data) {
  if (nrow(data) < 2L) {
    stop("`data` must have at least 2 rows, not ", nrow(data), ".", call. = FALSE)
  }
  classed <- names(data)[vapply(data, function(x) {
    !is.null(dim(x)) || (is.object(x) && !is.factor(x)) || !is.atomic(x) || is.complex(x) ||
      is.raw(x)
  }, logical(1))]
  if (length(classed)) {
    stop("dp_synthesize() takes numeric, integer, logical, factor and character columns; ",
         "convert column(s) ", paste(classed, collapse = ", "), " first (dates with ",
         "as.numeric()).", call. = FALSE)
  }
  incomplete <- names(data)[vapply(data, anyNA, logical(1))]
  if (length(incomplete)) {
    stop("dp_synthesize() needs complete data, but column(s) ",
         paste(incomplete, collapse = ", "), " have missing values. Impute first ",
         "(gain_impute(..., output = \"list\")) or drop the incomplete rows.", call. = FALSE)
  }
  invisible(data)
}

# bounds: NULL or a named list, one entry per column: c(low, high) for a number, the levels
# (character, factor or logical vector) for a discrete column, or a list of levels.
check_bounds <- function(bounds, data) {
  if (is.null(bounds)) return(NULL)
  if (!is.list(bounds) || is.data.frame(bounds)) {
    stop("`bounds` must be a named list (column = c(low, high) or its levels), not ",
         deparse_short(bounds), ".", call. = FALSE)
  }
  nms <- names(bounds)
  if (!length(bounds) || is.null(nms) || anyNA(nms) || any(!nzchar(nms))) {
    stop("`bounds` must be a named list with an entry per column of `data`, e.g. ",
         "list(age = c(18, 99), sex = c(\"f\", \"m\")).", call. = FALSE)
  }
  if (anyDuplicated(nms)) {
    stop("`bounds` names a column twice: ", paste(unique(nms[duplicated(nms)]), collapse = ", "),
         ".", call. = FALSE)
  }
  unknown <- setdiff(nms, names(data))
  if (length(unknown)) {
    stop("`bounds` names column(s) not in `data`: ", paste(unknown, collapse = ", "), ".",
         call. = FALSE)
  }
  out <- Map(check_bound, bounds, nms, MoreArgs = list(data = data))
  names(out) <- nms
  out
}

# One column's bound as list(kind = "range", value = c(low, high)) or
# list(kind = "levels", value = list(level, ...)), ready for bounds_to_python().
check_bound <- function(b, name, data) {
  what <- paste0("`bounds$", name, "`")
  if (is.factor(b)) b <- levels(b)
  if (is.list(b)) {
    ok <- vapply(b, function(v) is.atomic(v) && !is.object(v) && length(v) == 1L && !is.na(v),
                 logical(1))
    if (!length(b) || !all(ok)) {
      stop(what, " must be a list of single, non-missing levels.", call. = FALSE)
    }
    levels <- lapply(b, function(v) {
      if (is.character(v)) enc2utf8(v) else if (is.numeric(v)) as.double(v) else v
    })
    return(list(kind = "levels", value = unname(levels)))
  }
  if (is.character(b) || is.logical(b)) {
    if (!length(b) || anyNA(b)) {
      stop(what, " must list the column's levels, without NA.", call. = FALSE)
    }
    if (is.numeric(data[[name]])) {
      stop(what, " gives levels, but column `", name, "` is numeric: give c(low, high), ",
           "or a list of numbers to treat it as discrete.", call. = FALSE)
    }
    value <- if (is.character(b)) enc2utf8(b) else b
    return(list(kind = "levels", value = as.list(unname(value))))
  }
  if (is.numeric(b) && !is.object(b)) {
    if (length(b) != 2L || any(!is.finite(b)) || b[1L] >= b[2L]) {
      stop(what, " must be c(low, high) with finite low < high, not ", deparse_short(b),
           ". To treat a numeric column as discrete, give a list of its values, e.g. ",
           "list(0, 1).", call. = FALSE)
    }
    if (!is.numeric(data[[name]])) {
      stop(what, " is a range, c(low, high), but column `", name, "` is not numeric: give its ",
           "levels instead.", call. = FALSE)
    }
    return(list(kind = "range", value = as.double(unname(b))))
  }
  stop(what, " must be c(low, high) for a numeric column or the levels of a discrete one, ",
       "not ", deparse_short(b), ".", call. = FALSE)
}

# Checked bounds -> a Python dict: ranges as (low, high) tuples, levels as lists.
bounds_to_python <- function(bounds) {
  if (is.null(bounds)) return(NULL)
  reticulate::py_dict(
    names(bounds),
    unname(lapply(bounds, function(b) {
      if (b$kind == "range") reticulate::tuple(b$value[[1L]], b$value[[2L]])
      else reticulate::r_to_py(b$value)
    })),
    convert = FALSE
  )
}

# synthesize() settings that are counts cross as integers, the others as doubles.
synth_count_options <- c("batch_size", "hidden", "snapshots", "candidates", "pgb_rounds")
check_synth_options <- function(options) {
  check_options(options, counts = synth_count_options,
                reals = list(clip_norm = Inf, learning_rate = Inf, pgb_share = 1),
                example = "batch_size = 32", skip_null = FALSE)
}
