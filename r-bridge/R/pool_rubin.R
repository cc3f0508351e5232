#' Pool estimates with Rubin's rules, as mice does
#'
#' Pools `m` sets of estimates and their squared standard errors, made with any
#' software, with Rubin's (1987) rules and the Barnard & Rubin (1999) degrees
#' of freedom, computed exactly as `summary(mice::pool(fit), conf.int = TRUE)`
#' computes them (socgan's Python function `socgan.pool()` does the work).
#'
#' @param estimates The estimates: a numeric vector of `m` estimates of one
#'   term, or a matrix or data.frame with one row per imputation and one
#'   column per term (column names name the terms).
#' @param variances The squared standard errors, in the same layout.
#' @param dfcom Complete-data degrees of freedom (for a regression `n - k`, R's
#'   `df.residual(fit)`), one value or one per term. `NULL` or `Inf` mean a
#'   large sample (Rubin's 1987 degrees of freedom).
#' @param conf_level Level of the confidence intervals, in (0, 1).
#' @param terms Term names; by default the column names of `estimates`.
#' @return A data.frame (of class `socgan_pooled`) with one row per term and
#'   the columns `term`, `estimate`, `std.error`, `statistic`, `df`,
#'   `p.value`, `conf.low`, `conf.high`, `riv`, `lambda`, `fmi`, `m`, `ubar`,
#'   `b`, `t` and `dfcom`: the columns of
#'   `summary(mice::pool(fit), type = "all", conf.int = TRUE)` under mice's
#'   names, the interval named as `tidy()` of a mice `mipo` names it
#'   (`conf.low`, `conf.high` instead of `2.5 %`, `97.5 %`). Its attribute
#'   `conf_level` is the level of the interval. The names `std_error`,
#'   `p_value`, `conf_low` and `conf_high` of socgan 0.1 still work with `$`
#'   and `[[`, with a deprecation warning.
#' @references
#' Rubin, D. B. (1987). *Multiple Imputation for Nonresponse in Surveys*. Wiley.
#'
#' Barnard, J. and Rubin, D. B. (1999). Small-sample degrees of freedom with
#' multiple imputation. *Biometrika*, 86(4), 948-955.
#' @seealso [mice::pool.scalar()], [gain_impute()]
#' @examples
#' \dontrun{
#' # five estimates of a mean and their squared standard errors
#' pool_rubin(c(10.2, 10.5, 9.9, 10.4, 10.1), c(0.30, 0.28, 0.31, 0.29, 0.30),
#'            dfcom = 99)
#' }
#' @export
pool_rubin <- function(estimates, variances, dfcom = NULL, conf_level = 0.95, terms = NULL) {
  est <- as_imputation_matrix(estimates, "estimates")
  var <- as_imputation_matrix(variances, "variances")
  if (!identical(dim(est), dim(var))) {
    socgan_stop("`estimates` (", nrow(est), " x ", ncol(est), ") and `variances` (", nrow(var),
         " x ", ncol(var), ") must have the same layout: one row per imputation, one column ",
         "per term.", call. = FALSE)
  }
  if (nrow(est) < 2L) {
    socgan_stop("Pooling needs at least 2 imputations, got ", nrow(est), ".", call. = FALSE)
  }
  if (any(!is.finite(est))) socgan_stop("`estimates` must be finite numbers.", call. = FALSE)
  if (any(!is.finite(var)) || any(var < 0)) {
    socgan_stop("`variances` must be finite and not negative.", call. = FALSE)
  }
  if (!is.null(dfcom)) {
    if (!is.numeric(dfcom) || !(length(dfcom) %in% c(1L, ncol(est))) || anyNA(dfcom) ||
        any(dfcom <= 0)) {
      socgan_stop("`dfcom` must be NULL or positive numbers, one or one per term (", ncol(est), ").",
           call. = FALSE)
    }
    dfcom <- if (length(dfcom) == 1L) as.double(dfcom) else as.list(as.double(dfcom))
  }
  conf_level <- check_number(conf_level, "conf_level", 0, 1)
  if (is.null(terms)) terms <- colnames(est)
  if (!is.null(terms)) {
    if (!is.character(terms) || length(terms) != ncol(est) || anyNA(terms)) {
      socgan_stop("`terms` must name each of the ", ncol(est), " terms.", call. = FALSE)
    }
    terms <- as.list(terms)  # a list, so that one term stays a list in Python
  }

  rows <- function(x) lapply(seq_len(nrow(x)), function(i) as.list(unname(x[i, ])))
  args <- list(rows(est), rows(var), dfcom = dfcom, conf_level = conf_level)
  if (!is.null(terms)) args$terms <- terms
  pooled <- do.call(call_python, c(list(socgan_python()$pool), args,
                                    list(values = list(conf_level = conf_level))))
  out <- frame_from_python(reticulate::py_get_attr(pooled, "table"))
  out$m <- as.integer(out$m)
  structure(out, class = c("socgan_pooled", "data.frame"), conf_level = conf_level)
}

# pool_rubin() named four columns otherwise in socgan 0.1; old code that reads them by those
# names gets the column, with a warning, instead of a silent NULL.
pooled_old_names <- c(std_error = "std.error", p_value = "p.value", conf_low = "conf.low",
                      conf_high = "conf.high")

pooled_column_name <- function(x, name) {
  if (is.character(name) && length(name) == 1L && name %in% names(pooled_old_names) &&
      !name %in% names(x)) {
    new <- pooled_old_names[[name]]
    warning(socgan_condition(
      paste0("Column `", name, "` of pool_rubin()'s result is now `", new, "` (mice's name); ",
             "the old name is deprecated."),
      c("socgan_deprecated", "deprecatedWarning", "warning")))
    return(new)
  }
  name
}

#' @export
`$.socgan_pooled` <- function(x, name) {
  .subset2(x, pooled_column_name(x, name))
}

#' @export
`[[.socgan_pooled` <- function(x, i, ...) {
  i <- pooled_column_name(x, i)
  class(x) <- "data.frame"
  x[[i, ...]]
}

as_imputation_matrix <- function(x, name) {
  if (is.data.frame(x)) {
    if (!all(vapply(x, is.numeric, logical(1)))) {
      socgan_stop("Every column of `", name, "` must be numeric.", call. = FALSE)
    }
    x <- as.matrix(x)
  } else if (is.numeric(x) && is.null(dim(x))) {
    x <- matrix(x, ncol = 1L)
  }
  if (!is.numeric(x) || !is.matrix(x)) {
    socgan_stop("`", name, "` must be a numeric vector (one term), or a matrix or data.frame with ",
         "one row per imputation and one column per term.", call. = FALSE)
  }
  storage.mode(x) <- "double"
  x
}
