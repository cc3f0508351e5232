#' Small-area estimation from a survey and a census
#'
#' Estimates the mean of `outcome` (a turnout rate, a mean income) in every
#' area of a census (states, counties) from a survey too small to give each
#' area a direct estimate, with socgan's Python function
#' `socgan.sae.estimate()`. Areas without any respondent still get an
#' estimate, from the covariates of their census rows.
#'
#' @section Methods:
#' * `"gain"` (default): stack the survey on the census and multiply
#'   *over*impute the outcome of every census row with socgan's GAIN (the
#'   approach of Honaker & Plutzer 2016, with a GAN as the imputer); each
#'   imputation comes from its own model fitted on a bootstrap resample of the
#'   survey, and the area estimate is the mean of the imputed outcomes over the
#'   area's census rows.
#' * `"amelia"`: the same stacking, imputed by EM with bootstrapping under a
#'   multivariate normal (Amelia II).
#' * `"mrp"`: multilevel regression and poststratification (Gelman & Little
#'   1997): random intercepts for the area and each categorical covariate,
#'   area-level predictors as fixed effects, fitted by Laplace maximum
#'   likelihood as `lme4::glmer()` does, then poststratified over the census.
#' * `"bart"`: Bayesian additive regression trees with poststratification
#'   ("BARP", Bisbee 2019): a sum-of-trees model of the outcome given the area
#'   and the covariates, sampled by MCMC and poststratified over the census for
#'   every posterior draw; a machine-learning baseline. It needs the Python
#'   package stochtree (`pip install stochtree`, or socgan's extra `sae`).
#'
#' The names socgan's Python side accepts are checked when the function is
#' called, so a method added there is usable at once.
#'
#' For the stacking methods the census is the whole population, so the
#' variance is that of Vink & van Buuren (2014), \eqn{T = (1 + 1/m) B} with
#' \eqn{t_{m-1}} intervals, and not Rubin's, which would add a sampling
#' variance that a census does not have. For a binary outcome, GAIN's estimate
#' is the mean of each imputation's expected area means (the outcome's
#' probabilities, averaged over the area intercept's posterior), which carries
#' less Monte Carlo error than the mean of the imputed 0/1 values; each
#' imputation also gives the variance \eqn{W} of its area means given its
#' model, so \eqn{T = \bar W + (1 + 1/m) B_E}, with \eqn{B_E} the variance of
#' those expected means and Rubin's degrees of freedom. A numeric outcome's
#' expected area means and their variance come from 20 further draws per
#' imputation.
#'
#' @section Known totals:
#' With `known_totals`, the predictions within each group get one common
#' shift, on the logit scale for a binary outcome (additive otherwise): those of
#' the census cells (MRP, BART, GAIN stacking) or each imputation's area means
#' (Amelia-style), so
#' that the census-weighted sum of the group's estimates,
#' `sum(n_census * estimate)`, equals its known total. This corrects an error
#' common to the group's areas, such as voters answering surveys more often
#' than non-voters, which no covariate can correct; it leaves the differences
#' between the group's areas to the model. It is valid when the totals are
#' exact and count the census's population and outcome (ballots cast by the
#' census's adults, not by the voting-eligible population, nor an estimate
#' with its own error).
#'
#' @section Data:
#' Columns may be numeric, integer, logical, factor (ordered or not) or
#' character. The outcome is binary (0/1, `TRUE`/`FALSE`, or a factor with two
#' levels, the second counting as 1 as in `glm()`) or numeric; survey rows with
#' a missing outcome inform the covariates of the stacking methods and are
#' dropped by the others. Covariates may have missing values in both frames
#' and must have the same categories in both; they may be individual
#' characteristics (age, education) or area-level predictors, constant within
#' an area (previous turnout, region). The area is never missing, and every
#' survey area must be in the census. A census column named like `outcome`
#' must be entirely `NA`. Only the columns used cross to Python. haven's
#' labelled columns whose values all carry a label are used as the factors
#' `haven::as_factor()` makes (others are refused with that advice).
#'
#' @param survey A data.frame, one row per respondent, with `outcome`, `area`
#'   and the covariates.
#' @param census A data.frame, one row per member of the population, with
#'   `area` and the covariates, and no outcome.
#' @param outcome Name of the survey column to estimate (one string).
#' @param area Name of the area column of both frames (one string).
#' @param covariates Names of the columns of both frames that predict the
#'   outcome (a character vector); `NULL` (default) for every column the two
#'   frames share, other than `outcome` and `area`.
#' @param method The method: `"gain"` (default), `"mrp"`, `"amelia"` or
#'   `"bart"` (see "Methods").
#' @param m Number of imputations of the stacking methods `"gain"` and
#'   `"amelia"` (a whole number, at least 2; `10` and `10L` both work).
#'   Ignored by the other methods. The default, 10, is larger than
#'   [gain_impute()]'s 5: the between-imputation variance is here the whole
#'   variance of the estimates, and Honaker & Plutzer (2016) overimpute 10 times.
#' @param seed A whole number: the same seed gives the same estimates. `NULL` (or
#'   `NA`) draws one from R's random number generator, so that `set.seed()` first
#'   repeats the run.
#' @param conf_level Level of the intervals, in (0, 1). The default 0.9 is
#'   usual in small-area estimation.
#' @param progress Show Python's progress bar: `TRUE` or `FALSE`. `NULL`
#'   (default) shows it in an interactive R session, but not under `Rscript`
#'   or while knitr knits; `options(socgan.progress = FALSE)` turns it off by
#'   default.
#' @param known_totals `NULL` (default), or known totals of the outcome to
#'   calibrate the estimates to (e.g. the official number of votes cast), by
#'   the logit shift of Ghitza & Gelman (2013): a single number, the total of
#'   the outcome over the whole census (for a two-valued outcome, the number
#'   of rows with its larger value: the 1s of a 0/1 outcome, the 2s of a 1/2
#'   one); or a data.frame with two columns, a census column that forms groups
#'   of whole areas (e.g. `region`, or the area column itself) and `total`,
#'   one row per group (groups without a row are not calibrated). Every
#'   posterior draw (MRP, BART) or imputation (stacking) is shifted, so the
#'   intervals carry the calibration. See "Known totals".
#' @param ... Settings of the method, by name (a setting the method does not
#'   know is an error). `"gain"`: `census_sample` (census rows in each model
#'   fit; default as many as survey rows), `area_effect` (`"random"`, the
#'   default: the area as a random intercept on the network's logit (a binary
#'   outcome) or mean (a numeric one), pooled as in MRP; `"fixed"`: the area as
#'   one of the network's inputs),
#'   `early_stopping` (default `TRUE`: each model stops once its out-of-bag
#'   respondents' loss has not improved for a tenth of `epochs` and keeps its
#'   best weights, which only a small survey's many epochs reach: six times
#'   faster there, and more accurate on two of seven real populations, level
#'   on four; `FALSE`: every model trains to the cap), `epochs`, `max_steps`, `batch_size`,
#'   `hint_rate`, `alpha`, `hidden`, `learning_rate`, `weight_decay`, `device`
#'   (`"auto"`, `"cpu"` or `"cuda"`), as in [gain_impute()]. `"amelia"`:
#'   `census_sample`, `empri` (ridge prior; default 1% of the training rows),
#'   `tol` (default `1e-04`), `max_iter` (default `1000`). `"mrp"`:
#'   `n_draws` (default `1000`): posterior draws. `"bart"`:
#'   `n_trees` (default `50`), `n_burnin` (default `100`): MCMC iterations
#'   discarded, `n_draws` (default `1000`): draws kept, `n_gfr` (default `0`):
#'   grow-from-root warm-start sweeps, `n_threads` (default `1`). The defaults
#'   are Python's (a test checks them). Counts cross as integers, other numbers
#'   as doubles; `NULL` is Python's `None` (a default).
#' @return A data.frame with one row per area that has census rows, in the
#'   order of the census area's levels (for a character or numeric area, its
#'   sorted values), and the columns
#'   * `area`: a factor; when the census area is a factor, with its levels;
#'   * `estimate`, `std_error`, `conf_low`, `conf_high`: the estimated area
#'     mean, its standard error and interval (doubles; `NA` where a method
#'     cannot estimate an area, e.g. MRP for an area whose census rows all
#'     lack a covariate);
#'   * `n_survey`: respondents with an observed outcome in the area, and
#'     `n_census`: census rows in the area (integers).
#'
#'   Attributes record the settings: `method`, `m` (`NULL` for the methods
#'   that do not impute), `seed`, `conf_level`, `options` (a named list of the
#'   settings given in `...`), `outcome`, `covariates` (those used) and
#'   `binary` (whether the outcome was taken as binary); for `"gain"` also
#'   `epochs_trained` (the epochs each of the `m` models trained); for `"mrp"`
#'   also `model` (a named list: the random effects' standard deviations `sd`,
#'   the fixed effects `fixed`, the respondents used `n_obs` and left out for a
#'   missing covariate `n_dropped`, `n_cells`, `loglik`, `converged`).
#' @references
#' Ghitza, Y. and Gelman, A. (2013). Deep interactions with MRP: election
#' turnout and voting patterns among small electoral subgroups. *American
#' Journal of Political Science*, 57(3), 762-776.
#'
#' Bisbee, J. (2019). BARP: Improving Mister P using Bayesian additive
#' regression trees. *American Political Science Review*, 113(4), 1060-1065.
#'
#' Gelman, A. and Little, T. C. (1997). Poststratification into many
#' categories using hierarchical logistic regression. *Survey Methodology*,
#' 23(2), 127-135.
#'
#' Honaker, J. and Plutzer, E. (2016). Small area estimation with multiple
#' overimputation. Working paper.
#'
#' Vink, G. and van Buuren, S. (2014). Pooling multiple imputations when the
#' sample happens to be the population. arXiv:1409.8542.
#' @seealso [turnout_data()] for a simulated survey and census with known
#'   truth; [gain_impute()].
#' @examples
#' \dontrun{
#' sim <- turnout_data(n_census = 50000, n_survey = 5000, seed = 1)
#' est <- sae_estimate(sim$survey, sim$census, outcome = "voted", area = "state",
#'                     method = "gain", m = 5, seed = 1, max_steps = 500)
#' head(est)
#' # against the truth
#' both <- merge(est, sim$truth, by.x = "area", by.y = "state")
#' sqrt(mean((both$estimate - both$turnout)^2))
#' mean(both$conf_low <= both$turnout & both$turnout <= both$conf_high)
#'
#' # calibrated to the known number of voters in each region
#' votes <- merge(sim$truth, unique(sim$census[c("state", "region")]))
#' totals <- aggregate(cbind(total = turnout * n_census) ~ region, data = votes,
#'                     FUN = sum)
#' sae_estimate(sim$survey, sim$census, outcome = "voted", area = "state",
#'              method = "mrp", seed = 1, known_totals = totals)
#'
#' # the same with a fixed set of covariates, and MRP
#' sae_estimate(sim$survey, sim$census, outcome = "voted", area = "state",
#'              covariates = c("age", "educ", "race", "region", "prev_turnout"),
#'              method = "mrp", seed = 1)
#' }
#' @export
sae_estimate <- function(survey, census, outcome, area, covariates = NULL,
                         method = c("gain", "mrp", "amelia", "bart"), m = 10,
                         seed = NULL, conf_level = 0.9, progress = NULL, ...,
                         known_totals = NULL) {
  check_data_frame(survey, "survey")
  check_data_frame(census, "census")
  outcome <- check_string(outcome, "outcome")
  area <- check_string(area, "area")
  covariates <- check_covariates(covariates)
  method <- check_sae_method_name(method)
  # the stacking methods pool their imputations; the others ignore m (as documented)
  m <- check_count(m, "m", minimum = if (method %in% c("gain", "amelia")) 2L else 1L)
  seed <- r_seed(seed)
  conf_level <- check_number(conf_level, "conf_level", 0, 1)
  progress <- resolve_progress(progress)
  options <- check_sae_options(list(...))
  used <- sae_columns(survey, census, outcome, area, covariates)
  known_totals <- check_known_totals(known_totals, census)
  if (is.data.frame(known_totals)) {
    used$census <- unique(c(used$census, setdiff(names(known_totals), "total")))
  }

  sae <- socgan_python("sae")
  allowed <- as.character(reticulate::py_to_r(sae$METHODS))
  if (!method %in% allowed) {
    socgan_stop("`method` must be one of ", paste0("\"", allowed, "\"", collapse = ", "), ", not \"",
         method, "\".", call. = FALSE)
  }
  # the method's settings come through `...`, which Python receives as `options`
  in_dots <- function(e) {
    e$message <- sub("^`options` for method", "The settings given in `...` for method",
                     conditionMessage(e))
    socgan_stop(e)
  }
  result <- tryCatch(call_python(
    sae$estimate,
    frame_to_python(prepare_columns(survey[used$survey], "survey", "sae_estimate()")$python),
    frame_to_python(prepare_columns(census[used$census], "census", "sae_estimate()")$python),
    outcome = outcome, area = area,
    covariates = if (is.null(covariates)) NULL else as.list(covariates),
    method = method, m = m, seed = seed, conf_level = conf_level, progress = progress,
    options = if (length(options)) reticulate::r_to_py(options) else NULL,
    values = c(list(m = m, seed = seed, conf_level = conf_level), options),
    known_totals = if (is.data.frame(known_totals)) frame_to_python(known_totals)
                   else known_totals
  ), socgan_error = in_dots)
  out <- frame_from_python(reticulate::py_get_attr(result, "table"))
  if (is.factor(census[[area]])) {
    out$area <- factor(as.character(out$area), levels = levels(census[[area]]))
  } else if (is.numeric(census[[area]])) {
    # levels as R writes the census's numbers ("1224", not Python's "1224.0"), so that the
    # table merges with the user's own tables by area
    values <- sort(unique(census[[area]][!is.na(census[[area]])]))
    at <- match(as.numeric(as.character(out$area)), values)
    if (!anyNA(at)) {
      out$area <- factor(as.character(values[at]), levels = as.character(values))
    }
  }
  for (col in c("estimate", "std_error", "conf_low", "conf_high")) {
    out[[col]] <- as.double(out[[col]])
  }
  for (col in c("n_survey", "n_census")) out[[col]] <- as.integer(out[[col]])

  settings <- reticulate::py_to_r(reticulate::py_get_attr(result, "settings"))
  attr(out, "method") <- as.character(settings$method)
  attr(out, "m") <- if (is.null(settings$m)) NULL else as.integer(settings$m)
  attr(out, "seed") <- if (is.null(settings$seed)) NULL else as.integer(settings$seed)
  attr(out, "conf_level") <- as.double(settings$conf_level)
  attr(out, "options") <- options
  attr(out, "outcome") <- as.character(settings$outcome)
  attr(out, "covariates") <- as.character(unlist(settings$covariates))
  attr(out, "binary") <- isTRUE(settings$binary)
  attr(out, "known_totals") <- known_totals
  if (!is.null(settings$epochs_trained)) {
    attr(out, "epochs_trained") <- as.double(unlist(settings$epochs_trained))
  }
  if (!is.null(settings$model)) attr(out, "model") <- settings$model
  out
}

