#' Multiple imputation with GAIN, returned as a mice `mids` object
#'
#' Imputes the missing values of `data` `m` times with socgan's proper GAIN
#' (generative adversarial imputation nets, Yoon, Jordon & van der Schaar 2018,
#' each imputation from its own model trained on a bootstrap resample of the
#' rows) and returns the result as mice's `mids`. Analyse it as after
#' [mice::mice()]: `with(imp, lm(...))`, `pool()`, `summary()`, `complete()`,
#' `densityplot()`, `stripplot()`.
#'
#' @section Data:
#' Columns may be numeric, integer, logical, factor (ordered or not) or
#' character; they come back with the same types, factor levels and level
#' order, and with their attributes (e.g. a variable `label`). An ordered
#' factor keeps its order in the result, but the network models its levels as
#' unordered categories (a softmax over the levels; mice's default for it is
#' `polr`): its imputations follow the other columns, not the order. Infinite
#' values are refused: replace them with `NA` to have them imputed.
#' * Labelled columns from haven (`haven::read_dta()`, `read_sav()`) whose
#'   observed values all carry a value label are imputed as categories and
#'   come back as the factor `haven::as_factor()` makes of them (levels = the
#'   labels, in the order of their values), keeping the variable label.
#'   Columns with unlabelled values, or SPSS user-defined missing values, are
#'   refused with the advice to convert them first (`haven::zap_labels()`,
#'   `haven::as_factor()`, `haven::zap_missing()`).
#' * Complete `Date`, `POSIXct` and `difftime` columns inform the model (as
#'   numbers) and come back unchanged; dates and durations with missing values
#'   cannot be imputed (convert them with `as.numeric()` first).
#' * A numeric column whose observed values are all whole numbers (integer or
#'   double: Likert items, counts, `nhanes2$chl`) is imputed as values it
#'   holds: each draw becomes the nearest observed value. One value with
#'   decimals makes it continuous. A value that at least 5% (and 5) of a
#'   column's cells share (zero earnings, a top code) is a point mass that
#'   imputations land on exactly, as often as the nearest donors do.
#' * Numbers stored as text (`as.character()`) are imputed as categories, with
#'   a warning: convert them with `as.numeric()` first.
#'
#' @section The mids:
#' The result is a `mids` (class `c("gain_mids", "mids")`) that says what
#' made it: `imp$method` is `"gain"` for every imputed column (mice's
#' passive `"~I(formula)"` for a `derived` one), `imp$call` is
#' your `gain_impute()` call, `imp$seed` the seed, and `imp$gain` holds the
#' settings Python used (`settings`, with defaults filled in), the Python
#' socgan version and the training losses (`loss_history`). `print(imp)` shows
#' them; `plot(imp)` plots the training losses (see [plot.gain_mids()]).
#' GAIN draws each imputation once from its own model, so `imp$chainMean` and
#' `imp$chainVar` hold one iteration: the mean and variance of each
#' imputation's imputed values. `mice::mice.mids(imp)` cannot continue GAIN's
#' imputations and stops with an error (see [mice.impute.gain()]). Row names
#' of `imp$imp` are those of `data`.
#'
#' @section Small data:
#' With a few hundred rows or fewer the networks nearly memorise the rows, and
#' the imputations' spread is too narrow: on seven small data sets that R
#' packages ship (`swiss`, `mice::mammalsleep`, `airquality`, `MASS::survey`,
#' `Amelia::freetrade`, 200 rows of `mice::boys`, `MASS::Boston`), held-out
#' values fell in the imputations' 90% intervals 0.86 of the time on average,
#' against 0.91 for mice's `pmm` and 0.94 for `norm` (0.77-0.78 on the three
#' smallest, 47-153 rows), and in simulations with 80-200 rows an interaction
#' was biased toward zero. Check with [gain_overimpute()] before trusting the
#' spread, and compare with a simpler model (`mice(method = "norm")`). (The
#' package's `bench/RESULTS.md`, seventeenth session.)
#'
#' @section Wide data:
#' One network imputes every column. On wide tables of many weakly related
#' columns it can collapse in training (its units inactive for every row): its
#' imputations then ignore the other columns (on 36 columns of
#' `openintro::loans_full_schema` all 5 models did). Such a model is trained
#' again with a fifth of the learning rate, with a warning, and named in a
#' second warning if it collapses even so. Leave unrelated columns out, and
#' check the columns you analyse with [gain_overimpute()]. A column stored
#' twice (same values, same cells missing) is warned about: give one as
#' `derived`.
#'
#' @section mice's arguments:
#' `maxit`, `method`, `printFlag`, `predictorMatrix` and mice's other
#' arguments have no GAIN counterpart and are refused, with a message that
#' names socgan's equivalent (`printFlag` is `progress`; the length of
#' training is `epochs`). A misspelt setting is an error that suggests the
#' nearest one.
#'
#' @param data A data.frame with missing values (`NA`).
#' @param m Number of imputations (a whole number; `5` and `5L` both work).
#' @param seed A whole number: the same seed gives identical imputations. `NULL`
#'   (or `NA`, mice's default) draws one from R's random number generator, so
#'   that `set.seed()` first repeats the run, as it does for `mice()`; `imp$seed`
#'   records it.
#' @param ... GAIN settings of the Python function `socgan.impute()`, by
#'   name. The names and defaults are Python's (a test checks this list
#'   against them):
#'   * `epochs` (default `200`): passes over the (bootstrap) rows per
#'     imputation model, ...
#'   * `max_steps` (default `4000`): ... but at most this many gradient steps,
#'     so that training time stops growing with the number of rows;
#'   * `batch_size` (default `128`): rows per step;
#'   * `hint_rate` (default `0.9`): share of cells whose mask the
#'     discriminator is told, in \[0, 1);
#'   * `alpha` (default `10`): weight of the reconstruction loss against the
#'     adversarial loss;
#'   * `hidden` (default `NULL`): hidden width, `NULL` for
#'     `max(128, 2 * number of features)`;
#'   * `learning_rate` (default `0.01`): Adam's initial learning rate
#'     (decayed to zero on a cosine schedule);
#'   * `weight_decay` (default `1e-05`): Adam's weight decay;
#'   * `adversarial` (default `0`): weight of GAIN's adversarial loss (the
#'     discriminator with the hint mechanism); `0`, the default, trains the generator on
#'     its likelihood alone, which is what is valid when data are missing at random;
#'   * `bootstrap` (default `TRUE`): train each model on a bootstrap resample
#'     (proper multiple imputation); `FALSE` understates the
#'     between-imputation variance and exists only to show that;
#'   * `n_jobs` (default `1`): imputation models trained at once, in worker
#'     processes (`-1`: every core); results equal those of `n_jobs = 1` (to
#'     rounding in R, about 1e-6: the workers' matrix products are not R's);
#'   * `backend` (default `NULL`): `NULL` or `"loky"` for worker processes on
#'     this machine, `"dask"` for a running dask cluster;
#'   * `device` (default `"auto"`): `"cuda"`, `"cpu"`, or `"auto"` for the GPU
#'     when torch finds one.
#' @param bounds `NULL` (default), or a named list of `c(low, high)` per
#'   numeric column: the range within which its imputations are drawn (`-Inf`
#'   or `Inf`: no bound on that side), as Amelia's `bounds`. By default each
#'   numeric column's imputations stay within its observed range (as
#'   predictive mean matching's do), which imputes a skewed variable whose
#'   largest values are more often missing (earnings) too low: give it its
#'   natural bounds, e.g. `list(income = c(0, Inf))`. Bounds may only widen
#'   the observed range. An integer column with at most 1,000 distinct values
#'   is imputed with its observed values within its observed range and with
#'   whole numbers beyond it; its bounds are taken inward to whole numbers.
#' @param idvars `NULL` (default), or names of columns to keep out of the
#'   model, as Amelia's `idvars`: respondent ids, interview dates, free text,
#'   weights you do not want as a predictor. They are copied into every
#'   completed dataset as they are, missing values included (never imputed;
#'   in the `mids` their method is `""`), and the imputations are those of
#'   the data without them. With `model`, the fitted model's `idvars` apply.
#'   A cluster number (a school, a panel's respondent) is a meaningless
#'   quantity to the networks: give it here, or as a factor to impute with a
#'   fixed effect per cluster (for clusters of more than a few members);
#'   socgan has no two-level imputation model (mice's `2l.*` methods).
#' @param derived `NULL` (default), or formulas of columns computed from others,
#'   as mice's passive imputation: a named character vector (or list) such as
#'   `c(bmi = "wgt / (hgt / 100)^2", total = "q1 + q2 + q3")`. Such a column
#'   stays in the model (where observed, it informs the others), and in every
#'   completed dataset its missing values are its formula on the completed
#'   row, so that it agrees with the imputed columns it is made from (imputed
#'   as a column of its own, `mice::boys`' `bmi` was 1.2 units off its formula
#'   in the median row); observed values are never changed. A formula is
#'   arithmetic on column names (`^` for powers, `log()`, `sqrt()`,
#'   comparisons; evaluated by Python's pandas), and mice's `"~I(...)"` is
#'   accepted; names with dots (`Solar.R`) are read as names; formulas are
#'   computed in the order given. A warning says when a
#'   formula mostly disagrees with the column's observed values (units, a
#'   typo). Where a formula has no value (a division by zero, a part that
#'   `where` leaves `NA`) the cell stays `NA`, with a warning. In the `mids`
#'   the column's method is mice's passive
#'   `"~I(formula)"`. With `model`, the fitted model's formulas apply.
#' @param where `NULL` (default: impute every missing cell), or which missing
#'   cells to impute, as mice's `where`, for skip patterns (hours worked are not
#'   asked of people without a job; imputing them invents hours for people who
#'   do not work): a logical matrix or data.frame of `data`'s shape (`TRUE`:
#'   impute that cell; only `NA` cells), or conditions by column such as
#'   `list(hours = "employed == 1", earn = "employed == 1")` (a condition as
#'   `derived`'s formulas, or a logical vector with one value per row, or one
#'   `TRUE`/`FALSE` for all rows; where it cannot be evaluated, e.g. `employed`
#'   is `NA`, or the vector is `NA`, the cell is imputed, with a warning: that
#'   row's `employed` is imputed too and may then not meet the condition).
#'   Conditions are read by Python's pandas, not by R: write `x in ["a", "b"]`
#'   for `x %in% c("a", "b")`, `and`, `or`, `not (...)` for `&&`, `||`, `!`,
#'   `True` for `TRUE`; for `is.na(x)` give a logical vector
#'   (`list(y = is.na(d$x))`); compare a factor with its levels
#'   (`"hyp == 'yes'"`), not its codes (a number, or a level spelt in another
#'   case, is an error). The other missing
#'   cells stay `NA` in every completed dataset (`with()` then analyses the
#'   rows where the item applies), are never drawn, and are not given to the
#'   columns drawn after them; in the `mids` their `where` is `FALSE`. With
#'   `model`, it applies to the new rows.
#' @param output `"mids"` (default) for a mice `mids` object, or `"list"` for a
#'   plain list of the `m` completed data.frames. Column names that are not
#'   syntactic R names (e.g. with spaces) are refused by mice; `"list"` keeps
#'   them.
#' @param progress Show a progress bar while training: `TRUE` or `FALSE`.
#'   `NULL` (default) shows it in an interactive R session, but not under
#'   `Rscript` or while knitr knits; `options(socgan.progress = FALSE)` turns
#'   it off by default.
#' @param model `NULL` (default) to fit new models to `data`, or a fitted
#'   model from [gain_fit()] (or [gain_model_load()]): `data` are then new rows
#'   of the same columns (a new wave), imputed by the fitted models, one
#'   imputation per model (columns are matched by name; the result has the
#'   fitted model's column order); `m` defaults to the model's and may not exceed it;
#'   GAIN settings (`...`) are refused (they belong to `gain_fit()`).
#' @return A `mids` object (see "The mids"), or a list of `m` data.frames
#'   with the row names, columns and column types of `data` and the attribute
#'   `gain` (as `imp$gain`).
#' @section Errors and warnings:
#' Errors and warnings from Python arrive as R conditions (classes
#' `socgan_error` and `socgan_warning`), worded with R's values: catch them
#' with `tryCatch()`, silence warnings with `suppressWarnings()`.
#' @seealso [pool_rubin()] for estimates made elsewhere; [install_socgan()];
#'   [plot.gain_mids()].
#' @examples
#' \dontrun{
#' imp <- gain_impute(mice::nhanes, m = 5, seed = 1, epochs = 100)
#' imp
#' fit <- with(imp, lm(chl ~ age + bmi))
#' summary(mice::pool(fit))
#' plot(imp)
#' }
#' @export
gain_impute <- function(data, m = 5, seed = NULL, ..., bounds = NULL, idvars = NULL,
                        derived = NULL, where = NULL, output = c("mids", "list"),
                        progress = NULL, model = NULL) {
  call <- match.call()
  check_data_frame(data)
  if (!is.null(model)) {
    check_gain_model(model)
    if (missing(m)) m <- model$m
  }
  m <- check_count(m, "m")
  seed <- r_seed(seed)
  output <- check_choice(output, c("mids", "list"), "output")
  given <- list(...)
  if (!is.null(model) && (length(given) || !is.null(bounds) || !is.null(idvars) ||
                          !is.null(derived))) {
    socgan_stop("GAIN settings (", paste0("`", c(names(given), if (!is.null(bounds)) "bounds",
                                                 if (!is.null(idvars)) "idvars",
                                                 if (!is.null(derived)) "derived"), "`",
                                   collapse = ", "), ") belong to ",
         "gain_fit(); with `model`, gain_impute() only draws from the fitted models.",
         call. = FALSE)
  }
  bounds <- gain_bounds_to_python(bounds)
  progress <- resolve_progress(progress)
  socgan <- socgan_python()
  options <- check_gain_options(given)
  idvars <- check_idvars(idvars, data)
  derived <- check_derived(derived, data)
  # a fitted model imputes an item not asked; idvars are never imputed
  if (is.null(model)) check_imputable(data[setdiff(names(data), idvars)], "data")
  if (!is.null(model) && is.data.frame(data) && !identical(names(data), model$columns) &&
      setequal(names(data), model$columns) && !anyDuplicated(names(data))) {
    data <- data[model$columns]  # R matches columns by name: the fitted model's order
  }
  kept <- if (is.null(model)) idvars else model_idvars(model)
  where <- check_where(where, data)
  prepared <- prepare_columns(data, "data", "gain_impute()", keep = kept)
  # everything mice needs is checked before training, not after it
  skeleton <- if (output == "mids") {
    mids_skeleton(prepared$r, m, where = if (is.matrix(where)) where)
  }

  imputations <- if (is.null(model)) {
    do.call(call_python, c(
      list(socgan$impute, frame_to_python(prepared$python), m = m, seed = seed,
           progress = progress, bounds = bounds,
           idvars = if (length(idvars)) as.list(idvars), derived = derived,
           where = where_to_python(where)),
      options,
      list(values = c(list(m = m, seed = seed, progress = progress), given))
    ))
  } else {
    call_python(reticulate::py_get_attr(model$python, "impute"),
                frame_to_python(prepared$python), m = m, seed = seed,
                where = where_to_python(where),
                values = list(m = m, seed = seed))
  }
  result <- reticulate::py_to_r(socgan_python("r")$imputations_for_r(imputations))
  completed <- lapply(result$datasets, function(d) {
    d <- restore_columns(decode_frame(d), prepared$r)
    for (v in kept) d[[v]] <- prepared$r[[v]]  # idvars: exactly as given
    d
  })
  gain <- list(
    settings = result$options,
    socgan_version = reticulate::py_to_r(reticulate::py_get_attr(socgan, "__version__")),
    loss_history = decode_frame(result$loss_history)
  )
  if (output == "list") {
    attr(completed, "gain") <- gain
    return(completed)
  }
  fill_mids(skeleton, completed, call = call, seed = seed, gain = gain)
}

