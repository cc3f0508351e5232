# Issue 15, point 3: errors and warnings from Python arrive as R conditions, in R's wording;
# mice's argument names and misspelt settings are refused with the socgan equivalent.

test_that("Python's wording is translated to R's", {
  w <- socgan:::r_wording
  expect_identical(w("`hint_rate` must lie in [0.0, 1.0), got 2.0.", list(hint_rate = 2)),
                   "`hint_rate` must lie in [0, 1), not 2.")
  expect_identical(w("`epochs` must be a whole number, got 'a' (str). See help.",
                     list(epochs = "a")),
                   "`epochs` must be a whole number, not \"a\". See help.")
  expect_identical(w("`alpha` must lie in [0.0, inf), got -1.0.", list(alpha = -1L)),
                   "`alpha` must lie in [0, Inf), not -1L.")
  expect_identical(w("Column 'x' contains 1 infinite value(s); replace them with NaN"),
                   "Column `x` contains 1 infinite value(s); replace them with NA")
  expect_identical(w("unknown columns ['a', 'b c']; None, True or False"),
                   "unknown columns c(\"a\", \"b c\"); NULL, TRUE or FALSE")
  expect_identical(w("`data` must be a pandas DataFrame"), "`data` must be a data.frame")
  # subscripts, keyword arguments and tuples (an R user's trial saw `boundsc("age")`)
  expect_identical(w("`bounds['age']` = (20, 60); pass out_of_bounds='clip' or give a tuple (low, high)."),
                   "`bounds[[\"age\"]]` = c(20, 60); pass out_of_bounds = \"clip\" or give c(low, high).")
  expect_identical(w("`report['marginal_independent']` lists them"),
                   "`attr(release, \"privacy_report\")$marginal_independent` lists them")
  expect_identical(w(paste0("`new_data` must have the columns the imputer was fitted on, in the ",
                            "same order; not fitted: ['extra'].")),
                   "`data` must have the columns the model was fitted on; not fitted: c(\"extra\").")
  expect_identical(w("'x' is not a safetensors file written by GainImputer.save (bad)."),
                   "'x' is not a safetensors file written by gain_model_save() (bad).")
  # a range quoted back (a user's trial saw `bounds[["age"]]` = (18, 80))
  expect_identical(w("`bounds['age']` = (18.0, 80.0) and `b` = (-inf, 2.5)"),
                   "`bounds[[\"age\"]]` = c(18, 80) and `b` = c(-Inf, 2.5)")
  # Python's functions as the R package's (an R user's trial: no evaluate() in R)
  expect_identical(w("check the release with evaluate() on public data; look (.plot())."),
                   "check the release with dp_evaluate() on public data; look (plot()).")
  expect_identical(w("imp.evaluate() and dp_evaluate()"), "imp.evaluate() and dp_evaluate()")
  # a message about an argument the caller did not give keeps Python's value
  expect_identical(w("`m` must be at least 1, got 0.", list()), "`m` must be at least 1, got 0.")
})

test_that("a Python error is an R error of class socgan_error, quoting the R value", {
  skip_if_no_socgan()
  d <- data.frame(x = c(1, NA, 3, 4), y = c(1, 2, NA, 4))
  err <- expect_error(gain_impute(d, hint_rate = 2, progress = FALSE),
                      class = "socgan_value_error")
  expect_s3_class(err, "socgan_error")
  expect_identical(conditionMessage(err), "`hint_rate` must lie in [0, 1), not 2.")
  expect_identical(err$python_class, "ValueError")
  err <- expect_error(gain_impute(d, learning_rate = Inf, progress = FALSE), class = "socgan_error")
  expect_match(conditionMessage(err), "not Inf.", fixed = TRUE)
  expect_no_match(conditionMessage(err), "inf", fixed = TRUE)
  caught <- tryCatch(gain_impute(d, batch_size = 2.5, progress = FALSE),
                     socgan_error = function(e) "caught")
  expect_identical(caught, "caught")
  # errors of the other wrappers too
  err <- expect_error(turnout_data(n_census = 100, n_survey = 10), class = "socgan_error")
  expect_match(conditionMessage(err), "n_census", fixed = TRUE)
})

