"""Small-area estimation by stacking survey and census and multiply (over)imputing the outcome.

Honaker & Plutzer (2016, "Small Area Estimation with Multiple Overimputation") stack the survey
rows (outcome observed, some covariates missing) on the census rows (outcome missing for all),
impute the stacked table m times and average the imputed outcome over each area's census rows.
Two imputers are offered, each proper (every imputation from its own bootstrap fit):

* ``gain``: socgan's GAIN (:mod:`socgan._core.gain`) with the settings of
  :func:`socgan.impute`, trained for what stacking asks of it (below, "What the GAIN model is
  trained on"); the area enters as a random intercept on the network's logit (a binary
  outcome) or mean (a numeric one; below, "The area as a random intercept");
* ``amelia``: EM with bootstrapping under a multivariate normal (Honaker, King & Blackwell 2011;
  :mod:`socgan._core.emb`), the area as k − 1 dummies (Amelia's ``noms``), ordered
  covariates on their codes (``ords``), the binary outcome imputed on the continuous scale and
  not rounded (rounding biases means; Honaker, King & Blackwell 2011, sec. 4.3), and a ridge
  prior of 1% of the training rows (the upper end of Amelia's guidance), needed because
  area-level predictors are collinear with the area dummies.

Training rows
-------------
Imputation ℓ fits its model on a bootstrap resample of the survey rows (the sample whose
sampling error the intervals must carry) plus a simple random sample, without replacement, of
``census_sample`` census rows (default: as many as survey rows). The census rows carry no
information on the outcome, only on the covariates, so a sample of them is enough to fit the
model, and training cost does not grow with the size of the census; every census row is then
imputed by the fitted model.

A million census rows hold only a few ten thousand distinct rows (cells: the area and the
covariates, missing values included), and GAIN's prediction for a row depends only on its values
and mask. The census is therefore encoded once as its cells, training rows are looked up in them,
and for a binary outcome a cell with every covariate observed gets its number of imputed 1s as
one Binomial(N_c, p_c) draw, the sum of its rows' Bernoulli draws; rows with a missing covariate
are drawn row by row (covariates, then the outcome). Same model, same distribution of the
imputations, a fraction of the work.

What the GAIN model is trained on
---------------------------------
Three changes from :func:`socgan.impute`'s training, the first two because the rows to impute are
a known block: every census row misses the outcome and few miss a covariate.

* **Hidden cells follow the census's missingness patterns.** ``impute`` hides a random share
  u ~ U(0, 1) of each training row's observed cells, so that one network learns every
  conditional; the outcome given *all* covariates, the only one stacking needs for most
  rows, is then learnt from a small fraction of the steps, and an under-fitted network pulls
  the census's outcomes toward the respondents' mean (respondents vote more). Here each
  training row hides the cells missing in a census pattern drawn in proportion to its rows
  (:func:`socgan._core.gain.train_models`, ``patterns``): a survey row is trained to predict
  its outcome from its covariates as the census has them.
* **Complete respondents are weighted for item nonresponse that depends on the outcome.** The
  outcome of a census row is predicted from all its covariates, which only respondents who
  answered every item show; when non-voters skip items more often, those respondents
  overstate turnout in every cell. Their outcome's loss is weighted by the inverse of their
  estimated probability of being complete given the outcome and the covariates every
  respondent has (:func:`_complete_case_weights`).

* **The width does not count the area's levels** (:func:`stacking_width`): with hundreds of
  areas, ``impute``'s rule (twice the number of features) made the networks several times wider
  and slower, and no more accurate.

On the turnout simulation (default sizes, ignorable nonresponse, two replications) the first two
together took the state estimates' mean error from +0.037 to +0.009 and +0.007 and the RMSE
from 0.047 to 0.025 (bench/RESULTS.md, "Issue 18, small-area stacking"); training three times
longer or shrinking the area's weights did not help further.

When training stops
-------------------
A small survey runs hundreds of epochs to reach the step cap that ``impute`` trains to
(``socgan._core.gain``, deviation 6): with ~500 respondents (Contraception, guImmun) the
out-of-bag log-loss of the outcome was lowest after 1 to 5 epochs of 500 and rose after. So by
default (``options={"early_stopping": True}``) each model is validated on its own
out-of-bag respondents, each hiding the cells of a census pattern (the conditionals training
uses), drawn from a random stream of their own; a model stops once that loss (smoothed, as in
``impute``) has not improved for a tenth of ``epochs`` (50 epochs by default) and keeps its
weights of lowest loss. A model that reaches the cap keeps its final weights, and until a model
stops its training is exactly what it is without the rule, so a survey that needs fewer than 50
epochs to reach the cap (the turnout simulation's 30,000 respondents: 8.5) is unaffected. On
seven real populations with surveys of 400 to 1,000 respondents (``bench/sae_real.py``, 10
replications each; bench/RESULTS.md, "GAIN stacking stops early by default") it was more
accurate on two (``mlmRev::Exam``'s schools, RMSE 0.281 → 0.242, and nycflights13's
destinations, 0.177 → 0.140, lower in 10 of 10 replications each: level with MRP where the full
cap was 20-25% worse), level on four, a little worse on one (``mice::brandsma``'s grade
repetition, +0.0015), in a sixth to a ninth of the time. ``{"early_stopping": False}``
trains every model to the cap.

The area as a random intercept
-----------------------------
With the area as one of the network's inputs, GAIN estimates each area's effect from that
area's respondents alone: its between-imputation SD per state was about that of the state's
raw survey mean, where MRP pools small areas toward what their covariates predict, and MRP had
the lower RMSE in 19 of 20 replications of the turnout simulation (bench/RESULTS.md, "Issue 18,
small-area stacking"). Shrinking the area's weights did not pool them: it biased the estimates.
So (``options={"area_effect": "random"}``, the default), for a binary outcome the model
is a mixed-effects network, as mixed-effects random forests (Hajjem, Bellavance & Larocque
2014; for small areas Krennmair & Schmid 2022) and GPBoost (Sigrist 2022) pair a flexible
learner with random effects:

    logit P(y = 1 | x, area a) = f(x) + u_a,    u_a ~ N(0, σ²),

* f is the GAIN network, which does not see the area (it sees area-level covariates such as
  region or previous turnout, and the individual ones), trained on the bootstrap rows of
  imputation ℓ as before;
* σ and the intercepts u_a are fitted by :func:`random_intercept` (Laplace maximum likelihood
  as ``glmer``) with f's logit as an offset, on the survey rows whose covariates are all
  observed (those the outcome's conditional is learnt from), weighted by the same
  complete-case weights as in training;
* imputation ℓ draws every u_a from its posterior given σ, N(ũ_a, 1/h_a) (an area without
  respondents from N(0, σ²)), and the census rows' outcomes from logit f_ℓ(x) + u_a. The
  spread of the m imputations thus carries f's uncertainty through the bootstrap and the
  areas' through the posterior draws; σ's own uncertainty is ignored, as in MRP.

The intercepts are fitted to the whole survey rather than to imputation ℓ's bootstrap: the
bootstrap of a shrunken estimate has a variance shrunk twice (by the shrinkage factor squared,
against once for the posterior), and in trials the intervals from bootstrapped intercepts
covered less (bench/RESULTS.md). ``options={"area_effect": "fixed"}`` makes the area a
network input instead.

A numeric outcome gets the Gaussian version: y = f(x) + u_a + e, with f the network's
predicted mean (standardised scale), σ and the residual SD τ fitted by maximum likelihood as
``lmer(r ~ 0 + (1 | area), REML = FALSE)`` on the residuals r = y − f(x) of the same survey
rows with the same weights (:func:`gaussian_intercept`), u_a drawn from its posterior
N(n_a σ² r̄_a/(τ² + n_a σ²), σ²τ²/(τ² + n_a σ²)), and each census row's outcome drawn as
f(x) + u_a + the network's sd times a donor residual, as :func:`socgan.impute` draws (the
10 donors nearest in predicted mean and sd). The outcome's donors are the imputation's
out-of-bag respondents (all respondents if fewer than 30), their residuals taken net of their
area's intercept ũ_a, which the draw adds back as its own u_a.

Variance for a census that is the population (Vink & van Buuren 2014)
-------------------------------------------------------------------
The target is the finite-population mean of area a, Ȳ_a = (1/N_a) Σ_{i in a} y_i, over the
census rows, which are the whole population. Imputation ℓ gives Q_ℓ = (1/N_a) Σ_{i in a}
y_i^(ℓ), a draw of Ȳ_a from its posterior predictive distribution given the survey (over the
model parameters, through the bootstrap, and over the individual outcomes, through the draw).
Had the outcomes been observed there would be no sampling error at all: the complete-data
variance U is 0. Rubin's rules add the within variance Ū of an infinite-population analysis
(e.g. p(1 − p)/N_a), which over-covers. With U = 0 the posterior variance of Ȳ_a is the
variance B of the Q_ℓ, and the mean of m draws adds B/m, so

    Q̄ = (1/m) Σ Q_ℓ,   B = Σ (Q_ℓ − Q̄)² / (m − 1),   T = (1 + 1/m) B,

with the interval Q̄ ± t_{m−1, (1+conf)/2} √T: the t reference with m − 1 degrees of freedom is
the limit of Barnard & Rubin's df when Ū = 0 (λ = 1). These are the rules of Vink & van
Buuren (2014, "Pooling multiple imputations when the sample happens to be the population",
arXiv:1409.8542), which ``mice::pool(..., custom.t = ".data$b + .data$b / .data$m")`` also
applies. Their coverage is checked in ``bench/sae_turnout.py`` (bench/RESULTS.md).

The point estimate of a binary outcome (GAIN): each imputation's expected area means
-----------------------------------------------------------------------------------
Q̄ is a Monte Carlo estimate of the posterior mean E[Ȳ_a | survey], and the term B/m in T is
its Monte Carlo error. For a binary outcome most of that error is not needed: given imputation
ℓ's model (the network f_ℓ, the intercepts' posterior N(ũ_a, 1/h_a), and the covariates drawn
for rows that miss one), its area mean's conditional expectation

    E_ℓ = (1/N_a) Σ_{i in a} E[logit⁻¹(f_ℓ(x_i) + u_a)],   u_a ~ N(ũ_a, 1/h_a)

(quadrature over u_a; with the area as a network input, the predicted
probabilities) has the same expectation as Q_ℓ and no more variance (Rao–Blackwell; Gelfand &
Smith 1990 use it for the same reason in Gibbs sampling). So the estimate is
Q̄_E = (1/m) Σ E_ℓ, and since the posterior variance of Ȳ_a is still estimated by B (the Q_ℓ
remain draws of Ȳ_a) while Q̄_E's Monte Carlo error is Var(E_ℓ)/m,

    T = B + B_E/m,   B_E = Σ (E_ℓ − Q̄_E)² / (m − 1),

with the same t(m − 1) reference. MRP forms its estimate the same way (poststratified expected
probabilities, not drawn outcomes). With known totals each E_ℓ is shifted to them unit by
unit: its census cells' and rows' logits move by one shift per group of areas
(:func:`_shifted_expectations`), as MRP's cells do.
The imputed outcomes themselves are unchanged (the expectations use no random numbers of the
imputations), and so is the model. For a numeric outcome (with the random intercept) E_ℓ is
the mean of 20 further draws of each census row's outcome from the same model (donor residual
and u_a from its posterior), from a random stream of their own: an average of draws with the
conditional distribution, so it has Q_ℓ's expectation and a fraction of its Monte Carlo error
(the individual residuals of a small area's few census rows, the largest part of B there). On the turnout simulation and on Contraception (bench/RESULTS.md, "Issue 18: the
expected area means") this lowered the RMSE at unchanged coverage.

The variance from each imputation's model
-----------------------------------------
B above is estimated from m draws, and for a small area most of it is the spread of its few
census rows' outcomes given the model, which m draws measure poorly: an area of one census row
has Q_ℓ in {0, 1}, and when the m draws agree B = 0 (a user's trial: an area of one flight,
true share 0 or 1, got the interval [0.003, 0.026]). Where each imputation also gives E_ℓ
(above), it gives that spread exactly as well: the conditional variance of Ȳ_a given model ℓ,

    W_ℓ = Var_u( (1/N_a) Σ_i E[y_i | u] ) + (1/N_a²) Σ_i E_u[ p_i(u) (1 − p_i(u)) ],

p_i(u) = logit⁻¹(f_ℓ(x_i) + u), u the area's intercept ~ N(ũ_a, 1/h_a) (the same quadrature
as E_ℓ; no intercept with the area as an input: p_i(1 − p_i) alone); for a numeric outcome the
variance of the area means of the 20 further draws. By the law of total variance the posterior
variance of Ȳ_a is E[W_ℓ] + Var(E_ℓ), so the pooled variance is Rubin's with W as the within
variance and B_E as the between variance,

    T = W̄ + (1 + 1/m) B_E,   df = (m − 1) (1 + W̄ / ((1 + 1/m) B_E))²,

the same expectation as B + B_E/m with far less Monte Carlo noise; the degrees of freedom are
Rubin's (1987) with no complete-data limit (the census is the population), so an area whose
variance is mostly its own rows' spread (W, known given the model) gets a normal-like reference
rather than t(m − 1), which made such intervals some 30% wider than they needed to be at m = 5.
Known totals condition
each W_ℓ as MRP's finite-population noise is conditioned: v_a − N_a² v_a² / Σ_b N_b² v_b over a
group's areas (:meth:`socgan.sae._calibrate.Calibration.conditioned_variance`). Rows whose
covariates are drawn (a missing covariate) with the area as an input contribute their 0/1 draws
to E_ℓ, and their spread to B_E.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pandas as pd
import torch
from scipy import optimize, stats
from scipy import sparse as sp
from scipy.special import expit
from tqdm.auto import tqdm

from .._params import NON_NEGATIVE, POSITIVE, Count, Flag, OneOf, Optional, check_params
from .._core import defaults
from .._core.emb import Design, draw, em
from .._core.encoding import Encoder
from .._core.gain import (_BATCH_ROWS, _residual_draw, _ridge_logit, donor_residuals,
                          draw_imputations, train_models, training_steps)
from .._core.settings import GAIN_SETTING_CONSTRAINTS, gain_settings
from .._core.torch_state import resolve_device, seeded_torch, single_threaded, torch_seed

#: GAIN options that ``estimate(..., options=)`` passes on, with their defaults: GAIN's are
#: ``GainSettings``' (socgan._core.defaults), as in ``impute``.
GAIN_OPTIONS = {"census_sample": None, "area_effect": None, "early_stopping": True,
                **{k: v for k, v in defaults.gain().items() if k != "adversarial"},
                # stacking's cap stays 500 epochs (its stopping rule waits a tenth of it; its
                # models train on the census's patterns alone): ``impute``'s 200 came with the
                # draws' patterns, which stacking does not use
                "epochs": 500, "device": "auto"}
#: EMB options, with their defaults; ``empri=None`` means 1% of the training rows.
AMELIA_OPTIONS = {"census_sample": None, "empri": None, "tol": 1e-4, "max_iter": 1000}

_CENSUS_SAMPLE = Optional(Count(1))
#: The constraints of the GAIN options (checked by ``estimate`` and here): GAIN's settings are
#: checked by the table ``impute`` and ``GainImputer`` use (socgan._core.settings).
GAIN_OPTION_CONSTRAINTS = {"census_sample": _CENSUS_SAMPLE,
                           "area_effect": Optional(OneOf("random", "fixed")),
                           "early_stopping": Flag(),
                           **{k: v for k, v in GAIN_SETTING_CONSTRAINTS.items()
                              if k != "adversarial"},
                           "device": OneOf("auto", "cpu", "cuda")}
#: The constraints of the EMB options.
AMELIA_OPTION_CONSTRAINTS = {"census_sample": _CENSUS_SAMPLE, "empri": Optional(NON_NEGATIVE),
                             "tol": POSITIVE, "max_iter": Count(1)}


def population_pool(q: np.ndarray, conf_level: float, expected: np.ndarray | None = None,
                    within: np.ndarray | None = None) -> pd.DataFrame:
    """Pool an (m, areas) array of per-imputation area means with the finite-population rules
    (module docstring): estimate, std_error, conf_low, conf_high.

    ``expected`` (same shape), if given, holds each imputation's conditional expectation of its
    area means given that imputation's model (module docstring, "The point estimate"): the
    estimate is their mean, and T = B + B_E/m, with B the variance of the imputed area means
    ``q`` and B_E that of ``expected``. ``within`` (same shape; with ``expected``) holds each
    imputation's conditional variance of its area means given its model (module docstring,
    "The variance from each imputation's model"): then T = W̄ + (1 + 1/m) B_E, with Rubin's
    degrees of freedom (m − 1)(1 + W̄ / ((1 + 1/m) B_E))²; otherwise t(m − 1)."""
    m = q.shape[0]
    if m < 2:
        raise ValueError("The population variance needs at least 2 imputations: m >= 2.")
    df = np.full(q.shape[1], m - 1.0)
    if expected is None:
        qbar = q.mean(0)
        se = np.sqrt((1.0 + 1.0 / m) * q.var(0, ddof=1))
    elif within is None:
        qbar = expected.mean(0)
        se = np.sqrt(q.var(0, ddof=1) + expected.var(0, ddof=1) / m)
    else:
        qbar = expected.mean(0)
        between = (1.0 + 1.0 / m) * expected.var(0, ddof=1)
        w = np.clip(within, 0.0, None).mean(0)
        se = np.sqrt(w + between)
        with np.errstate(divide="ignore", invalid="ignore"):
            df = np.where(between > 0, (m - 1.0) * (1.0 + w / between) ** 2, np.inf)
    half = stats.t.ppf((1.0 + conf_level) / 2.0, np.minimum(df, 1e6)) * se
    return pd.DataFrame({"estimate": qbar, "std_error": se, "conf_low": qbar - half,
                         "conf_high": qbar + half})


def _stack(survey: pd.DataFrame, census: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Census rows first (a contiguous block that is imputed without copying), then the survey
    rows; the census gets the outcome column, all missing."""
    top = census.copy()
    top.insert(0, outcome, np.nan)
    return pd.concat([top, survey[top.columns]], ignore_index=True)


