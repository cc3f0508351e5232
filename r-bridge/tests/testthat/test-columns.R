# Issue 15, points 4 and 5: checks before training; labelled (haven) and date columns.

labelled <- function(x, labels, label = NULL, class = "haven_labelled") {
  structure(x, labels = labels, label = label,
            class = c(class, if (class != "haven_labelled") "haven_labelled", "vctrs_vctr",
                      typeof(x)))
}

labelled_survey <- function() {
  n <- 30
  set.seed(3)
  d <- data.frame(income = rnorm(n, 50, 10), when = as.Date("2024-03-01") + seq_len(n),
                  stamp = as.POSIXct("2024-03-01 09:30:00", tz = "Europe/Berlin") + 3600 * seq_len(n))
  d$vote <- labelled(sample(c(1, 2, 3), n, TRUE), c(Left = 1, Centre = 2, Right = 3),
                     label = "Party voted for")
  d$vote[c(2, 7, 11)] <- NA
  d$income[c(3, 9)] <- NA
  attr(d$income, "label") <- "Household income (1000 EUR)"
  d
}

test_that("labelled columns become the factors haven::as_factor() makes", {
  x <- labelled(c(3, 1, NA, 2, 1), c(high = 3, low = 1, mid = 2), label = "L")
  f <- socgan:::labelled_as_factor(x, "x")
  expect_identical(levels(f), c("low", "mid", "high"))
  expect_identical(as.character(f), c("high", "low", NA, "mid", "low"))
  expect_identical(attr(f, "label"), "L")
  chr <- labelled(c("b", "a", NA), c(Bee = "b", Ay = "a"))
  expect_identical(levels(socgan:::labelled_as_factor(chr, "chr")), c("Ay", "Bee"))
  # a labelled value that is never observed is still a level, as in haven
  y <- labelled(c(1, 1, 2), c(no = 1, yes = 2, refused = 9))
  expect_identical(levels(socgan:::labelled_as_factor(y, "y")), c("no", "yes", "refused"))
  skip_if_not_installed("haven")
  for (v in list(x, chr, y)) {
    hv <- haven::labelled(unclass(v)[seq_along(v)], attr(v, "labels", exact = TRUE),
                           label = attr(v, "label", exact = TRUE))
    expect_identical(socgan:::labelled_as_factor(hv, "v"), haven::as_factor(hv))
  }
})

test_that("labelled columns that are not categories are refused with haven's advice", {
  age <- labelled(c(34, 51, 99, NA), c(Refused = 99), label = "Age")
  d <- data.frame(z = c(1, 2, 3, NA))
  d$age <- age
  expect_error(gain_impute(d),
               "value labels for some of its values only .*haven::zap_labels\\(\\).*haven::as_factor\\(\\)")
  spss <- structure(c(1, 2, -9, NA), labels = c(yes = 1, no = 2, dk = -9), na_values = -9,
                    class = c("haven_labelled_spss", "haven_labelled", "vctrs_vctr", "double"))
  d <- data.frame(z = c(1, 2, 3, NA))
  d$q <- spss
  expect_error(gain_impute(d),
               "user-defined missing values.*haven::zap_missing\\(\\)")
})

test_that("labelled and dated data are imputed; labels, dates and times come back", {
  skip_if_no_socgan()
  d <- labelled_survey()
  for (output in c("mids", "list")) {
    res <- gain_impute(d, m = 2, seed = 4, epochs = 2, output = output, progress = FALSE)
    completed <- if (output == "mids") mice::complete(res, 2) else res[[2]]
    expect_identical(completed$when, d$when)
    expect_identical(completed$stamp, d$stamp)
    expect_identical(attr(completed$income, "label"), "Household income (1000 EUR)")
    expect_false(anyNA(completed$income))
    expect_identical(completed$income[!is.na(d$income)], as.vector(d$income[!is.na(d$income)]))
    expect_s3_class(completed$vote, "factor")
    expect_identical(levels(completed$vote), c("Left", "Centre", "Right"))
    expect_identical(attr(completed$vote, "label"), "Party voted for")
    expect_false(anyNA(completed$vote))
    observed <- !is.na(unclass(d$vote))
    expect_identical(as.integer(completed$vote)[observed], as.integer(unclass(d$vote))[observed])
  }
})

test_that("a complete duration (difftime) informs the model and comes back unchanged", {
  skip_if_no_socgan()
  set.seed(3)
  d <- data.frame(x = rnorm(30), y = rnorm(30))
  d$spent <- as.difftime(round(runif(30, 5, 90)), units = "mins")
  d$y[c(2, 5, 9)] <- NA
  out <- gain_impute(d, m = 2, seed = 4, epochs = 2, output = "list", progress = FALSE)
  expect_identical(out[[1]]$spent, d$spent)
  expect_false(anyNA(out[[1]]$y))
  d$spent[4] <- NA
  expect_error(gain_impute(d), "Column `spent` of `data` is a duration \\(difftime\\) with 1 missing",
               class = "socgan_error")
})

test_that("haven's own labelled columns work", {
  skip_if_no_socgan()
  skip_if_not_installed("haven")
  d <- labelled_survey()
  d$vote <- haven::labelled(as.vector(unclass(d$vote)), c(Left = 1, Centre = 2, Right = 3),
                            label = "Party voted for")
  out <- gain_impute(d, m = 2, seed = 4, epochs = 2, output = "list", progress = FALSE)
  ref <- haven::as_factor(d$vote)
  expect_identical(levels(out[[1]]$vote), levels(ref))
  expect_identical(out[[1]]$vote[!is.na(ref)], ref[!is.na(ref)])
})

test_that("dates with missing values and infinite numbers are refused before Python", {
  d <- data.frame(x = c(1, NA, 3), when = as.Date("2024-01-01") + c(0, NA, 2))
  expect_error(gain_impute(d), "Column `when` of `data` is a date with 1 missing value")
  expect_error(gain_impute(d), "as.numeric()", fixed = TRUE)
  expect_error(gain_impute(data.frame(x = c(1, NA, Inf, -Inf), y = 1:4)),
               "Column `x` of `data` has 2 infinite value\\(s\\) \\(Inf or -Inf\\); replace them with NA")
})

test_that("what mice cannot hold fails before training, and output = 'list' takes it", {
  skip_if_no_socgan()
  d <- data.frame(`body mass` = c(21, NA, 25, 30, 28, 22), `age group` = c(1, 2, NA, 1, 2, 2),
                  check.names = FALSE)
  calls <- count_impute_calls(
    expect_error(gain_impute(d, m = 2, epochs = 2),
                 "`body mass`, `age group` are not syntactic R names.*output = \"list\"")
  )
  expect_identical(calls, 0L)
  out <- gain_impute(d, m = 2, seed = 1, epochs = 2, output = "list", progress = FALSE)
  expect_identical(names(out[[1]]), names(d))
  expect_false(anyNA(out[[2]]))
  # a one-column frame, which mice cannot hold, also fails before training
  calls <- count_impute_calls(
    expect_error(gain_impute(data.frame(x = c(1, NA, 3, 4)), m = 2, epochs = 2),
                 "mice cannot hold these data as a mids")
  )
  expect_identical(calls, 0L)
})

test_that("setting up the mids leaves R's random number generator alone", {
  skip_if_no_socgan()
  d <- survey_frame()
  set.seed(99)
  before <- .Random.seed
  gain_impute(d, m = 2, seed = 1, epochs = 2, progress = FALSE)
  expect_identical(.Random.seed, before)
})