# Known totals: NULL, one finite number, or a data.frame of a census column (the groups) and
# `total`. Which groups exist and whether they are whole areas is checked in Python.
check_known_totals <- function(known_totals, census) {
  if (is.null(known_totals)) return(NULL)
  if (is.numeric(known_totals) && !is.data.frame(known_totals)) {
    if (length(known_totals) != 1L || !is.finite(known_totals)) {
      socgan_stop("`known_totals` must be NULL, one finite number or a data.frame of groups and ",
           "totals, not ", deparse_short(known_totals), ".", call. = FALSE)
    }
    return(as.double(known_totals))
  }
  if (!is.data.frame(known_totals) || ncol(known_totals) != 2L ||
      !"total" %in% names(known_totals)) {
    socgan_stop("`known_totals` must be NULL, one number, or a data.frame with two columns: a census ",
         "column that forms the groups (e.g. `region`) and `total`.", call. = FALSE)
  }
  by <- setdiff(names(known_totals), "total")
  if (!by %in% names(census)) {
    socgan_stop("`known_totals` is by '", by, "', which is not a column of `census`.", call. = FALSE)
  }
  if (!is.numeric(known_totals$total) || anyNA(known_totals$total)) {
    socgan_stop("The `total` column of `known_totals` must be numbers without NA.", call. = FALSE)
  }
  known_totals$total <- as.double(known_totals$total)
  if (is.factor(known_totals[[by]])) known_totals[[by]] <- as.character(known_totals[[by]])
  known_totals
}

