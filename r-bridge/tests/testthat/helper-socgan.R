# Tests that need Python skip, with the reason, when socgan's Python side is not there.
skip_if_no_socgan <- function() {
  if (!socgan_available()) {
    skip(paste0("Python with the socgan module is not available to reticulate ",
                "(set RETICULATE_PYTHON, or run socgan::install_socgan())"))
  }
}

# A data.frame with every column type the bridge converts, each with a missing value.
mixed_data <- function() {
  data.frame(
    x = c(1.5, NA, 3, -4.25),
    i = c(1L, NA, 3L, -7L),
    b = c(TRUE, NA, FALSE, TRUE),
    f = factor(c("b", "a", NA, "c"), levels = c("c", "b", "a")),
    o = factor(c("lo", "hi", "mid", NA), levels = c("lo", "mid", "hi"), ordered = TRUE),
    s = c("u", NA, "v", "\u00e9"),
    d = as.Date(c("2020-01-01", NA, "1969-12-31", "2024-02-29")),
    stringsAsFactors = FALSE
  )
}

# Run R code in a fresh R process (for what cannot be undone in this one: starting Python).
run_in_fresh_r <- function(code, env = character()) {
  rscript <- file.path(R.home("bin"), "Rscript")
  libs <- paste0("R_LIBS=", paste(.libPaths(), collapse = .Platform$path.sep))
  out <- suppressWarnings(system2(rscript, c("--vanilla", "-e", shQuote(code)),
                                  env = c(libs, env), stdout = TRUE, stderr = TRUE))
  paste(out, collapse = "\n")
}

# Run `code` in a fresh *interactive* R (R --interactive reads it from stdin), as a user at
# the console would; returns stdout and stderr together.
run_in_interactive_r <- function(code, env = character()) {
  r <- file.path(R.home("bin"), "R")
  libs <- paste0("R_LIBS=", paste(.libPaths(), collapse = .Platform$path.sep))
  script <- tempfile(fileext = ".R")
  writeLines(code, script)
  on.exit(unlink(script))
  out <- suppressWarnings(system2(r, c("--no-echo", "--vanilla", "--interactive"),
                                  stdin = script, env = c(libs, env), stdout = TRUE,
                                  stderr = TRUE))
  paste(out, collapse = "\n")
}

# Count the calls of the Python function socgan.impute while `code` runs: checks that must
# come before training are shown to have stopped the call before Python trained anything.
count_impute_calls <- function(code) {
  reticulate::py_run_string(paste(
    "import socgan",
    "_socgan_impute = socgan.impute",
    "socgan._r_test_calls = 0",
    "def _counted(*args, **kwargs):",
    "    socgan._r_test_calls += 1",
    "    return _socgan_impute(*args, **kwargs)",
    "socgan.impute = _counted", sep = "\n"))
  on.exit(reticulate::py_run_string("socgan.impute = _socgan_impute"))
  force(code)
  reticulate::py_eval("socgan._r_test_calls")
}

# A Python package `name` with the given __version__ (NULL: none), importable by reticulate.
fake_python_module <- function(name, version) {
  dir <- file.path(tempdir(), paste0("fake_", name))
  dir.create(file.path(dir, name), recursive = TRUE, showWarnings = FALSE)
  writeLines(if (is.null(version)) "# no version" else sprintf("__version__ = '%s'", version),
             file.path(dir, name, "__init__.py"))
  reticulate::py_run_string(sprintf("import sys\nif %s not in sys.path: sys.path.insert(0, %s)",
                                    deparse(dir), deparse(dir)))
  name
}

# A data.frame shaped like a small survey, with missing values in every column.
survey_frame <- function(n = 40, seed = 7) {
  set.seed(seed)
  d <- data.frame(
    y = rnorm(n, 10),
    age = sample(18:80, n, replace = TRUE),
    region = factor(sample(c("north", "south", "east"), n, TRUE)),
    stringsAsFactors = FALSE
  )
  for (v in names(d)) d[sample(n, 5), v] <- NA
  d
}
