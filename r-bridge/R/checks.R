# Argument checks: every argument is checked and cast in R before it crosses to Python,
# where R's 5 would otherwise arrive as the float 5.0 and a length-1 vector as a scalar.

check_count <- function(x, name, minimum = 1L) {
  if (!is.numeric(x) || length(x) != 1L || is.na(x) || !is.finite(x) || x != round(x)) {
    socgan_stop("`", name, "` must be one whole number, not ", deparse_short(x), ".", call. = FALSE)
  }
  if (x < minimum) {
    socgan_stop("`", name, "` must be at least ", minimum, ", not ", x, ".", call. = FALSE)
  }
  if (abs(x) > .Machine$integer.max) {
    socgan_stop("`", name, "` is too large: ", x, ".", call. = FALSE)
  }
  as.integer(x)
}

check_seed <- function(x, name = "seed") {
  if (is.null(x)) return(NULL)
  check_count(x, name, minimum = 0L)
}

# The `seed` of gain_impute(), gain_fit(), sae_estimate(), turnout_data() and dp_synthesize():
# a whole number, or NULL / NA (mice's default) for one drawn from R's random number generator,
# so that set.seed() repeats the run as it repeats mice() (a user's trial: set.seed(123) before
# gain_impute(seed = NULL) gave other imputations every time). Never the privacy noise's source.
r_seed <- function(x, name = "seed") {
  if (is.null(x) || (is.atomic(x) && length(x) == 1L && is.na(x))) {
    return(sample.int(.Machine$integer.max, 1L))
  }
  check_count(x, name, minimum = 0L)
}

check_flag <- function(x, name) {
  if (!is.logical(x) || length(x) != 1L || is.na(x)) {
    socgan_stop("`", name, "` must be TRUE or FALSE, not ", deparse_short(x), ".", call. = FALSE)
  }
  x
}

check_string <- function(x, name) {
  if (!is.character(x) || length(x) != 1L || is.na(x) || !nzchar(x)) {
    socgan_stop("`", name, "` must be one non-empty string, not ", deparse_short(x), ".", call. = FALSE)
  }
  x
}

check_number <- function(x, name, lower = -Inf, upper = Inf, upper_closed = FALSE) {
  if (!is.numeric(x) || length(x) != 1L || is.na(x) || x <= lower ||
      (if (upper_closed) x > upper else x >= upper)) {
    socgan_stop("`", name, "` must be one number in (", lower, ", ", upper,
                if (upper_closed) "]" else ")", ", not ", deparse_short(x), ".", call. = FALSE)
  }
  as.double(x)
}

check_data_frame <- function(data, name = "data") {
  if (!is.data.frame(data)) {
    socgan_stop("`", name, "` must be a data.frame, not ", class(data)[1L], ".", call. = FALSE)
  }
  nms <- names(data)
  if (ncol(data) == 0L) socgan_stop("`", name, "` has no columns.", call. = FALSE)
  if (anyNA(nms) || any(!nzchar(nms))) {
    socgan_stop("Every column of `", name, "` needs a name.", call. = FALSE)
  }
  if (anyDuplicated(nms)) {
    socgan_stop("`", name, "` has duplicate column names: ",
         paste(unique(nms[duplicated(nms)]), collapse = ", "), ".", call. = FALSE)
  }
  invisible(data)
}

deparse_short <- function(x) {
  text <- paste(deparse(x, width.cutoff = 40L), collapse = " ")
  if (nchar(text) > 40L) paste0(substr(text, 1L, 37L), "...") else text
}

# Settings passed through `...`: named, each once; `counts` (at least 1) and `counts_from_zero`
# cross as integers, `reals` (a named list of upper bounds) as doubles in (0, bound); anything
# else must be a single value. `skip_null = TRUE` lets NULL through for every setting (Python's
# None).
check_options <- function(options, counts, reals = list(), example, skip_null,
                          counts_from_zero = character()) {
  if (!length(options)) return(list())
  nms <- names(options)
  if (is.null(nms) || any(!nzchar(nms))) {
    socgan_stop("Settings in `...` must be named, e.g. ", example, ".", call. = FALSE)
  }
  if (anyDuplicated(nms)) {
    socgan_stop("A setting is given twice in `...`: ", paste(nms[duplicated(nms)], collapse = ", "),
         ".", call. = FALSE)
  }
  for (nm in nms) {
    value <- options[[nm]]
    if (skip_null && is.null(value)) next
    if (nm %in% counts) {
      options[[nm]] <- check_count(value, nm)
    } else if (nm %in% counts_from_zero) {
      options[[nm]] <- check_count(value, nm, minimum = 0L)
    } else if (nm %in% names(reals)) {
      options[[nm]] <- check_number(value, nm, 0, reals[[nm]])
    } else if (!is.null(value) && (!is.atomic(value) || length(value) != 1L || is.na(value))) {
      socgan_stop("Setting `", nm, "` must be a single value, not ", deparse_short(value), ".",
           call. = FALSE)
    }
  }
  options
}

# match.arg() with socgan's wording (a user's trial: dp_synthesize(method = "marginal") got base
# R's "'arg' should be one of ..."): the argument is named and its choices listed. As
# match.arg(), NULL or the default vector means its first element (all of them with
# several_ok) and unique abbreviations match.
check_choice <- function(x, choices, name, several_ok = FALSE) {
  if (is.null(x) || identical(x, choices)) return(if (several_ok) choices else choices[1L])
  hit <- if (is.character(x) && length(x) >= 1L && !anyNA(x)) {
    pmatch(x, choices, duplicates.ok = TRUE)
  } else NA
  if (anyNA(hit) || (!several_ok && length(x) != 1L)) {
    socgan_stop("`", name, "` must be ", if (several_ok) "some of " else "one of ",
                paste0("\"", choices, "\"", collapse = ", "), ", not ", deparse_short(x), ".",
                call. = FALSE)
  }
  choices[hit]
}