test_that("Python warnings are R warnings: caught by tryCatch, silenced by suppressWarnings", {
  skip_if_no_socgan()
  d <- data.frame(x = c(1, 2, 3), y = c(3, 1, 2))
  w <- tryCatch(gain_impute(d, m = 2, epochs = 2, progress = FALSE),
                warning = function(w) w)
  expect_s3_class(w, "socgan_warning")
  expect_identical(conditionMessage(w), "`data` has no missing values; returning m identical copies.")
  expect_identical(w$python_class, "UserWarning")
  expect_warning(gain_impute(d, m = 2, epochs = 2, progress = FALSE),
                 class = "socgan_warning")
  # given again in a second call (Python shows a warning once per place by default)
  expect_warning(gain_impute(d, m = 2, epochs = 2, progress = FALSE), "no missing values")
  out <- expect_silent(suppressWarnings(gain_impute(d, m = 2, epochs = 2, progress = FALSE)))
  expect_s3_class(out, "mids")
  # the rows-all-missing warning of a real training run
  e <- data.frame(x = c(1, NA, 3, 4, 5, 6), y = c(2, NA, 1, 3, NA, 5))
  expect_warning(gain_impute(e, m = 2, epochs = 2, progress = FALSE),
                 "have every value missing", class = "socgan_warning")
})

test_that("mice's arguments are refused with socgan's equivalent, before Python trains", {
  skip_if_no_socgan()
  d <- data.frame(x = c(1, NA, 3, 4), y = c(1, 2, NA, 4))
  calls <- count_impute_calls({
    expect_error(gain_impute(d, maxit = 5),
                 "`maxit` is an argument of mice(), not of gain_impute(): GAIN has no", fixed = TRUE)
    expect_error(gain_impute(d, maxit = 5), "set `epochs`", fixed = TRUE)
    expect_error(gain_impute(d, method = "pmm"), "no per-column methods", fixed = TRUE)
    expect_error(gain_impute(d, printFlag = FALSE), "equivalent is `progress`", fixed = TRUE)
    expect_error(gain_impute(d, predictorMatrix = matrix(1, 2, 2)), "name it in `idvars`",
                 fixed = TRUE)
    expect_error(gain_impute(d, epoch = 5),
                 "`epoch` is not a setting of gain_impute(). Did you mean `epochs`?", fixed = TRUE)
    expect_error(gain_impute(d, hint = 0.5), "Did you mean `hint_rate`?", fixed = TRUE)
    expect_error(gain_impute(d, learningrate = 0.1), "Did you mean `learning_rate`?",
                 fixed = TRUE)
    expect_error(gain_impute(d, zzz = 1), "Its settings are: `data`, `m`, `seed`, `progress`",
                 fixed = TRUE)
  })
  expect_identical(calls, 0L)
})

test_that("settings that Python has are accepted, including the ones not in the R signature", {
  skip_if_no_socgan()
  d <- data.frame(x = c(1, NA, 3, 4, 5, 2), y = c(1, 2, NA, 4, 1, 3))
  imp <- gain_impute(d, m = 2, seed = 1, epochs = 2, max_steps = 3, n_jobs = 1, device = "cpu",
                     progress = FALSE)
  expect_identical(imp$gain$settings$max_steps, 3L)
  expect_identical(imp$gain$settings$device, "cpu")
})

test_that("errors of R's own checks are socgan_error too (tryCatch catches every one)", {
  d <- data.frame(x = c(1, NA, 3, 4), y = c(1, 2, NA, 4))
  inf <- d
  inf$x[1] <- Inf
  empty <- d
  empty$z <- NA_real_
  for (call in list(quote(gain_impute(inf)), quote(gain_impute(d, m = 5.5)),
                    quote(gain_impute(d, seed = 1.5)), quote(gain_impute(empty)),
                    quote(gain_impute(d, bounds = 3)), quote(gain_impute(as.matrix(d))))) {
    caught <- tryCatch(eval(call), socgan_error = function(e) "caught")
    expect_identical(caught, "caught", info = deparse(call))
  }
  err <- expect_error(gain_impute(d, m = 5.5), class = "socgan_error")
  expect_null(conditionCall(err))
  expect_s3_class(err, "error")
})
