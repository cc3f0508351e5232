# Issue 15, point 7: documented and declared defaults come from the Python side and are
# checked against it; the vignette is installed; install_socgan() says which path works.

rd_text <- function(topic) {
  db <- tools::Rd_db("socgan")
  paste(as.character(db[[paste0(topic, ".Rd")]]), collapse = "")
}

r_literal <- function(value) paste(deparse(value, control = NULL), collapse = "")

test_that("?gain_impute documents every setting of socgan.impute() with Python's default", {
  skip_if_no_socgan()
  text <- rd_text("gain_impute")
  params <- socgan:::python_parameters("impute")
  own <- c("data", "m", "seed", "progress", "bounds", "idvars", "derived", "where")  # own
  settings <- Filter(function(p) !p$name %in% own, params)
  expect_gt(length(settings), 8L)
  expect_null(formals(gain_impute)$bounds)
  expect_null(formals(gain_impute)$idvars)
  expect_match(text, "\\item{bounds}{", fixed = TRUE)
  expect_match(text, "\\item{idvars}{", fixed = TRUE)
  expect_null(formals(gain_impute)$derived)
  expect_match(text, "\\item{derived}{", fixed = TRUE)
  for (p in settings) {
    documented <- sprintf("\\code{%s} (default \\code{%s})", p$name, r_literal(p$default))
    expect(grepl(documented, text, fixed = TRUE),
           sprintf("?gain_impute should document `%s` as: %s", p$name, documented))
  }
  # and documents nothing Python does not have
  listed <- regmatches(text, gregexpr("\\\\item \\\\code\\{([a-z_]+)\\} \\(default", text))[[1]]
  listed <- sub("\\\\item \\\\code\\{([a-z_]+)\\}.*", "\\1", listed)
  expect_setequal(listed, vapply(settings, function(p) p$name, ""))
})

test_that("the R functions' defaults are Python's", {
  skip_if_no_socgan()
  same_defaults <- function(r_fun, py_params, names) {
    for (nm in names) {
      p <- Filter(function(p) p$name == nm, py_params)[[1]]
      r_default <- eval(formals(r_fun)[[nm]])
      if (is.character(r_default) && length(r_default) > 1L) r_default <- r_default[[1L]]
      expect(identical(r_literal(r_default), r_literal(p$default)),
             sprintf("default of `%s`: R has %s, Python %s", nm, r_literal(r_default),
                     r_literal(p$default)))
    }
  }
  same_defaults(gain_impute, socgan:::python_parameters("impute"), c("m", "seed"))
  same_defaults(sae_estimate, socgan:::python_parameters("estimate", "sae"),
                c("m", "seed", "conf_level", "method", "covariates"))
  same_defaults(dp_synthesize, socgan:::python_parameters("synthesize", "synth"),
                c("delta", "method", "n_rows", "seed", "insecure_seed", "bounds", "steps"))
  same_defaults(gain_fit, socgan:::python_parameters("impute"), c("m", "seed"))
  # progress = NULL is R's form of Python's progress=True (a bar when a person watches)
  for (f in list(gain_impute, gain_fit, sae_estimate, dp_synthesize)) {
    expect_null(formals(f)$progress)
  }
  for (py in list(socgan:::python_parameters("impute"),
                  socgan:::python_parameters("estimate", "sae"),
                  socgan:::python_parameters("synthesize", "synth"))) {
    expect_true(Filter(function(p) p$name == "progress", py)[[1]]$default)
  }
})

test_that("the vignette is installed with the package, built from the current source", {
  installed <- tools::getVignetteInfo("socgan")
  expect_true("socgan" %in% installed[, "Topic"])
  html <- system.file("doc", "socgan.html", package = "socgan")
  expect_true(nzchar(html))
  rmd <- system.file("doc", "socgan.Rmd", package = "socgan")
  expect_true(nzchar(rmd))
  # the built HTML shows the code of the Rmd it was built from
  page <- paste(readLines(html, warn = FALSE), collapse = "\n")
  code <- trimws(knitr::purl(text = readLines(rmd, warn = FALSE), quiet = TRUE,
                             documentation = 0L))
  code <- code[nzchar(code) & !startsWith(code, "#")]
  unescape <- function(x) gsub("&quot;", "\"", gsub("&gt;", ">", gsub("&lt;", "<",
                               gsub("&amp;", "&", x, fixed = TRUE), fixed = TRUE), fixed = TRUE))
  plain <- unescape(gsub("<[^>]+>", "", page))
  missing <- code[!vapply(code, function(line) grepl(line, plain, fixed = TRUE), logical(1))]
  expect(length(missing) == 0L,
         paste0("inst/doc/socgan.html is older than the vignette; rebuild it with ",
                "scripts/build_r_vignette.sh. Lines not in it: ",
                paste(head(missing, 3), collapse = " | ")))
})

test_that("install_socgan() wants the repository root and says so", {
  root <- file.path(tempdir(), "socgan-checkout")
  dir.create(file.path(root, "r-bridge"), recursive = TRUE, showWarnings = FALSE)
  writeLines("[project]", file.path(root, "pyproject.toml"))
  expect_error(install_socgan(file.path(root, "r-bridge")),
               "folder without pyproject.toml.*Did you mean its parent folder")
  text <- rd_text("install_socgan")
  expect_match(text, "root", fixed = TRUE)
  expect_match(text, "pyproject.toml", fixed = TRUE)
})
