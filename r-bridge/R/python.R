# Finding, checking and installing the Python side.

# Proxies made in .onLoad() (delay-loaded: nothing starts until a function needs Python).
.socgan <- new.env(parent = emptyenv())

# The Python module to use. Tests point the option `socgan.python_module` at a module
# that does not exist to check the error message; users never need it.
python_module_name <- function() {
  name <- getOption("socgan.python_module", "socgan")
  if (!is.character(name) || length(name) != 1L || is.na(name) || !nzchar(name)) {
    socgan_stop("Option `socgan.python_module` must be one module name.", call. = FALSE)
  }
  name
}

#' Is the socgan Python package available?
#'
#' Checks, without raising an error, whether Python can be started through
#' reticulate, has the `socgan` module, and whether that module's version is
#' one this R package works with (see "Versions"). Calling it starts Python
#' (in the environment reticulate chooses; see [install_socgan()]), after
#' which that choice is fixed for the R session.
#'
#' @section Versions:
#' The R package declares the versions of the Python package it works with
#' in its DESCRIPTION (field `Config/socgan/python`; see
#' `socgan_python_versions()`). Every function that needs Python checks
#' the version first and, if it does not match, stops with an error that says
#' what to install.
#'
#' @param quietly If `FALSE`, say why socgan is not available (as a
#'   message).
#' @return `TRUE` or `FALSE`. When `FALSE`, the attribute `reason` says why.
#' @seealso [install_socgan()] to set up Python with socgan.
#' @examples
#' socgan_available()
#' socgan_python_versions()
#' @export
socgan_available <- function(quietly = TRUE) {
  quietly <- check_flag(quietly, "quietly")
  reason <- tryCatch({
    socgan_python()
    NULL
  }, error = function(e) conditionMessage(e))
  if (is.null(reason)) return(TRUE)
  if (!quietly) message(reason)
  structure(FALSE, reason = reason)
}

#' @rdname socgan_available
#' @export
socgan_python_versions <- function() {
  spec <- utils::packageDescription("socgan", fields = "Config/socgan/python")
  if (is.null(spec) || is.na(spec)) spec <- ""
  spec <- getOption("socgan.python_versions", spec)  # tests declare other versions with it
  trimws(spec)
}

# A local folder must be the repository root (pip needs its pyproject.toml); a user who gives
# r-bridge/ or the socgan/ source folder is pointed at the folder above.
check_package_path <- function(package) {
  path <- path.expand(package)
  if (!dir.exists(path) || file.exists(file.path(path, "pyproject.toml"))) return(invisible())
  parent <- dirname(normalizePath(path))
  hint <- if (file.exists(file.path(parent, "pyproject.toml"))) {
    paste0(" Did you mean its parent folder, \"", parent, "\"?")
  } else {
    ""
  }
  socgan_stop("`package` is a folder without pyproject.toml: \"", package, "\". Give the root of a ",
       "socgan checkout (the folder with pyproject.toml and r-bridge/).", hint, call. = FALSE)
}

# The socgan Python module (or one of its submodules), imported with convert = FALSE so
# that nothing is converted behind our back: pandas 3 objects in particular are not
# understood by reticulate 1.28, so every result is converted explicitly (see wire.R).
# The first use in a session checks the module's version against socgan_python_versions().
socgan_python <- function(submodule = NULL) {
  module <- python_module_name()
  if (!isTRUE(tryCatch(reticulate::py_available(initialize = TRUE), error = function(e) FALSE))) {
    socgan_stop(python_missing_message(), call. = FALSE)
  }
  if (!reticulate::py_module_available(module)) {
    socgan_stop(module_missing_message(module), call. = FALSE)
  }
  check_python_version(module)
  full <- paste(c(module, submodule), collapse = ".")
  if (is.null(.socgan[[full]])) {
    .socgan[[full]] <- reticulate::import(full, convert = FALSE)
  }
  .socgan[[full]]
}

# The handshake: the Python module's __version__ must satisfy the declared specification.
# A module without __version__ is too old to have one.
check_python_version <- function(module) {
  spec <- socgan_python_versions()
  key <- paste(module, spec)
  if (isTRUE(.socgan$version_ok[[key]])) return(invisible(TRUE))
  top <- reticulate::import(module, convert = FALSE)
  found <- if (reticulate::py_has_attr(top, "__version__")) {
    as.character(reticulate::py_to_r(reticulate::py_get_attr(top, "__version__")))
  } else {
    NA_character_
  }
  if (!version_satisfies(found, spec)) {
    socgan_stop(version_mismatch_message(module, found, spec), call. = FALSE)
  }
  if (is.null(.socgan$version_ok)) .socgan$version_ok <- list()
  .socgan$version_ok[[key]] <- TRUE
  invisible(TRUE)
}

# `spec` is a comma-separated list of ">= 0.1.0", "< 0.2.0", "== 0.1.3" (pip's notation);
# a version with a suffix (0.1.0.dev1, 0.2.0rc1) is compared by its numeric part.
version_satisfies <- function(version, spec) {
  if (is.na(version) || !nzchar(spec)) return(!is.na(version))
  numeric <- regmatches(version, regexpr("^[0-9]+(\\.[0-9]+)*", version))
  if (!length(numeric)) return(FALSE)
  v <- numeric_version(numeric)
  for (clause in trimws(strsplit(spec, ",", fixed = TRUE)[[1L]])) {
    op <- regmatches(clause, regexpr("^(>=|<=|==|!=|>|<)", clause))
    bound <- numeric_version(trimws(substring(clause, nchar(op) + 1L)))
    ok <- switch(op, ">=" = v >= bound, "<=" = v <= bound, "==" = v == bound,
                 "!=" = v != bound, ">" = v > bound, "<" = v < bound)
    if (!isTRUE(ok)) return(FALSE)
  }
  TRUE
}

