# Reference values of mice::pool and mice::pool.scalar, frozen for tests/pooling/test_frozen_mice.py
# (statsmodels keeps R's numbers beside the R script that made them, so the checks run without R;
# the live comparisons, marked against_r, stay in tests/pooling/test_pooling.py).
#
# Regenerate from the repository root (needs R with mice and jsonlite):
#   Rscript tests/pooling/results/mice_pool.R
# which rewrites tests/pooling/results/mice_pool.json. The cases are those of the live tests.

suppressMessages(library(mice))
library(jsonlite)

summary_frame <- function(pooled, conf_level) {
  s <- summary(pooled, type = "all", conf.int = TRUE, conf.level = conf_level)
  class(s) <- "data.frame"
  s$term <- as.character(s$term)
  s
}

# m data sets of size n fitted with lm(formula): the coefficients differ between them as they
# would between imputations (the live test's _R_LM_FITS).
lm_case <- function(name, m, seed, formula = "y ~ x1 + x2 + x3", n = 30, dfcom = NULL,
                    conf_level = 0.95, identical_fits = FALSE) {
  set.seed(seed)
  first <- NULL
  fits <- lapply(seq_len(m), function(i) {
    d <- data.frame(x1 = rnorm(n), x2 = rnorm(n), x3 = rbinom(n, 1, 0.4))
    d$y <- 1 + 0.5 * d$x1 - 0.3 * d$x2 + 0.8 * d$x3 + rnorm(n, sd = 1 + 0.3 * i / m)
    if (identical_fits && i > 1) return(first)
    fit <- lm(as.formula(formula), data = d)
    if (i == 1) first <<- fit
    fit
  })
  pooled <- if (is.null(dfcom)) pool(as.mira(fits)) else pool(as.mira(fits), dfcom = dfcom)
  list(name = name, m = m, conf_level = conf_level,
       dfcom = if (is.null(dfcom)) df.residual(fits[[1]]) else dfcom,
       terms = names(coef(fits[[1]])),
       coef = unname(do.call(rbind, lapply(fits, coef))),
       vcov = lapply(fits, function(f) unname(vcov(f))),
       summary = summary_frame(pooled, conf_level))
}

nhanes_case <- function() {
  imp <- mice(nhanes, m = 5, seed = 1, printFlag = FALSE)
  fit <- with(imp, lm(chl ~ age + bmi))
  list(name = "nhanes chl ~ age + bmi", m = 5, conf_level = 0.95,
       dfcom = df.residual(fit$analyses[[1]]),
       terms = names(coef(fit$analyses[[1]])),
       coef = unname(t(sapply(fit$analyses, coef))),
       vcov = lapply(fit$analyses, function(f) unname(vcov(f))),
       summary = summary_frame(pool(fit), 0.95))
}

scalar_case <- function(name, Q, U, n = Inf, k = 1, conf_level = 0.95) {
  r <- suppressWarnings(mice::pool.scalar(Q, U, n = n, k = k))
  r$p_value <- 2 * pt(abs(r$qbar / sqrt(r$t)), pmax(r$df, 0.001), lower.tail = FALSE)
  a <- (1 - conf_level) / 2
  r$conf_low <- r$qbar + suppressWarnings(qt(a, r$df)) * sqrt(r$t)
  r$conf_high <- r$qbar + suppressWarnings(qt(1 - a, r$df)) * sqrt(r$t)
  list(name = name, Q = Q, U = U, n = n, k = k, conf_level = conf_level,
       result = r[c("m", "qbar", "ubar", "b", "t", "df", "r", "fmi", "p_value", "conf_low",
                    "conf_high")])
}

cases <- list(
  pool = list(
    lm_case("lm fits, m = 2", m = 2, seed = 2),
    lm_case("lm fits, m = 5", m = 5, seed = 5),
    lm_case("lm fits, m = 20", m = 20, seed = 20),
    lm_case("one term, conf_level 0.9", m = 5, seed = 11, formula = "y ~ 1", conf_level = 0.9),
    lm_case("infinite dfcom", m = 5, seed = 3, dfcom = Inf),
    lm_case("identical fits (b = 0)", m = 5, seed = 4, identical_fits = TRUE),
    nhanes_case()),
  pool_scalar = list(
    scalar_case("m = 3, finite n", Q = c(2.1, 1.7, 2.6), U = c(0.12, 0.2, 0.09), n = 40, k = 3),
    scalar_case("m = 5, infinite n", Q = c(0.3, -0.1, 0.45, 0.2, 0.05),
                U = c(0.05, 0.07, 0.06, 0.1, 0.08)),
    scalar_case("b = 0, finite n", Q = rep(1.5, 4), U = c(0.1, 0.2, 0.3, 0.4), n = 25, k = 2),
    scalar_case("b = 0, infinite n", Q = rep(1.5, 4), U = c(0.1, 0.2, 0.3, 0.4), k = 2),
    scalar_case("conf_level 0.9", Q = c(1, 1.4, 0.7), U = c(0.1, 0.2, 0.3), n = 12, k = 2,
                conf_level = 0.9),
    scalar_case("zero variances, b = 0", Q = rep(1, 3), U = rep(0, 3), n = 10, k = 1),
    scalar_case("zero variances, b > 0", Q = c(1, 2, 3), U = rep(0, 3), n = 10, k = 1)))

out <- list(generated_by = "tests/pooling/results/mice_pool.R", R = R.version.string,
            mice = as.character(packageVersion("mice")), cases = cases)
path <- file.path("tests", "pooling", "results", "mice_pool.json")
writeLines(toJSON(out, digits = NA, na = "string", auto_unbox = TRUE, pretty = TRUE), path)
cat("wrote", path, "\n")
