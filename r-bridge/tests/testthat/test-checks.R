# Argument checks happen in R, before anything crosses to Python (no Python needed here).

test_that("counts accept whole doubles and integers, and are cast to integer", {
  expect_identical(socgan:::check_count(5, "m"), 5L)
  expect_identical(socgan:::check_count(5L, "m"), 5L)
  expect_error(socgan:::check_count(2.5, "m"), "`m` must be one whole number")
  expect_error(socgan:::check_count(c(1, 2), "m"), "one whole number")
  expect_error(socgan:::check_count(NA_real_, "m"), "one whole number")
  expect_error(socgan:::check_count("5", "m"), "one whole number")
  expect_error(socgan:::check_count(0, "m"), "at least 1")
  expect_null(socgan:::check_seed(NULL))
  expect_identical(socgan:::check_seed(0), 0L)
})

test_that("gain_impute() checks its arguments before calling Python", {
  d <- data.frame(x = c(1, NA, 3))
  expect_error(gain_impute(list(x = 1)), "`data` must be a data.frame")
  expect_error(gain_impute(d, m = 1.5), "`m` must be one whole number")
  expect_error(gain_impute(d, m = 0), "`m` must be at least 1")
  expect_error(gain_impute(d, seed = -1), "`seed` must be at least 0")
  expect_error(gain_impute(d, output = "array"), "`output` must be one of")
  expect_error(gain_impute(d, progress = NA), "`progress` must be TRUE or FALSE")
  expect_error(gain_impute(data.frame(a = 1, a = 2, check.names = FALSE)), "duplicate column")
})

test_that("gain settings are checked by name and shape before training", {
  skip_if_no_socgan()
  d <- data.frame(x = c(1, NA, 3), y = c(1, 2, 3))
  expect_error(gain_impute(d, 5, NULL, 100), "must be named")
  expect_error(gain_impute(d, epochs = 2.5), "`epochs` must be a whole number, not 2.5.",
               fixed = TRUE)
  expect_error(gain_impute(d, alpha = c(1, 2)), "`alpha` must be a single value")
  expect_error(gain_impute(d, epochs = 1, epochs = 2), "given twice")
  expect_error(gain_impute(data.frame(x = c(1, NA), d = Sys.Date() + c(0, NA))),
               "Column `d` of `data` is a date with 1 missing value")
})

test_that("gain settings that are counts cross as integers", {
  skip_if_no_socgan()
  opts <- socgan:::check_gain_options(list(epochs = 10, alpha = 10, hidden = NULL,
                                           max_steps = 5, n_jobs = -1))
  expect_identical(opts$epochs, 10L)
  expect_identical(opts$max_steps, 5L)
  expect_identical(opts$n_jobs, -1L)
  expect_identical(opts$alpha, 10)
  expect_true("hidden" %in% names(opts))
})

test_that("pool_rubin() checks its arguments before calling Python", {
  expect_error(pool_rubin(1:3, 1:2), "same layout")
  expect_error(pool_rubin(1, 1), "at least 2 imputations")
  expect_error(pool_rubin(c(1, NA), c(1, 1)), "finite")
  expect_error(pool_rubin(c(1, 2), c(1, -1)), "not negative")
  expect_error(pool_rubin(c(1, 2), c(1, 1), dfcom = 0), "`dfcom` must be NULL or positive")
  expect_error(pool_rubin(c(1, 2), c(1, 1), conf_level = 1), "`conf_level` must be one number")
  expect_error(pool_rubin("a", "b"), "must be a numeric vector")
  expect_error(pool_rubin(cbind(a = 1:2, b = 2:3), cbind(1:2, 2:3), terms = "a"),
               "must name each of the 2 terms")
})

test_that("install_socgan() asks where the Python package is", {
  expect_error(install_socgan(), "Say where pip finds the socgan Python package")
  expect_error(install_socgan(1), "`package` must be one non-empty string")
})

test_that("a choice argument names itself and its choices (not base R's 'arg')", {
  expect_identical(socgan:::check_choice(c("a", "bb"), c("a", "bb"), "x"), "a")
  expect_identical(socgan:::check_choice("b", c("a", "bb"), "x"), "bb")  # as match.arg
  expect_identical(socgan:::check_choice(c("bb", "a"), c("a", "bb"), "x", several_ok = TRUE),
                   c("bb", "a"))
  expect_identical(socgan:::check_choice(NULL, c("a", "bb"), "x"), "a")  # as match.arg
  expect_identical(socgan:::check_choice(c("a", "a"), c("a", "bb"), "x", several_ok = TRUE),
                   c("a", "a"))
  expect_error(socgan:::check_choice("c", c("a", "bb"), "x"),
               "`x` must be one of \"a\", \"bb\", not \"c\"", fixed = TRUE)
  expect_error(socgan:::check_choice(c("a", "bb", "a"), c("a", "bb"), "x"), "`x` must be one of")
  expect_error(socgan:::check_choice(NA_character_, c("a", "bb"), "x"), "`x` must be one of")
  expect_error(dp_synthesize(data.frame(x = 1:3), method = "marginal"),
               "`method` must be one of \"marginals\"", fixed = TRUE)
  expect_error(gain_impute(data.frame(x = c(1, NA, 3)), output = "lists"),
               "`output` must be one of \"mids\", \"list\"", fixed = TRUE)
})
