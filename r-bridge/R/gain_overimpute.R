#' Does the imputation model fit the data? Overimputation of held-out values
#'
#' `gain_overimpute()` is Amelia's `overimpute()` for GAIN: a share `holdout`
#' of the observed values of each numeric column is hidden, the `m` models of
#' [gain_impute()] are fitted to the data without them (same settings and
#' `seed`), and each hidden value is drawn `draws` times by the models in
#' turn, given the rest of its row, as an imputation would draw it. A
#' prediction interval from the draws should cover the real value as often
#' as a right model's does (`expected`: 0.905 for 20 draws at 0.90). Clearly
#' less says the model misses something there (a relation, a tail, a
#' subgroup; `plot()` shows which values); clearly more, that the
#' imputations are more spread out than the data need, which widens the
#' pooled intervals.
#'
#' The values are held out of the fit because a network predicts its own
#' training rows too well, while a missing value is never among them; the fit
#' then sees a share `holdout` fewer values of each checked column than an
#' imputation does, so the check is a little pessimistic. The intervals are
#' the draws' order statistics k and `draws` + 1 - k, with
#' k = floor((`draws` + 1)(1 - `conf_level`) / 2), which cover a value from
#' the draws' own distribution with probability exactly
#' (`draws` + 1 - 2k) / (`draws` + 1). Under MAR what the check finds for
#' observed values holds for imputed ones; it cannot check MAR itself.
#'
#' @param data A data.frame (as for [gain_impute()]).
#' @param m,seed,...,bounds,idvars,derived As in [gain_impute()]: the
#'   imputation model to check.
#' @param columns `NULL` (default: every numeric column with missing values,
#'   or every numeric column if none has one; not those in `derived`, whose
#'   imputations are their formulas), or names of numeric columns.
#' @param holdout Share of each checked column's observed values to hide, in
#'   (0, 0.5].
#' @param max_cells At most this many hidden values per column (a random
#'   sample); `NULL` for no limit.
#' @param draws Draws per hidden value; a 90% interval needs at least 19.
#' @param conf_level Level of the prediction intervals.
#' @param progress Show progress bars (as in [gain_impute()]).
#' @param x A `gain_overimpute` result.
#' @param y Ignored.
#' @return A data.frame of class `gain_overimpute`, one row per hidden value:
#'   `column`, `row` (its row name), `observed` (the real value), `mean` (of
#'   the draws), `lower`, `upper`, `covered` and `missing_in_row` (how many
#'   of the row's other modelled cells were missing); its attribute
#'   `coverage` is a data.frame per column: `n`, `coverage` and its binomial
#'   standard error `coverage_se`, `expected`, `mean_width`, `rmse`,
#'   `rmse_no_model` (the error of guessing the column's observed mean: what a
#'   model that learned nothing gives; its draws cover as well, so only `rmse`
#'   well below it and the `correlation` of the draws' means with the real
#'   values say that the model predicts). `print()` shows the coverage; `plot()` the real values against
#'   the draws' means and intervals, a panel per column (lattice).
#' @seealso [gain_impute()]; Amelia's `overimpute()`.
#' @examples
#' \dontrun{
#' check <- gain_overimpute(mice::boys, m = 5, seed = 1)
#' check
#' plot(check)
#' }
#' @export
gain_overimpute <- function(data, m = 5, seed = NULL, ..., bounds = NULL, idvars = NULL,
                            derived = NULL, columns = NULL, holdout = 0.2, max_cells = 1000,
                            draws = 20, conf_level = 0.9, progress = NULL) {
  check_data_frame(data)
  m <- check_count(m, "m")
  seed <- r_seed(seed)
  progress <- resolve_progress(progress)
  given <- list(...)
  socgan <- socgan_python()
  options <- check_gain_options(given, "gain_overimpute()")
  bounds <- gain_bounds_to_python(bounds)
  idvars <- check_idvars(idvars, data)
  derived <- check_derived(derived, data)
  if (!is.null(columns) && (!is.character(columns) || anyNA(columns) || !length(columns))) {
    socgan_stop("`columns` must be NULL or names of numeric columns of `data`; got ",
                deparse_short(columns), ".", call. = FALSE)
  }
  holdout <- check_number(holdout, "holdout", 0, 0.5, upper_closed = TRUE)
  if (!is.null(max_cells)) max_cells <- check_count(max_cells, "max_cells")
  draws <- check_count(draws, "draws")
  conf_level <- check_number(conf_level, "conf_level", 0, 1)
  check_imputable(data[setdiff(names(data), idvars)], "data")
  prepared <- prepare_columns(data, "data", "gain_overimpute()", keep = idvars)
  values <- c(list(m = m, seed = seed, progress = progress), given)
  imputer <- do.call(call_python, c(
    list(reticulate::py_get_attr(socgan, "GainImputer"), m = m, seed = seed,
         progress = progress, bounds = bounds,
         idvars = if (length(idvars)) as.list(idvars), derived = derived),
    options, list(values = values)))
  result <- call_python(reticulate::py_get_attr(imputer, "overimpute"),
                        frame_to_python(prepared$python),
                        columns = if (length(columns)) as.list(columns), holdout = holdout,
                        max_cells = max_cells, draws = draws, conf_level = conf_level, progress = progress,
                        values = list(holdout = holdout, draws = draws, conf_level = conf_level))
  table <- frame_from_python(reticulate::py_get_attr(result, "table"))
  coverage <- frame_from_python(reticulate::py_get_attr(result, "coverage"))
  rownames(table) <- NULL
  rownames(coverage) <- NULL
  structure(table, class = c("gain_overimpute", "data.frame"), coverage = coverage,
            conf_level = conf_level, draws = draws, holdout = holdout)
}

