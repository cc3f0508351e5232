## ----setup, include = FALSE---------------------------------------------------
# The examples run only where Python with socgan is available (see "Setting up" below);
# scripts/test_r.sh checks that they did run.
knitr::opts_chunk$set(collapse = TRUE, comment = "#>", error = FALSE,
                      eval = socgan::socgan_available())


## ----install, eval = FALSE----------------------------------------------------
## # A Python that already has socgan (put it in ~/.Renviron to keep it):
## Sys.setenv(RETICULATE_PYTHON = "/path/to/python")
## # ... or a new virtual environment "r-socgan", which reticulate then finds by itself.
## # The path is the root of the socgan checkout: the folder with pyproject.toml and r-bridge/.
## socgan::install_socgan("~/src/socgan")


## ----versions-----------------------------------------------------------------
socgan::socgan_python_versions()
socgan::socgan_available(quietly = FALSE)


## ----data---------------------------------------------------------------------
library(socgan)
suppressPackageStartupMessages(library(mice))
str(nhanes2)
colSums(is.na(nhanes2))


## ----impute-------------------------------------------------------------------
imp <- gain_impute(nhanes2, m = 5, seed = 2024, epochs = 100)
class(imp)
head(complete(imp, 1))


## ----mids---------------------------------------------------------------------
imp
imp$call
str(imp$gain$settings[c("epochs", "max_steps", "batch_size", "seed")])


## ----losses, fig.width = 7.5, fig.height = 3----------------------------------
plot(imp)


## ----density, fig.width = 7.5, fig.height = 3---------------------------------
densityplot(imp, ~ bmi + chl)


## ----types--------------------------------------------------------------------
str(complete(imp, 2))
observed_kept <- function(completed, original) {
  all(mapply(function(x, y) identical(x[!is.na(y)], y[!is.na(y)]), completed, original))
}
observed_kept(complete(imp, 3), nhanes2)


## ----pool---------------------------------------------------------------------
fit <- with(imp, lm(chl ~ age + bmi))
pooled <- pool(fit)
summary(pooled, conf.int = TRUE)


## ----mice---------------------------------------------------------------------
imp_mice <- mice(nhanes2, m = 5, seed = 2024, printFlag = FALSE)
summary(pool(with(imp_mice, lm(chl ~ age + bmi))), conf.int = TRUE)


## ----d1, eval = requireNamespace("mitml", quietly = TRUE)---------------------
D1(fit, with(imp, lm(chl ~ bmi)))
pool.r.squared(fit)


## ----habits-------------------------------------------------------------------
tryCatch(gain_impute(nhanes2, maxit = 20), error = conditionMessage)
tryCatch(gain_impute(nhanes2, printFlag = FALSE), error = conditionMessage)
tryCatch(gain_impute(nhanes2, epoch = 50), error = conditionMessage)


## ----conditions---------------------------------------------------------------
tryCatch(gain_impute(nhanes2, hint_rate = 2), socgan_error = conditionMessage)
complete_rows <- na.omit(nhanes2)
tryCatch(gain_impute(complete_rows, m = 2), warning = conditionMessage)


## ----labelled-----------------------------------------------------------------
d <- nhanes2
d$interview <- as.Date("2024-05-01") + seq_len(nrow(d))
d$smoker <- structure(rep(c(1, 2, 1, NA, 2), 5), labels = c(yes = 1, no = 2),
                      label = "Smokes now", class = c("haven_labelled", "vctrs_vctr", "double"))
attr(d$chl, "label") <- "Total cholesterol (mg/dL)"
imp_lab <- gain_impute(d, m = 2, seed = 3, epochs = 50)
str(complete(imp_lab, 1)[c("chl", "interview", "smoker")])


## ----list---------------------------------------------------------------------
completed <- gain_impute(nhanes2, m = 3, seed = 1, epochs = 50, output = "list")
length(completed)
sapply(completed, function(d) mean(d$chl))


## ----pool-rubin---------------------------------------------------------------
q <- sapply(completed, function(d) mean(d$chl))
u <- sapply(completed, function(d) var(d$chl) / nrow(d))
pool_rubin(q, u, dfcom = nrow(nhanes2) - 1, terms = "mean chl")


## ----sae-data-----------------------------------------------------------------
sim <- turnout_data(n_census = 50000, n_survey = 5000, seed = 2024, vote_response_odds = 1)
str(sim$survey)
range(table(sim$survey$state))


