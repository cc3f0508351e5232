# What users see when Python or the socgan module is missing.

test_that("a missing Python module gives a message that says what to run", {
  op <- options(socgan.python_module = "socgan_module_that_does_not_exist")
  on.exit(options(op))
  skip_if_not(reticulate::py_available(initialize = TRUE), "no Python for reticulate at all")
  expect_false(socgan_available())
  err <- expect_error(gain_impute(data.frame(x = c(1, NA, 2)), m = 2))
  expect_match(conditionMessage(err),
               "The Python module 'socgan_module_that_does_not_exist' is not installed",
               fixed = TRUE)
  expect_match(conditionMessage(err), "socgan::install_socgan(", fixed = TRUE)
  expect_match(conditionMessage(err), "RETICULATE_PYTHON", fixed = TRUE)
  expect_error(pool_rubin(c(1, 2), c(1, 1)), "is not installed")
})

test_that("loading the package starts no Python, and a missing Python says what to run", {
  out <- run_in_fresh_r(
    paste("library(socgan)",
          "cat('started:', reticulate::py_available(initialize = FALSE), '\\n')",
          "cat('available:', socgan_available(), '\\n')",
          "tryCatch(gain_impute(data.frame(x = c(1, NA, 2))),",
          "         error = function(e) cat('error:', conditionMessage(e), '\\n'))",
          sep = "\n"),
    env = "RETICULATE_PYTHON=/nonexistent/bin/python3")
  expect_match(out, "started: FALSE", fixed = TRUE)
  expect_match(out, "available: FALSE", fixed = TRUE)
  expect_match(out, "error: socgan needs Python (>= 3.11) with the socgan package", fixed = TRUE)
  expect_match(out, "RETICULATE_PYTHON is set to '/nonexistent/bin/python3'", fixed = TRUE)
  expect_match(out, "socgan::install_socgan(", fixed = TRUE)
})
