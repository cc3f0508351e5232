# gain_fit(): fit once, impute new rows with gain_impute(model = ), save and load by path.

wave_data <- function(n = 60, seed = 5) {
  set.seed(seed)
  d <- data.frame(
    y = rnorm(n, 10),
    age = sample(18:80, n, replace = TRUE),
    region = factor(sample(c("north", "south", "east"), n, TRUE)),
    stringsAsFactors = FALSE
  )
  for (v in names(d)) d[sample(n, 8), v] <- NA
  d
}

test_that("a fitted model imputes new rows, and a saved one imputes exactly as it", {
  skip_if_no_socgan()
  d <- wave_data()
  fit <- gain_fit(d[1:40, ], m = 3, seed = 1, epochs = 2, progress = FALSE)
  expect_s3_class(fit, "gain_model")
  expect_identical(fit$m, 3L)
  expect_identical(fit$columns, c("y", "age", "region"))  # a character vector, not one string
  new <- d[41:60, ]
  imp <- gain_impute(new, model = fit, seed = 2, output = "list", progress = FALSE)
  expect_length(imp, 3L)
  for (x in imp) {
    expect_false(anyNA(x))
    expect_identical(x[!is.na(new)], new[!is.na(new)])
    expect_identical(lapply(x, class), lapply(new, class))
  }
  expect_identical(gain_impute(new, model = fit, seed = 2, output = "list"), imp)
  expect_s3_class(gain_impute(new, model = fit, m = 2, seed = 2), "mids")

  path <- tempfile(fileext = ".safetensors")
  on.exit(unlink(path))
  expect_identical(gain_model_save(fit, path), path)
  loaded <- gain_model_load(path)
  expect_identical(gain_impute(new, model = loaded, seed = 2, output = "list"), imp)
})

test_that("gain_impute(model = ) refuses settings, too many imputations and unseen levels", {
  skip_if_no_socgan()
  d <- wave_data()
  fit <- gain_fit(d[1:40, ], m = 2, seed = 1, epochs = 2, progress = FALSE)
  new <- d[41:60, ]
  expect_error(gain_impute(new, model = fit, epochs = 5), "belong to gain_fit")
  expect_error(gain_impute(new, model = fit, m = 3, seed = 1), "has 2", class = "socgan_error")
  bad <- new
  bad$region <- factor(as.character(bad$region), levels = c(levels(new$region), "west"))
  bad$region[1] <- "west"
  expect_error(gain_impute(bad, model = fit, seed = 1), "Column .region. has levels not seen.*west",
               class = "socgan_error")
  # columns are matched by name, as R does (an R user's trial: the reordered wave was refused
  # with Python's advice new_data[imputer.columns_])
  shuffled <- gain_impute(new[c("region", "y", "age")], model = fit, seed = 2, output = "list")
  expect_identical(shuffled, gain_impute(new, model = fit, seed = 2, output = "list"))
  expect_error(gain_impute(new, model = list()), "gain_fit")
  expect_error(gain_model_load(tempfile()), "No saved imputer", class = "socgan_error")
})

test_that("a new wave whose factor lacks a fitted level is completed, the level added", {
  skip_if_no_socgan()
  d <- wave_data()
  fit <- gain_fit(d[1:40, ], m = 2, seed = 1, epochs = 2, progress = FALSE)
  new <- d[41:60, ]
  new$region <- factor(as.character(new$region), levels = c("north", "south"))
  expect_warning(imp <- gain_impute(new, model = fit, seed = 2, output = "list",
                                    progress = FALSE), "categories lack")
  for (x in imp) {
    expect_false(anyNA(x))
    expect_true(all(c("north", "south") %in% levels(x$region)))
  }
  expect_warning(mids <- gain_impute(new, model = fit, seed = 2, progress = FALSE),
                 "categories lack")
  expect_false(anyNA(mice::complete(mids, "long")$region))
})

test_that("an all-NA column or no rows are named before mice's set-up fails on them", {
  skip_if_no_socgan()
  d <- wave_data()
  d$never <- factor(NA, levels = c("a", "b"))
  expect_error(gain_impute(d, m = 2, epochs = 1, progress = FALSE),
               "Column\\(s\\) `never` of `data` have every value missing")
  expect_error(gain_fit(d, m = 2, epochs = 1, progress = FALSE), "`never`")
  expect_error(gain_impute(d[0, ], m = 2, epochs = 1, progress = FALSE), "no rows")
})

