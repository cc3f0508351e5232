"""``socgan.sae.estimate`` and ``socgan.sae.compare``: one area-level table from any method.

The public functions check and harmonise the input once (every failure names the column and
the values at fault) and hand the same prepared survey and census to the method, which returns
the area means; the counts of survey and census rows are added here.
"""

from __future__ import annotations

import difflib

import time
import warnings
from typing import Literal

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from collections.abc import Mapping

from .._params import (PROBABILITY, Count, Flag, Frame, Instance, OneOf, Optional, Rule, Seed, Text,
                       Unchecked, check_params, validate_params)
from ._calibrate import check_known_totals
from ._results import AreaEstimates, Comparison

Method = Literal["gain", "mrp", "amelia", "bart"]
#: The methods of :func:`estimate`, in the order :func:`compare` runs them.
METHODS = ("gain", "mrp", "amelia", "bart")

#: Coverage of the 90% intervals measured in ``bench/sae_turnout.py`` (the turnout simulation at its
#: default sizes, ignorable nonresponse; GAIN (the area as a random intercept, its default for a
#: binary outcome, the expected area means, m = 10; 2026-12-01, with each imputation's variance
#: given its model; MRP 2026-12-01, with the finite-population spread), Amelia-style: 20
#: replications, 2026-11-30;
#: BART: 10 replications; bench/RESULTS.md): where the nonresponse is ignorable given the
#: covariates, but each model is misspecified in its own way (no interactions in MRP, complete-case
#: MRP while survey item nonresponse depends on voting, missing-as-category in BART).
#: :func:`compare` returns it beside its own figures.
MEASURED_COVERAGE = {"gain": 0.907, "mrp": 0.842, "amelia": 0.893, "bart": 0.716}
MEASURED_REPLICATIONS = {"gain": 20, "mrp": 20, "amelia": 20, "bart": 10}

RESULT_COLUMNS = ["area", "estimate", "std_error", "conf_low", "conf_high", "n_survey",
                  "n_census"]


def _methods(value, name: str) -> list[str]:
    methods = [value] if isinstance(value, str) else list(value)
    unknown = [x for x in methods if x not in METHODS]
    if not methods:
        raise ValueError(f"`{name}` must name at least one of {list(METHODS)}; it is empty.")
    if unknown:
        raise ValueError(f"`{name}` must be a non-empty selection of {list(METHODS)}; "
                         f"unknown: {unknown}.")
    return methods


_COLUMN = Text("a column name (a string)")
# The declared arguments of estimate; compare shares them. Columns, covariates and known totals
# are checked against the frames in _prepare and check_known_totals.
ESTIMATE_CONSTRAINTS = {
    "survey": Frame(min_rows=1), "census": Frame(min_rows=1), "outcome": _COLUMN, "area": _COLUMN,
    "covariates": Unchecked("None, a column name or a list of column names of both frames"),
    "method": OneOf(*METHODS), "m": Count(1), "seed": Seed(), "conf_level": PROBABILITY,
    "progress": Flag(),
    "options": Optional(Instance(Mapping, what="a dict of the method's settings by name")),
    "known_totals": Unchecked("None, a number, or totals by group of areas (checked with "
                              "`census`)"),
}
_E = ESTIMATE_CONSTRAINTS
COMPARE_CONSTRAINTS = {  # in compare's order
    **{k: _E[k] for k in ("survey", "census", "outcome", "area", "covariates")},
    "truth": Unchecked("None, a Series by area or a DataFrame with the area column (checked "
                       "with `census`)"),
    "methods": Rule(_methods, f"a non-empty selection of {list(METHODS)}"),
    **{k: _E[k] for k in ("m", "seed", "conf_level", "progress")},
    "options": Optional(Instance(Mapping, what="a dict {method: its settings}")),
    "known_totals": _E["known_totals"],
}


