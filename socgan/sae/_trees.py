"""BART poststratification ("BARP"): the tree-ensemble baseline of small-area estimation.

The method
----------
Bayesian additive regression trees (BART; Chipman, George & McCulloch 2010) model the outcome of
a survey respondent as a sum of many small regression trees of the area and the covariates, each
tree shrunk towards zero by its prior, and sample the posterior of that sum by MCMC. Bisbee
(2019) proposed using BART in place of the multilevel regression of MRP ("BARP"): predict the
outcome for every census cell, then poststratify,

    estimate_a = sum_c N_c * f(x_c) / sum_c N_c     over the census cells c of area a,

for every posterior draw of f; the area estimate is the posterior mean of that quantity, its
standard error the posterior SD and the interval the equal-tailed percentile interval of the
draws. The area is a feature like any other (one-hot: the trees split it into groups of areas),
and so are area-level predictors passed as covariates (region, previous turnout), which let the
trees pool small areas with similar large ones; areas without respondents get the prediction of
the trees for their covariates and their area-level predictors.

* Binary outcomes: probit BART (Albert & Chib data augmentation, as in Chipman et al. 2010
  and the BART R package's ``pbart``); the cell prediction is P(y = 1 | x) =
  Phi(f(x)). Continuous outcomes: BART with normal errors and a sampled error variance (the
  outcome standardised inside the sampler); the cell prediction is f(x).
* Implementation: ``stochtree`` (the maintained C++ BART of Herren, Hahn, Murray, Carvalho et
  al., Python bindings), single chain, single thread by default.

Settings, chosen a priori (not tuned to any simulation)
-------------------------------------------------------
``n_trees = 50``, the default of the BART R package's probit BART ``pbart`` (Sparapani,
Spanbauer & McCulloch 2021) and of bartMachine (Kapelner & Bleich 2016); Chipman et al. (2010)
use 200 as their default and 50 or 200 in their cross-validated variant, and 50 trees cost a
quarter of 200 (a setting, ``n_trees``, for those who want 200). ``n_burnin = 100`` and
``n_draws = 1000`` (retained, unthinned) are the ``pbart``/``dbarts`` defaults
(``nskip``/``n.burn`` = 100, ``ndpost``/``n.samples`` = 1000); the draws are autocorrelated, and
on the test world of ``tests/sae/test_sae_trees.py`` (3,000 respondents) two chains with different
seeds differed by 0.25 posterior SDs in the estimate and by 0.33 in the interval ends (mean over
areas): Monte-Carlo error that a longer chain (``n_draws``) reduces. The tree prior is Chipman
et al.'s (alpha = 0.95, beta = 2, at least 5 observations per leaf, stochtree defaults) and the
leaf scale is sampled (stochtree default). ``n_gfr = 0``: the chain starts from root trees as in
classic BART (stochtree's "grow-from-root" warm start of He & Hahn 2023 is available as an
option, ``n_gfr = 10`` say, and not used by default).

Choice of BART over boosted trees, and the measurement behind it
----------------------------------------------------------------
Measured on this project's 2-core development machine (single thread, other jobs running).
The first two runs use a simulated world of our own (51 states; 30,000 survey rows; 8 features:
state, region, previous turnout, age, education, race, sex, income; ignorable nonresponse, so
the raw state means have RMSE 0.019):

* ``pymc-bart`` 0.11 (PyMC's particle-Gibbs BART), Binomial likelihood on 19,483 covariate-cell
  counts, 50 trees, 500 tuning + 500 draws, 1 chain: 117-139 s to fit, 7 s to predict 47,865
  census cells (a 200,000-row census); but the state estimates were badly over-shrunk (RMSE
  0.042-0.048 against the truth, against 0.019 for the raw state means; slope of estimate on
  truth 0.38): particle Gibbs updates only a tenth of the trees per step and had not mixed. Not
  sensible, so not used.
* ``stochtree`` 0.4.5, probit BART on the 30,000 individual rows (probit data augmentation
  needs rows, not cell counts), 200 trees, 10 grow-from-root sweeps and 500 MCMC draws: 100 s
  to fit and 44 s to predict a million-row census in 60,889 cells x 500 draws; RMSE 0.019,
  slope 0.83: sensible.
* ``stochtree`` with the defaults above (50 trees, 100 + 1000 MCMC iterations) on
  ``socgan.datasets.turnout(n_census=1_000_000, n_survey=30_000, seed=1)`` (30,041
  respondents; the census in 36,881 cells): 52-80 s in all (40 s to fit, 12 s to code,
  aggregate and poststratify, on a quiet machine; 80 s with the machine loaded). With
  ``vote_response_odds=1`` (ignorable nonresponse) that single run had RMSE 0.020 and 90%
  coverage 0.69, MRP (``method="mrp"``) 0.021 and 0.67: BART poststratification well set up is
  on a par with MRP here, not 4 times worse.

So BART is chosen, under the method name ``"bart"``: one fit plus poststratification stays
below the 3-minute budget of a benchmark that repeats it 20+ times, and its results are
sensible. (Hence no boosted-tree fallback.)

Missing covariates
------------------
stochtree does not handle missing values, so missingness is coded into the features, in the
spirit of "missing incorporated in attributes" (Twala et al. 2008; for BART, Kapelner & Bleich
2015): a missing value of a categorical covariate is its own category (for an ordered one, a
level after the last, which a single split separates from the rest), and a numeric covariate
with missing values gets a 0/1 missingness indicator feature, the missing values themselves
set to the median of the observed ones (survey and census together). The census is coded the
same way, so census rows with a missing covariate are predicted as the survey respondents with
that covariate missing. This is sound when missingness means the same thing in both frames
(e.g. the same item nonresponse process); when it does not (a survey that loses income more
often from non-voters, say), the missing category absorbs that difference and carries it to the
census, a bias that multiple imputation of the covariates would avoid.

Uncertainty and its limits
--------------------------
The interval is a posterior interval of the poststratified mean for the census taken as the
population (no finite-population correction is needed: the census is the population). It is
conditional on the BART model and prior, and on a single MCMC chain of finite length (BART's
MCMC moves slowly between tree structures, He & Hahn 2023, so a short chain understates the
uncertainty about them); the prior shrinks area differences, and a survey that is not ignorable
given the covariates biases every model-based estimate, which no interval reflects. In the runs
above the 90% intervals covered the true state turnout for 0.69 of the states (ignorable turnout
simulation; MRP 0.67) and for 0.65-0.71 of the areas of the test world (three seeds): too
narrow, as MRP's. Coverage is therefore something to check in the benchmark
(``socgan.sae.compare`` against ``socgan.datasets.turnout``), not assumed.
Survey weights are not used (poststratification adjusts for the covariates instead).

References
----------
Chipman, H. A., George, E. I. & McCulloch, R. E. (2010). BART: Bayesian additive regression
trees. Annals of Applied Statistics 4(1), 266-298.
Bisbee, J. (2019). BARP: Improving Mister P using Bayesian additive regression trees. American
Political Science Review 113(4), 1060-1065.
He, J. & Hahn, P. R. (2023). Stochastic tree ensembles for regularized nonlinear regression.
Journal of the American Statistical Association 118(541), 551-570.
Kapelner, A. & Bleich, J. (2015). Prediction with missing data via Bayesian additive regression
trees. Canadian Journal of Statistics 43(2), 224-239.
Kapelner, A. & Bleich, J. (2016). bartMachine: machine learning with Bayesian additive regression
trees. Journal of Statistical Software 70(4).
Sparapani, R., Spanbauer, C. & McCulloch, R. (2021). Nonparametric machine learning and
efficient computation with Bayesian additive regression trees: the BART R package. Journal of
Statistical Software 97(1).
Twala, B. E. T. H., Jones, M. C. & Hand, D. J. (2008). Good methods for coping with missing data
in decision trees. Pattern Recognition Letters 29(7), 950-956.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import expit, log_ndtr, ndtr

from .._params import Count, check_params

#: Method-specific settings of :func:`tree_area_means` (``options`` of ``socgan.sae.estimate``),
#: with their defaults.
TREE_OPTIONS = {
    "n_trees": 50,      # trees in the sum (pbart / bartMachine default)
    "n_burnin": 100,    # MCMC iterations discarded (pbart / dbarts default)
    "n_draws": 1000,    # MCMC draws kept (pbart / dbarts default)
    "n_gfr": 0,         # grow-from-root warm-start sweeps before the MCMC (0: classic BART)
    "n_threads": 1,     # threads of the sampler and of prediction
}

#: Their constraints.
TREE_OPTION_CONSTRAINTS = {"n_trees": Count(1), "n_burnin": Count(0), "n_draws": Count(2),
                           "n_gfr": Count(0), "n_threads": Count(1)}

INSTALL_HINT = "pip install stochtree"

_CHUNK = 20_000  # census cells predicted at a time (keeps memory at chunk x draws floats)


def _stochtree():
    try:
        import stochtree
    except ImportError as err:  # pragma: no cover - exercised only without the dependency
        raise ImportError(
            "method 'bart' needs the stochtree package (Bayesian additive regression trees); "
            f"install it with `{INSTALL_HINT}`."
        ) from err
    return stochtree


def _features(survey: pd.DataFrame, census: pd.DataFrame, columns: list[str]):
    """Feature frames for stochtree, coded identically for survey and census.

    Unordered categoricals stay unordered (stochtree one-hot encodes them), ordered ones and
    numeric columns keep their order; missing values are coded as described in the module
    docstring. Categories are integer codes, so both frames share them exactly.
    """
    out_s, out_c = {}, {}
    for col in columns:
        s, c = survey[col], census[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            k = len(s.cat.categories)
            cs = s.cat.codes.to_numpy().astype(np.int64)
            cc = c.cat.codes.to_numpy().astype(np.int64)
            missing = (cs < 0).any() or (cc < 0).any()
            cats = np.arange(k + 1 if missing else k)
            cs[cs < 0], cc[cc < 0] = k, k
            ordered = bool(s.cat.ordered)
            if len(cats) == 2:
                ordered = True  # a binary feature: one split either way; saves a dummy
            out_s[col] = pd.Categorical.from_codes(cs, categories=cats, ordered=ordered)
            out_c[col] = pd.Categorical.from_codes(cc, categories=cats, ordered=ordered)
        else:
            vs = s.to_numpy(dtype=float, na_value=np.nan)
            vc = c.to_numpy(dtype=float, na_value=np.nan)
            ms, mc = np.isnan(vs), np.isnan(vc)
            both = np.concatenate([vs[~ms], vc[~mc]])
            fill = float(np.median(both)) if both.size else 0.0
            out_s[col] = np.where(ms, fill, vs)
            out_c[col] = np.where(mc, fill, vc)
            if ms.any() or mc.any():
                flag = f"{col} (missing)"
                while flag in columns or flag in out_s:
                    flag += "_"
                two = np.array([0, 1])
                out_s[flag] = pd.Categorical.from_codes(ms.astype(np.int64), categories=two,
                                                        ordered=True)
                out_c[flag] = pd.Categorical.from_codes(mc.astype(np.int64), categories=two,
                                                        ordered=True)
    return pd.DataFrame(out_s), pd.DataFrame(out_c)


def _cells(features: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """Distinct rows of the census features and their counts (for fast poststratification)."""
    keys = {}
    for col in features.columns:
        v = features[col]
        keys[col] = v.cat.codes.to_numpy() if isinstance(v.dtype, pd.CategoricalDtype) else v
    keyed = pd.DataFrame(keys)
    grouped = keyed.groupby(list(keyed.columns), sort=False, dropna=False)
    first = grouped.ngroup().to_numpy()
    counts = np.bincount(first)
    _, row = np.unique(first, return_index=True)  # first census row of each cell
    return features.iloc[row].reset_index(drop=True), counts.astype(float)


def tree_area_means(survey: pd.DataFrame, census: pd.DataFrame, *, outcome: str, area: str,
                    covariates: list[str], binary: bool, conf_level: float, seed: int | None,
                    progress: bool = False, n_trees: int = TREE_OPTIONS["n_trees"],
                    n_burnin: int = TREE_OPTIONS["n_burnin"],
                    n_draws: int = TREE_OPTIONS["n_draws"], n_gfr: int = TREE_OPTIONS["n_gfr"],
                    n_threads: int = TREE_OPTIONS["n_threads"],
                    calibration=None) -> pd.DataFrame:
    """Area means by BART poststratification (BARP); see the module docstring.

    Parameters
    ----------
    survey
        Respondents with an observed ``outcome`` (float; 0/1 when ``binary``), ``area`` and
        ``covariates``. Not modified.
    census
        The population: ``area`` and ``covariates``. Not modified.
    outcome, area, covariates
        Column names. ``area`` is an unordered categorical with the same categories in both
        frames; covariates are categoricals (same categories in both frames) or numeric, possibly
        missing.
    binary
        Probit BART for a 0/1 outcome (else BART with normal errors).
    conf_level
        Level of the equal-tailed posterior percentile interval.
    seed
        Seed of the sampler (same seed, same output); ``None``: a fresh one.
    progress
        Show a progress bar (the MCMC runs in C++ as one step; then the census cells).
    n_trees, n_burnin, n_draws, n_gfr, n_threads
        Sampler settings; defaults in :data:`TREE_OPTIONS`, justified in the module docstring.
    calibration
        Known totals (:class:`socgan.sae._calibrate.Calibration`) or ``None``: each posterior
        draw's cell predictions are shifted (logit shift) to match them. The predictions of all
        cells are then held at once (cells × draws, single precision).

    Returns
    -------
    pandas.DataFrame
        One row per category of ``area`` with census rows, in category order: ``area``,
        ``estimate`` (posterior mean), ``std_error`` (posterior SD), ``conf_low``, ``conf_high``.
    """
    stochtree = _stochtree()
    checked = check_params(TREE_OPTION_CONSTRAINTS, dict(
        n_trees=n_trees, n_burnin=n_burnin, n_draws=n_draws, n_gfr=n_gfr, n_threads=n_threads),
        where="bart options")
    n_trees, n_burnin, n_draws, n_gfr, n_threads = checked.values()
    if len(survey) < 2:
        raise ValueError(f"BART needs at least 2 survey respondents, got {len(survey)}.")

    y = survey[outcome].to_numpy(dtype=float)
    x_s, x_c = _features(survey, census, [area, *covariates])
    cells, counts = _cells(x_c)
    areas = census[area].cat.categories
    cell_area = cells[area].cat.codes.to_numpy()
    # rows: areas, columns: cells; entry = census count, so W @ predictions sums within area
    weights = sparse.csr_matrix((counts, (cell_area, np.arange(len(cells)))),
                                shape=(len(areas), len(cells)))
    totals = np.bincount(cell_area, weights=counts, minlength=len(areas))

    if seed is None:
        cpp_seed = int(np.random.default_rng().integers(0, 2**31 - 1))
    else:
        cpp_seed = int(np.random.SeedSequence(seed).generate_state(1)[0] & 0x7FFFFFFF)
    general = {"random_seed": cpp_seed, "num_threads": n_threads, "num_chains": 1}
    if binary:
        general["outcome_model"] = stochtree.OutcomeModel(outcome="binary", link="probit")
        y_fit = (y > 0.5).astype(float)
        if np.unique(y_fit).size < 2:  # probit BART needs both values; all 0 or all 1
            raise ValueError(f"the binary outcome {outcome!r} takes one value in the survey; "
                             "BART cannot be fitted.")
    else:
        y_fit = y
        if np.std(y_fit) == 0:
            raise ValueError(f"the outcome {outcome!r} is constant in the survey; BART cannot "
                             "be fitted.")

    n_chunks = -(-len(cells) // _CHUNK)
    bar = None
    if progress:
        from tqdm.auto import tqdm
        bar = tqdm(total=1 + n_chunks, desc=f"bart: MCMC ({n_burnin} + {n_draws} draws)",
                   unit="step")
    try:
        model = stochtree.BARTModel()
        with warnings.catch_warnings():
            # stochtree's notes on its own settings (GFR, probit fixes sigma = 1)
            warnings.filterwarnings("ignore", module=r"stochtree")
            model.sample(X_train=x_s, y_train=y_fit, num_gfr=n_gfr, num_burnin=n_burnin,
                         num_mcmc=n_draws, general_params=general,
                         mean_forest_params={"num_trees": n_trees})
        if bar is not None:
            bar.update(1)
            bar.set_description("bart: poststratify census cells")
        sums = np.zeros((len(areas), n_draws))
        spread = np.zeros((len(areas), n_draws))  # sum over rows of p(1 - p) (binary)
        # with known totals every cell's prediction is kept (the shift of a draw needs them all)
        kept = None if calibration is None else np.empty((len(cells), n_draws), np.float32)
        for start in range(0, len(cells), _CHUNK):
            stop = min(start + _CHUNK, len(cells))
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", module=r"stochtree")
                pred = model.predict(cells.iloc[start:stop], terms="y_hat", scale="linear")
            pred = np.asarray(pred, dtype=float).reshape(stop - start, n_draws)
            if kept is not None:
                # the logit of P(y = 1) = Phi(f) (log_ndtr keeps the tails finite)
                kept[start:stop] = (log_ndtr(pred) - log_ndtr(-pred)) if binary else pred
            else:
                if binary:  # P(y = 1 | x) = Phi(f(x)); scipy's ufunc, much faster than norm.cdf
                    pred = ndtr(pred)
                    spread += weights[:, start:stop] @ (pred * (1.0 - pred))
                sums += weights[:, start:stop] @ pred
            if bar is not None:
                bar.update(1)
        if kept is not None:
            eta = calibration.cell_shift(kept.astype(float), cell_area,
                                         counts)
            p = expit(eta) if binary else eta
            sums = weights @ p
            if binary:
                spread = weights @ (p * (1.0 - p))
    finally:
        if bar is not None:
            bar.close()

    has = totals > 0
    draws = sums[has] / totals[has, None]
    # The estimand is the realised mean over the area's census rows (a finite population): each
    # draw also gets the spread of those rows' outcomes given the model (normal, variance
    # sum p(1 - p) / N^2, or sigma^2 / N for a number), from a stream of the seed's own.
    if binary:
        var = spread[has] / totals[has, None] ** 2
    else:
        samples = getattr(model, "global_var_samples", None)
        sigma2 = (np.zeros(n_draws) if samples is None
                  else np.asarray(samples, dtype=float).reshape(-1)[-n_draws:])
        var = sigma2[None, :] / totals[has, None]
    fp_rng = np.random.default_rng(np.random.SeedSequence(cpp_seed).spawn(1)[0])
    estimate = draws.mean(axis=1)  # the model's posterior mean, as before
    var = np.maximum(var, 0.0)
    noise = fp_rng.standard_normal(draws.shape) * np.sqrt(var)
    if calibration is not None:  # a known total fixes its areas' sum of outcomes
        noise = calibration.conditioned_noise(noise, var, np.flatnonzero(has))
    draws = draws + noise
    if binary:
        np.clip(draws, 0.0, 1.0, out=draws)
    alpha = 1.0 - conf_level
    low, high = np.quantile(draws, [alpha / 2, 1 - alpha / 2], axis=1)
    cats = areas[has]
    return pd.DataFrame({
        "area": pd.Categorical(cats, categories=areas),
        "estimate": estimate,
        "std_error": draws.std(axis=1, ddof=1),
        "conf_low": low,
        "conf_high": high,
    })
