# Issue 15, point 1: the mids that gain_impute() returns says what made it, and mice's own
# functions work on it.

gain_mids <- function(seed = 1) {
  d <- mice::nhanes2
  rownames(d) <- paste0("person", seq_len(nrow(d)))
  list(data = d, imp = gain_impute(d, m = 3, seed = seed, epochs = 3, progress = FALSE))
}

test_that("method, call, seed and settings name GAIN", {
  skip_if_no_socgan()
  g <- gain_mids()
  imp <- g$imp
  expect_s3_class(imp, c("gain_mids", "mids"), exact = TRUE)
  expect_identical(unname(imp$method), c("", "gain", "gain", "gain"))  # age is complete
  expect_identical(imp$call[[1]], quote(gain_impute))
  expect_identical(imp$call$epochs, 3)
  expect_identical(imp$seed, 1L)
  expect_identical(imp$gain$settings$method, "gain")
  expect_identical(imp$gain$settings$seed, 1L)
  expect_identical(imp$gain$settings$epochs, 3L)
  expect_identical(imp$gain$settings$max_steps, 4000L)  # Python's default, filled in
  expect_true(imp$gain$settings$bootstrap)
  expect_identical(imp$gain$socgan_version,
                   reticulate::py_eval("__import__('socgan').__version__"))
  shown <- paste(capture.output(print(imp)), collapse = "\n")
  expect_match(shown, "Imputed by GAIN", fixed = TRUE)
  expect_match(shown, "Seed: 1", fixed = TRUE)
  expect_match(shown, "epochs = 3,", fixed = TRUE)
  # the fixed internals apart from the settings a user can pass
  expect_match(shown, "Fixed internals (recorded, not settings): max_hidden = ", fixed = TRUE)
  settable <- sub("Fixed internals.*$", "", sub("^.*Settings: ", "", shown))
  expect_false(grepl("max_hidden", settable, fixed = TRUE))
  expect_match(shown, "\"gain\"", fixed = TRUE)   # mice's method table
  expect_match(shown, "Class: mids", fixed = TRUE)  # and the rest of mice's print
  # without a seed, one is drawn from R's random number generator and recorded: set.seed()
  # repeats the run, as it repeats mice() (a user's trial: it did not); NA is mice's default
  set.seed(123)
  imp2 <- gain_impute(g$data, m = 2, epochs = 2, progress = FALSE)
  set.seed(123)
  imp3 <- gain_impute(g$data, m = 2, epochs = 2, progress = FALSE, seed = NA)
  expect_true(is.numeric(imp2$seed) && !is.na(imp2$seed))
  expect_identical(imp2$seed, imp3$seed)
  expect_identical(mice::complete(imp2, "long"), mice::complete(imp3, "long"))
  imp4 <- gain_impute(g$data, m = 2, epochs = 2, progress = FALSE, seed = imp2$seed)
  expect_identical(mice::complete(imp2, "long"), mice::complete(imp4, "long"))
})

test_that("row names of imp$imp are those of the data", {
  skip_if_no_socgan()
  g <- gain_mids()
  for (v in c("bmi", "hyp", "chl")) {
    expect_identical(rownames(g$imp$imp[[v]]), rownames(g$data)[is.na(g$data[[v]])])
    expect_identical(names(g$imp$imp[[v]]), c("1", "2", "3"))
  }
  expect_identical(rownames(g$imp$data), rownames(g$data))
  expect_identical(rownames(mice::complete(g$imp, 2)), rownames(g$data))
})

test_that("complete(), with(), pool() and mice's plots work on it", {
  skip_if_no_socgan()
  g <- gain_mids()
  imp <- g$imp
  for (i in 1:3) {
    completed <- mice::complete(imp, i)
    expect_false(anyNA(completed))
    for (v in names(g$data)) {
      miss <- is.na(g$data[[v]])
      expect_identical(completed[[v]][!miss], g$data[[v]][!miss])
      if (any(miss)) expect_identical(completed[[v]][miss], imp$imp[[v]][[i]])
    }
  }
  long <- mice::complete(imp, "long", include = TRUE)
  expect_identical(long$.imp, rep(0:3, each = nrow(g$data)))
  pooled <- summary(mice::pool(with(imp, lm(chl ~ age + bmi))))
  expect_identical(nrow(pooled), 4L)
  expect_true(all(is.finite(pooled$estimate)))
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  expect_s3_class(mice::densityplot(imp), "trellis")
  expect_s3_class(mice::stripplot(imp), "trellis")
})