#' Simulated US turnout: a survey, a census and the true state turnout
#'
#' Draws a "world" with socgan's Python function `socgan.datasets.turnout()`:
#' a population of `n_census` adults in the 50 states and DC (in proportion
#' to their 2020 population, so that small states have few respondents), who
#' votes among them, and a survey of about `n_survey` respondents whose
#' response rises with age and education, is lower for minorities and, for
#' voters, is `vote_response_odds` times as high on the odds scale. Turnout
#' depends on the state, age, education, income, race, sex and interactions
#' between them; the truth is the share of each state's population that voted.
#' Nothing is downloaded. Use it to try [sae_estimate()] against a known
#' answer.
#'
#' @param n_census Size of the population, all of which is the census (a whole
#'   number, at least 5100).
#' @param n_survey Expected number of respondents (a whole number, at least 51
#'   and at most `n_census / 2`); the realised number varies a little.
#' @param seed A whole number: the same seed gives the same world, census and
#'   survey. `NULL` (or `NA`) draws one from R's random number generator.
#' @param vote_response_odds Odds ratio of responding for voters against
#'   non-voters with the same covariates (a positive number). Above 1 the
#'   survey overstates turnout even after adjusting for the covariates, as real
#'   election surveys do; 1 makes nonresponse ignorable given them.
#' @param missing If `TRUE`, some covariates are missing at random: in the
#'   census about 5% of income and 2% of education, in the survey about 10% of
#'   income, 3% of education and 2% of race. If `FALSE`, all are observed.
#' @return A list of three data.frames:
#'   * `survey`: one row per respondent with the factors `state` (51 postal
#'     codes), `region` (Northeast, Midwest, South, West), the ordered factors
#'     `age`, `educ` and `income`, the factors `race` and `sex`, the number
#'     `prev_turnout` (the state's turnout at the previous election) and the
#'     integer `voted` (0 or 1, never missing);
#'   * `census`: the same columns without `voted`, one row per person;
#'   * `truth`: one row per state (in the order of the levels of `state`) with
#'     `state`, `turnout` (the share of the state's population that voted) and
#'     `n_census` (an integer).
#' @seealso [sae_estimate()]
#' @examples
#' \dontrun{
#' sim <- turnout_data(n_census = 20000, n_survey = 2000, seed = 1)
#' str(sim$survey)
#' head(sim$truth)
#' }
#' @export
turnout_data <- function(n_census = 1e6, n_survey = 30000, seed = NULL, vote_response_odds = 1.2,
                         missing = TRUE) {
  n_census <- check_count(n_census, "n_census")
  n_survey <- check_count(n_survey, "n_survey")
  seed <- r_seed(seed)
  vote_response_odds <- check_number(vote_response_odds, "vote_response_odds", 0, Inf)
  missing <- check_flag(missing, "missing")
  sim <- call_python(socgan_python("datasets")$turnout, n_census = n_census,
                     n_survey = n_survey, seed = seed, vote_response_odds = vote_response_odds,
                     missing = missing,
                     values = list(n_census = n_census, n_survey = n_survey, seed = seed))
  parts <- c("survey", "census", "truth")
  out <- lapply(parts, function(part) frame_from_python(reticulate::py_get_item(sim, part)))
  names(out) <- parts
  out
}

