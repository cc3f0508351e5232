# The wire format between R and socgan's Python side (socgan/r/_wire.py).
#
# Debian's reticulate 1.28 cannot be trusted with data frames or arrays: it returns a pandas 3
# DataFrame unconverted (pandas 3 names its class "pandas.DataFrame"), and its NumPy bridge
# refuses NumPy 2. So a data.frame crosses as plain objects that every reticulate converts
# exactly: a named list per column holding its values as native-endian bytes (a raw vector:
# writeBin()/readBin(), float64 for double and Date, int32 for integer, logical and codes),
# a byte mask marking missing values, and the levels of factor and character columns. Text
# never travels with NA inside (reticulate would send the string "NA"), and no value relies
# on R's NA encodings on the other side.

# data.frame -> list for socgan.r.decode_frame()
encode_frame <- function(data) {
  rn <- .row_names_info(data, type = 0L)
  automatic <- is.integer(rn) && length(rn) == 2L && is.na(rn[1L])
  list(
    n = nrow(data),
    columns = unname(Map(encode_column, data, names(data))),
    row_names = if (automatic) NULL else encode_column(rn, "(row names)")
  )
}

encode_column <- function(x, name) {
  if (!is.null(dim(x))) {
    socgan_stop("Column `", name, "` is a matrix; socgan converts plain columns only.", call. = FALSE)
  }
  missing <- is.na(x)
  levels <- character()
  ordered <- FALSE
  if (is.factor(x)) {
    kind <- "factor"
    levels <- levels(x)
    if (anyNA(levels)) {
      socgan_stop("Column `", name, "` is a factor with NA as a level; use addNA() only after ",
           "imputation.", call. = FALSE)
    }
    ordered <- is.ordered(x)
    values <- as.integer(x)
  } else if (inherits(x, "Date")) {
    kind <- "date"
    values <- as.double(unclass(x))
  } else if (inherits(x, "haven_labelled")) {
    socgan_stop("Column `", name, "` is a haven_labelled column; convert it first: ",
         "haven::as_factor() to use it as categories, haven::zap_labels() as a number.",
         call. = FALSE)
  } else if (is.object(x) || !is.atomic(x) || is.complex(x) || is.raw(x)) {
    socgan_stop("Column `", name, "` is of class ", paste(class(x), collapse = "/"),
         ", which socgan does not convert; convert it to numeric, integer, logical, ",
         "character, factor or Date first.", call. = FALSE)
  } else if (is.logical(x)) {
    kind <- "logical"
    values <- as.integer(x)
  } else if (is.integer(x)) {
    kind <- "integer"
    values <- x
  } else if (is.double(x)) {
    kind <- "double"
    values <- x
  } else if (is.character(x)) {
    kind <- "character"
    levels <- unique(x[!missing])
    values <- match(x, levels)
  } else {
    socgan_stop("Column `", name, "` has type ", typeof(x), ", which socgan does not convert.",
         call. = FALSE)
  }
  values[missing] <- 0
  list(
    name = name,
    kind = kind,
    values = if (kind %in% c("double", "date")) writeBin(as.double(values), raw())
             else writeBin(as.integer(values), raw(), size = 4L),
    missing = as.raw(missing),
    levels = enc2utf8(as.character(levels)),
    ordered = ordered
  )
}

# list from socgan.r.encode_frame() -> data.frame
decode_frame <- function(payload) {
  n <- as.integer(payload$n)
  columns <- lapply(payload$columns, decode_column, n = n)
  names(columns) <- vapply(payload$columns, function(col) as.character(col$name), "")
  row_names <- if (is.null(payload$row_names)) .set_row_names(n)
               else decode_column(payload$row_names, n)
  structure(columns, row.names = row_names, class = "data.frame")
}

decode_column <- function(col, n) {
  kind <- as.character(col$kind)
  values <- switch(kind,
    double = , date = readBin(col$values, "double", n = n),
    integer = , logical = , factor = , character =
      readBin(col$values, "integer", n = n, size = 4L),
    socgan_stop("Unknown column kind '", kind, "' from Python.", call. = FALSE)
  )
  missing <- as.logical(col$missing)
  if (length(values) != n || length(missing) != n) {
    socgan_stop("Column `", col$name, "`: expected ", n, " values from Python, got ",
         length(values), ".", call. = FALSE)
  }
  levels <- as.character(unlist(col$levels))  # reticulate gives list() for an empty list
  values[missing] <- NA
  switch(kind,
    double = values,
    integer = values,
    logical = as.logical(values),
    factor = structure(values, levels = levels,
                       class = if (isTRUE(col$ordered)) c("ordered", "factor") else "factor"),
    character = levels[values],
    date = structure(values, class = "Date")
  )
}

# Python objects (convert = FALSE) <-> R data, through the wire format; through call_python(),
# so that the conversion's errors and warnings (integers beyond R's range) are R conditions.
frame_to_python <- function(data) {
  call_python(socgan_python("r")$decode_frame, encode_frame(data))
}

frame_from_python <- function(py_frame) {
  decode_frame(reticulate::py_to_r(call_python(socgan_python("r")$encode_frame, py_frame)))
}

frames_from_python <- function(py_frames) {
  lapply(reticulate::py_to_r(call_python(socgan_python("r")$encode_frames, py_frames)),
         decode_frame)
}
