# dp_synthesize(): tiny real runs (few steps, small candidate sets) and argument checks in R.

synth_data <- function(n = 60) {
  set.seed(3)
  data.frame(
    x = runif(n, 0, 10),
    i = sample(1:5, n, replace = TRUE),
    b = runif(n) < 0.4,
    f = factor(sample(c("a", "b", "c"), n, TRUE), levels = c("c", "a", "b")),
    o = factor(sample(c("lo", "mid", "hi"), n, TRUE), levels = c("lo", "mid", "hi"),
               ordered = TRUE),
    s = sample(c("u", "v", "\u00e9"), n, TRUE),
    stringsAsFactors = FALSE
  )
}

synth_bounds <- function(d) {
  list(x = c(0, 10), i = c(1, 5), b = c(FALSE, TRUE), f = d$f, o = levels(d$o),
       s = c("u", "v", "\u00e9", "w"))
}

# Small settings: a release in a few seconds.
tiny_synth <- function(d, ...) {
  dp_synthesize(d, ..., steps = 20, batch_size = 16, snapshots = 4, candidates = 200,
                pgb_rounds = 10)
}

test_that("dp_synthesize() returns R data of the input's types, with the privacy spent", {
  skip_if_no_socgan()
  d <- synth_data()
  syn <- tiny_synth(d, epsilon = 1, bounds = synth_bounds(d), seed = 1, n_rows = 30)
  expect_s3_class(syn, "data.frame")
  expect_identical(names(syn), names(d))
  expect_identical(nrow(syn), 30L)
  expect_identical(rownames(syn), as.character(1:30))
  expect_identical(lapply(syn, class), lapply(d, class))
  expect_identical(levels(syn$f), levels(d$f))
  expect_identical(levels(syn$o), levels(d$o))
  expect_true(is.integer(syn$i) && is.logical(syn$b) && is.character(syn$s))
  expect_false(anyNA(syn))
  expect_true(all(syn$x >= 0 & syn$x <= 10))
  expect_true(all(syn$i %in% 1:5))
  expect_true(all(syn$s %in% c("u", "v", "\u00e9", "w")))

  expect_identical(attr(syn, "method"), "marginals")  # the default
  expect_identical(attr(syn, "privacy_report")$marginal_tables, 15L)  # every pair of 6 columns
  expect_type(attr(syn, "epsilon"), "double")
  expect_true(attr(syn, "epsilon") > 0 && attr(syn, "epsilon") <= 1)
  expect_equal(attr(syn, "delta"), 1e-6)
  report <- attr(syn, "privacy_report")
  expect_type(report, "list")
  expect_identical(report$epsilon_requested, 1)
  expect_identical(report$epsilon, attr(syn, "epsilon"))
  expect_identical(report$rows_released, 30L)
  expect_true(report$noise_multiplier > 0)
  expect_identical(report$public_bounds$x, c(0, 10))
  expect_identical(report$public_bounds$f, levels(d$f))
  expect_match(report$privacy_randomness, "operating-system entropy")
  expect_null(report$insecure_seed)
  expect_false(nrow(d) %in% unlist(report[vapply(report, is.numeric, logical(1))]))
})

test_that("a private release: public n_rows, no seed repeats it, insecure_seed does", {
  skip_if_no_socgan()
  d <- synth_data()
  b <- synth_bounds(d)
  x <- dp_synthesize(d, epsilon = 2, method = "dpgan", bounds = b, seed = 7, steps = 20,
                     batch_size = 16, n_rows = 25)
  y <- dp_synthesize(d, epsilon = 2, method = "dpgan", bounds = b, seed = 7, steps = 20,
                     batch_size = 16, n_rows = 25)
  expect_identical(nrow(x), 25L)
  expect_false(identical(x$x, y$x))
  # the row count is private: the default release size is the noisy count, not nrow(d)
  z <- dp_synthesize(d, epsilon = 2, method = "dpgan", bounds = b, steps = 20, batch_size = 4,
                     insecure_seed = 3)
  expect_identical(nrow(z), as.integer(attr(z, "privacy_report")$rows_noisy_count))
  expect_error(dp_synthesize(d, method = "gan", insecure_seed = 1), "`insecure_seed` is for")
})