def _training_rows(rng: np.random.Generator, n_census: int, n_survey: int,
                   census_sample: int) -> tuple[np.ndarray, np.ndarray]:
    """A bootstrap of the survey rows plus a sample of census rows (rows of the stacked table,
    census first); and out-of-bag survey rows."""
    survey_rows = n_census + np.arange(n_survey)
    boot = rng.choice(survey_rows, size=n_survey, replace=True)
    cen = rng.choice(n_census, size=min(census_sample, n_census), replace=False)
    return np.concatenate([boot, np.sort(cen)]), np.setdiff1d(survey_rows, boot)


def _area_means(values: np.ndarray, codes: np.ndarray, n_areas: int) -> np.ndarray:
    return np.bincount(codes, weights=values, minlength=n_areas) / np.bincount(
        codes, minlength=n_areas)


def _calibrated(q: np.ndarray, calibration) -> np.ndarray:
    """Each imputation's area means (rows of ``q``) shifted to the known totals; a binary
    outcome imputed on the continuous scale (Amelia-style) is first kept within [0, 1]."""
    if calibration is None:
        return q
    if calibration.binary:
        q = np.clip(q, 0.0, 1.0)
    return calibration.area_means(q.T).T


def _census_sample(value, n_survey: int) -> int:
    value = _CENSUS_SAMPLE(value, "census_sample")
    return n_survey if value is None else value