version_mismatch_message <- function(module, found, spec) {
  python <- tryCatch(reticulate::py_config()$python, error = function(e) "python")
  r_version <- as.character(utils::packageVersion("socgan"))
  paste0(
    "The R package socgan ", r_version, " works with the Python package socgan ", spec,
    ", but the Python that reticulate uses (", python, ") has ",
    if (is.na(found)) "a socgan without a version number (an older one)"
    else paste0("socgan ", found), " (module '", module, "').\n",
    "* Install the matching Python package from the same socgan repository as this R ",
    "package (the folder that holds pyproject.toml and r-bridge/):\n",
    "    socgan::install_socgan(\"path/to/socgan\")   # then restart R\n",
    "  or, into that Python: ", python, " -m pip install --upgrade path/to/socgan\n",
    "* Or install the R package that matches the Python one: ",
    "R CMD INSTALL path/to/socgan/r-bridge"
  )
}

python_missing_message <- function() {
  paste0(
    "socgan needs Python (>= 3.11) with the socgan package, and reticulate could not ",
    "start Python", python_hint(), ".\n",
    "* To set it up, run: socgan::install_socgan(\"path/to/socgan\"), where path/to/socgan is ",
    "the root of a socgan checkout (the folder with pyproject.toml and r-bridge/) or a pip URL.\n",
    "* Or point R at a Python that has socgan: Sys.setenv(RETICULATE_PYTHON = \"/path/to/python\") ",
    "before socgan's first use, or in ~/.Renviron.\n",
    "Then restart R."
  )
}

module_missing_message <- function(module) {
  python <- tryCatch(reticulate::py_config()$python, error = function(e) "?")
  paste0(
    "The Python module '", module, "' is not installed in the Python that reticulate uses (",
    python, ").\n",
    "* To set up an environment with it, run: ",
    "socgan::install_socgan(\"path/to/socgan\") (the root of a socgan checkout, the folder with ",
    "pyproject.toml) and restart R.\n",
    "* Or install it into that Python: ", python,
    " -m pip install torch==2.13.0 path/to/socgan\n",
    "* Or choose another Python: Sys.setenv(RETICULATE_PYTHON = \"/path/to/python\") in a fresh ",
    "R session."
  )
}

python_hint <- function() {
  given <- Sys.getenv("RETICULATE_PYTHON")
  if (nzchar(given)) paste0(" (RETICULATE_PYTHON is set to '", given, "')") else ""
}

#' Install the socgan Python package for use from R
#'
#' Creates a Python virtual environment (by default `r-socgan`, which
#' reticulate finds by itself in later sessions), installs the CPU build of
#' torch into it, then the socgan Python package. Nothing is installed unless
#' you call this function; loading the R package never installs or asks
#' anything.
#'
#' @param package Where pip finds the socgan Python package: the path of
#'   the *root* of a socgan checkout, the folder that holds `pyproject.toml`
#'   and `r-bridge/` (e.g. `"~/src/socgan"`, not `"~/src/socgan/r-bridge"`
#'   nor `"~/src/socgan/socgan"`), a wheel, or a pip URL (e.g.
#'   `"git+https://example.org/socgan.git"`). Install the Python package from
#'   the same checkout as this R package, so that their versions match (see
#'   [socgan_python_versions()]).
#' @param envname Name (or path) of the virtual environment.
#' @param python Python interpreter to build the environment from; `NULL`
#'   lets reticulate choose one (it needs Python >= 3.11).
#' @param torch pip requirement for torch, installed first. The default pins
#'   the version socgan is tested with.
#' @param torch_pip_options Extra pip options for torch. The default index
#'   serves CPU-only wheels, avoiding several GB of CUDA libraries; use
#'   `character()` for your pip's default index.
#' @param pip_options Extra pip options for the socgan package.
#' @return The environment name, invisibly.
#' @seealso [socgan_available()]
#' @examples
#' \dontrun{
#' install_socgan("~/src/socgan")
#' # restart R, then
#' library(socgan)
#' socgan_available()
#' }
#' @export
install_socgan <- function(package, envname = "r-socgan", python = NULL,
                           torch = "torch==2.13.0",
                           torch_pip_options = c("--index-url", "https://download.pytorch.org/whl/cpu"),
                           pip_options = character()) {
  if (missing(package)) {
    socgan_stop("Say where pip finds the socgan Python package, e.g. ",
         "install_socgan(\"~/src/socgan\") or install_socgan(\"git+https://...\").",
         call. = FALSE)
  }
  check_string(package, "package")
  check_package_path(package)
  check_string(envname, "envname")
  if (!is.null(python)) check_string(python, "python")
  check_string(torch, "torch")
  if (reticulate::py_available(initialize = FALSE)) {
    warning("Python is already running in this R session; restart R after the installation ",
            "so that the new environment is used.", call. = FALSE)
  }
  if (!reticulate::virtualenv_exists(envname)) {
    reticulate::virtualenv_create(envname, python = python)
  }
  reticulate::virtualenv_install(envname, torch, pip_options = as.character(torch_pip_options))
  reticulate::virtualenv_install(envname, path.expand(package),
                                 pip_options = as.character(pip_options))
  message("socgan is installed in the Python environment '", envname, "'. Restart R; ",
          "reticulate will then use it (or set RETICULATE_PYTHON to its python).")
  invisible(envname)
}
