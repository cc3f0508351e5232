# The wire format: data.frames cross to pandas 3 and back without reticulate's DataFrame or
# NumPy conversion (which Debian's reticulate 1.28 cannot do), keeping every R type.

test_that("the wire format alone reproduces a data.frame (no Python)", {
  d <- mixed_data()
  expect_identical(socgan:::decode_frame(socgan:::encode_frame(d)), d)
  named <- d
  rownames(named) <- c("a", "b", "c", "d")
  expect_identical(socgan:::decode_frame(socgan:::encode_frame(named)), named)
  expect_identical(socgan:::decode_frame(socgan:::encode_frame(d[0, ])), d[0, ])
})

test_that("unsupported columns give clear errors (no Python)", {
  expect_error(socgan:::encode_frame(data.frame(t = as.POSIXct("2020-01-01", tz = "UTC"))),
               "`t` is of class POSIXct/POSIXt, which socgan does not convert")
  l <- data.frame(x = 1:2)
  l$l <- list(1, "a")
  expect_error(socgan:::encode_frame(l), "`l` is of class list")
  expect_error(socgan:::encode_frame(data.frame(z = c(1i, 2i))), "`z` is of class complex")
  m <- data.frame(x = 1:2)
  m$m <- matrix(1:4, 2)
  expect_error(socgan:::encode_frame(m), "`m` is a matrix")
  expect_error(socgan:::encode_frame(data.frame(f = addNA(factor(c("a", NA))))), "NA as a level")
})

test_that("a data.frame survives the trip to pandas and back", {
  skip_if_no_socgan()
  d <- mixed_data()
  expect_identical(socgan:::frame_from_python(socgan:::frame_to_python(d)), d)
  named <- d
  rownames(named) <- c("a", "b", "c", "d")
  expect_identical(socgan:::frame_from_python(socgan:::frame_to_python(named)), named)
  sub <- d[c(2, 4), ]  # integer row names that are not 1..n
  expect_identical(socgan:::frame_from_python(socgan:::frame_to_python(sub)), sub)
  expect_identical(socgan:::frame_from_python(socgan:::frame_to_python(d[0, ])), d[0, ])
  one <- data.frame(f = factor("only"), s = "one", stringsAsFactors = FALSE)  # length-1 levels
  expect_identical(socgan:::frame_from_python(socgan:::frame_to_python(one)), one)
})

test_that("pandas receives the right dtypes, missing values and levels", {
  skip_if_no_socgan()
  py <- socgan:::frame_to_python(mixed_data())
  dtypes <- reticulate::py_to_r(py$dtypes$astype("str")$tolist())
  expect_identical(dtypes[c(1:5, 7)], c("float64", "Int64", "boolean", "category", "category",
                                        "datetime64[s]"))
  expect_true(dtypes[[6]] %in% c("str", "object", "string"))
  expect_identical(reticulate::py_to_r(py$isna()$sum()$tolist()), rep(1L, 7))
  ints <- reticulate::py_to_r(py[["i"]]$dropna()$astype("int64")$tolist())
  expect_identical(ints, c(1L, 3L, -7L))  # R's NA_integer_ did not arrive as -2147483648
  expect_identical(reticulate::py_to_r(py[["f"]]$cat$categories$tolist()), c("c", "b", "a"))
  expect_true(reticulate::py_to_r(py[["o"]]$cat$ordered))
  expect_identical(reticulate::py_to_r(py$index$tolist()), 1:4)  # mice's .id
})

test_that("a pandas 3 DataFrame made in Python arrives as R data", {
  skip_if_no_socgan()
  main <- reticulate::py_run_string(paste(
    "import numpy as np, pandas as pd",
    "df = pd.DataFrame({",
    "  'x': [0.5, np.nan], 'i': pd.array([None, 2], dtype='Int64'),",
    "  'n': np.array([1, 2], dtype=np.int64), 'b': pd.array([True, None], dtype='boolean'),",
    "  'f': pd.Categorical(['z', None], categories=['z', 'y'], ordered=True),",
    "  's': pd.Series([None, 'w'], dtype='str'), 'o': pd.Series(['a', None], dtype=object)})",
    sep = "\n"), convert = FALSE)
  d <- socgan:::frame_from_python(main$df)
  expect_identical(d, data.frame(
    x = c(0.5, NA), i = c(NA, 2L), n = c(1L, 2L), b = c(TRUE, NA),
    f = factor(c("z", NA), levels = c("z", "y"), ordered = TRUE),
    s = c(NA, "w"), o = c("a", NA), stringsAsFactors = FALSE))
})

test_that("the conversion's warnings are R warnings (issue 15)", {
  skip_if_no_socgan()
  big <- reticulate::py_eval("__import__('pandas').DataFrame({'n': [1, 2**40]})",
                              convert = FALSE)
  cplx <- reticulate::py_eval("__import__('pandas').DataFrame({'z': [1j, 2j]})", convert = FALSE)
  expect_warning(out <- socgan:::frame_from_python(big), "beyond R's integer range",
                 class = "socgan_warning")
  expect_identical(out$n, c(1, 2^40))
  expect_error(socgan:::frame_from_python(cplx), "no R counterpart", class = "socgan_error")
})