## ----sae-estimate-------------------------------------------------------------
est_gain <- sae_estimate(sim$survey, sim$census, outcome = "voted", area = "state",
                         method = "gain", m = 5, seed = 1, max_steps = 300)
head(est_gain)
est_amelia <- sae_estimate(sim$survey, sim$census, outcome = "voted", area = "state",
                           method = "amelia", m = 5, seed = 1, census_sample = 2000)
est_mrp <- sae_estimate(sim$survey, sim$census, outcome = "voted", area = "state",
                        method = "mrp", seed = 1)


## ----sae-attributes-----------------------------------------------------------
str(est_gain[c("area", "n_survey", "n_census")])
attributes(est_gain)[c("method", "m", "conf_level", "covariates")]


## ----sae-compare--------------------------------------------------------------
truth <- setNames(sim$truth$turnout, sim$truth$state)
score <- function(est) {
  true <- truth[as.character(est$area)]
  c(rmse = sqrt(mean((est$estimate - true)^2)),
    coverage = mean(est$conf_low <= true & true <= est$conf_high),
    mean_width = mean(est$conf_high - est$conf_low))
}
direct <- tapply(sim$survey$voted, sim$survey$state, mean)
round(rbind(direct = c(rmse = sqrt(mean((direct - truth[names(direct)])^2)),
                       coverage = NA, mean_width = NA),
            gain = score(est_gain), amelia = score(est_amelia), mrp = score(est_mrp)), 3)


## ----sae-plot, fig.width = 7.5, fig.height = 7--------------------------------
dot_plot <- function(est, title) {
  o <- order(truth[as.character(est$area)])
  y <- seq_along(o)
  plot(est$estimate[o], y, xlim = c(0.4, 0.95), pch = 19, cex = 0.6, yaxt = "n",
       xlab = "turnout", ylab = "", main = title)
  segments(est$conf_low[o], y, est$conf_high[o], y, col = "grey50")
  points(truth[as.character(est$area)][o], y, pch = 4, col = "red", cex = 0.7)
  axis(2, at = y, labels = as.character(est$area)[o], las = 1, cex.axis = 0.5)
}
op <- par(mfrow = c(1, 3), mar = c(4, 3, 2, 0.5))
dot_plot(est_gain, "GAIN")
dot_plot(est_amelia, "Amelia")
dot_plot(est_mrp, "MRP")
par(op)


## ----synth-data---------------------------------------------------------------
set.seed(42)
n <- 300
survey <- data.frame(
  age = sample(18:90, n, replace = TRUE),
  smoker = runif(n) < 0.25,
  region = factor(sample(c("north", "south", "east", "west"), n, TRUE, prob = c(4, 3, 2, 1)),
                  levels = c("north", "south", "east", "west"))
)
survey$income <- round(pmin(pmax(20 + 0.6 * survey$age + rnorm(n, 0, 12), 0), 200), 1)
codebook <- list(age = c(18, 90), smoker = c(FALSE, TRUE),
                 region = c("north", "south", "east", "west"), income = c(0, 200))


## ----synth--------------------------------------------------------------------
syn <- dp_synthesize(survey, epsilon = 1, bounds = codebook, n_rows = 300)
str(syn[1:4])
c(epsilon = attr(syn, "epsilon"), delta = attr(syn, "delta"))
attr(syn, "privacy_report")[c("accountant", "noise_multiplier", "noise_to_signal",
                              "marginal_bins", "rows_noisy_count", "privacy_randomness")]


## ----synth-compare------------------------------------------------------------
plain <- dp_synthesize(survey, method = "marginals-nonprivate", seed = 7)
rbind(real = prop.table(table(survey$region)),
      private = prop.table(table(syn$region)),
      nonprivate = prop.table(table(plain$region)))
rbind(real = colMeans(survey[c("age", "income")]),
      private = colMeans(syn[c("age", "income")]),
      nonprivate = colMeans(plain[c("age", "income")]))
c(real = cor(survey$age, survey$income), private = cor(syn$age, syn$income),
  nonprivate = cor(plain$age, plain$income))


## ----synth-evaluate-----------------------------------------------------------
ev <- dp_evaluate(survey, syn, formula = income ~ age + region, detection = FALSE)
ev[ev$metric %in% c("tvd_1way", "correlation_difference_mean_abs", "coefficient_rmse",
                    "ci_overlap_mean"), c("metric", "variable", "value")]

