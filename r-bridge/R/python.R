# Finding, checking and installing the Python side.

# Proxies made in .onLoad() (delay-loaded: nothing starts until a function needs Python).
.socgan <- new.env(parent = emptyenv())

# The Python module to use. Tests point the option `socgan.python_module` at a module
# that does not exist to check the error message; users never need it.
python_module_name <- function() {
  name <- getOption("socgan.python_module", "socgan")
  if (!is.character(name) || length(name) != 1L || is.na(name) || !nzchar(name)) {
    stop("Option `socgan.python_module` must be one module name.", call. = FALSE)
  }
  name
}

#' Is the socgan Python package available?
#'
#' Checks, without raising an error, whether Python can be started through
#' reticulate and has the `socgan` module. Calling it starts Python (in the
#' environment reticulate chooses; see [install_socgan()]), after which that
#' choice is fixed for the R session.
#'
#' @return `TRUE` or `FALSE`.
#' @seealso [install_socgan()] to set up Python with socgan.
#' @examples
#' socgan_available()
#' @export
socgan_available <- function() {
  isTRUE(tryCatch(
    reticulate::py_available(initialize = TRUE) &&
      reticulate::py_module_available(python_module_name()),
    error = function(e) FALSE
  ))
}

# The socgan Python module (or one of its submodules), imported with convert = FALSE so
# that nothing is converted behind our back: pandas 3 objects in particular are not
# understood by reticulate 1.28, so every result is converted explicitly (see wire.R).
socgan_python <- function(submodule = NULL) {
  module <- python_module_name()
  if (!isTRUE(tryCatch(reticulate::py_available(initialize = TRUE), error = function(e) FALSE))) {
    stop(python_missing_message(), call. = FALSE)
  }
  if (!reticulate::py_module_available(module)) {
    stop(module_missing_message(module), call. = FALSE)
  }
  full <- paste(c(module, submodule), collapse = ".")
  if (is.null(.socgan[[full]])) {
    .socgan[[full]] <- reticulate::import(full, convert = FALSE)
  }
  .socgan[[full]]
}

python_missing_message <- function() {
  paste0(
    "socgan needs Python (>= 3.11) with the socgan package, and reticulate could not ",
    "start Python", python_hint(), ".\n",
    "* To set it up, run: socgan::install_socgan(\"<path or URL of the socgan Python package>\")\n",
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
    "socgan::install_socgan(\"<path or URL of the socgan Python package>\") and restart R.\n",
    "* Or install it into that Python: ", python,
    " -m pip install torch==2.13.0 <path or URL of socgan>\n",
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
#' @param package Where pip finds the socgan Python package: a path to a
#'   checkout (e.g. `"~/src/socgan"`), a wheel or an URL
#'   (e.g. `"git+https://example.org/socgan.git"`).
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
    stop("Say where pip finds the socgan Python package, e.g. ",
         "install_socgan(\"~/src/socgan\") or install_socgan(\"git+https://...\").",
         call. = FALSE)
  }
  check_string(package, "package")
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