# GAIN settings that are whole numbers cross as integers; the others as they are. Their names
# come from Python's socgan.impute(), so a setting added there is usable at once.
gain_count_options <- c("epochs", "max_steps", "batch_size", "hidden", "n_jobs")

check_gain_options <- function(options, what = "gain_impute()") {
  check_settings(options, python_parameters("impute"),
                 taken = c("data", "m", "seed", "progress", "bounds", "idvars", "derived",
                           "where"),
                 counts = gain_count_options, what = what)
}

# The columns a fitted model keeps out of the model (its idvars), by name.
model_idvars <- function(model) {
  at <- unlist(reticulate::py_to_r(reticulate::py_get_attr(model$python, "idvars_")))
  model$columns[as.integer(at) + 1L]
}

# `idvars` checked against the data: NULL, or names of columns of `data` (a column named
# twice, or one `data` lacks, is an error naming it).
check_idvars <- function(idvars, data) {
  if (is.null(idvars) || (is.character(idvars) && !length(idvars))) return(NULL)
  if (!is.character(idvars) || anyNA(idvars)) {
    socgan_stop("`idvars` must be NULL or names of columns of `data`, such as c(\"id\", \"date\"); got ",
                deparse_short(idvars), ".", call. = FALSE)
  }
  if (anyDuplicated(idvars)) {
    socgan_stop("`idvars` names column `", idvars[duplicated(idvars)][1L], "` twice.", call. = FALSE)
  }
  absent <- setdiff(idvars, names(data))
  if (length(absent)) {
    socgan_stop("`idvars`: `data` has no column `", absent[1L], "`.", call. = FALSE)
  }
  idvars
}