def _census_cells(census: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct rows of the census (area and covariates, missing values included): the
    first census row of each cell, each census row's cell and the cells' counts. GAIN's
    prediction for a row depends only on its values and mask, so a million census rows are
    handled as their few ten thousand cells."""
    keys = {}
    for name in census.columns:
        v = census[name]
        keys[name] = (v.cat.codes.to_numpy() if isinstance(v.dtype, pd.CategoricalDtype)
                      else v.to_numpy(dtype=float, na_value=np.nan))
    cell_of_row = pd.DataFrame(keys).groupby(list(keys), sort=False, dropna=False).ngroup() \
        .to_numpy()
    first = np.full(cell_of_row.max() + 1, -1, dtype=np.int64)
    first[cell_of_row[::-1]] = np.arange(len(cell_of_row))[::-1]
    return first, cell_of_row, np.bincount(cell_of_row).astype(float)


_MAX_WEIGHT = 20.0
_MIN_DONORS = 30  # fewer out-of-bag respondents than this: the outcome's donors are all of them
_INNER_DRAWS = 20  # draws averaged for a numeric outcome's expected value in each imputation
_INNER_STREAM = 0x52B  # spawn key of their random stream


def _complete_case_weights(x: np.ndarray, mask: np.ndarray, enc: Encoder,
                           n_cells: int) -> np.ndarray | None:
    """Per row and column of the (cells, survey) table, the weight of a held-out cell's loss:
    1, except the outcome of the survey rows with every covariate observed, weighted by the
    inverse of their estimated probability of being complete.

    The outcome of a census row is drawn given all its covariates (observed, or drawn first),
    so the network's P(outcome | covariates) is learnt from the survey rows with every
    covariate observed. When item nonresponse in the survey depends on the outcome (non-voters
    skip the income question more often: MAR given the outcome), those rows are selected on
    it, and unweighted they overstate (or understate) the outcome in every cell. Weighting
    them by 1 / P(complete | outcome, covariates always observed), a ridge logistic regression
    fitted on the survey rows, makes them stand for all respondents (inverse probability
    weighting of complete cases; Little & Rubin 2020, sec. 3.3). Weights are scaled to mean 1
    and capped at 20. None if every survey row is complete."""
    s = slice(n_cells, len(mask))
    ms = mask[s]
    complete = ms[:, 1:].all(axis=1)
    if complete.all() or not complete.any():
        return None
    owner = enc.feature_owner()
    always = np.flatnonzero(ms.all(axis=0))  # columns observed in every survey row (outcome too)
    cols = np.flatnonzero(np.isin(owner, always))
    z = np.hstack([x[s][:, cols], np.ones((len(ms), 1), dtype=np.float32)]).astype(float)
    beta = _ridge_logit(z, complete.astype(float))
    p = 1.0 / (1.0 + np.exp(-np.clip(z[complete] @ beta, -30, 30)))
    w = np.minimum((1.0 / p) / np.mean(1.0 / p), _MAX_WEIGHT)
    weights = np.ones(mask.shape, dtype=np.float32)
    weights[n_cells + np.flatnonzero(complete), 0] = w / w.mean()
    return weights


def stacking_width(enc: Encoder, area: str | None, settings) -> int:
    """The networks' default hidden width in stacking: :func:`socgan.impute`'s rule, max(128,
    2 × features) up to ``max_hidden``, with the area's one-hot (if the network sees the area:
    ``area`` not None) counted as one feature.

    Each area's indicator only shifts its own rows, and the first layer gives it a whole column
    of weights whatever the width, so the width need not grow with the number of areas; counted
    in full, 216 schools made the networks 470 wide and a GAIN estimate on 1,031 respondents
    took 353 CPU-s (78 s at width 128, with about the same RMSE). On the turnout simulation
    (51 states, ignorable nonresponse, 20 replications) width 128 instead of 152 gave a state
    RMSE of 0.0265 against 0.0270 (paired difference −0.0005, MCSE 0.0005), coverage 0.918
    against 0.925, in 45 s instead of 55 s (bench/RESULTS.md)."""
    width = 1 if area is None else next(c.width for c in enc.columns if c.name == area)
    return int(min(max(128, 2 * (enc.n_features - width + 1)), settings.max_hidden))


def _census_patterns(cell_mask: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The census's missingness patterns (the outcome always missing) and their numbers of
    census rows."""
    pats, inverse = np.unique(cell_mask, axis=0, return_inverse=True)
    return pats, np.bincount(inverse.ravel(), weights=counts)


