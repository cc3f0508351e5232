# Calling Python: every wrapper calls socgan's Python functions through call_python(), which
# runs them inside socgan.r.call() (socgan/r/_call.py). That returns the value, the error and
# the warnings as plain data, so that a Python error becomes an R error (class
# "socgan_error") and every Python warning an R warning (class "socgan_warning") that
# tryCatch() and suppressWarnings() can catch, both worded as R users write values.

# Call the Python function `fun` with the arguments in `...` (R values or Python objects) and
# return its value as a Python object (convert = FALSE). `values` holds the R values the user
# gave, by the Python argument names: an error about one of them quotes the R value.
call_python <- function(fun, ..., values = list()) {
  outcome <- socgan_python("r")$call(fun, ...)
  warnings <- reticulate::py_to_r(reticulate::py_get_item(outcome, "warnings"))
  for (w in warnings) {
    warning(socgan_condition(r_wording(w$message, values), c("socgan_warning", "warning"),
                             python_class = w$class))
  }
  error <- reticulate::py_to_r(reticulate::py_get_item(outcome, "error"))
  if (!is.null(error)) {
    classes <- as.character(unlist(error$classes))
    stop(socgan_condition(r_wording(error$message, values),
                          c(paste0("socgan_", python_class_to_r(classes[1L])), "socgan_error",
                            "error"),
                          python_class = as.character(error$class)))
  }
  reticulate::py_get_item(outcome, "value")
}

# R's own checks fail with the classes of Python's errors (socgan_error, error), so that
# tryCatch(socgan_error = ) catches every error of socgan's; a condition is signalled as it is.
socgan_stop <- function(..., call. = FALSE) {
  args <- list(...)
  if (length(args) == 1L && inherits(args[[1L]], "condition")) stop(args[[1L]])
  stop(socgan_condition(paste0(...), c("socgan_error", "error")))
}

socgan_condition <- function(message, class, python_class = NULL, call = NULL) {
  structure(class = c(class, "condition"),
            list(message = message, call = call, python_class = python_class))
}

# ValueError -> value_error, for the condition's class.
python_class_to_r <- function(class) {
  tolower(gsub("([a-z0-9])([A-Z])", "\\1_\\2", class))
}