# `where` checked (mice's): NULL; a logical matrix or data.frame of `data`'s shape and column
# names (TRUE = impute the cell; only NA cells); or a named list (or character vector) of
# conditions by column, c(hours = "employed == 1"), or of logical vectors. Sent to Python as a
# logical matrix (numpy) in `data`'s column order, or as a dict.
check_where <- function(where, data) {
  if (is.null(where)) return(NULL)
  if (is.data.frame(where) || is.matrix(where)) {
    if (!identical(dim(where), dim(data))) {
      socgan_stop("`where` must have `data`'s dimensions (", nrow(data), " x ", ncol(data),
                  "), as mice's; got ", paste(dim(where), collapse = " x "), ".", call. = FALSE)
    }
    if (!is.null(colnames(where)) && !setequal(colnames(where), names(data))) {
      socgan_stop("`where`'s column names must be `data`'s.", call. = FALSE)
    }
    w <- as.matrix(where)
    if (!is.null(colnames(w))) w <- w[, names(data), drop = FALSE]
    if (!is.logical(w) || anyNA(w)) {
      socgan_stop("`where` must hold TRUE or FALSE (TRUE: impute that cell).", call. = FALSE)
    }
    on_observed <- w & !is.na(data)
    if (any(on_observed)) {
      v <- names(data)[which(colSums(on_observed) > 0)[1L]]
      socgan_stop("`where` is TRUE in ", sum(on_observed), " observed cell(s) (first in column `",
                  v, "`); it marks missing cells to impute (observed values are never changed).",
                  call. = FALSE)
    }
    dimnames(w) <- list(NULL, names(data))
    return(w)  # sent to Python by where_to_python(), as TRUE/FALSE per row by column
  }
  if ((is.list(where) || is.character(where)) && !is.null(names(where)) &&
      all(nzchar(names(where)))) {
    absent <- setdiff(names(where), names(data))
    if (length(absent)) {
      socgan_stop("`where`: `data` has no column `", absent[1L], "`.", call. = FALSE)
    }
    out <- Map(function(rule, column) {
      if (is.character(rule) && length(rule) == 1L && !is.na(rule)) return(rule)
      if (is.logical(rule) && length(rule) == 1L && !is.na(rule)) {
        return(as.list(rep(rule, nrow(data))))  # TRUE: every missing cell; FALSE: none
      }
      if (is.logical(rule) && length(rule) == 1L) {
        socgan_stop("`where$", column, "` is NA; give TRUE or FALSE (one for all rows), or one ",
                    "per row.", call. = FALSE)
      }
      if (is.logical(rule) && length(rule) != nrow(data)) {
        socgan_stop("`where$", column, "` has ", length(rule), " values; `data` has ",
                    nrow(data), " rows (one TRUE/FALSE per row, or one for all).", call. = FALSE)
      }
      if (is.logical(rule)) {
        blind <- is.na(rule) & is.na(data[[column]])
        if (any(blind)) {
          # as a condition that cannot be evaluated: applicability unknown counts as applicable
          warning(socgan_condition(paste0(
            "`where$", column, "` is NA in ", sum(blind), " row(s) where `", column, "` is ",
            "missing (e.g. `x == \"yes\"` where x is NA): those cells are imputed, as where a ",
            "condition cannot be evaluated. Make them FALSE to leave them missing."),
            c("socgan_warning", "warning")))
        }
        rule[is.na(rule)] <- TRUE
        return(as.list(rule))
      }
      socgan_stop("`where`'s entries must be conditions (one string such as \"employed == 1\") ",
                  "or TRUE/FALSE per row; got ", deparse_short(rule), ".", call. = FALSE)
    }, as.list(where), names(where))
    names(out) <- names(where)
    # R names with dots are names in conditions too (as in `derived`)
    return(backtick_dotted(out, data))
  }
  socgan_stop("`where` must be NULL, a logical matrix of `data`'s shape (mice's), or ",
              "conditions by column such as list(hours = \"employed == 1\").", call. = FALSE)
}

