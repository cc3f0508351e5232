# Settings passed through `...` to a Python function: their names are taken from the Python
# function's signature at call time (socgan.r.signature()), so that R accepts exactly what
# Python accepts and documents Python's defaults (tests compare the Rd pages with them).

# The parameters of a socgan Python function, e.g. python_parameters("impute") for
# socgan.impute or python_parameters("estimate", "sae"): a list of
# list(name, default, has_default, keyword_only).
python_parameters <- function(fun, submodule = NULL) {
  key <- paste(c(submodule, fun), collapse = ".")
  if (is.null(.socgan$signatures)) .socgan$signatures <- list()
  if (is.null(.socgan$signatures[[key]])) {
    f <- reticulate::py_get_attr(socgan_python(submodule), fun)
    .socgan$signatures[[key]] <- reticulate::py_to_r(socgan_python("r")$signature(f))
  }
  .socgan$signatures[[key]]
}

# What mice users type, and what it means for socgan's GAIN (refused, with the equivalent).
mice_arguments <- c(
  maxit = paste0("GAIN has no chained-equation iterations to run: each imputation comes from ",
                 "one model, trained for `epochs` passes over the data (at most `max_steps` ",
                 "steps). Leave `maxit` out, or set `epochs`."),
  method = paste0("GAIN imputes every column with one joint model, so there are no ",
                  "per-column methods to choose; column types decide the model's output ",
                  "(numbers, binary, categories). Leave `method` out."),
  printFlag = "socgan's equivalent is `progress` (TRUE or FALSE).",
  print = "socgan's equivalent is `progress` (TRUE or FALSE).",
  predictorMatrix = paste0("GAIN uses every column to impute every other; to keep a column ",
                           "out of the model (an id, a date, free text) and in the result, ",
                           "name it in `idvars`."),
  visitSequence = "GAIN imputes all columns at once; there is no visit sequence.",
  blocks = "GAIN imputes all columns at once, as one block.",
  formulas = "GAIN has no per-column formulas; it uses every column of `data`.",
  blots = "GAIN has no per-column methods to pass arguments to; set GAIN's settings by name.",
  post = paste0("GAIN has no post-processing step; observed values are never changed and ",
                "imputed integers stay whole numbers."),
  defaultMethod = "GAIN imputes every column with one joint model; there are no methods.",
  ignore = "GAIN trains on every row of `data`.",
  data.init = "GAIN needs no starting imputations.",
  remove.collinear = "GAIN keeps every column.",
  remove.constant = "GAIN keeps every column (complete constant ones are carried along).",
  allow.na = "GAIN keeps every column."
)

# Check the names (and shapes) of the settings in `options` against the parameters of Python's
# `fun`, leaving out `taken` (those the R function has as its own arguments). Unknown names
# fail with the socgan equivalent of a mice argument, or the nearest setting for a typo.
# Whole-number counts (`counts`) cross as integers; R's NULL is Python's None.
check_settings <- function(options, parameters, taken, counts = character(), what,
                           mice = mice_arguments) {
  if (!length(options)) return(list())
  nms <- names(options)
  if (is.null(nms) || any(!nzchar(nms))) {
    socgan_stop("Settings in `...` must be named, e.g. epochs = 100; got an unnamed value.",
         call. = FALSE)
  }
  if (anyDuplicated(nms)) {
    socgan_stop("A setting is given twice in `...`: ", paste(unique(nms[duplicated(nms)]),
                                                      collapse = ", "), ".", call. = FALSE)
  }
  known <- setdiff(vapply(parameters, function(p) p$name, ""), taken)
  for (nm in nms) {
    if (nm %in% known) next
    if (nm %in% names(mice)) {
      socgan_stop("`", nm, "` is an argument of mice(), not of ", what, ": ", mice[[nm]],
           call. = FALSE)
    }
    socgan_stop("`", nm, "` is not a setting of ", what, ".", did_you_mean(nm, c(known, taken)),
         " Its settings are: ", paste0("`", c(taken, known), "`", collapse = ", "), ".",
         call. = FALSE)
  }
  for (nm in nms) {
    value <- options[[nm]]
    if (is.null(value)) next
    if (!is.atomic(value) || length(value) != 1L || is.na(value)) {
      socgan_stop("Setting `", nm, "` must be a single value, not ", deparse_short(value), ".",
           call. = FALSE)
    }
    if (nm %in% counts && is.numeric(value) && is.finite(value) && value == round(value) &&
        abs(value) <= .Machine$integer.max) {
      options[[nm]] <- as.integer(value)
    }
  }
  options
}

# " Did you mean `epochs`?" for a name within two edits (or a prefix) of a known one.
did_you_mean <- function(name, candidates) {
  if (!length(candidates)) return("")
  distance <- as.vector(utils::adist(name, candidates, ignore.case = TRUE))
  prefix <- startsWith(candidates, name) | startsWith(name, candidates)
  best <- which(distance == min(distance))
  if (min(distance) <= 2L || any(prefix)) {
    pick <- if (min(distance) <= 2L) candidates[best[1L]] else candidates[which(prefix)[1L]]
    return(paste0(" Did you mean `", pick, "`?"))
  }
  ""
}

# Progress bars: shown by default in an interactive R session, not under Rscript, R CMD BATCH
# or while knitr knits (where a bar would fill the document). The option `socgan.progress`
# (TRUE or FALSE) overrides the default.
default_progress <- function() {
  option <- getOption("socgan.progress")
  if (!is.null(option)) return(check_flag(option, "options(socgan.progress)"))
  interactive() && !isTRUE(getOption("knitr.in.progress"))
}

resolve_progress <- function(progress) {
  if (is.null(progress)) default_progress() else check_flag(progress, "progress")
}