test_that("gain_fit()'s argument errors name gain_fit()", {
  skip_if_no_socgan()
  expect_error(gain_fit(wave_data(), m = 2, maxit = 5, progress = FALSE), "not of gain_fit\\(\\)")
})

test_that("bounds widen the range of imputations, are kept by a fitted model and are checked", {
  skip_if_no_socgan()
  set.seed(5)
  x <- rnorm(200)
  d <- data.frame(x = x, y = x + 0.2 * rnorm(200))
  d$y[x > 1 & runif(200) < 0.9] <- NA
  miss <- is.na(d$y)
  wide <- gain_impute(d, m = 2, seed = 1, epochs = 40, bounds = list(y = c(-Inf, Inf)),
                      output = "list")
  expect_true(any(vapply(wide, function(k) any(k$y[miss] > max(d$y, na.rm = TRUE)), NA)))
  expect_equal(attr(wide, "gain")$settings$bounds$y, c(-Inf, Inf))
  plain <- gain_impute(d, m = 2, seed = 1, epochs = 40, output = "list")
  for (k in plain) expect_lte(max(k$y), max(d$y, na.rm = TRUE))
  fit <- gain_fit(d, m = 2, seed = 1, epochs = 40, bounds = list(y = c(-Inf, Inf)))
  again <- gain_impute(d, model = fit, seed = 3, output = "list")
  expect_true(any(vapply(again, function(k) any(k$y[miss] > max(d$y, na.rm = TRUE)), NA)))
  expect_error(gain_impute(d, m = 2, bounds = list(y = c(0, 1))),
               "column .y. has observed values outside \\[0, 1\\]", class = "socgan_error")
  expect_error(gain_impute(d, m = 2, bounds = list(y = c(0, NA))), "bound is missing")
  expect_error(gain_impute(d, m = 2, bounds = list(y = 0)), "must be c\\(low, high\\)")
  expect_error(gain_impute(d, m = 2, bounds = c(y = 0)), "must be a named list")
  expect_error(gain_impute(d, model = fit, bounds = list(y = c(0, 1))), "belong to gain_fit")
})

test_that("derived columns follow their formula where missing, as mice's passive imputation", {
  skip_if_no_socgan()
  d <- mice::boys[1:300, c("age", "hgt", "wgt", "bmi", "reg")]
  imp <- gain_impute(d, m = 2, seed = 1, epochs = 5, derived = c(bmi = "wgt / (hgt / 100)^2"))
  expect_equal(unname(imp$method["bmi"]), "~I(wgt / (hgt / 100)^2)")
  expect_equal(unname(imp$method["hgt"]), "gain")
  miss <- is.na(d$bmi)
  for (k in 1:2) {
    done <- mice::complete(imp, k)
    expect_equal(done$bmi[miss], done$wgt[miss] / (done$hgt[miss] / 100)^2)
    expect_identical(done$bmi[!miss], d$bmi[!miss])  # observed values stay
  }
  expect_s3_class(mice::pool(with(imp, lm(bmi ~ age))), "mipo")
  passive <- gain_impute(d, m = 2, seed = 1, epochs = 5, output = "list",
                         derived = list(bmi = "~I(wgt / (hgt / 100)^2)"))
  expect_equal(passive[[1]]$bmi, mice::complete(imp, 1)$bmi)
  model <- gain_fit(d, m = 2, seed = 1, epochs = 5, derived = c(bmi = "wgt / (hgt / 100)^2"))
  again <- gain_impute(d[1:40, ], model = model, seed = 2, output = "list")[[1]]
  m40 <- is.na(d$bmi[1:40])
  expect_equal(again$bmi[m40], again$wgt[m40] / (again$hgt[m40] / 100)^2)
  expect_error(gain_impute(d, m = 2, derived = "wgt"), "formulas named by their column")
  expect_error(gain_impute(d, m = 2, derived = c(bmi = "a", bmi = "b")), "names column `bmi` twice")
  expect_error(gain_impute(d, m = 2, derived = list(bmi = 1)), "must be one formula")
  expect_error(gain_impute(d, m = 2, epochs = 5, derived = c(bmi = "wgt / hgtx")), "hgtx")
  expect_error(gain_impute(d, model = model, derived = c(bmi = "wgt")), "belong to gain_fit")
  expect_warning(gain_impute(d, m = 2, seed = 1, epochs = 2, derived = c(bmi = "wgt / hgt^2")),
                 "differs by more than 1%")
  # R names with dots are names in formulas too; print() keeps the formulas' columns
  e <- d
  names(e)[2] <- "hgt.cm"
  imp2 <- gain_impute(e, m = 2, seed = 1, epochs = 5, derived = c(bmi = "wgt / (hgt.cm / 100)^2"))
  done <- mice::complete(imp2, 1)
  expect_equal(done$bmi[miss], done$wgt[miss] / (done$hgt.cm[miss] / 100)^2)
  expect_output(print(imp2), "derived = list(bmi = ", fixed = TRUE)
})