# A checked `where` for Python: a matrix as a dict of TRUE/FALSE lists by column (reticulate's
# numpy conversion of R matrices is not relied on), conditions as they are.
where_to_python <- function(where) {
  if (!is.matrix(where)) return(where)
  out <- lapply(colnames(where), function(v) as.list(where[, v]))
  names(out) <- colnames(where)
  out
}

# `derived` checked: NULL, or a named character vector or list of formulas (one string each),
# as a named list (Python's dict); Python checks the columns and formulas against the data.
check_derived <- function(derived, data = NULL) {
  if (is.null(derived) || (is.character(derived) && !length(derived))) return(NULL)
  ok <- (is.character(derived) || is.list(derived)) && !is.null(names(derived)) &&
    all(nzchar(names(derived))) && !anyNA(names(derived))
  if (!ok) {
    socgan_stop("`derived` must be NULL or formulas named by their column, such as ",
                "c(bmi = \"wgt / (hgt / 100)^2\"); got ", deparse_short(derived), ".", call. = FALSE)
  }
  if (anyDuplicated(names(derived))) {
    socgan_stop("`derived` names column `", names(derived)[duplicated(names(derived))][1L],
                "` twice.", call. = FALSE)
  }
  for (v in names(derived)) {
    f <- derived[[v]]
    if (!is.character(f) || length(f) != 1L || is.na(f)) {
      socgan_stop("`derived[[\"", v, "\"]]` must be one formula (a string such as ",
                  "\"wgt / (hgt / 100)^2\"); got ", deparse_short(f), ".", call. = FALSE)
    }
  }
  backtick_dotted(as.list(derived), data)
}

