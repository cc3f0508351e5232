# Columns the model cannot take as they are, prepared in R before anything crosses to Python
# (and before any training), and put back on the way out:
# * haven_labelled columns (haven::read_dta()/read_sav()) whose observed values all carry a
#   value label become factors, as haven::as_factor() makes them (levels = the labels, in the
#   order of their values); others are refused with the advice to convert them;
# * complete Date, POSIXct and difftime columns cross as numbers (days, seconds, the
#   difftime's units) so that they inform the model, and come back unchanged; dates and
#   durations with missing values are refused;
# * infinite numbers are refused (they are neither missing nor usable);
# * attributes such as a variable's `label` are kept on the way back.

# `data` -> list(r = the data as the model sees them, in R (labelled -> factor), python = what
# crosses (dates as numbers)). Columns in `keep` (idvars) are not modelled: they are not
# checked, stay as they are in `r`, and cross as plain values (dates as numbers, labels dropped).
prepare_columns <- function(data, name = "data", what, keep = character()) {
  r <- data
  for (col in names(data)) {
    x <- data[[col]]
    if (col %in% keep) {
      next
    } else if (inherits(x, "haven_labelled")) {
      r[[col]] <- labelled_as_factor(x, col)
    } else if (inherits(x, c("Date", "POSIXt", "difftime")) && anyNA(x)) {
      kind <- if (inherits(x, "difftime")) "a duration (difftime)" else "a date"
      socgan_stop("Column `", col, "` of `", name, "` is ", kind, " with ", sum(is.na(x)),
           " missing value(s); ", what, " cannot impute dates or durations. Convert it to a ",
           "number first (as.numeric(), and back with as.Date() or as.difftime() afterwards) ",
           "or leave it out. Complete date and duration columns are used by the model and ",
           "returned unchanged.", call. = FALSE)
    } else if (is.double(x) && !is.object(x) && any(is.infinite(x))) {
      socgan_stop("Column `", col, "` of `", name, "` has ", sum(is.infinite(x)), " infinite ",
           "value(s) (Inf or -Inf); replace them with NA to have them imputed, or with finite ",
           "numbers.", call. = FALSE)
    }
  }
  python <- r
  for (col in names(r)) {
    if (inherits(r[[col]], c("Date", "POSIXt", "difftime"))) {
      python[[col]] <- as.double(unclass(r[[col]]))  # days, seconds, the difftime's units
    } else if (col %in% keep && inherits(r[[col]], "haven_labelled")) {
      python[[col]] <- as.vector(unclass(r[[col]]))
    }
  }
  list(r = r, python = python)
}

# What haven::as_factor(x) (levels = "default") gives, for a column whose observed values all
# carry a value label; the variable label is kept as the attribute `label`, as haven does.
labelled_as_factor <- function(x, col) {
  labels <- attr(x, "labels", exact = TRUE)
  values <- as.vector(unclass(x))
  observed <- values[!is.na(values)]
  advice <- paste0(" Convert it first: haven::zap_labels() to impute it as a number, or ",
                   "haven::as_factor() to impute it as categories.")
  user_missing <- c(attr(x, "na_values", exact = TRUE))
  na_range <- attr(x, "na_range", exact = TRUE)
  if (length(observed) && (any(observed %in% user_missing) ||
      (length(na_range) == 2L && any(observed >= na_range[1L] & observed <= na_range[2L])))) {
    socgan_stop("Column `", col, "` has SPSS user-defined missing values (haven_labelled_spss); ",
         "say whether they are missing: haven::zap_missing() makes them NA (to be imputed), ",
         "haven::as_factor() keeps them as categories.", call. = FALSE)
  }
  if (is.null(labels) || !length(labels)) {
    socgan_stop("Column `", col, "` is a haven_labelled column without value labels.", advice,
         call. = FALSE)
  }
  unlabelled <- unique(observed[!observed %in% labels])
  if (length(unlabelled)) {
    socgan_stop("Column `", col, "` has value labels for some of its values only (",
         length(unlabelled), " value(s) without a label, e.g. ", deparse_short(unlabelled[1L]),
         "), so it is not clear whether it is a number or a set of categories.", advice,
         call. = FALSE)
  }
  labels <- sort(labels)  # as_factor orders the levels by value
  levels <- unique(names(labels))
  out <- factor(names(labels)[match(values, labels)], levels = levels)
  label <- attr(x, "label", exact = TRUE)
  if (!is.null(label)) attr(out, "label") <- label
  out
}

# The completed data in the form of `original` (as prepare_columns() left it for R): complete
# columns are `original`'s own (dates and all: imputation changes no observed value), and the
# others get `original`'s attributes, e.g. a variable's `label`.
restore_columns <- function(completed, original) {
  for (col in names(original)) {
    x <- original[[col]]
    if (!anyNA(x)) {
      completed[[col]] <- x
      next
    }
    extra <- attributes(x)
    extra <- extra[setdiff(names(extra), c("class", "levels", "names", "dim", "dimnames",
                                           "tsp"))]
    for (a in names(extra)) attr(completed[[col]], a) <- extra[[a]]
  }
  completed
}

# Data an imputer cannot learn from, named before anything else (mice's set-up would otherwise
# fail first, with a message about sampling).
check_imputable <- function(data, name = "data") {
  if (nrow(data) == 0L) {
    socgan_stop("`", name, "` has no rows; there is nothing to impute.", call. = FALSE)
  }
  empty <- names(data)[vapply(data, function(x) all(is.na(x)), logical(1))]
  if (length(empty)) {
    socgan_stop("Column(s) ", paste0("`", empty, "`", collapse = ", "), " of `", name, "` have every ",
         "value missing; there is nothing to learn their distribution from. Drop them before ",
         "imputing (e.g. data[, colSums(!is.na(data)) > 0]).", call. = FALSE)
  }
  invisible(data)
}