#' @rdname gain_overimpute
#' @export
print.gain_overimpute <- function(x, ...) {
  cat(sprintf(paste0("Overimputation: %g%% of each column's observed values hidden (at most ",
                     "max_cells; n below), the models fitted without them, each drawn %d ",
                     "times; %g%% prediction intervals.\n"),
              100 * attr(x, "holdout"), as.integer(attr(x, "draws")), 100 * attr(x, "conf_level")))
  print(attr(x, "coverage"), digits = 3, row.names = FALSE)
  cat(strwrap(paste(
    "A right model covers about `expected` (give or take 2 coverage_se); clearly less says",
    "where it misses (plot() shows which values). Coverage alone cannot tell a model that",
    "learned nothing (its draws spread like the column itself): rmse well below rmse_no_model",
    "(the error of guessing the column's mean) and a clear correlation say the model predicts.")),
    sep = "\n")
  invisible(x)
}

#' @rdname gain_overimpute
#' @export
plot.gain_overimpute <- function(x, y = NULL, ...) {
  d <- as.data.frame(unclass(x)[c("column", "observed", "mean", "lower", "upper", "covered")])
  d$column <- factor(d$column, levels = unique(d$column))
  cov <- attr(x, "coverage")
  strip <- sprintf("%s: %.2f covered (expected %.2f)", cov$column, cov$coverage, cov$expected)
  levels(d$column) <- strip[match(levels(d$column), cov$column)]
  lattice::xyplot(
    mean ~ observed | column, data = d, scales = list(relation = "free"),
    xlab = "Observed (held-out) value", ylab = "Overimputed: mean and interval of the draws",
    main = "Overimputation", lower = d$lower, upper = d$upper, covered = d$covered,
    aspect = 1,
    # the same range on both axes of a panel, so that the line y = x is the diagonal
    prepanel = function(x, y, lower, upper, subscripts, ...) {
      r <- range(x, lower[subscripts], upper[subscripts], finite = TRUE)
      list(xlim = r, ylim = r)
    },
    panel = function(x, y, lower, upper, covered, subscripts, ...) {
      col <- ifelse(covered[subscripts], "grey55", "red")
      lattice::panel.segments(x, lower[subscripts], x, upper[subscripts], col = col)
      lattice::panel.points(x, y, pch = 16, cex = 0.7, col = col)
      lattice::panel.abline(0, 1)
    }, ...)
}