@validate_params(ESTIMATE_CONSTRAINTS)
def estimate(survey: pd.DataFrame, census: pd.DataFrame, *, outcome: str, area: str,
             covariates: list[str] | None = None, method: Method = "gain", m: int = 10,
             seed: int | None = None, conf_level: float = 0.9, progress: bool = True,
             options: dict | None = None, known_totals=None) -> AreaEstimates:
    """Estimate the mean of ``outcome`` in every area of a census from a survey.

    Parameters
    ----------
    survey
        One row per respondent: ``outcome``, ``area`` and the ``covariates`` (which may have
        missing values). Rows with a missing outcome are used by the stacking methods (they
        inform the covariates) and dropped by the others.
    census
        One row per member of the population: ``area`` and the ``covariates`` (which may have
        missing values), and no outcome (a column named ``outcome`` must be entirely missing).
    outcome
        The survey column to estimate: binary (0/1 numbers, bool, or a factor with two levels,
        the second counting as 1, as in R's ``glm``; strings: the later in sorted order; the
        level whose share is estimated is ``.settings["outcome_level"]``) or numeric. Any two numbers (e.g. 1 = no,
        2 = yes) are modelled as binary too, and the estimates are means on their scale
        (1 + the share of 2s); ``.settings["outcome_values"]`` then records the two values.
    area
        The area column (state, county) in both frames; never missing. Every survey area must
        be in the census; census areas without respondents still get an estimate.
    covariates
        Columns of both frames that predict the outcome: individual characteristics
        (categorical or numeric) and area-level predictors (constant within each area, e.g.
        previous turnout, region). Their categories must match between survey and census,
        except that ``method="mrp"`` takes census categories no respondent has (a small survey
        that missed a rare group), giving them the categories' average effect, with a warning.
        Default: every column the two frames share, other than ``outcome`` and ``area``.
    method
        ``"gain"``: stack survey and census and multiply overimpute the outcome with socgan's
        GAIN (Honaker & Plutzer 2016's approach with a GAN imputer); ``"amelia"``: the same
        stacking with EM and bootstrapping under a multivariate normal (Amelia II);
        ``"mrp"``: multilevel regression and poststratification (random intercepts for the area
        and each categorical covariate, area-level predictors as fixed effects; Laplace
        maximum likelihood as lme4's ``glmer``); ``"bart"``: Bayesian additive regression
        trees with poststratification (Bisbee 2019's BARP; the ``stochtree`` library, an
        optional dependency: ``pip install stochtree``). See the modules
        :mod:`socgan.sae._stacking`, :mod:`socgan.sae._mrp`, :mod:`socgan.sae._trees`.
    m
        Imputations of the stacking methods (whole-number floats such as R's ``10`` are fine;
        at least 2). Ignored by the other methods. ``m`` means what it means in
        :func:`socgan.impute`, but defaults to 10 rather than 5: the between-imputation
        variance is here the whole variance of the area estimates, and Honaker & Plutzer
        (2016) overimpute 10 times.
    seed
        Seed; the same seed gives the same table. ``None``: fresh entropy, recorded in
        ``.settings["seed"]`` (give it back as ``seed`` to repeat the run).
    conf_level
        Level of the intervals, in (0, 1). Default 0.9, as in the small-area literature.
    progress
        Show a progress bar.
    options
        Method-specific settings, by name; an unknown name is an error. ``"gain"``:
        ``census_sample`` (census rows in each model fit; default the number of survey rows),
        ``area_effect`` (``"random"``, the default: the area as a random intercept on the
        network's logit (a binary outcome) or mean (a numeric one), pooled as in MRP;
        ``"fixed"``: the area as one of the network's inputs; see
        :mod:`socgan.sae._stacking`), ``early_stopping`` (default True: each model stops once
        its out-of-bag respondents' loss has not improved for a tenth of ``epochs`` and keeps
        its best weights, which only a small survey's many epochs reach: six times faster
        there, and more accurate on two of seven real populations, level on four; False: every
        model trains to the cap; the epochs each model trained are in
        ``.settings["epochs_trained"]``),
        ``epochs``, ``max_steps``, ``batch_size``, ``hint_rate``, ``alpha``, ``hidden``,
        ``learning_rate``, ``weight_decay``, ``device`` (as :func:`socgan.impute`).
        ``"amelia"``: ``census_sample``, ``empri`` (ridge prior; default 1% of the training
        rows), ``tol``, ``max_iter``. ``"mrp"``: ``n_draws`` (posterior draws, default 1000).
        ``"bart"``: ``n_trees``, ``n_burnin``, ``n_draws``, ``n_gfr``, ``n_threads`` (see
        :func:`socgan.sae._trees.tree_area_means`).
    known_totals
        Known totals of the outcome to calibrate the estimates to (e.g. the official number of
        votes cast), by the logit shift of Ghitza & Gelman (2013): a number, the total of the
        outcome over the whole census (for a two-valued outcome, the number of rows with its
        larger value: the 1s of a 0/1 outcome, the 2s of a 1/2 one); or, per group
        of areas, a DataFrame with a census column that forms the groups (e.g. ``"region"``, or
        the area column itself) and a ``"total"`` column, or a Series of totals indexed by the
        group with its index named after that column. Groups must be sets of whole areas;
        areas of a group without a total are not calibrated. Each posterior draw (MRP, BART)
        or imputation (stacking) is shifted, so the intervals carry the calibration. Valid when
        the totals are exact and count the census's population and outcome; see Notes and
        :mod:`socgan.sae._calibrate`. ``None`` (default): no calibration.

    Returns
    -------
    AreaEstimates
        ``.table``: one row per area with census rows, in the order of the census area's
        categories (or sorted values): ``area`` (categorical), ``estimate``, ``std_error``,
        ``conf_low``, ``conf_high``, ``n_survey`` (respondents with an observed outcome) and
        ``n_census``. ``.settings``: the method and its settings (a dict; for ``"mrp"`` also
        ``"model"``: the random effects' SDs, the fixed effects, the respondents used and
        those left out for a missing covariate, which MRP drops with a warning, the
        log-likelihood and convergence). ``.plot()``: the
        sorted dot plot. Indexing the result as the DataFrame ``estimate`` returned before
        (``est["estimate"]``, ``est.attrs``) still works, with a ``FutureWarning``.

    Notes
    -----
    The estimand is each area's realised mean over its census rows (a finite population). The
    stacking methods impute those rows' outcomes; MRP's and BART's posterior draws of the
    model's expected area mean also carry the spread of the rows' outcomes given the model
    (variance Σ p(1 − p)/N², or σ²/N; conditioned on known totals): negligible for areas of
    thousands of rows, most of the uncertainty for an area of a few dozen (simulated areas of
    100–420 rows, ``bench/sae_small_areas.py``: MRP 0.72–0.74 → 0.89–0.91, BART 0.81–0.85 →
    0.93; three real
    populations of ``bench/sae_real.py``: MRP 0.60–0.73 → 0.89–0.93, BART 0.25–0.31 →
    0.75–0.84). The point estimates are unchanged. The coverage figures below were measured
    before this, on areas of ~20,000 rows, where it widens intervals by a few percent.

    For the stacking methods the census is taken to be the population: the variance is that
    of Vink & van Buuren (2014) for imputing a population, T = (1 + 1/m)·B with t(m − 1)
    intervals, not Rubin's, which would add a sampling variance that a census does not have
    (derivation in :mod:`socgan.sae._stacking`). For a binary outcome GAIN's estimate is the
    mean of each imputation's *expected* area means (the outcome's probabilities given that
    imputation's model, averaged over the area intercept's posterior), which carries less Monte
    Carlo error than the mean of the imputed 0/1 values (Rao–Blackwell; same expectation, same
    imputations), and each imputation also gives the variance W_ℓ of its area means given its
    model (the spread of the area's census rows' outcomes and of its intercept, exactly rather
    than from m draws): T = W̄ + (1 + 1/m)·B_E, B_E the variance of the expected means, with
    Rubin's degrees of freedom. A numeric outcome's E_ℓ and W_ℓ come from 20 further draws.

    With ``known_totals`` the predictions within a calibrated group are moved by one common
    shift (on the logit scale for a binary outcome, else additively) so that the census-weighted
    sum of the group's estimates, Σ_a n_census_a · estimate_a, equals the known total: the
    predictions of the census cells (MRP, BART, GAIN stacking), or the area means of each
    imputation (Amelia-style; ``socgan.sae._calibrate`` says why the level matters). This
    corrects an error common to the group's areas (e.g. voters answering surveys more often
    than non-voters, which the covariates cannot correct) and nothing else; it is wrong when
    the total counts another population (voting-eligible rather than census adults) or another
    outcome, or is itself an estimate.

    Examples
    --------
    About 3 s on the project's shared 2-core machine (MRP on a 20,000-person census; at
    :func:`~socgan.datasets.turnout`'s default sizes MRP takes about 3 s, GAIN stacking with m = 5
    about 1 min: bench/RESULTS.md):

    >>> import socgan
    >>> sim = socgan.datasets.turnout(n_census=20_000, n_survey=2_000, seed=1)
    >>> est = socgan.sae.estimate(sim["survey"], sim["census"], outcome="voted", area="state",
    ...                           method="mrp", seed=1, progress=False)
    >>> list(est.table.columns)
    ['area', 'estimate', 'std_error', 'conf_low', 'conf_high', 'n_survey', 'n_census']
    >>> est.settings["method"], est.settings["conf_level"]
    ('mrp', 0.9)
    """
    options = _check_options(options, method)
    _check_m(m, (method,))
    seed = _fresh_seed() if seed is None else seed
    prepared = _prepare(survey, census, outcome=outcome, area=area, covariates=covariates,
                        methods=(method,))
    _warn_empty_areas(prepared, stacklevel=4)
    calibration = check_known_totals(known_totals, census, prepared["census"],
                                     area=prepared["area"], binary=prepared["binary"])
    table, settings = _run(prepared, method=method, m=m, seed=seed, conf_level=conf_level,
                           progress=progress, options=options, calibration=calibration)
    return AreaEstimates(table, settings)