# socgan's Python messages in R's terms: `x` must ..., got 2.0 -> not 2 (the value the user
# typed, when the message names one of `values`); Python's literals as R's (inf -> Inf,
# None -> NULL, True -> TRUE, 2.0 -> 2, ['a', 'b'] -> c("a", "b")); NaN as missing -> NA;
# DataFrame -> data.frame; 'column' -> `column`.
r_wording <- function(message, values = list()) {
  text <- as.character(message)
  # a hint on writing a condition in Python's syntax stays as it is (its True, ['a', 'b'] are
  # what the condition must say)
  hint <- regexpr(" Conditions are read by Python's pandas, not by R", text, fixed = TRUE)
  if (hint > 0) {
    return(paste0(r_wording(substr(text, 1L, hint - 1L), values),
                  substr(text, hint, nchar(text))))
  }
  # a `where` example: where={'item': 'year != 2002'} -> where = list(item = "year != 2002")
  text <- gsub("where=\\{'([^']*)': '([^']*)'\\}", "where = list(\\1 = \"\\2\")", text)
  named <- regmatches(text, regexpr("^`[^`]+`", text))
  if (length(named)) {
    name <- gsub("`", "", named, fixed = TRUE)
    if (name %in% names(values) && grepl("got ", text, fixed = TRUE)) {
      rest <- sub("^.*?got ", "", text, perl = TRUE)
      value <- deparse_short(values[[name]])
      # "got 2.0." or "got 'a' (str)." up to the end of its sentence
      tail <- if (grepl("\\.(\\s|$)", rest)) sub("^.*?\\.(\\s|$)", "", rest, perl = TRUE) else ""
      text <- paste0(sub("got .*$", "", text), "not ", value, ".",
                     if (nzchar(tail)) paste0(" ", tail) else "")
    }
  }
  text <- gsub("([Cc])olumn '([^']*)'", "\\1olumn `\\2`", text)
  # Python's subscripts, keyword arguments and tuples as R's: bounds['age'] -> bounds[["age"]],
  # out_of_bounds='clip' -> out_of_bounds = "clip", a tuple (low, high) -> c(low, high)
  # a release's report is an attribute in R: `report['x']` -> `attr(release, "privacy_report")$x`
  text <- gsub("`report\\['([A-Za-z0-9_]+)'\\]`", "`attr(release, \"privacy_report\")$\\1`", text)
  text <- gsub("([A-Za-z0-9_])\\['([^']*)'\\]", "\\1[[\"\\2\"]]", text)
  text <- gsub("\\b([a-z_]+)='([^']*)'", "\\1 = \"\\2\"", text)
  text <- gsub("(a )?tuple \\(low, high\\)", "c(low, high)", text)
  # a pair of numbers given as a range: `bounds[["age"]]` = (18, 80) -> c(18, 80)
  text <- gsub("` = \\((-?[0-9.eE+-]+|-?inf), (-?[0-9.eE+-]+|-?inf)\\)", "` = c(\\1, \\2)", text)
  lists <- gregexpr("\\['[^']*'(, '[^']*')*\\]", text)
  regmatches(text, lists) <- lapply(regmatches(text, lists), function(found) {
    vapply(found, function(l) {
      items <- regmatches(l, gregexpr("'[^']*'", l))[[1L]]
      paste0("c(", paste0("\"", substr(items, 2L, nchar(items) - 1L), "\"", collapse = ", "), ")")
    }, "")
  })
  text <- gsub("(?<![A-Za-z0-9_.])(-?[0-9]+)\\.0(?![0-9])", "\\1", text, perl = TRUE)
  text <- gsub("(?<![A-Za-z_])inf(?![A-Za-z_])", "Inf", text, perl = TRUE)
  text <- gsub("(?<![A-Za-z_])nan(?![A-Za-z_])", "NaN", text, perl = TRUE)
  text <- gsub("\\bNone\\b", "NULL", text, perl = TRUE)
  text <- gsub("\\bTrue\\b", "TRUE", text, perl = TRUE)
  text <- gsub("\\bFalse\\b", "FALSE", text, perl = TRUE)
  text <- gsub("with NaN", "with NA", text, fixed = TRUE)
  text <- gsub("pandas DataFrame", "data.frame", text, fixed = TRUE)
  text <- gsub("DataFrame", "data.frame", text, fixed = TRUE)
  # Python's functions and methods as the R package's
  text <- gsub("(?<![A-Za-z_.$])evaluate\\(\\)", "dp_evaluate()", text, perl = TRUE)
  text <- gsub("(.plot())", "(plot())", text, fixed = TRUE)
  text <- gsub("`.fit()` needs m >= 2", "pooling with pool() needs m >= 2", text, fixed = TRUE)
  # formulas as R writes them: a power is ^ (formula_to_python() translates it), no NumPy
  text <- gsub("I\\(([^)]*)\\*\\*", "I(\\1^", text)
  text <- gsub(", I() and np.<function>", " and I()", text, fixed = TRUE)
  text <- gsub("index label", "row name", text, fixed = TRUE)
  # a fitted model's new data (R matches its columns by name) and its file
  text <- gsub("`new_data` must have the columns the imputer was fitted on, in the same order",
               "`data` must have the columns the model was fitted on", text, fixed = TRUE)
  text <- gsub("`new_data`", "`data`", text, fixed = TRUE)
  text <- gsub("GainImputer.save", "gain_model_save()", text, fixed = TRUE)
  text <- gsub("GainImputer.load", "gain_model_load()", text, fixed = TRUE)
  text
}
