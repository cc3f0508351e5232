#' Differentially private synthetic data, returned as a data.frame
#'
#' Makes a synthetic copy of `data` under \eqn{(\epsilon, \delta)}-differential
#' privacy with socgan's Python function `socgan.synth.synthesize()`: a GAN
#' whose discriminator is trained with DP-SGD (`"dpgan"`; Abadi et al. 2016),
#' optionally improved by Private Post-GAN Boosting (`"pgb"`; Neunhoeffer, Wu &
#' Dwork 2021); or, the default, without a GAN: every two-way table of
#' the columns measured once with Gaussian noise, a tree of those tables
#' drawing candidate rows that are then raked to every table (`"marginals"`:
#' in seconds, and it keeps correlations and regression coefficients far better
#' than the GAN at small epsilon; it cannot keep interactions). `"gan"`,
#' `"pgb-nonprivate"` and `"marginals-nonprivate"` do the same without
#' privacy, for comparison. The privacy spent is accounted in Python and never
#' exceeds `epsilon`.
#'
#' Columns may be numeric, integer, logical, factor (ordered or not) or
#' character; they come back with the same types, factor levels and level
#' order. `data` must be complete (impute first, e.g. with [gain_impute()]);
#' Date and other classed columns cannot be synthesized: convert them first.
#'
#' @section What is private, and the row count:
#' Neighbouring data sets differ by adding or removing one person (row), so
#' even the number of rows is private. A small share of `epsilon`
#' (`count_share`, default 2%) buys a noisy row count; the sampling rate, the
#' default batch size and the default number of rows released come from it,
#' never from `nrow(data)`. Give `n_rows` to release a number of rows of your
#' choosing. `attr(, "privacy_report")$rows_noisy_count` is the noisy count.
#'
#' @section Randomness:
#' The privacy noise of the private methods always comes from fresh
#' operating-system entropy (128 bits): the same `seed` does not repeat a
#' private release, and nobody can recompute the noise from it. `seed` fixes
#' only what is public (network initialisation, the generator's input,
#' candidate and release draws). For tests only, `insecure_seed` makes a
#' private release reproducible; the report records it, and the guarantee
#' does not hold against anyone who knows it.
#'
#' @section Choosing settings:
#' Fix `steps` and the other settings without looking at the private data:
#' trying settings and keeping the release that looks best on the private data
#' spends privacy that no accountant counts. Tune on public data of the same
#' kind.
#'
#' @section Public bounds:
#' The private methods need `bounds`: metadata known *without looking at the
#' data* (a questionnaire, a codebook), one entry per column of `data`. Bounds
#' read from the data would leak information outside the privacy budget, so
#' they are refused as a default. The data are checked against them.
#' * a numeric or integer column: `c(low, high)`, its possible range. An
#'   integer column is released as whole numbers, a double column as any
#'   number within the range: for a 1-7 scale held as doubles, use
#'   `as.integer()` or give its values as a list, `as.list(1:7)` (the data are
#'   not looked at to decide this);
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
#' @param delta `NULL` for the default `1e-6` (a public constant), or a number
#'   in (0, 1), well below `1 / nrow(data)`.
#' @param method `"marginals"` (default), `"pgb"`, `"dpgan"`, `"marginals-nonprivate"`,
#'   `"pgb-nonprivate"` or `"gan"`. `steps` and the GAN's settings in `...`
#'   do not apply to the marginals methods; `marginal_bins` applies to them only.
#' @param n_rows Rows to release (a whole number, public); `NULL` for the noisy
#'   row count (private methods) or `nrow(data)` (non-private methods).
#' @param seed A whole number fixing the public randomness only (see
#'   "Randomness"); for the non-private methods it fixes the whole release. `NULL`
#'   (or `NA`) draws one from R's random number generator (`set.seed()` repeats
#'   the public draws, never the privacy noise); with `insecure_seed` and no
#'   `seed`, the public draws come from `insecure_seed` too.
#' @param insecure_seed `NULL`, or (tests only) a whole number from which the
#'   privacy noise is derived, making a private release reproducible and not
#'   private against anyone who knows it.
#' @param bounds A named list, one entry per column (see "Public bounds").
#'   Required for the private methods; the non-private methods read them from
#'   the data when `NULL`.
#' @param steps Discriminator training steps (a whole number); each is one
#'   DP-SGD step.
#' @param progress Show Python's progress bar while training: `TRUE` or `FALSE`. `NULL`
#'   (default) shows it in an interactive R session, but not under `Rscript` or while knitr
#'   knits; `options(socgan.progress = FALSE)` turns it off by default.
#' @param ... Further settings of `socgan.synth.synthesize()`, by name, with
#'   Python's defaults (a test checks them against Python):
#'   `batch_size` (expected rows per step, default `min(256, m %/% 4)` for the
#'   noisy count `m`), `out_of_bounds` (default `"raise"`):
#'   `"raise"` or `"clip"`,
#'   `clip_norm` (default `1`), `hidden` (default `128`),
#'   `learning_rate` (default `2e-04`), `snapshots` (default `20`),
#'   `candidates` (default `10000`), `pgb_rounds` (default `200`),
#'   `pgb_share` (default `0.2`), `count_share` (default `0.02`),
#'   `pgb_marginals` (default `0`), `pgb_bins` (default `10`),
#'   `critic_steps` (default `1`), `discriminator_hidden` (default `NULL`),
#'   `marginal_bins` (default `NULL`: from the noisy row count),
#'   `match_margins` (default `TRUE`): the GAN methods map each numeric column, keeping its
#'   ranks, onto its one-way histogram (measured with a tenth of the budget; without
#'   privacy onto the data's own values, so heaped answers stay heaped),
#'   `conditional` (default `FALSE`): CTGAN's conditional generator over `modes`
#'   (default `NULL`: 10) quantile cells of each numeric column,
#'   `pgb_tree_share` (default `0`): share of `epsilon` for the marginals model's
#'   candidates in PGB's pool.
#' @return A data.frame of `n_rows` synthetic rows with the columns and column types
#'   of `data` and automatic row names, with attributes
#'   * `epsilon`: the epsilon actually spent (at most the one requested; `Inf`
#'     for the non-private methods);
#'   * `delta`: the delta of the guarantee (`NA` for the non-private methods);
#'   * `method`: the method used;
#'   * `privacy_report`: a list with the accountant, noise multiplier,
#'     sampling rate, steps, budget split, the noisy row count, where the
#'     randomness came from and the public bounds used.
#' @references
#' Abadi, M. et al. (2016). Deep learning with differential privacy. *CCS '16*.
#'
#' Neunhoeffer, M., Wu, Z. S. and Dwork, C. (2021). Private post-GAN boosting.
#' *ICLR 2021*.
#'
#' Dong, J., Durfee, D. and Rogers, R. (2020). Optimal differential privacy
#' composition for exponential mechanisms. *ICML 2020*.
#' @seealso [gain_impute()] to complete the data first; [dp_evaluate()] to compare the
#'   release with the real data.
#' @examples
#' \dontrun{
#' set.seed(1)
#' d <- data.frame(age = sample(18:90, 300, TRUE), income = runif(300, 0, 150),
#'                 smoker = runif(300) < 0.2,
#'                 region = factor(sample(c("north", "south"), 300, TRUE)))
#' syn <- dp_synthesize(d, epsilon = 1, n_rows = 300, steps = 300,
#'                      bounds = list(age = c(18, 90), income = c(0, 200),
#'                                    smoker = c(FALSE, TRUE),
#'                                    region = c("north", "south")))
#' attr(syn, "epsilon")
#' str(attr(syn, "privacy_report"))
#' }
#' @export
dp_synthesize <- function(data, epsilon = NULL, delta = NULL,
                          method = c("marginals", "pgb", "dpgan", "marginals-nonprivate",
                                     "pgb-nonprivate", "gan"), n_rows = NULL,
                          seed = NULL, insecure_seed = NULL, bounds = NULL, steps = 2000,
                          progress = NULL, ...) {
  check_data_frame(data)
  method <- check_choice(method, eval(formals(dp_synthesize)$method), "method")
  private <- method %in% c("pgb", "dpgan", "marginals")
  check_synth_data(data, private)
  if (private) {
    if (missing(epsilon) || is.null(epsilon)) {
      socgan_stop("`epsilon` is required for method \"", method, "\": one positive, finite number.",
           call. = FALSE)
    }
    epsilon <- check_number(epsilon, "epsilon", 0, Inf)
    if (!is.null(delta)) delta <- check_number(delta, "delta", 0, 1)
    if (is.null(bounds)) {
      socgan_stop("`bounds` is required for a private release: give each numeric column's ",
           "c(low, high) and each discrete column's levels, as public metadata (e.g. from the ",
           "codebook). Reading them from the data would leak them outside the privacy budget.",
           call. = FALSE)
    }
  } else {
    if (!missing(epsilon) && !is.null(epsilon) || !is.null(delta)) {
      socgan_stop("Method \"", method, "\" is not private: leave out `epsilon` and `delta`, ",
           "or use method \"pgb\", \"dpgan\" or \"marginals\".", call. = FALSE)
    }
    epsilon <- NULL
    if (!is.null(insecure_seed)) {
      socgan_stop("`insecure_seed` is for the private methods; method \"", method, "\" is not ",
           "private and `seed` fixes all its randomness.", call. = FALSE)
    }
  }
  if (!is.null(n_rows)) n_rows <- check_count(n_rows, "n_rows")
  insecure_seed <- check_seed(insecure_seed, "insecure_seed")
  # with insecure_seed and no seed, Python derives the public draws from insecure_seed too
  unseeded <- is.null(seed) || (is.atomic(seed) && length(seed) == 1L && is.na(seed))
  seed <- if (!is.null(insecure_seed) && unseeded) NULL else r_seed(seed)
  steps <- check_count(steps, "steps")
  progress <- resolve_progress(progress)
  bounds <- check_bounds(bounds, data)
  options <- check_synth_options(list(...))

  synth <- socgan_python("synth")
  py_data <- frame_to_python(data)
  # Through call_python(): Python's errors and warnings become R conditions in R's wording.
  release <- do.call(call_python,
                     c(list(synth$synthesize, py_data, epsilon = epsilon, delta = delta,
                            method = method, n_rows = n_rows, seed = seed,
                            insecure_seed = insecure_seed, bounds = bounds_to_python(bounds),
                            steps = steps, progress = progress),
                       options,
                       list(values = c(list(epsilon = epsilon, delta = delta, n_rows = n_rows,
                                            seed = seed, insecure_seed = insecure_seed,
                                            steps = steps), options))))
  out <- frame_from_python(release$data)
  for (v in names(data)) {
    # a factor keeps its own level order (the reference category of every model fitted to the
    # release); public levels in `bounds` that the factor lacks come after its own
    if (is.factor(data[[v]]) && is.factor(out[[v]]) &&
        !identical(levels(out[[v]]), levels(data[[v]]))) {
      lv <- c(levels(data[[v]]), setdiff(levels(out[[v]]), levels(data[[v]])))
      out[[v]] <- factor(as.character(out[[v]]), levels = lv, ordered = is.ordered(data[[v]]))
    }
  }
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

# Complete data of types synthesize() takes, checked before anything crosses. A private
# release takes any number of rows: refusing small data would depend on one person.
check_synth_data <- function(data, private = TRUE) {
  if (!private && nrow(data) < 2L) {
    socgan_stop("`data` must have at least 2 rows, not ", nrow(data), ".", call. = FALSE)
  }
  classed <- names(data)[vapply(data, function(x) {
    !is.null(dim(x)) || (is.object(x) && !is.factor(x)) || !is.atomic(x) || is.complex(x) ||
      is.raw(x)
  }, logical(1))]
  if (length(classed)) {
    socgan_stop("dp_synthesize() takes numeric, integer, logical, factor and character columns; ",
         "convert column(s) ", paste(classed, collapse = ", "), " first (dates with ",
         "as.numeric()).", call. = FALSE)
  }
  incomplete <- names(data)[vapply(data, anyNA, logical(1))]
  if (length(incomplete)) {
    socgan_stop("dp_synthesize() needs complete data, but column(s) ",
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
    socgan_stop("`bounds` must be a named list (column = c(low, high) or its levels), not ",
         deparse_short(bounds), ".", call. = FALSE)
  }
  nms <- names(bounds)
  if (!length(bounds) || is.null(nms) || anyNA(nms) || any(!nzchar(nms))) {
    socgan_stop("`bounds` must be a named list with an entry per column of `data`, e.g. ",
         "list(age = c(18, 99), sex = c(\"f\", \"m\")).", call. = FALSE)
  }
  if (anyDuplicated(nms)) {
    socgan_stop("`bounds` names a column twice: ", paste(unique(nms[duplicated(nms)]), collapse = ", "),
         ".", call. = FALSE)
  }
  unknown <- setdiff(nms, names(data))
  if (length(unknown)) {
    socgan_stop("`bounds` names column(s) not in `data`: ", paste(unknown, collapse = ", "), ".",
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
      socgan_stop(what, " must be a list of single, non-missing levels.", call. = FALSE)
    }
    levels <- lapply(b, function(v) {
      if (is.character(v)) enc2utf8(v) else if (is.numeric(v)) as.double(v) else v
    })
    return(list(kind = "levels", value = unname(levels)))
  }
  if (is.character(b) || is.logical(b)) {
    if (!length(b) || anyNA(b)) {
      socgan_stop(what, " must list the column's levels, without NA.", call. = FALSE)
    }
    if (is.numeric(data[[name]])) {
      socgan_stop(what, " gives levels, but column `", name, "` is numeric: give c(low, high), ",
           "or a list of numbers to treat it as discrete.", call. = FALSE)
    }
    value <- if (is.character(b)) enc2utf8(b) else b
    return(list(kind = "levels", value = as.list(unname(value))))
  }
  if (is.numeric(b) && !is.object(b)) {
    if (length(b) != 2L || any(!is.finite(b)) || b[1L] >= b[2L]) {
      socgan_stop(what, " must be c(low, high) with finite low < high, not ", deparse_short(b),
           ". To treat a numeric column as discrete, give a list of its values, e.g. ",
           "list(0, 1).", call. = FALSE)
    }
    if (!is.numeric(data[[name]])) {
      socgan_stop(what, " is a range, c(low, high), but column `", name, "` is not numeric: give its ",
           "levels instead.", call. = FALSE)
    }
    return(list(kind = "range", value = as.double(unname(b))))
  }
  socgan_stop(what, " must be c(low, high) for a numeric column or the levels of a discrete one, ",
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
synth_count_options <- c("batch_size", "hidden", "snapshots", "candidates", "pgb_rounds",
                         "pgb_bins", "critic_steps", "discriminator_hidden", "modes")
check_synth_options <- function(options) {
  if (length(options) && !is.null(names(options)) && all(nzchar(names(options)))) {
    # names against Python's synthesize() (a misspelt setting got Python's "unexpected keyword
    # argument"); the values are checked below
    check_settings(lapply(options, function(v) NULL), python_parameters("synthesize", "synth"),
                   taken = c("data", "epsilon", "delta", "method", "n_rows", "seed",
                             "insecure_seed", "bounds", "steps", "progress"),
                   what = "dp_synthesize()", mice = list())
  }
  check_options(options, counts = synth_count_options,
                counts_from_zero = "pgb_marginals",
                reals = list(clip_norm = Inf, learning_rate = Inf, pgb_share = 1,
                             count_share = 1, pgb_tree_share = 1),
                example = "batch_size = 32", skip_null = FALSE)
}