test_that("idvars are kept out of the model, copied as they are and marked method \"\"", {
  skip_if_no_socgan()
  d <- mice::nhanes2
  d$id <- sprintf("r%02d", seq_len(nrow(d)))
  d$id[3] <- NA
  d$note <- NA_character_  # every value missing: refused unless kept out
  imp <- gain_impute(d, m = 2, seed = 1, epochs = 5, idvars = c("id", "note"))
  expect_equal(unname(imp$method[c("id", "note")]), c("", ""))
  expect_equal(unname(imp$method["chl"]), "gain")
  without <- gain_impute(d[c("age", "bmi", "hyp", "chl")], m = 2, seed = 1, epochs = 5)
  for (k in 1:2) {
    done <- mice::complete(imp, k)
    expect_identical(done$id, d$id)  # the missing id stays missing
    expect_identical(done$note, d$note)
    expect_identical(done[c("age", "bmi", "hyp", "chl")], mice::complete(without, k))
  }
  fit <- with(imp, lm(chl ~ age + bmi))
  expect_s3_class(mice::pool(fit), "mipo")
  model <- gain_fit(d, m = 2, seed = 1, epochs = 5, idvars = c("id", "note"))
  again <- gain_impute(d, model = model, seed = 2, output = "list")
  expect_identical(again[[1]]$id, d$id)
  expect_error(gain_impute(d, m = 2, idvars = "nope"), "`data` has no column `nope`")
  expect_error(gain_impute(d, m = 2, idvars = c("id", "id")), "names column `id` twice")
  expect_error(gain_impute(d, m = 2, idvars = 3), "must be NULL or names of columns")
  expect_error(gain_impute(d, model = model, idvars = "id"), "belong to gain_fit")
  expect_true(all(imp$predictorMatrix[, c("id", "note")] == 0))  # they predict nothing
  # a date with missing values is refused as a modelled column, carried as an idvar (the
  # README's example: interview dates), also by a fitted model and in new rows
  d$date <- as.Date("2024-01-01") + seq_len(nrow(d))
  d$date[2] <- NA
  expect_error(gain_impute(d, m = 2, epochs = 2, idvars = c("id", "note")), "is a date with")
  kept <- gain_impute(d, m = 2, seed = 1, epochs = 2, idvars = c("id", "note", "date"),
                      output = "list")
  expect_identical(kept[[1]]$date, d$date)
  model <- gain_fit(d, m = 2, seed = 1, epochs = 2, idvars = c("id", "note", "date"))
  new <- d[1:8, ]
  new$date[5] <- NA
  again <- gain_impute(new, model = model, seed = 1)
  expect_identical(mice::complete(again, 1)$date, new$date)
  expect_equal(unname(again$method["date"]), "")
})

test_that("gain_overimpute() checks held-out values, as Amelia's overimpute()", {
  skip_if_no_socgan()
  d <- mice::nhanes2
  check <- gain_overimpute(d, m = 2, seed = 1, epochs = 5, draws = 19, holdout = 0.3)
  expect_s3_class(check, "gain_overimpute")
  cov <- attr(check, "coverage")
  expect_setequal(cov$column, c("bmi", "chl"))  # the numeric columns with missing values
  expect_equal(cov$expected, rep(18 / 20, 2))
  for (v in c("bmi", "chl")) {
    part <- check[check$column == v, ]
    expect_equal(part$observed, d[part$row, v])  # the real values of the hidden cells
    expect_equal(nrow(part), round(0.3 * sum(!is.na(d[[v]]))))
    expect_true(all(part$lower <= part$upper))
  }
  expect_output(print(check), "expected")
  expect_s3_class(plot(check), "trellis")
  expect_error(gain_overimpute(d, m = 2, columns = "hyp", epochs = 5, draws = 19),
               "overimputation checks numeric columns")
  expect_error(gain_overimpute(d, m = 2, draws = 10), "too few")
  expect_error(gain_overimpute(d, m = 2, holdout = 0.9), "holdout")
  few <- gain_overimpute(d, m = 2, seed = 1, epochs = 5, draws = 19, columns = "chl",
                         max_cells = 3)
  expect_equal(nrow(few), 3L)
})

