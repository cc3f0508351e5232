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