@torch.no_grad()
def _outcome_probability(model, x: np.ndarray, mask: np.ndarray, start: int) -> np.ndarray:
    """P(outcome = 1) for the rows of ``x`` as ``draw_imputations`` computes it (the generator
    with zero noise in the missing cells), in batches."""
    out = []
    for s in range(0, len(x), _BATCH_ROWS):
        xb = torch.from_numpy(x[s:s + _BATCH_ROWS]).to(model.device)
        mb = torch.from_numpy(mask[s:s + _BATCH_ROWS]).to(model.device)
        out.append(torch.sigmoid(model.generate(xb, mb, torch.zeros_like(xb))[:, start]).cpu())
    return torch.cat(out).numpy().astype(float)


@dataclasses.dataclass(frozen=True)
class RandomIntercept:
    """A random-intercept logistic regression with a fixed offset, fitted by
    :func:`random_intercept`: ``sd`` the SD σ of the area intercepts, ``modes`` their
    conditional modes ũ_a, ``post_sd`` the SD of each one's Gaussian (Laplace) posterior given σ
    (areas without rows: 0 and σ), ``loglik`` the Laplace log-likelihood at σ."""

    sd: float
    modes: np.ndarray
    post_sd: np.ndarray
    loglik: float

    def draw(self, rng: np.random.Generator) -> np.ndarray:
        """One draw of every area's intercept from its posterior given σ."""
        return self.modes + self.post_sd * rng.standard_normal(len(self.modes))


_SD_BOUNDS = (1e-4, 10.0)


def random_intercept(y: np.ndarray, offset: np.ndarray, area: np.ndarray, n_areas: int,
                     weights: np.ndarray | None = None) -> RandomIntercept:
    """Fit logit P(y_i = 1) = offset_i + u_{area_i}, u_a ~ N(0, σ²), by maximum likelihood with
    the Laplace approximation, as ``lme4::glmer(y ~ 0 + offset(offset) + (1 | area),
    family = binomial)`` (nAGQ = 1): for given σ the modes ũ_a maximise each area's penalised
    log-likelihood Σ_i w_i log p(y_i | u_a) − u_a²/(2σ²) (Newton's method, one area at a time,
    all at once), and the approximate marginal log-likelihood

        Σ_a [ Σ_i w_i log p(y_i | ũ_a) − ũ_a²/(2σ²) − ½ log(σ² h_a) ],
        h_a = Σ_i w_i p_i (1 − p_i) + 1/σ²,

    is maximised over log σ (bounded, Brent). ``weights`` w_i (default 1) multiply each row's
    log-likelihood (glmer's prior weights for a 0/1 response). The posterior of u_a given σ is
    approximated by N(ũ_a, 1/h_a) (what ``arm::sim`` draws from for a glmer fit); σ's own
    uncertainty is ignored."""
    y = np.asarray(y, dtype=float)
    offset = np.asarray(offset, dtype=float)
    w = np.ones_like(y) if weights is None else np.asarray(weights, dtype=float)

    def modes(s2: float):
        u = np.zeros(n_areas)
        for _ in range(100):
            p = expit(offset + u[area])
            grad = np.bincount(area, w * (y - p), n_areas) - u / s2
            hess = np.bincount(area, w * p * (1 - p), n_areas) + 1 / s2
            step = np.clip(grad / hess, -5.0, 5.0)  # a concave objective: a bounded Newton step
            u += step
            if np.max(np.abs(step)) < 1e-10:
                break
        p = expit(offset + u[area])
        return u, np.bincount(area, w * p * (1 - p), n_areas) + 1 / s2

    def negative_loglik(log_sd: float) -> float:
        s2 = math.exp(2 * log_sd)
        u, h = modes(s2)
        eta = offset + u[area]
        ll = np.sum(w * (y * eta - np.logaddexp(0.0, eta)))
        return -(ll - np.sum(u ** 2) / (2 * s2) - 0.5 * np.sum(np.log(s2 * h)))

    lo, hi = np.log(_SD_BOUNDS[0]), np.log(_SD_BOUNDS[1])
    res = optimize.minimize_scalar(negative_loglik, bounds=(lo, hi), method="bounded",
                                   options={"xatol": 1e-6})
    log_sd = float(res.x)
    if negative_loglik(lo) <= res.fun:  # the boundary: no variation between areas
        log_sd = lo
    s2 = math.exp(2 * log_sd)
    u, h = modes(s2)
    return RandomIntercept(sd=float(np.sqrt(s2)), modes=u, post_sd=1 / np.sqrt(h),
                           loglik=-float(negative_loglik(log_sd)))


# the standard normal on an evenly spaced grid over ±8 SD: the trapezoidal rule, whose error for
# a smooth integrand with Gaussian tails falls exponentially with the step (below 1e-9 for
# E[logit⁻¹(η + u)] with SDs up to 10; Gauss–Hermite with 20 nodes erred by 2e-4 at SD 3)
_GRID = np.linspace(-8.0, 8.0, 161)
_GRID_WEIGHTS = np.exp(-_GRID ** 2 / 2) / np.exp(-_GRID ** 2 / 2).sum()