@validate_params(COMPARE_CONSTRAINTS)
def compare(survey: pd.DataFrame, census: pd.DataFrame, *, outcome: str, area: str,
            covariates: list[str] | None = None, truth=None,
            methods: list[str] | tuple[str, ...] = METHODS, m: int = 10,
            seed: int | None = None, conf_level: float = 0.9, progress: bool = True,
            options: dict | None = None, known_totals=None) -> Comparison:
    """Run several small-area methods on the same data, side by side.

    Parameters
    ----------
    survey, census, outcome, area, covariates, m, seed, conf_level, progress, known_totals
        As :func:`estimate`; every method gets the same ``seed`` and the same known totals.
    truth
        The true area values where known (a simulation such as
        :func:`socgan.datasets.turnout`): a Series indexed by area, or a DataFrame with the
        area column (named as ``area`` is, or ``"area"``) and one numeric column (or, if it has several, the one named
        ``"truth"``, ``"turnout"`` or ``outcome``). ``None``: no accuracy columns.
    methods
        The methods to run, from :data:`METHODS`.
    options
        ``{method: options}`` passed to :func:`estimate` as its ``options``.

    Returns
    -------
    Comparison
        ``.table``: one row per method with ``seconds`` (wall time) and, when ``truth`` is
        given, the talk's layout: ``rmse``, ``mae``, ``correlation`` (Pearson, estimates
        against truth), ``coverage`` (share of areas whose interval holds the truth) and
        ``mean_width`` (mean interval width); ``.estimates``: the estimate tables stacked,
        with a ``method`` column first (and ``truth`` when given); ``.measured_coverage``:
        one row per method with the coverage of its nominal-90% intervals measured in the
        turnout benchmark under ignorable nonresponse (:data:`MEASURED_COVERAGE`; a record of
        how honest each method's intervals were there, not a property of these data);
        ``.results``: each method's :class:`AreaEstimates`; ``.settings``; ``.plot()``.
        ``res["table"]`` and the other keys of the dict ``compare`` returned before still
        work, with a ``FutureWarning``.

    Notes
    -----
    Measured coverage of nominal 90% intervals (turnout simulation, 1,000,000 census rows,
    ~30,000 respondents, ignorable nonresponse, 20 replications; bench/RESULTS.md): GAIN
    stacking 0.91 (m = 10), Amelia-style stacking 0.89, MRP 0.84, BART 0.72 (10 replications;
    :data:`MEASURED_COVERAGE`).
    State RMSE there: GAIN 0.020 (the area as a random intercept, the expected area means;
    below MRP in 20 of 20 replications), BART 0.023, MRP 0.024, Amelia-style 0.030; with
    regional vote totals GAIN and MRP tied (0.0198 and 0.0197). MRP's intervals ignore the
    uncertainty of its variance components and its complete-case fit is biased when item
    nonresponse depends on the outcome; BART's come from one MCMC chain of a model that codes
    missing covariates as categories. Intervals narrower than nominal mean: check coverage on
    a simulation like your data (``truth=``) before relying on them.
    """
    options = {} if options is None else dict(options)
    stray = [k for k in options if k not in methods]
    if stray:
        raise ValueError(f"`options` has settings for methods not run: {stray}.")
    checked = {meth: _check_options(options.get(meth), meth) for meth in methods}
    _check_m(m, methods)
    seed = _fresh_seed() if seed is None else seed
    prepared = _prepare(survey, census, outcome=outcome, area=area, covariates=covariates,
                        methods=tuple(methods))
    _warn_empty_areas(prepared, stacklevel=4)
    calibration = check_known_totals(known_totals, census, prepared["census"],
                                     area=prepared["area"], binary=prepared["binary"])
    true = None if truth is None else truth_series(truth, area=prepared["area"], outcome=outcome)
    if true is not None:
        areas = list(prepared["census"][prepared["area"]].cat.categories)
        matched = true.reindex(pd.Index(areas, dtype=object)).notna()
        if not matched.any():
            raise ValueError(f"`truth` has no value for any area of the census (its areas: "
                             f"{_shown(true.index)}; the census's: {_shown(areas)}); check that "
                             "both use the same area labels.")
        extra = true.index.difference(pd.Index(areas, dtype=object))
        if not matched.all() or len(extra):
            warnings.warn(
                f"`truth` has values for {int(matched.sum())} of the census's {len(areas)} areas"
                + (f" (none for {_shown(pd.Index(areas)[~matched.to_numpy()])})"
                   if not matched.all() else "")
                + (f", and for {len(extra)} area(s) the census does not have ({_shown(extra)})"
                   if len(extra) else "")
                + "; every score uses the areas with a true value (`areas_scored`).",
                UserWarning, stacklevel=3)
    rows, results = [], {}
    for meth in methods:
        start = time.perf_counter()
        est, settings = _run(prepared, method=meth, m=m, seed=seed, conf_level=conf_level,
                             progress=progress, options=checked[meth],
                             calibration=calibration)
        row = {"method": meth, "seconds": time.perf_counter() - start}
        results[meth] = AreaEstimates(est, settings)
        if true is not None:
            t = true.reindex(est["area"].astype(object)).to_numpy(dtype=float)
            ok = ~np.isnan(t)
            err = est["estimate"].to_numpy()[ok] - t[ok]
            inside = (est["conf_low"].to_numpy()[ok] <= t[ok]) & (t[ok] <= est["conf_high"]
                                                                     .to_numpy()[ok])
            width = (est["conf_high"] - est["conf_low"]).to_numpy()[ok]
            row.update(rmse=float(np.sqrt(np.mean(err ** 2))), mae=float(np.mean(np.abs(err))),
                       correlation=float(np.corrcoef(est["estimate"].to_numpy()[ok], t[ok])[0, 1]),
                       coverage=float(inside.mean()), mean_width=float(np.mean(width)),
                       areas_scored=int(ok.sum()))
        rows.append(row)
    table = pd.DataFrame(rows)
    if true is not None:
        table = table[["method", "rmse", "mae", "correlation", "coverage", "mean_width",
                       "areas_scored", "seconds"]]
    measured = pd.DataFrame({"method": methods, "nominal": 0.9,
                             "measured": [MEASURED_COVERAGE[x] for x in methods],
                             "where": [f"turnout simulation, ignorable nonresponse, "
                                       f"{MEASURED_REPLICATIONS[x]} replications (bench/RESULTS.md)"
                                       for x in methods]})
    shared = {k: v for k, v in settings.items() if k not in ("method", "m", "options")}
    shared.update(methods=list(methods), m=m, options={x: dict(checked[x]) for x in methods},
                  truth_given=true is not None)
    return Comparison(table, results, measured, shared, truth=true)