test_that("where leaves the cells of a skip pattern missing, as mice's where", {
  skip_if_no_socgan()
  set.seed(1)
  n <- 200
  d <- data.frame(employed = rbinom(n, 1, 0.6), educ = rnorm(n, 12, 2))
  d$hours <- ifelse(d$employed == 1, pmax(1, rnorm(n, 35, 8)), NA)
  d$hours[d$employed == 1 & runif(n) < 0.15] <- NA
  d$educ[runif(n) < 0.1] <- NA
  emp <- d$employed == 1
  imp <- gain_impute(d, m = 2, seed = 1, epochs = 5, where = list(hours = "employed == 1"))
  for (k in 1:2) {
    done <- mice::complete(imp, k)
    expect_true(all(is.na(done$hours[!emp])))
    expect_true(!anyNA(done$hours[emp]) && !anyNA(done$educ))
  }
  expect_equal(sum(imp$where[, "hours"]), sum(emp & is.na(d$hours)))
  expect_s3_class(mice::pool(with(imp, lm(hours ~ educ))), "mipo")
  wm <- is.na(d)
  wm[!emp, "hours"] <- FALSE
  same <- gain_impute(d, m = 2, seed = 1, epochs = 5, where = wm)
  expect_identical(mice::complete(same, 1), mice::complete(imp, 1))
  bad <- is.na(d)
  bad[which(!is.na(d$educ))[1], "educ"] <- TRUE
  expect_error(gain_impute(d, m = 2, where = bad), "observed cell")
  expect_error(gain_impute(d, m = 2, where = list(hourz = "x")), "no column `hourz`")
  expect_error(gain_impute(d, m = 2, where = matrix(TRUE, 2, 2)), "dimensions")
})

test_that("where's conditions and logical vectors fail or warn as an R user needs (a trial)", {
  skip_if_no_socgan()
  d <- mice::nhanes2
  # a level the factor does not have, or its code: the condition would hold in no row
  expect_error(gain_impute(d, m = 2, epochs = 2, where = list(chl = 'hyp == "YES"')),
               "not one of its values \\('no', 'yes'\\)")
  expect_error(gain_impute(d, m = 2, epochs = 2, where = list(chl = "hyp == 2")),
               "holds categories")
  # R's syntax: the hint says how pandas writes it, in Python's terms
  expect_error(gain_impute(d, m = 2, epochs = 2, where = list(chl = 'age %in% c("40-59")')),
               "write `x in \\['a', 'b'\\]` for R's %in%", fixed = FALSE)
  # a logical vector: one per row, or one for all; NA imputes, with a warning
  expect_error(gain_impute(d, m = 2, epochs = 2, where = list(chl = c(TRUE, FALSE))),
               "`where\\$chl` has 2 values; `data` has 25 rows")
  expect_warning(imp <- gain_impute(d, m = 2, seed = 1, epochs = 2,
                                    where = list(chl = d$hyp == "yes")),
                 "`where\\$chl` is NA in 7 row\\(s\\) where `chl` is missing")
  expect_true(all(is.na(mice::complete(imp, 1)$chl[which(d$hyp == "no" & is.na(d$chl))])))
  expect_error(gain_impute(d, m = 2, epochs = 2, where = list(chl = NA)), "`where\\$chl` is NA;")
  all_rows <- gain_impute(d, m = 2, seed = 1, epochs = 2, where = list(chl = TRUE))
  expect_identical(mice::complete(all_rows, 1),
                   mice::complete(gain_impute(d, m = 2, seed = 1, epochs = 2), 1))
  # cells imputed because their condition cannot be evaluated are named
  expect_warning(gain_impute(d, m = 2, seed = 1, epochs = 2, where = list(chl = 'hyp == "yes"')),
                 "7 missing cell\\(s\\) of 'chl' are imputed because the condition")
})