test_that("insecure_seed repeats a release and is recorded; 20 and 20L, 2 and 2L cross alike", {
  skip_if_no_socgan()
  d <- synth_data()
  b <- synth_bounds(d)
  a <- dp_synthesize(d, epsilon = 2, method = "dpgan", bounds = b, insecure_seed = 7, steps = 20,
                     batch_size = 16)
  a2 <- dp_synthesize(d, epsilon = 2L, method = "dpgan", bounds = b, insecure_seed = 7L,
                      steps = 20L, batch_size = 16L)
  expect_identical(a, a2)
  expect_identical(attr(a, "method"), "dpgan")
  expect_true(attr(a, "epsilon") <= 2)
  expect_identical(attr(a, "privacy_report")$insecure_seed, 7L)
  expect_match(attr(a, "privacy_report")$privacy_randomness, "INSECURE")
  other <- dp_synthesize(d, epsilon = 2, method = "dpgan", bounds = b, insecure_seed = 8,
                         steps = 20, batch_size = 16)
  expect_false(identical(a$x, other$x))
})

test_that("non-private methods need no epsilon or bounds and say they are not private", {
  skip_if_no_socgan()
  d <- synth_data()
  syn <- tiny_synth(d, method = "pgb-nonprivate", seed = 2)
  expect_identical(lapply(syn, class), lapply(d, class))
  expect_identical(nrow(syn), nrow(d))
  expect_identical(attr(syn, "epsilon"), Inf)
  expect_identical(attr(syn, "delta"), NA_real_)
  expect_identical(attr(syn, "method"), "pgb-nonprivate")
})

test_that("the GAN's margin, conditional and tree settings cross from R", {
  skip_if_no_socgan()
  d <- synth_data()
  syn <- tiny_synth(d, method = "pgb-nonprivate", seed = 2, conditional = TRUE, modes = 4,
                    pgb_tree_share = 0.3)
  report <- attr(syn, "privacy_report")
  expect_identical(report$gan_modes, 4L)
  expect_true(report$candidates_tree > 0)
  expect_identical(report$margins_matched, list(x = TRUE, i = TRUE))
  expect_true(all(syn$x >= 0 & syn$x <= 10))
  plain <- tiny_synth(d, method = "gan", seed = 2, match_margins = FALSE)
  expect_null(attr(plain, "privacy_report")$margins_matched)
  expect_error(tiny_synth(d, method = "gan", modes = 1.5), "modes")
})

test_that("a list of values makes a number discrete", {
  skip_if_no_socgan()
  d <- data.frame(k = rep(c(0L, 1L), 30), x = seq(0, 1, length.out = 60))
  syn <- dp_synthesize(d, epsilon = 1, method = "dpgan", seed = 1, steps = 10, batch_size = 16,
                       n_rows = 20, bounds = list(k = list(0, 1), x = c(0, 1)))
  expect_true(is.integer(syn$k))
  expect_true(all(syn$k %in% 0:1))
})

test_that("errors raised by Python reach the R user", {
  skip_if_no_socgan()
  d <- synth_data()
  b <- synth_bounds(d)
  b$x <- c(0, 5)
  expect_error(tiny_synth(d, epsilon = 1, bounds = b, seed = 1), "does not cover the data")
  expect_error(tiny_synth(d, epsilon = 1, bounds = synth_bounds(d)[1:5], seed = 1),
               "gives nothing for column")
  expect_error(tiny_synth(d, epsilon = 1, bounds = synth_bounds(d), no_such_setting = 1),
               "no_such_setting")
})