# -- running a method ---------------------------------------------------------------------------

def _fresh_seed() -> int:
    """``seed=None``: a fresh seed from the system's entropy, recorded in the result's
    settings so that the run can be repeated (as ``impute`` records its entropy); below 2**31,
    so that R receives it as an integer."""
    return int(np.random.SeedSequence().generate_state(1)[0] & 0x7FFFFFFF)


def _check_m(m: int, methods) -> None:
    """``m`` counts the stacking methods' imputations, which Rubin's rules need two of; the
    other methods ignore it (as documented), whatever it is."""
    stacking = [x for x in methods if x in ("gain", "amelia")]
    if stacking and m < 2:
        raise ValueError(f"`m` must be at least 2 for method(s) {stacking} (their imputations are "
                         f"pooled), got {m}.")


def _run(prepared: dict, *, method: str, m: int, seed, conf_level: float, progress: bool,
         options: dict, calibration=None) -> pd.DataFrame:
    survey, census = prepared["survey"], prepared["census"]
    common = dict(outcome=prepared["outcome"], area=prepared["area"],
                  covariates=prepared["covariates"], binary=prepared["binary"],
                  conf_level=conf_level, seed=seed, progress=progress, calibration=calibration)
    with_outcome = survey[survey[prepared["outcome"]].notna()]
    if method == "gain":
        from ._stacking import gain_area_means
        out = gain_area_means(survey, census, m=m, options=options, **common)
        trained = out.attrs.get("epochs_trained")
    elif method == "amelia":
        from ._stacking import amelia_area_means
        out = amelia_area_means(survey, census, m=m, options=options, **common)
    elif method == "mrp":
        from ._mrp import mrp_area_means
        out = mrp_area_means(with_outcome, census, **common, **options)
    else:
        from ._trees import tree_area_means
        out = tree_area_means(with_outcome, census, **common, **options)
    model = out.attrs.get("model")
    out = out[["estimate", "std_error", "conf_low", "conf_high"]].reset_index(drop=True)
    if prepared["binary"]:  # a share: estimates and intervals within [0, 1]
        out[["estimate", "conf_low", "conf_high"]] = out[["estimate", "conf_low",
                                                          "conf_high"]].clip(0.0, 1.0)
    out = _on_outcome_scale(out, prepared["outcome_values"])
    areas = census[prepared["area"]].cat.categories
    out.insert(0, "area", pd.Categorical(areas, categories=areas))
    out["n_survey"] = with_outcome[prepared["area"]].value_counts().reindex(areas).fillna(0) \
        .astype(np.int64).to_numpy()
    out["n_census"] = census[prepared["area"]].value_counts().reindex(areas).astype(np.int64) \
        .to_numpy()
    settings = {"method": method, "m": m if method in ("gain", "amelia") else None,
                "seed": seed, "conf_level": conf_level, "options": dict(options),
                "outcome": prepared["outcome"], "area": prepared["area"],
                "covariates": list(prepared["covariates"]), "binary": prepared["binary"],
                "outcome_values": prepared["outcome_values"],
                "outcome_level": prepared["outcome_level"],
                "known_totals": None if calibration is None else calibration.describe()}
    if method == "gain":
        settings["epochs_trained"] = trained
    if model is not None:
        settings["model"] = model
    return out, settings


