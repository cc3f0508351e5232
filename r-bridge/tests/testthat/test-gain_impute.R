# gain_impute(): a real (tiny) GAIN run; a few epochs keep it fast.

survey_data <- function() {
  set.seed(7)
  n <- 40
  d <- data.frame(
    y = rnorm(n, 10),
    age = sample(18:80, n, replace = TRUE),
    smoker = runif(n) < 0.3,
    region = factor(sample(c("north", "south", "east"), n, TRUE),
                    levels = c("south", "north", "east")),
    health = factor(sample(c("poor", "fair", "good"), n, TRUE),
                    levels = c("poor", "fair", "good"), ordered = TRUE),
    job = sample(c("clerk", "farmer"), n, TRUE),
    stringsAsFactors = FALSE
  )
  for (v in names(d)) d[sample(n, 5), v] <- NA
  d
}

test_that("gain_impute() returns a mids that with(), pool() and complete() accept", {
  skip_if_no_socgan()
  d <- survey_data()
  imp <- gain_impute(d, m = 3, seed = 1, epochs = 3)
  expect_s3_class(imp, "mids")
  expect_equal(imp$m, 3)
  expect_identical(unname(imp$where), unname(is.na(d)))
  first <- mice::complete(imp, 1)
  expect_false(anyNA(first))
  expect_identical(lapply(first, class), lapply(d, class))
  expect_identical(levels(first$region), levels(d$region))
  expect_identical(levels(first$health), levels(d$health))
  expect_identical(first[!is.na(d)], d[!is.na(d)])  # observed values untouched
  expect_identical(mice::complete(imp, 0), d)

  fit <- with(imp, lm(y ~ age + smoker + region + health))
  pooled <- summary(mice::pool(fit))
  expect_identical(nrow(pooled), 7L)
  expect_true(all(is.finite(pooled$estimate)))
})

test_that("complete(imp, 'long', include = TRUE) holds socgan's long format", {
  skip_if_no_socgan()
  d <- survey_data()
  py <- socgan:::socgan_python()$impute(socgan:::frame_to_python(d), m = 2L, seed = 3L,
                                        epochs = 2L, progress = FALSE)
  long <- socgan:::frame_from_python(py$long())
  expect_identical(names(long), c(".imp", ".id", names(d)))
  expect_identical(long$.imp, rep(0:2, each = nrow(d)))
  imp <- gain_impute(d, m = 2, seed = 3, epochs = 2, progress = FALSE)
  expect_identical(mice::complete(imp, "long", include = TRUE), long)
})

test_that("m = 5 and m = 5L give the same imputations; the seed makes them repeatable", {
  skip_if_no_socgan()
  d <- survey_data()
  a <- gain_impute(d, m = 2, seed = 11, epochs = 2, output = "list")
  b <- gain_impute(d, m = 2L, seed = 11L, epochs = 2L, output = "list")
  expect_identical(a, b)
})

test_that("output = 'list' gives completed data.frames like the input", {
  skip_if_no_socgan()
  d <- survey_data()
  rownames(d) <- paste0("r", seq_len(nrow(d)))
  out <- gain_impute(d, m = 2, seed = 5, epochs = 2, output = "list")
  expect_type(out, "list")
  expect_length(out, 2L)
  for (completed in out) {
    expect_s3_class(completed, "data.frame")
    expect_identical(rownames(completed), rownames(d))
    expect_identical(lapply(completed, class), lapply(d, class))
    expect_false(anyNA(completed))
    expect_true(is.integer(completed$age))
    expect_true(is.logical(completed$smoker))
  }
  imp <- gain_impute(d, m = 2, seed = 5, epochs = 2)
  expect_identical(rownames(mice::complete(imp, 1)), rownames(d))
})

test_that("errors raised by Python reach the R user", {
  skip_if_no_socgan()
  expect_error(gain_impute(data.frame(x = c(1, NA, 3), y = 1:3), epochs = 2, no_such_setting = 1),
               "`no_such_setting` is not a setting of gain_impute()", fixed = TRUE)
})