def expected_probability(eta: np.ndarray, mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    """E[logit⁻¹(η + u)] for u ~ N(mean, sd²), elementwise, by quadrature on a grid (error
    below 1e-9 for sd up to 10), in chunks of rows."""
    loc = np.asarray(eta, dtype=float) + np.asarray(mean, dtype=float)
    sd = np.broadcast_to(np.asarray(sd, dtype=float), loc.shape)
    out = np.empty_like(loc)
    for s in range(0, len(loc), _BATCH_ROWS):
        z = loc[s:s + _BATCH_ROWS, None] + sd[s:s + _BATCH_ROWS, None] * _GRID
        out[s:s + _BATCH_ROWS] = expit(z) @ _GRID_WEIGHTS
    return out


class _GridSums:
    """Per area, over the census units added, Σ w_i p_i(u) and Σ w_i p_i(u)(1 − p_i(u)) at the
    quadrature grid's values of the area's intercept u ~ N(mode_a, sd_a²) (one value, u = 0,
    without a random intercept), p_i(u) = logit⁻¹(η_i + u): from them, the conditional
    variance of an imputation's area mean given its model (module docstring, "The variance
    from each imputation's model")."""

    def __init__(self, n_areas: int, random: bool):
        self.grid = _GRID if random else np.zeros(1)
        self.weights = _GRID_WEIGHTS if random else np.ones(1)
        self.mean = np.zeros((n_areas, self.grid.size))
        self.var = np.zeros((n_areas, self.grid.size))

    def add(self, eta: np.ndarray, area: np.ndarray, weight: np.ndarray,
            mode: np.ndarray | None = None, sd: np.ndarray | None = None) -> None:
        n_areas = self.mean.shape[0]
        for s in range(0, len(eta), _BATCH_ROWS):
            sl = slice(s, s + _BATCH_ROWS)
            loc = eta[sl] + (0.0 if mode is None else mode[area[sl]])
            z = loc[:, None] + (0.0 if sd is None else sd[area[sl]][:, None] * self.grid)
            p = expit(z)
            onehot = sp.csr_matrix((weight[sl], (area[sl], np.arange(len(loc)))),
                                   shape=(n_areas, len(loc)))
            self.mean += onehot @ p
            self.var += onehot @ (p * (1.0 - p))

    def variance(self, size: np.ndarray) -> np.ndarray:
        """Var(area mean | model) per area: Var_u(E[mean | u]) + E_u[Var(mean | u)]."""
        n = np.maximum(size, 1).astype(float)
        m = self.mean / n[:, None]
        first = m @ self.weights
        return np.clip((m * m) @ self.weights - first * first, 0.0, None) \
            + (self.var @ self.weights) / (n * n)


#: Gauss-Hermite nodes and weights (probabilists', normalised) over which the known totals'
#: shift is first solved; a few Newton steps on the fine grid of the means then finish it
_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(32)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()


def _group_sums(loc, sd, w, delta: float, nodes, node_weights) -> tuple[float, float]:
    """Σ_i w_i Σ_g ω_g logit⁻¹(loc_i + sd_i t_g + δ) and its derivative in δ, in chunks of
    rows (finite ``loc`` only)."""
    total = slope = 0.0
    for s in range(0, len(loc), _BATCH_ROWS):
        p = expit(loc[s:s + _BATCH_ROWS, None] + sd[s:s + _BATCH_ROWS, None] * nodes + delta)
        total += float(w[s:s + _BATCH_ROWS] @ (p @ node_weights))
        slope += float(w[s:s + _BATCH_ROWS] @ ((p * (1.0 - p)) @ node_weights))
    return total, slope


def _group_shift(loc, sd, w, target: float) -> float:
    """δ with Σ_i w_i E[logit⁻¹(loc_i + sd_i Z + δ)] = target, Z ~ N(0, 1) integrated on the
    fine grid of :func:`expected_probability` (so that the means computed there add up to the
    target): safeguarded Newton, first on 32 Gauss-Hermite nodes (cheap; accurate for small
    sd), then on the grid from there. ``target`` lies strictly between 0 and Σ w."""
    share = target / w.sum()
    lg = math.log(share) - math.log1p(-share)
    # at lo (hi) every unit's logit at every node lies below (above) lg - 1 (lg + 1): f < 0 (> 0)
    reach = (max(float(np.abs(_GH_NODES).max()), float(np.abs(_GRID).max())) * float(sd.max())
             + 1.0)
    bracket = (lg - float(loc.max()) - reach, lg - float(loc.min()) + reach)
    delta = min(max(lg - float(np.average(loc, weights=w)), bracket[0]), bracket[1])
    for nodes, node_weights, rounds in ((_GH_NODES, _GH_WEIGHTS, 60), (_GRID, _GRID_WEIGHTS, 20)):
        lo, hi = bracket
        for _ in range(rounds):
            f, slope = _group_sums(loc, sd, w, delta, nodes, node_weights)
            f -= target
            if abs(f) <= 1e-12 * max(1.0, target):
                break
            lo, hi = (delta, hi) if f < 0 else (lo, delta)
            new = delta - f / slope if slope > 0 else math.nan
            delta = new if lo < new < hi else 0.5 * (lo + hi)
            if hi - lo <= 1e-14 * (1.0 + abs(delta)):
                break
    return delta


def _shifted_expectations(eta: np.ndarray, area: np.ndarray, weight: np.ndarray,
                          fit, calibration, n_areas: int,
                          size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One imputation's expected area means and their conditional variances given its model,
    each group's logits shifted so that its expected total is the known one: Ghitza & Gelman's
    shift at the level of the census units, as MRP applies it to its cells
    (``socgan.sae._calibrate``), not to the area means.

    ``eta``: each unit's logit without the area intercept (±inf: a unit drawn as 0/1, which no
    shift moves); ``area``, ``weight``: its area code and census rows; ``fit``: the
    intercepts' posterior (:class:`RandomIntercept`; ``None`` with the area as an input). The
    shift δ_g of each group solves Σ_units w E_u[logit⁻¹(η + u + δ_g)] = T_g, the expectation
    over the intercept on the fine grid of :func:`expected_probability` (:func:`_group_shift`),
    and the means and variances are those of the shifted logits. A group whose units drawn as
    0/1 leave its total out of reach of any shift (the area as an input, rows missing a
    covariate, a group of a few rows) is shifted one level up instead, on its area means.

    Why the units: survey nonresponse that favours voters shifts each person's log-odds by
    the same amount, which a common shift of the units' logits undoes; the same shift of an
    area's *mean* does not, since the mean of logit⁻¹(η + δ) over an area's people is not
    logit⁻¹ of (its mean's logit + δ) — with a spread of 1 in the log-odds within an area the
    two differ by up to 0.017 (bench/RESULTS.md, "Twelfth session")."""
    random = fit is not None
    mode = fit.modes[area] if random else np.zeros(len(eta))
    sd = fit.post_sd[area] if random else np.zeros(len(eta))
    delta = np.zeros(n_areas)
    unit_group = calibration.group_of_area[area]
    one_level_up = []
    for g, total in enumerate(calibration.totals):
        sel = unit_group == g
        if not sel.any():
            continue
        free = sel & np.isfinite(eta)
        target = total - float(weight[sel & (eta == np.inf)].sum())
        if not 0.0 < target < float(weight[free].sum()):
            one_level_up.append(g)
            continue
        delta[calibration.group_of_area == g] = _group_shift(
            eta[free] + mode[free], sd[free], weight[free], target)
    shifted = eta + delta[area]
    if random:
        p = expected_probability(shifted, fit.modes[area], fit.post_sd[area])
    else:
        p = expit(shifted)
    mean = np.bincount(area, weights=weight * p, minlength=n_areas) / np.maximum(size, 1)
    sums = _GridSums(n_areas, random)
    sums.add(shifted, area, weight, *((fit.modes, fit.post_sd) if random else ()))
    var = sums.variance(size)
    for g in one_level_up:  # the former shift of the area means (it names the group if it fails)
        rows = np.flatnonzero(calibration.group_of_area == g)
        with np.errstate(divide="ignore"):
            logits = np.log(mean[rows]) - np.log1p(-mean[rows])
        step = calibration._shift(logits[:, None], calibration.area_size[rows],
                                  calibration.totals[g], g)
        mean[rows] = expit(logits + step[0])
    return mean, var


def gaussian_intercept(r: np.ndarray, area: np.ndarray, n_areas: int,
                       weights: np.ndarray | None = None) -> RandomIntercept:
    """Fit r_i = u_{area_i} + e_i, u_a ~ N(0, σ²), e_i ~ N(0, τ²), by maximum likelihood, as
    ``lme4::lmer(r ~ 0 + (1 | area), REML = FALSE)``: the residuals ``r`` of a numeric outcome
    from the network's prediction (an offset). ``weights`` (default 1) count each row as that
    many rows. With n_a = Σ w_i, r̄_a and S_a = Σ w_i (r_i − r̄_a)² per area, the
    log-likelihood is −½ Σ_a [(n_a − 1) log τ² + log(τ² + n_a σ²) + S_a/τ² + n_a r̄_a²/(τ² +
    n_a σ²)] (up to a constant), maximised over (log σ, log τ) (bounded, L-BFGS-B); u_a's
    posterior given them is N(n_a σ² r̄_a/(τ² + n_a σ²), σ²τ²/(τ² + n_a σ²)) (an area without
    rows: N(0, σ²)). Returns a :class:`RandomIntercept` (``sd`` = σ)."""
    r = np.asarray(r, dtype=float)
    w = np.ones_like(r) if weights is None else np.asarray(weights, dtype=float)
    n = np.bincount(area, w, n_areas)
    has = n > 0
    rbar = np.where(has, np.bincount(area, w * r, n_areas) / np.where(has, n, 1.0), 0.0)
    within = np.bincount(area, w * r * r, n_areas) - n * rbar ** 2
    n, rbar, within = n[has], rbar[has], np.maximum(within[has], 0.0)

    def negative_loglik(theta):
        s2, t2 = np.exp(2 * theta)
        v = t2 + n * s2
        return 0.5 * np.sum((n - 1) * np.log(t2) + np.log(v) + within / t2 + n * rbar ** 2 / v)

    t2 = max(within.sum() / max(n.sum() - len(n), 1.0), 1e-6)
    s2 = max(np.mean(rbar ** 2) - t2 / np.mean(n), 1e-4)
    lo, hi = np.log(_SD_BOUNDS[0]), np.log(_SD_BOUNDS[1])
    res = optimize.minimize(negative_loglik, 0.5 * np.log([s2, t2]), method="L-BFGS-B",
                            bounds=[(lo, hi), (lo, hi)])
    s2, t2 = np.exp(2 * res.x)
    size = np.bincount(area, w, n_areas)
    rb = np.where(size > 0, np.bincount(area, w * r, n_areas) / np.where(size > 0, size, 1.0), 0.0)
    v = t2 + size * s2
    return RandomIntercept(sd=float(np.sqrt(s2)), modes=size * s2 * rb / v,
                           post_sd=np.sqrt(s2 * t2 / v),
                           loglik=-float(res.fun) - 0.5 * float(n.sum()) * math.log(2 * math.pi))


@torch.no_grad()
def _outcome_mean(model, x: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The generator's predicted mean and SD of a numeric outcome (column 0, hidden; the first
    numeric column) for the rows of ``x``, in batches, as the draws compute them."""
    mask = mask.copy()
    mask[:, 0] = 0
    mus, sds = [], []
    for s in range(0, len(x), _BATCH_ROWS):
        xb = torch.from_numpy(x[s:s + _BATCH_ROWS]).to(model.device)
        mb = torch.from_numpy(mask[s:s + _BATCH_ROWS]).to(model.device)
        mu, sd = model.numeric_params(model.generate(xb, mb, torch.zeros_like(xb)))
        mus.append(mu[:, 0].cpu())
        sds.append(sd[:, 0].cpu())
    return torch.cat(mus).numpy().astype(float), torch.cat(sds).numpy().astype(float)


@torch.no_grad()
def _outcome_logit(model, x: np.ndarray, mask: np.ndarray, start: int) -> np.ndarray:
    """The generator's logit of the outcome (column 0, hidden) for the rows of ``x``, in
    batches, with zero noise in the missing cells (as the draws compute it)."""
    mask = mask.copy()
    mask[:, 0] = 0
    out = []
    for s in range(0, len(x), _BATCH_ROWS):
        xb = torch.from_numpy(x[s:s + _BATCH_ROWS]).to(model.device)
        mb = torch.from_numpy(mask[s:s + _BATCH_ROWS]).to(model.device)
        out.append(model.generate(xb, mb, torch.zeros_like(xb))[:, start].cpu())
    return torch.cat(out).numpy().astype(float)


def _complete_covariates(model, enc: Encoder, x: np.ndarray, mask: np.ndarray, resid,
                         rng: np.random.Generator) -> np.ndarray:
    """``x`` with its missing covariates drawn (as :func:`draw_imputations` draws them, the
    outcome left out)."""
    x = x.copy()
    given = mask.copy()
    given[:, 0] = 1  # the outcome is not drawn here
    for j, values in draw_imputations(model, enc, x, given, resid, rng).items():
        c, rows = enc.columns[j], np.flatnonzero(given[:, j] == 0)
        if c.is_numeric or c.kind == "binary":
            x[rows, c.start] = values
        else:
            block = np.zeros((len(rows), c.width), dtype=np.float32)
            block[np.arange(len(rows)), values] = 1.0
            x[rows, c.start:c.stop] = block
    return x


def _stop_epochs(settings) -> int:
    """Epochs without out-of-bag improvement after which a stacking model stops: a tenth of
    ``epochs`` (50 by default), so that only a model that runs many epochs (a small survey)
    can stop (module docstring, "When training stops")."""
    return max(1, math.ceil(0.1 * settings.epochs))


def area_effect_of(value, binary: bool) -> str:
    """The ``area_effect`` option resolved: ``None`` is ``"random"`` (for a binary outcome on
    the logit scale, for a numeric one on the outcome's)."""
    return "random" if value is None else value


def gain_area_means(survey: pd.DataFrame, census: pd.DataFrame, *, outcome: str, area: str,
                    covariates: list[str], binary: bool, m: int, conf_level: float,
                    seed: int | None, progress: bool, options: dict,
                    calibration=None) -> pd.DataFrame:
    """Area means of the outcome by stacking and GAIN multiple overimputation (module docstring).
    With ``calibration`` (known totals) each imputation's expected area means are shifted to
    them through its units' logits (:func:`_shifted_expectations`).

    The census is encoded as its distinct rows (cells) with counts. Training rows are census
    rows sampled as before, looked up in their cells. For a binary outcome, a cell whose
    covariates are all observed has one predicted probability p_c, and its number of imputed
    1s is drawn as Binomial(N_c, p_c), which is the sum of its rows' Bernoulli draws; census
    rows with a missing covariate are drawn row by row (covariates first, then the outcome, as
    :func:`socgan._core.gain.draw_imputations` does). A numeric outcome is drawn row by
    row for every census row.

    With ``area_effect="random"`` (module docstring, "The area as a random intercept") the
    network does not see the area; each imputation's outcome logit is the network's plus the
    area's intercept drawn from its posterior under :func:`random_intercept`.
    """
    opts = {**GAIN_OPTIONS, **options}
    settings = gain_settings(**{k: opts[k] for k in ("epochs", "max_steps", "batch_size",
                                                     "hint_rate", "alpha", "hidden",
                                                     "learning_rate", "weight_decay")})
    device = resolve_device(opts["device"])
    random_area = area_effect_of(opts["area_effect"], binary) == "random"
    n_c, n_s = len(census), len(survey)
    census_sample = _census_sample(opts["census_sample"], n_s)
    # What the network sees: the area too, unless it enters as a random intercept.
    seen = [c for c in census.columns if not (random_area and c == area)]
    # the encoder is fitted on the whole stacked table (levels, means and SDs as before) and
    # applied to the census cells and the survey rows only
    enc = Encoder.fit(_stack(survey, census[seen], outcome))
    if settings.hidden is None:
        settings = dataclasses.replace(settings, hidden=stacking_width(
            enc, None if random_area else area, settings))
    first, cell_of_row, counts = _census_cells(census)
    x, mask = enc.transform(_stack(survey, census[seen].iloc[first], outcome))
    n_cells = len(first)
    # row of the (cells, survey) table for each row of the stacked (census, survey) table
    lookup = np.concatenate([cell_of_row, n_cells + np.arange(n_s)])
    codes = census[area].cat.codes.to_numpy()
    n_areas = len(census[area].cat.categories)
    cell_area = codes[first]
    col = enc.columns[0]  # the outcome
    complete = (mask[:n_cells, 1:].all(axis=1) if binary and col.kind == "binary"
                else np.zeros(n_cells, dtype=bool))
    full, part = np.flatnonzero(complete), np.flatnonzero(~complete)
    # census rows drawn one by one: those of the cells with a missing covariate
    rows_part = np.flatnonzero(~complete[cell_of_row])
    q = np.empty((m, n_areas))
    # each imputation's area means in expectation given its model (module docstring)
    expected = (np.empty((m, n_areas)) if (binary and col.kind == "binary")
                or (random_area and col.is_numeric) else None)
    # and its conditional variance given the model (module docstring, "The variance from
    # each imputation's model")
    within = None if expected is None else np.zeros((m, n_areas))
    size = np.bincount(codes, minlength=n_areas)
    children = np.random.SeedSequence(seed).spawn(m)
    rngs = [np.random.default_rng(child) for child in children]
    picks = [_training_rows(rng, n_c, n_s, census_sample) for rng in rngs]
    # The m models train together (one batched network, socgan._core.gain.train_models), each
    # on its own block of rows: the table it would have been trained on alone, so that model l
    # is the one trained by itself from children[l] (its batches, validation rows and stopping).
    n_train = len(picks[0][0])
    weights = _complete_case_weights(x, mask, enc, n_cells)
    if random_area:
        # the survey rows that inform the intercepts: those with every covariate observed (the
        # outcome's conditional the census rows are drawn from), weighted as in training
        s_complete = np.flatnonzero(mask[n_cells:, 1:].all(axis=1) & (mask[n_cells:, 0] > 0))
        s_rows = n_cells + s_complete
        s_area = survey[area].cat.codes.to_numpy()[s_complete]
        s_y = x[s_rows, col.start].astype(float)
        s_w = None if weights is None else weights[s_rows, 0].astype(float)
    block_rows = np.concatenate([lookup[rows] for rows, _ in picks])
    blocks = [np.arange(ell * n_train, (ell + 1) * n_train) for ell in range(m)]
    stop_rows = None
    if opts["early_stopping"]:
        # each model is validated on its out-of-bag survey rows, appended after the blocks
        settings = dataclasses.replace(settings, stop_epochs=_stop_epochs(settings))
        start, stop_rows = len(block_rows), []
        for _, oob in picks:
            stop_rows.append(start + np.arange(len(oob)))
            start += len(oob)
        block_rows = np.concatenate([block_rows] + [lookup[oob] for _, oob in picks])
    with single_threaded():  # small networks: one thread is faster
        with tqdm(total=training_steps(n_train, settings), disable=not progress,
                  desc="GAIN stacking", unit="step") as bar:
            models, history = train_models(x[block_rows], mask[block_rows], enc, settings, blocks,
                                     [None] * m, [torch_seed(child) for child in children],
                                     tick=bar.update, device=device,
                                     patterns=_census_patterns(mask[:n_cells], counts),
                                     cell_weights=None if weights is None else weights[block_rows],
                                     stop_rows=stop_rows)
        del block_rows
        for ell, (child, rng, (rows, oob)) in enumerate(zip(children, rngs, picks)):
            rows = lookup[rows]
            with seeded_torch(child, device):
                model = models.member(ell).eval()
                # donors for numeric columns: out-of-bag survey rows and census rows
                # (never in the outcome's case: the census has no outcome)
                held_out = lookup[np.concatenate([oob, rng.choice(n_c, size=min(n_s, n_c),
                                                                  replace=False)])]
                resid = donor_residuals(model, x, mask, held_out, rows)
                total = np.zeros(n_areas)
                mean_total = np.zeros(n_areas)
                sums = (_GridSums(n_areas, random_area)
                        if within is not None and not col.is_numeric else None)
                # with known totals, the units whose logits the shift moves (eta, area, rows)
                units = [] if sums is not None and calibration is not None else None
                fit = None
                if random_area and not col.is_numeric:
                    fit = random_intercept(s_y, _outcome_logit(model, x[s_rows], mask[s_rows],
                                                               col.start),
                                           s_area, n_areas, weights=s_w)
                    shift = fit.draw(rng)
                elif random_area:  # numeric: a Gaussian intercept on the standardised scale
                    mu, sd = _outcome_mean(model, x[s_rows], mask[s_rows])
                    fit = gaussian_intercept(s_y - mu, s_area, n_areas, weights=s_w)
                    shift = fit.draw(rng)
                    # the outcome's donors: its out-of-bag respondents' residuals net of their
                    # area's intercept (the draws add an intercept of their own)
                    own = np.isin(s_rows, lookup[oob])
                    if own.sum() < _MIN_DONORS:
                        own[:] = True
                    r = (s_y - mu - fit.modes[s_area]) / sd
                    resid = {**resid, 0: np.column_stack([r, mu, np.log(sd)])[own]}
                if full.size:
                    if random_area:
                        eta = _outcome_logit(model, x[full], mask[full], col.start)
                        a = cell_area[full]
                        p = expit(eta + shift[a])
                        p_mean = expected_probability(eta, fit.modes[a], fit.post_sd[a])
                        if sums is not None:
                            sums.add(eta, a, counts[full], fit.modes, fit.post_sd)
                        if units is not None:
                            units.append((eta, a, counts[full].astype(float)))
                    else:
                        p = p_mean = _outcome_probability(model, x[full], mask[full], col.start)
                        if sums is not None:
                            with np.errstate(divide="ignore"):
                                eta = np.log(p) - np.log1p(-p)
                            sums.add(eta, cell_area[full], counts[full])
                            if units is not None:
                                units.append((eta, cell_area[full], counts[full].astype(float)))
                    ones = rng.binomial(counts[full].astype(np.int64), p)
                    total += np.bincount(cell_area[full], weights=ones, minlength=n_areas)
                    mean_total += np.bincount(cell_area[full], weights=counts[full] * p_mean,
                                              minlength=n_areas)
                if rows_part.size:
                    cells = cell_of_row[rows_part]
                    if random_area and col.is_numeric:
                        xc = _complete_covariates(model, enc, x[cells], mask[cells], resid, rng)
                        mu, sd = _outcome_mean(model, xc, np.ones_like(mask[cells]))
                        a = codes[rows_part]
                        y = _residual_draw(mu, sd, resid[0], col, rng, masses=False) + shift[a]
                        # the expected outcome given this imputation's model and covariates:
                        # the mean of _INNER_DRAWS draws from a stream of their own
                        inner = np.random.default_rng(np.random.SeedSequence(
                            child.entropy, spawn_key=(*child.spawn_key, _INNER_STREAM)))
                        more = (_residual_draw(mu, sd, resid[0], col, inner, reps=_INNER_DRAWS,
                                               masses=False)
                                # one intercept per area and draw, shared by its rows (a
                                # draw per row would average the intercept's spread away)
                                + fit.modes[a] + fit.post_sd[a]
                                * inner.standard_normal((_INNER_DRAWS, n_areas))[:, a])
                        more = np.clip(more * col.scale + col.mean, col.low, col.high)
                        y_mean = more.mean(0)
                        # the area means of the inner draws: their spread is the area mean's
                        # conditional variance given this imputation's model
                        reps = np.stack([np.bincount(a, weights=v, minlength=n_areas)
                                         for v in more]) / np.maximum(size, 1)
                        within[ell] = reps.var(0, ddof=1)
                    elif random_area:
                        xc = _complete_covariates(model, enc, x[cells], mask[cells], resid, rng)
                        eta = _outcome_logit(model, xc, np.ones_like(mask[cells]), col.start)
                        a = codes[rows_part]
                        p = expit(eta + shift[a])
                        y = (rng.random(len(p)) < p).astype(float)
                        y_mean = expected_probability(eta, fit.modes[a], fit.post_sd[a])
                        sums.add(eta, a, np.ones(len(a)), fit.modes, fit.post_sd)
                        if units is not None:
                            units.append((eta, a, np.ones(len(a))))
                    else:
                        draws = draw_imputations(model, enc, x[cells], mask[cells], resid, rng)
                        y, y_mean = draws[0].astype(float), None
                        if units is not None:  # drawn 0/1: units no shift moves
                            units.append((np.where(y > 0, np.inf, -np.inf), codes[rows_part],
                                          np.ones(len(y))))
                    if col.is_numeric:
                        y = np.clip(y * col.scale + col.mean, col.low, col.high)
                    elif binary:
                        lv = np.asarray(col.levels, dtype=float)
                        y = lv[y.astype(int)]
                        if y_mean is not None:  # P(second level) to the outcome's scale
                            y_mean = lv[0] + (lv[1] - lv[0]) * y_mean
                    total += np.bincount(codes[rows_part], weights=y, minlength=n_areas)
                    if expected is not None:
                        y_mean = y if y_mean is None else y_mean
                        mean_total += np.bincount(codes[rows_part], weights=y_mean,
                                                  minlength=n_areas)
            q[ell] = total / size
            if expected is not None:
                expected[ell] = mean_total / size
            if sums is not None:  # a two-valued outcome on its levels' scale
                gap = 1.0 if not binary else float(np.diff(np.asarray(col.levels, float))[0])
                within[ell] = sums.variance(size) * gap * gap
                if units is not None:  # known totals: the units' logits shifted
                    eta, a, w = (np.concatenate(v) for v in zip(*units))
                    mean, var = _shifted_expectations(eta, a, w, fit if random_area else None,
                                                      calibration, n_areas, size)
                    low = float(col.levels[0]) if binary else 0.0
                    ungrouped = calibration.group_of_area < 0
                    expected[ell] = np.where(ungrouped, expected[ell], low + gap * mean)
                    within[ell] = np.where(ungrouped, within[ell], var * gap * gap)
    if within is not None and calibration is not None:
        within = calibration.conditioned_variance(within)
    # with W the imputed means q serve only to count the imputations: they are not calibrated
    # (a group of areas of a census row or two is all 0 or all 1 in some imputation, which no
    # shift moves, while the expected means calibrate)
    # the expected means of a two-valued outcome are calibrated above, unit by unit
    units_shifted = within is not None and not col.is_numeric
    out = population_pool(q if within is not None else _calibrated(q, calibration), conf_level,
                          None if expected is None else
                          expected if units_shifted else _calibrated(expected, calibration),
                          within)
    out.attrs["epochs_trained"] = [float(h[-1][0]) for h in history]
    return out


# below this median number of respondents per area, Amelia-style stacking (no pooling) warns
_FEW_PER_AREA = 30


def amelia_area_means(survey: pd.DataFrame, census: pd.DataFrame, *, outcome: str, area: str,
                      covariates: list[str], binary: bool, m: int, conf_level: float,
                      seed: int | None, progress: bool, options: dict,
                      calibration=None) -> pd.DataFrame:
    """Area means of the outcome by stacking and EMB multiple overimputation (module docstring).
    With ``calibration`` (known totals) each imputation's area means are shifted to them."""
    opts = check_params(AMELIA_OPTION_CONSTRAINTS, {**AMELIA_OPTIONS, **options},
                        where="amelia options")
    n_c, n_s = len(census), len(survey)
    census_sample = _census_sample(opts["census_sample"], n_s)
    n_train = n_s + min(census_sample, n_c)
    empri = 0.01 * n_train if opts["empri"] is None else opts["empri"]
    tol, max_iter = opts["tol"], opts["max_iter"]
    per_area = survey[area].value_counts().reindex(census[area].cat.categories, fill_value=0)
    if float(np.median(per_area)) < _FEW_PER_AREA:
        # a user's trial: 1,000 ANES respondents in 52 states (about 19 each), party by state;
        # the Amelia-style estimates (RMSE 0.141) were worse than the national mean for every
        # state (0.107), against GAIN 0.068 and MRP 0.074
        warnings.warn(
            f"Amelia-style stacking has no pooling across areas: the area is a fixed effect of "
            f"its normal model, so each area's estimate rests on its own respondents (median "
            f"{float(np.median(per_area)):g} per area here), and with few of them it can be worse "
            "than one national mean for every area. Prefer method='gain' or 'mrp', which "
            "pool small areas toward similar ones.", UserWarning, stacklevel=4)
    stacked = _stack(survey, census, outcome)
    noms = [area] + [c for c in covariates if isinstance(stacked[c].dtype, pd.CategoricalDtype)
                     and not stacked[c].dtype.ordered]
    design = Design.build(stacked, noms, None)
    del stacked
    k = next(k for j, k, _ in design.plain if j == 0)  # the outcome's model column
    codes = census[area].cat.codes.to_numpy()
    n_areas = len(census[area].cat.categories)
    q = np.empty((m, n_areas))
    children = np.random.SeedSequence(seed).spawn(m)
    for ell, child in enumerate(tqdm(children, disable=not progress, desc="EMB stacking",
                                     unit="imputation")):
        rng = np.random.default_rng(child)
        rows, _ = _training_rows(rng, n_c, n_s, census_sample)
        fit = em(design.z[rows], empri=empri, tol=tol, max_iter=max_iter)
        if not fit.converged:
            warnings.warn(f"EM did not converge within max_iter={max_iter} iterations in "
                          f"imputation {ell + 1}; its estimates are used as they are.",
                          UserWarning, stacklevel=3)
        z = draw(design.z[:n_c], fit, rng)
        y = z[:, k] * design.scale[k] + design.center[k]
        q[ell] = _area_means(y, codes, n_areas)
    if binary:  # EMB imputes a 0/1 outcome on the continuous scale: a share stays in [0, 1]
        q = np.clip(q, 0.0, 1.0)
        pinned = np.flatnonzero(((q == 0.0) | (q == 1.0)).all(axis=0) & (np.ptp(q, axis=0) == 0))
        if pinned.size:
            # a user's trial (2 respondents of a state, both 0): estimate 0, interval [0, 0]
            names = [str(census[area].cat.categories[a]) for a in pinned[:10]]
            warnings.warn(
                f"The Amelia-style estimate of {len(pinned)} area(s) is 0 or 1 in every "
                f"imputation, with an interval of width 0 ({', '.join(names)}"
                f"{', ...' if len(pinned) > 10 else ''}): the area enters its normal model as a "
                "fixed effect (no pooling across areas), so an area whose few respondents all "
                "answered alike is imputed beyond [0, 1]. Read these estimates as unknown; "
                "method='mrp' or 'gain' pools small areas.", UserWarning, stacklevel=5)
    return population_pool(_calibrated(q, calibration), conf_level)
