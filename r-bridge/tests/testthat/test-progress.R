# Issue 15, point 6: progress is shown by default in an interactive R session, not under
# Rscript or knitr; TRUE/FALSE and options(socgan.progress) decide otherwise.

test_that("the default follows interactive() and knitr", {
  op <- options(socgan.progress = NULL, knitr.in.progress = NULL)
  on.exit(options(op))
  expect_identical(socgan:::default_progress(), interactive())
  options(knitr.in.progress = TRUE)
  expect_false(socgan:::default_progress())
  options(knitr.in.progress = NULL, socgan.progress = TRUE)
  expect_true(socgan:::default_progress())
  options(socgan.progress = "yes")
  expect_error(socgan:::default_progress(), "must be TRUE or FALSE")
  expect_error(socgan:::resolve_progress(NA), "`progress` must be TRUE or FALSE")
  expect_false(socgan:::resolve_progress(FALSE))
  expect_null(formals(gain_impute)$progress)
  expect_null(formals(sae_estimate)$progress)
})

test_that("an interactive session shows the bar by default, Rscript does not", {
  skip_if_no_socgan()
  code <- paste(
    "suppressMessages(library(socgan))",
    "d <- data.frame(x = c(1, NA, 3, 4, 5, 6), y = c(2, 1, NA, 4, 5, 3))",
    "invisible(gain_impute(d, m = 2, seed = 1, epochs = 2))",
    "cat('done\\n')", sep = "\n")
  env <- c(paste0("RETICULATE_PYTHON=", Sys.getenv("RETICULATE_PYTHON")),
           paste0("PYTHONPATH=", Sys.getenv("PYTHONPATH")))
  shown <- run_in_interactive_r(code, env = env)
  expect_match(shown, "done", fixed = TRUE)
  expect_match(shown, "GAIN imputation", fixed = TRUE)  # tqdm's bar
  batch <- run_in_fresh_r(code, env = env)
  expect_match(batch, "done", fixed = TRUE)
  expect_no_match(batch, "GAIN imputation", fixed = TRUE)
})

test_that("an Rscript that imputed ends without Python's leaked-semaphore warnings", {
  skip_if_no_socgan()
  code <- paste(
    "suppressMessages(library(socgan))",
    "d <- data.frame(x = c(1, NA, 3, 4, 5, 6), y = c(2, 1, NA, 4, 5, 3))",
    "invisible(gain_impute(d, m = 2, seed = 1, epochs = 2))",
    "invisible(gain_impute(d, m = 2, seed = 1, epochs = 2, n_jobs = 2))",
    "cat('done\\n')", sep = "\n")
  env <- c(paste0("RETICULATE_PYTHON=", Sys.getenv("RETICULATE_PYTHON")),
           paste0("PYTHONPATH=", Sys.getenv("PYTHONPATH")))
  out <- run_in_fresh_r(code, env = env)
  expect_match(out, "done", fixed = TRUE)
  expect_no_match(out, "leaked", fixed = TRUE)
})