# R names with dots (Solar.R, hgt.cm) are not names to Python's formulas: backticked, they are
# (longest names first, so that `hgt.cm` is not read as `hgt` and `.cm`). `formulas`: a named
# list; its strings are rewritten, anything else is left as it is.
backtick_dotted <- function(formulas, data) {
  dotted <- if (is.null(data)) character() else grep(".", names(data), fixed = TRUE, value = TRUE)
  dotted <- dotted[order(-nchar(dotted))]
  for (v in names(formulas)) {
    f <- formulas[[v]]
    if (!is.character(f)) next
    for (nm in dotted) {
      pattern <- paste0("(?<![A-Za-z0-9_.`])", gsub("([^A-Za-z0-9_])", "\\\\\\1", nm, perl = TRUE),
                        "(?![A-Za-z0-9_.`])")
      f <- gsub(pattern, paste0("`", nm, "`"), f, perl = TRUE)
    }
    formulas[[v]] <- f
  }
  formulas
}

# list(income = c(0, Inf)) as Python's {"income": [0.0, inf]}; Python checks the columns and
# values (an NA bound crosses as NaN, which its message names).
gain_bounds_to_python <- function(bounds) {
  if (is.null(bounds)) return(NULL)
  nms <- names(bounds)
  if (!is.list(bounds) || is.data.frame(bounds) || is.null(nms) || any(!nzchar(nms))) {
    socgan_stop("`bounds` must be a named list of c(low, high) per numeric column, such as ",
         "list(income = c(0, Inf)); got ", deparse_short(bounds), ".", call. = FALSE)
  }
  if (anyDuplicated(nms)) {
    socgan_stop("`bounds` names column `", nms[duplicated(nms)][1L], "` twice.", call. = FALSE)
  }
  for (nm in nms) {
    b <- bounds[[nm]]
    if (!is.numeric(b) || length(b) != 2L) {
      socgan_stop("`bounds$", nm, "` must be c(low, high), numbers (-Inf or Inf for no bound); got ",
           deparse_short(b), ".", call. = FALSE)
    }
  }
  stats::setNames(lapply(bounds, function(b) as.list(as.double(b))), nms)
}