def _option_table(method: str) -> tuple[dict, dict]:
    """The method's options: their defaults and their constraints (declared beside the method)."""
    if method == "gain":
        from ._stacking import GAIN_OPTION_CONSTRAINTS, GAIN_OPTIONS
        return GAIN_OPTIONS, GAIN_OPTION_CONSTRAINTS
    if method == "amelia":
        from ._stacking import AMELIA_OPTION_CONSTRAINTS, AMELIA_OPTIONS
        return AMELIA_OPTIONS, AMELIA_OPTION_CONSTRAINTS
    if method == "mrp":
        from ._mrp import MRP_OPTION_CONSTRAINTS, MRP_OPTIONS
        return MRP_OPTIONS, MRP_OPTION_CONSTRAINTS
    from ._trees import TREE_OPTION_CONSTRAINTS, TREE_OPTIONS
    return TREE_OPTIONS, TREE_OPTION_CONSTRAINTS


def _check_options(options, method: str) -> dict:
    """``options`` checked by the method's table of constraints, before any work: an unknown
    name, or a value out of range, fails naming the setting."""
    if options is None:
        return {}
    known, constraints = _option_table(method)
    unknown = [k for k in options if k not in known]
    if unknown:
        hints = [f"{k!r} (did you mean {close[0]!r}?)" if close else repr(k)
                 for k in unknown
                 for close in [difflib.get_close_matches(str(k), sorted(known), n=1)]]
        raise ValueError(f"`options` for method {method!r}: unknown setting(s) "
                         f"{', '.join(hints)}; known: {sorted(known)}.")
    return check_params(constraints, dict(options), where=f"options of method {method!r}")


