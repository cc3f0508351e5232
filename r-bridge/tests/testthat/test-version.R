# Issue 15, point 2: the R package declares the Python socgan versions it works with, and
# socgan_available() and every wrapper check them.

test_that("version specifications are compared as pip does", {
  expect_true(socgan:::version_satisfies("0.1.0", ">= 0.1.0, < 0.2.0"))
  expect_true(socgan:::version_satisfies("0.1.7", ">= 0.1.0, < 0.2.0"))
  expect_true(socgan:::version_satisfies("0.1.0.dev3", ">= 0.1.0, < 0.2.0"))
  expect_false(socgan:::version_satisfies("0.0.9", ">= 0.1.0, < 0.2.0"))
  expect_false(socgan:::version_satisfies("0.2.0", ">= 0.1.0, < 0.2.0"))
  expect_false(socgan:::version_satisfies("1.0.0", ">= 0.1.0, < 0.2.0"))
  expect_false(socgan:::version_satisfies(NA_character_, ">= 0.1.0"))
  expect_true(socgan:::version_satisfies("0.3.1", "== 0.3.1"))
  expect_false(socgan:::version_satisfies("0.3.2", "== 0.3.1"))
})

test_that("the DESCRIPTION declares the versions, and this checkout's Python side meets them", {
  spec <- socgan_python_versions()
  expect_match(spec, "^>= [0-9.]+, < [0-9.]+$")
  skip_if_no_socgan()
  found <- reticulate::py_eval("__import__('socgan').__version__")
  expect_true(socgan:::version_satisfies(found, spec))
  expect_true(socgan_available())
})

test_that("an older or newer Python socgan is refused by socgan_available() and every wrapper", {
  skip_if_no_socgan()
  for (case in list(list(name = "socgan_older", version = "0.0.9"),
                    list(name = "socgan_newer", version = "0.2.0"),
                    list(name = "socgan_unversioned", version = NULL))) {
    module <- fake_python_module(case$name, case$version)
    op <- options(socgan.python_module = module)
    available <- socgan_available()
    expect_false(available)
    found <- if (is.null(case$version)) "without a version number" else case$version
    expect_match(attr(available, "reason"), found, fixed = TRUE)
    expect_message(socgan_available(quietly = FALSE), "works with the Python package socgan")
    d <- data.frame(x = c(1, NA, 3), y = c(1, 2, 3))
    for (call in list(
      quote(gain_impute(d, m = 2)),
      quote(pool_rubin(c(1, 2), c(1, 1))),
      quote(sae_estimate(data.frame(v = 1:2, a = c("x", "y")), data.frame(a = c("x", "y")),
                         outcome = "v", area = "a")),
      quote(turnout_data(n_census = 6000, n_survey = 100)),
      quote(dp_synthesize(data.frame(x = c(1, 2, 3, 4)), method = "gan"))
    )) {
      err <- expect_error(eval(call))
      msg <- conditionMessage(err)
      expect_match(msg, paste0("works with the Python package socgan ", socgan_python_versions()),
                   fixed = TRUE)
      expect_match(msg, found, fixed = TRUE)
      expect_match(msg, "socgan::install_socgan(\"path/to/socgan\")", fixed = TRUE)
      expect_match(msg, "-m pip install --upgrade path/to/socgan", fixed = TRUE)
    }
    options(op)
  }
})

test_that("the check uses the declared versions, not a fixed answer", {
  skip_if_no_socgan()
  op <- options(socgan.python_versions = ">= 99.0")
  on.exit(options(op))
  expect_false(socgan_available())
  expect_error(gain_impute(data.frame(x = c(1, NA, 3), y = 1:3)),
               "works with the Python package socgan >= 99.0")
  options(op)
  expect_true(socgan_available())
})
