.onLoad <- function(libname, pkgname) {
  # Declare, do not start: reticulate remembers that this session wants the Python module
  # socgan (so its discovery prefers an environment named "r-socgan" or a Python that has
  # socgan) and imports it only when a function first needs it. Nothing is installed or
  # asked here; install_socgan() does the installing when the user asks.
  .socgan$delayed <- reticulate::import("socgan", delay_load = TRUE, convert = FALSE)
}