# -- checking and harmonising the input ---------------------------------------------------------

def _shown(values, k: int = 6) -> str:
    values = [v.item() if isinstance(v, np.generic) else v for v in values]
    return ", ".join(repr(v) for v in values[:k]) + (", ..." if len(values) > k else "")


def _is_categorical(s: pd.Series) -> bool:
    return (isinstance(s.dtype, pd.CategoricalDtype) or pdt.is_object_dtype(s.dtype)
            or pdt.is_string_dtype(s.dtype) or pdt.is_bool_dtype(s.dtype))


def _warn_empty_areas(prepared: dict, stacklevel: int) -> None:
    """Warn of census areas without a respondent whose outcome is observed (a user's trial:
    four states without respondents were estimated by every method, and nothing said so)."""
    s, c, a = prepared["survey"], prepared["census"], prepared["area"]
    answered = set(s.loc[s[prepared["outcome"]].notna(), a].unique())
    empty = [v for v in c[a].cat.categories if v not in answered]
    if empty:
        warnings.warn(
            f"{len(empty)} of the census's {len(c[a].cat.categories)} areas have no respondent "
            f"with an observed outcome ({_shown(empty)}): their estimates rest on the model alone "
            "(how the covariates and area-level predictors relate to the outcome in the other "
            "areas), so check those predictors; the table's n_survey column is 0 there.",
            UserWarning, stacklevel=stacklevel)


def _prepare(survey, census, *, outcome, area, covariates, methods=()) -> dict:
    """Checked copies of the survey and census with harmonised dtypes (see ``estimate``);
    ``methods``: those to be run (MRP alone can take census categories the survey lacks)."""
    # survey, census, outcome and area are checked by the table of estimate/compare
    if outcome == area:
        raise ValueError(f"`outcome` and `area` are the same column {outcome!r}.")
    if outcome not in survey.columns:
        raise ValueError(f"`outcome` column {outcome!r} is not in `survey` (columns: "
                         f"{_shown(survey.columns, 12)}).")
    for frame, name in ((survey, "survey"), (census, "census")):
        if area not in frame.columns:
            raise ValueError(f"`area` column {area!r} is not in `{name}` (columns: "
                             f"{_shown(frame.columns, 12)}).")
    if outcome in census.columns and census[outcome].notna().any():
        raise ValueError(f"`census` has values in the outcome column {outcome!r} "
                         f"({int(census[outcome].notna().sum())} non-missing); the census must "
                         "not carry the outcome: drop that column.")
    if covariates is None:
        covariates = [c for c in survey.columns if c in census.columns and c not in (outcome, area)]
    elif isinstance(covariates, str):
        covariates = [covariates]
    else:
        covariates = list(covariates)
    for c in covariates:
        if not isinstance(c, str):
            raise TypeError(f"`covariates` must be column names (strings), got {c!r}.")
    bad = [c for c in covariates if c in (outcome, area)]
    if bad:
        raise ValueError(f"`covariates` must not include the outcome or the area: {bad}.")
    dup = sorted({c for c in covariates if covariates.count(c) > 1})
    if dup:
        raise ValueError(f"`covariates` names columns more than once: {dup}.")
    for frame, name in ((survey, "survey"), (census, "census")):
        lacking = [c for c in covariates if c not in frame.columns]
        if lacking:
            raise ValueError(f"Covariate column(s) {lacking} are not in `{name}`.")

    s = survey[[outcome, area, *covariates]].copy()
    c = census[[area, *covariates]].copy()
    y, binary, coding, level = _outcome(s[outcome], outcome)
    s[outcome] = y
    s[area], c[area] = _areas(s[area], c[area], area)
    for col in covariates:
        s[col], c[col] = _covariate(s[col], c[col], col, mrp_only=set(methods) == {"mrp"})
    return {"survey": s.reset_index(drop=True), "census": c.reset_index(drop=True),
            "outcome": outcome, "area": area, "covariates": covariates, "binary": binary,
            "outcome_values": coding, "outcome_level": level}