# The default of `method` in sae_estimate()'s signature documents the methods; the names are
# checked against Python's socgan.sae.METHODS at call time (tests check that both agree).
check_sae_method_name <- function(method) {
  if (identical(method, eval(formals(sae_estimate)$method))) return(method[[1L]])
  check_string(method, "method")
}

check_covariates <- function(covariates) {
  if (is.null(covariates)) return(NULL)
  if (!is.character(covariates) || !length(covariates) || anyNA(covariates) ||
      any(!nzchar(covariates))) {
    socgan_stop("`covariates` must be NULL or a character vector of column names, not ",
         deparse_short(covariates), ".", call. = FALSE)
  }
  if (anyDuplicated(covariates)) {
    socgan_stop("`covariates` names a column twice: ",
         paste(unique(covariates[duplicated(covariates)]), collapse = ", "), ".", call. = FALSE)
  }
  unname(covariates)
}

# The columns of each frame that cross to Python: the outcome, the area and the covariates
# (by default those the frames share), and the census's outcome column if it has one (Python
# checks that it is empty). Checking names here fails fast, before a large census is converted.
sae_columns <- function(survey, census, outcome, area, covariates) {
  if (!outcome %in% names(survey)) {
    socgan_stop("`outcome` column '", outcome, "' is not in `survey`.", call. = FALSE)
  }
  if (identical(outcome, area)) {
    socgan_stop("`outcome` and `area` are the same column '", outcome, "'.", call. = FALSE)
  }
  columns <- list(survey = names(survey), census = names(census))
  for (frame in names(columns)) {
    if (!area %in% columns[[frame]]) {
      socgan_stop("`area` column '", area, "' is not in `", frame, "`.", call. = FALSE)
    }
  }
  if (is.null(covariates)) {
    shared <- setdiff(intersect(names(survey), names(census)), c(outcome, area))
  } else {
    for (frame in names(columns)) {
      lacking <- setdiff(covariates, columns[[frame]])
      if (length(lacking)) {
        socgan_stop("Covariate column(s) ", paste(lacking, collapse = ", "), " are not in `", frame,
             "`.", call. = FALSE)
      }
    }
    shared <- covariates
  }
  list(survey = unique(c(outcome, area, shared)),
       census = unique(c(area, shared, intersect(outcome, names(census)))))
}

# Method settings: counts cross as integers and every other number as a double; NULL is
# Python's None. Which settings a method knows is checked in Python, with the list in its error.
sae_count_options <- c("census_sample", "epochs", "max_steps", "batch_size", "hidden",
                       "max_iter", "n_draws", "n_trees", "n_threads")
sae_count_from_zero_options <- c("n_burnin", "n_gfr")
check_sae_options <- function(options) {
  options <- check_options(options, counts = sae_count_options,
                           counts_from_zero = sae_count_from_zero_options,
                           reals = list(learning_rate = Inf, tol = Inf),
                           example = "max_steps = 500", skip_null = TRUE)
  counts <- c(sae_count_options, sae_count_from_zero_options)
  for (nm in setdiff(names(options), counts)) {
    if (is.numeric(options[[nm]])) options[[nm]] <- as.double(options[[nm]])
  }
  options
}