test_that("dp_synthesize() checks its arguments in R, before calling Python", {
  d <- synth_data(10)
  b <- synth_bounds(d)
  expect_error(dp_synthesize(list(x = 1), epsilon = 1, bounds = b),
               "`data` must be a data.frame")
  expect_error(dp_synthesize(d, epsilon = -1, bounds = b), "`epsilon` must be one number")
  expect_error(dp_synthesize(d, epsilon = 0, bounds = b), "`epsilon` must be one number")
  expect_error(dp_synthesize(d, epsilon = Inf, bounds = b), "`epsilon` must be one number")
  expect_error(dp_synthesize(d, epsilon = c(1, 2), bounds = b), "`epsilon` must be one number")
  expect_error(dp_synthesize(d, epsilon = "1", bounds = b), "`epsilon` must be one number")
  expect_error(dp_synthesize(d, bounds = b), "`epsilon` is required")
  expect_error(dp_synthesize(d, epsilon = 1, delta = 1, bounds = b), "`delta` must be one number")
  expect_error(dp_synthesize(d, epsilon = 1), "`bounds` is required for a private release")
  expect_error(dp_synthesize(d, epsilon = 1, method = "gan"), "is not private")
  expect_error(dp_synthesize(d, epsilon = 1, bounds = b, method = "ctgan"), "`method` must be one of")
  # a misspelt setting is named with the nearest one (it got Python's "unexpected keyword")
  expect_error(dp_synthesize(d, epsilon = 1, bounds = b, batchsize = 3),
               "`batchsize` is not a setting of dp_synthesize\\(\\)\\. Did you mean `batch_size`")
  expect_error(dp_synthesize(d, epsilon = 1, bounds = b, n_rows = 0), "`n_rows` must be at least 1")
  expect_error(dp_synthesize(d, epsilon = 1, bounds = b, insecure_seed = -1),
               "`insecure_seed` must be at least 0")
  expect_error(dp_synthesize(d, epsilon = 1, bounds = b, seed = 1.5), "`seed` must be one whole")
  expect_error(dp_synthesize(d, epsilon = 1, bounds = b, steps = 2.5), "`steps` must be one whole")
  expect_error(dp_synthesize(d, epsilon = 1, bounds = b, progress = NA), "`progress` must be TRUE")
  expect_error(dp_synthesize(d, epsilon = 1, bounds = b, batch_size = 0.5), "`batch_size`")
  expect_error(dp_synthesize(d, epsilon = 1, bounds = b, pgb_share = 1.5), "`pgb_share`")
  expect_error(socgan:::check_synth_options(list(3)), "must be named")
  expect_identical(socgan:::check_synth_options(list(hidden = 8, clip_norm = 1L)),
                   list(hidden = 8L, clip_norm = 1))

  # bounds
  expect_error(dp_synthesize(d, epsilon = 1, bounds = c(x = 1)), "`bounds` must be a named list")
  expect_error(dp_synthesize(d, epsilon = 1, bounds = "x"), "`bounds` must be a named list")
  expect_error(dp_synthesize(d, epsilon = 1, bounds = list(c(0, 1))), "must be a named list")
  expect_error(dp_synthesize(d, epsilon = 1, bounds = c(b, list(zz = c(0, 1)))),
               "not in `data`: zz")
  expect_error(dp_synthesize(d, epsilon = 1, bounds = modifyList(b, list(x = c(0, 5, 10)))),
               "`bounds\\$x` must be c\\(low, high\\)")
  expect_error(dp_synthesize(d, epsilon = 1, bounds = modifyList(b, list(x = c(10, 0)))),
               "finite low < high")
  expect_error(dp_synthesize(d, epsilon = 1, bounds = modifyList(b, list(x = c("a", "b")))),
               "column `x` is numeric")
  expect_error(dp_synthesize(d, epsilon = 1, bounds = modifyList(b, list(s = c(0, 1)))),
               "column `s` is not numeric")
  expect_error(dp_synthesize(d, epsilon = 1, bounds = modifyList(b, list(f = c("a", NA)))),
               "without NA")

  # data
  d_na <- d
  d_na$x[2] <- NA
  expect_error(dp_synthesize(d_na, epsilon = 1, bounds = b), "needs complete data.*column\\(s\\) x")
  d_date <- data.frame(x = 1:3, when = Sys.Date() + 0:2)
  expect_error(dp_synthesize(d_date, epsilon = 1, bounds = list(x = c(0, 5), when = c(0, 1))),
               "convert column\\(s\\) when")
})