def _outcome(y: pd.Series, name: str) -> tuple[pd.Series, bool, tuple | None, object]:
    """The outcome as floats, whether it is binary, and, for two numbers other than 0 and 1
    (e.g. 1 = no, 2 = yes), those two values ``(a, b)``: such an outcome is modelled as the
    0/1 indicator of ``b`` and its estimates are put back on its scale by
    :func:`_on_outcome_scale` (mean = a + (b − a) · share of b). Last, for a two-level factor
    or string outcome, the level whose share is estimated (``True`` for a boolean one; else
    ``None``)."""
    observed = y.dropna()
    if observed.empty:
        raise ValueError(f"The outcome column {name!r} has no observed values in `survey`.")
    if pdt.is_bool_dtype(y.dtype) or (y.dtype == object and observed.map(
            lambda v: isinstance(v, (bool, np.bool_))).all()):
        # the share of True is estimated (a user's trial: the level was not recorded)
        return y.map(lambda v: np.nan if pd.isna(v) else float(v)).astype(float), True, None, True
    if isinstance(y.dtype, pd.CategoricalDtype) or pdt.is_object_dtype(y.dtype) \
            or pdt.is_string_dtype(y.dtype):
        levels = (list(y.cat.categories[y.cat.categories.isin(observed.unique())])
                  if isinstance(y.dtype, pd.CategoricalDtype) else sorted(observed.unique(),
                                                                          key=str))
        if len(levels) != 2:
            raise ValueError(f"The outcome column {name!r} must be binary or numeric; it has "
                             f"{len(levels)} observed level(s): {_shown(levels)}.")
        level = levels[1].item() if isinstance(levels[1], np.generic) else levels[1]
        return (y.map(lambda v: np.nan if pd.isna(v) else float(v == levels[1])).astype(float),
                True, None, level)
    if not pdt.is_numeric_dtype(y.dtype):
        raise ValueError(f"The outcome column {name!r} must be binary or numeric, got dtype "
                         f"{y.dtype}.")
    values = y.to_numpy(dtype=float, na_value=np.nan)
    finite = values[~np.isnan(values)]
    if np.isinf(finite).any():
        raise ValueError(f"The outcome column {name!r} has infinite values.")
    distinct = np.unique(finite)
    if len(distinct) < 2:
        raise ValueError(f"The outcome column {name!r} has a single observed value "
                         f"({distinct[0].item()!r}); there is nothing to estimate.")
    if len(distinct) == 2 and set(distinct.tolist()) != {0.0, 1.0}:
        # Two values are binary for every method (the imputers' encoder makes them so too).
        coded = np.where(np.isnan(values), np.nan, (values == distinct[1]).astype(float))
        return (pd.Series(coded, index=y.index, name=y.name), True,
                (float(distinct[0]), float(distinct[1])), None)
    binary = bool(set(distinct.tolist()) <= {0.0, 1.0})
    return pd.Series(values, index=y.index, name=y.name), binary, None, None


def _on_outcome_scale(out: pd.DataFrame, coding: tuple | None) -> pd.DataFrame:
    """Area shares of the second value of a two-valued outcome ``(a, b)`` as means of the
    outcome: a + (b − a) · share (the standard error times b − a)."""
    if coding is None:
        return out
    low, high = coding
    out = out.copy()
    for col in ("estimate", "conf_low", "conf_high"):
        out[col] = low + (high - low) * out[col]
    out["std_error"] = (high - low) * out["std_error"]
    return out


def _areas(s: pd.Series, c: pd.Series, name: str) -> tuple[pd.Series, pd.Series]:
    for x, frame in ((s, "survey"), (c, "census")):
        missing = x.isna().to_numpy()
        if missing.any():
            pos = int(np.flatnonzero(missing)[0])
            label = x.index[pos]
            label = label.item() if isinstance(label, np.generic) else label
            raise ValueError(f"The area column {name!r} has {int(missing.sum())} missing "
                             f"value(s) in `{frame}` (the first in row {pos + 1}, counting from "
                             f"1, index label {label!r}); every row needs an area: drop or fix "
                             "those rows.")
    present = set(c.unique())
    if isinstance(c.dtype, pd.CategoricalDtype):
        levels = [v for v in c.cat.categories if v in present]
    else:
        levels = sorted(present, key=lambda v: (str(type(v)), v))
    in_survey = set(s.unique())
    if not in_survey & present:
        def kind(v):
            return ("numbers" if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                    else "strings" if isinstance(v, str) else type(v).__name__)

        kinds = ({kind(v) for v in in_survey}, {kind(v) for v in present})
        alike = ({str(v) for v in in_survey} & {str(v) for v in present}) and kinds[0] != kinds[1]
        hint = (f" The values look alike but differ in type ({', '.join(sorted(kinds[0]))} in "
                f"`survey`, {', '.join(sorted(kinds[1]))} in `census`; an R factor's levels "
                "are strings): give the column the same type in both, e.g. strings in both."
                if alike else "")
        raise ValueError(f"No area of `survey` is in `census` (column {name!r}): survey has "
                         f"{_shown(sorted(in_survey, key=str))}, census has {_shown(levels)}."
                         + hint)
    extra = sorted(in_survey - present, key=str)
    if extra:
        raise ValueError(f"Area(s) {_shown(extra)} of column {name!r} are in `survey` but not in "
                         "`census`; the census must hold every area.")
    dtype = pd.CategoricalDtype(levels)
    return (pd.Series(pd.Categorical(s.astype(object), dtype=dtype), index=s.index),
            pd.Series(pd.Categorical(c.astype(object), dtype=dtype), index=c.index))