test_that("mice's D1 and pool.r.squared on it agree with Python's wald_test and r_squared", {
  skip_if_no_socgan()
  skip_if_not_installed("mitml")
  d <- mice::nhanes2
  imp <- gain_impute(d, m = 6, seed = 2, epochs = 3, progress = FALSE)
  fit1 <- with(imp, lm(chl ~ age + bmi))
  fit0 <- with(imp, lm(chl ~ bmi))
  r <- summary(mice::D1(fit1, fit0))$comparisons
  # the same completed datasets in Python (age: a 3-level factor, 2 parameters tested)
  py <- reticulate::import("socgan")
  frames <- lapply(seq_len(6), function(i) {
    x <- mice::complete(imp, i)
    x$age <- as.character(x$age)
    x$hyp <- as.character(x$hyp)
    reticulate::r_to_py(x)
  })
  ours <- py$Imputations(reticulate::r_to_py(d[0, ]), frames)
  test <- ours$wald_test("chl ~ age + bmi", "chl ~ bmi")
  expect_equal(test$statistic, r$statistic, tolerance = 1e-6)
  expect_equal(test$df2, r$df2, tolerance = 1e-6)
  expect_equal(test$p_value, r$p.value, tolerance = 1e-6)
  expect_identical(as.integer(test$df1), 2L)
  r2 <- mice::pool.r.squared(fit1)
  ours_r2 <- ours$r_squared("chl ~ age + bmi")$to_dict("records")[[1]]
  expect_equal(ours_r2$est, unname(r2[1, "est"]), tolerance = 1e-6)
  expect_equal(ours_r2$fmi, unname(r2[1, "fmi"]), tolerance = 1e-6)
})

test_that("plot(imp) shows the training losses; the chain holds the imputed means", {
  skip_if_no_socgan()
  imp <- gain_mids()$imp
  history <- imp$gain$loss_history
  expect_identical(names(history), c("imputation", "epoch", "d_loss", "g_adversarial",
                                     "g_reconstruction", "validation"))
  expect_identical(sort(unique(history$imputation)), 1:3)
  expect_true(all(is.finite(history$d_loss)))
  grDevices::pdf(NULL)
  on.exit(grDevices::dev.off())
  p <- plot(imp)
  expect_s3_class(p, "trellis")
  # no adversarial term by default: its two losses are left out
  expect_identical(p$condlevels[[1]], c("g_reconstruction", "validation"))
  expect_identical(length(p$panel.args[[1]]$x), nrow(history))  # every model, every epoch
  expect_silent(print(p))
  expect_identical(p$legend$top$args$title, "Imputation")  # which colour is which model
  expect_null(plot(imp, auto.key = FALSE)$legend)
  expect_s3_class(plot(imp, losses = "d_loss"), "trellis")

  expect_identical(dim(imp$chainMean), c(4L, 1L, 3L))
  expect_identical(imp$iteration, 1L)
  for (i in 1:3) {
    expect_equal(imp$chainMean["bmi", 1, i], mean(imp$imp$bmi[[i]]))
    expect_equal(imp$chainVar["chl", 1, i], var(imp$imp$chl[[i]]))
    expect_equal(imp$chainMean["hyp", 1, i], mean(as.numeric(imp$imp$hyp[[i]])))
  }
  expect_true(all(is.na(imp$chainMean["age", 1, ])))
  # mice's own trace plot accepts the one-iteration chain
  expect_s3_class(mice:::plot.mids(imp), "trellis")
})

test_that("mice.mids() and mice(method = 'gain') are refused with a clear message", {
  skip_if_no_socgan()
  imp <- gain_mids()$imp
  expect_error(mice::mice.mids(imp, printFlag = FALSE),
               "mice cannot run GAIN inside its chained equations")
  expect_error(mice::mice(mice::nhanes2, method = "gain", printFlag = FALSE, maxit = 1, m = 1),
               "marks imputations made by socgan::gain_impute")
})

test_that("plot() says why when no model was trained", {
  skip_if_no_socgan()
  d <- data.frame(x = c(1, 2, 3), y = c(2, 1, 3))
  imp <- suppressWarnings(gain_impute(d, m = 2, epochs = 2, progress = FALSE))
  expect_error(plot(imp), "had no missing values, so GAIN trained no models")
})
