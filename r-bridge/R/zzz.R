.onLoad <- function(libname, pkgname) {
  # Declare, do not start: reticulate remembers that this session wants the Python module
  # socgan (so its discovery prefers an environment named "r-socgan" or a Python that has
  # socgan) and imports it only when a function first needs it. Nothing is installed or
  # asked here; install_socgan() does the installing when the user asks.
  .socgan$delayed <- reticulate::import("socgan", delay_load = TRUE, convert = FALSE)
  # R exits without finalising Python: stop socgan's worker process (see socgan/_runtime.py)
  # and run Python's exit handlers ourselves, so that no semaphores are left behind (Python's
  # and loky's resource trackers warned of "leaked semaphore objects" at the end of Rscript).
  reg.finalizer(.socgan, stop_python_worker, onexit = TRUE)
}

stop_python_worker <- function(env) {
  if (isTRUE(tryCatch(reticulate::py_available(initialize = FALSE), error = function(e) FALSE))) {
    try(reticulate::py_run_string(paste0(
      "import sys as _sys\n",
      "_rt = _sys.modules.get('socgan._runtime')\n",
      "if _rt is not None: _rt.at_exit()\n"
    )), silent = TRUE)
  }
  invisible(NULL)
}