def _covariate(s: pd.Series, c: pd.Series, name: str,
               mrp_only: bool = False) -> tuple[pd.Series, pd.Series]:
    for x, frame in ((s, "survey"), (c, "census")):
        if x.isna().all():
            raise ValueError(f"Covariate {name!r} has no observed values in `{frame}`.")
    cat_s, cat_c = _is_categorical(s), _is_categorical(c)
    if cat_s != cat_c:
        raise TypeError(f"Covariate {name!r} is {'categorical' if cat_s else 'numeric'} in "
                        f"`survey` but {'categorical' if cat_c else 'numeric'} in `census`; "
                        "give it the same type in both.")
    if not cat_s:
        for x, frame in ((s, "survey"), (c, "census")):
            if not pdt.is_numeric_dtype(x.dtype):
                raise TypeError(f"Covariate {name!r} in `{frame}` has dtype {x.dtype}; use "
                                "numbers or categories.")
        out = (pd.Series(s.to_numpy(dtype=float, na_value=np.nan), index=s.index),
               pd.Series(c.to_numpy(dtype=float, na_value=np.nan), index=c.index))
        for x, frame in zip(out, ("survey", "census")):
            bad = int(np.isinf(x.to_numpy()).sum())
            if bad:
                raise ValueError(f"Covariate {name!r} in `{frame}` has {bad} infinite value(s); "
                                 "replace them with NaN (missing) or a finite value.")
        return out
    obs_s, obs_c = set(s.dropna().unique()), set(c.dropna().unique())
    only_s, only_c = sorted(obs_s - obs_c, key=str), sorted(obs_c - obs_s, key=str)
    if only_c and not only_s and mrp_only:
        # MRP's categorical covariates are random effects: a level no respondent has gets
        # effect 0 (the mean of the levels), as R's predict() on a glmer fit with
        # allow.new.levels = TRUE
        warnings.warn(f"Covariate {name!r} has categories in `census` but not in `survey`: "
                      f"{_shown(only_c)}. MRP gives them the average effect of the categories "
                      "(a random effect of 0); their rows' estimates rest on that assumption.",
                      UserWarning, stacklevel=5)
    elif only_s or only_c:
        parts = []
        if only_s:
            parts.append(f"in `survey` but not in `census`: {_shown(only_s)}")
        if only_c:
            parts.append(f"in `census` but not in `survey`: {_shown(only_c)}")
        raise ValueError(f"Covariate {name!r} has categories " + "; and ".join(parts) +
                         ". The model cannot poststratify categories it has not seen (or "
                         "would never use ones the census lacks): recode them to match"
                         + (" (method='mrp' alone takes census categories the survey lacks, "
                            "with the categories' average effect)" if only_c and not only_s
                            else "") + ".")
    template = c if isinstance(c.dtype, pd.CategoricalDtype) else s
    if isinstance(template.dtype, pd.CategoricalDtype):
        levels = [v for v in template.cat.categories if v in obs_c]
        ordered = bool(template.dtype.ordered)
    else:
        levels, ordered = sorted(obs_c, key=lambda v: (str(type(v)), v)), False
    dtype = pd.CategoricalDtype(levels, ordered=ordered)
    return (pd.Series(pd.Categorical(s.astype(object), dtype=dtype), index=s.index),
            pd.Series(pd.Categorical(c.astype(object), dtype=dtype), index=c.index))


def truth_series(truth, *, area: str | None = None, outcome: str | None = None) -> pd.Series:
    """The true area values as a float Series indexed by area label: ``truth`` is a Series
    indexed by area, or a DataFrame with the area column (``area``, else a column named
    ``"area"``, else its first non-float column) and one value column (``"truth"``,
    ``"turnout"`` or ``outcome`` if present, else its only float column)."""
    if isinstance(truth, pd.Series):
        out = truth.astype(float)
    elif isinstance(truth, pd.DataFrame):
        floats = [c for c in truth.columns if pdt.is_float_dtype(truth[c])]
        if area is not None and area not in truth.columns and "area" in truth.columns:
            area = "area"  # the area column by its generic name (as the docstring allows)
        if area is None:
            others = [c for c in truth.columns if c not in floats]
            area = "area" if "area" in truth.columns else (others[0] if others else None)
        if area is None or area not in truth.columns:
            raise ValueError(f"`truth` must have the area column {area or 'area'!r}; it has "
                             f"{list(truth.columns)}.")
        values = [c for c in floats if c != area]
        named = [c for c in ("truth", "turnout", outcome) if c is not None and c in truth.columns]
        if named:
            col = named[0]
        elif len(values) == 1:
            col = values[0]
        else:
            raise ValueError("`truth` must have one float column besides the area, or a column "
                             f"named 'truth'; it has {list(truth.columns)}.")
        out = pd.Series(truth[col].to_numpy(dtype=float), index=truth[area].astype(object))
    else:
        raise TypeError(f"`truth` must be a Series indexed by area or a DataFrame, got "
                        f"{type(truth).__name__}.")
    out.index = out.index.astype(object)
    return out