test_that("bounds cross as (low, high) ranges and lists of levels", {
  d <- synth_data(10)
  b <- socgan:::check_bounds(c(synth_bounds(d)[1:5], list(s = list("u", "v", 1))), d)
  expect_identical(b$x, list(kind = "range", value = c(0, 10)))
  expect_identical(b$i, list(kind = "range", value = c(1, 5)))
  expect_identical(b$b, list(kind = "levels", value = list(FALSE, TRUE)))
  expect_identical(b$f, list(kind = "levels", value = list("c", "a", "b")))
  expect_identical(b$s$value, list("u", "v", 1))
})

test_that("a factor keeps its level order whatever order bounds list its levels in", {
  skip_if_no_socgan()
  d <- synth_data()
  b <- synth_bounds(d)
  b$f <- c("a", "b", "c", "z")  # another order, and a public level the data lack
  b$o <- c("hi", "lo", "mid")
  syn <- dp_synthesize(d, epsilon = 2, bounds = b, insecure_seed = 3)
  expect_identical(levels(syn$f), c("c", "a", "b", "z"))
  expect_identical(levels(syn$o), c("lo", "mid", "hi"))
  expect_true(is.ordered(syn$o))
  expect_true(is.numeric(attr(syn, "privacy_report")$seed))
})

test_that("dp_evaluate() compares a release with the real data, with R's formulas", {
  skip_if_no_socgan()
  set.seed(4)
  d <- data.frame(x = runif(300, 1, 10), g = factor(sample(c("a", "b"), 300, TRUE)))
  d$y <- 2 * log(d$x) + 0.1 * d$x^2 + (d$g == "b") + rnorm(300, sd = 0.3)
  same <- dp_evaluate(d, d[sample(nrow(d)), ], formula = y ~ log(x) + I(x^2) + g, target = "g",
                      detection = FALSE)
  expect_s3_class(same, "data.frame")
  expect_identical(names(same), c("metric", "variable", "value", "reading"))
  expect_type(same$value, "double")
  # the same rows shuffled: the coefficients are the real ones exactly (I(x^2) read as a power)
  expect_lt(same$value[same$metric == "coefficient_rmse"], 1e-8)
  real_x2 <- same$value[same$metric == "coefficient_real" & same$variable == "I(x ** 2)"]
  expect_equal(real_x2, unname(coef(lm(y ~ log(x) + I(x^2) + g, data = d))[["I(x^2)"]]),
               tolerance = 1e-8)
  expect_true(all(c("tvd_1way", "correlation_difference", "tstr_auc") %in% same$metric))
  expect_identical(socgan:::formula_to_python(y ~ I((a + b)^2) + (c + d)^2),
                   "y ~ I((a + b)**2) + (c + d)^2")
  # R's factor() and `~ .` work; what cannot be used is named in R's terms (an R user's trial:
  # Python's NameError with carets)
  fac <- dp_evaluate(d, d, formula = y ~ factor(g), detection = FALSE)
  expect_true("factor(g)[T.b]" %in% fac$variable)
  dot <- dp_evaluate(d, d, formula = y ~ ., detection = FALSE)
  expect_setequal(dot$variable[dot$metric == "coefficient_real"], c("Intercept", "x", "g[T.b]"))
  expect_error(dp_evaluate(d, d, formula = y ~ x + nope, detection = FALSE),
               "uses `nope`, which is not a column of `real`", class = "socgan_error")
  err <- tryCatch(dp_evaluate(d, d, formula = y ~ poly(x, 2), detection = FALSE),
                  socgan_error = conditionMessage)
  expect_match(err, "calls poly(), which dp_evaluate() does not know", fixed = TRUE)
  expect_match(err, "I(x^2)", fixed = TRUE)
  expect_false(grepl("np.", err, fixed = TRUE) || grepl("**", err, fixed = TRUE))
  expect_error(dp_evaluate(d, d, formula = 3), "`formula` must be one non-empty string")
  expect_error(dp_evaluate(d, d, bins = 0), "`bins` must be at least 1")
  expect_error(dp_evaluate(d, list(x = 1)), "`synthetic` must be a data.frame")
})
