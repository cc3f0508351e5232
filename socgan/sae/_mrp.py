"""Multilevel regression and poststratification (MRP): the baseline of small-area estimation.

The model
---------
MRP (Gelman & Little 1997, "Poststratification into many categories using hierarchical logistic
regression", *Survey Methodology* 23(2); Park, Gelman & Bafumi 2004, "Bayesian multilevel
estimation with poststratification: state-level estimates from national polls", *Political
Analysis* 12(4)) fits a multilevel regression to the survey and averages its predictions over the
census. Here, for cell c (a unique combination of the area and the covariates),

    logit P(y = 1)  or  E[y]  =  x_c'β  +  Σ_k b_k[level of factor k in c],   b_k ~ N(0, σ_k²),

with a random intercept for the area and for every categorical covariate (ordered or not), and a
fixed slope for every numeric covariate, standardised internally with the census mean and SD (so
``fixed`` reports effects per census SD). Covariates that are constant within every area of the
census are area-level predictors (Park, Gelman & Bafumi's state-level predictors, e.g. previous
turnout or region); they enter the same way — numeric ones as fixed slopes, categorical ones as
random intercepts — and are listed in :attr:`MRPFit.area_level`. A binary outcome gives a
multilevel logistic regression, a continuous one a linear mixed model with residual SD σ.

Data
----
Survey rows with a missing outcome or covariate are dropped (complete-case analysis, as MRP
usually does; :attr:`MRPFit.n_dropped` counts them). The survey is fitted aggregated to cells —
binomial counts (successes, trials) for a binary outcome; cell sizes, means and the within-cell
sum of squares for a continuous one — which gives exactly the likelihood of the individual rows
(up to the binomial coefficients, which are included, as glmer includes them for
``cbind(y, n - y)``) and makes the fit's cost grow with the number of cells, not of respondents.

Estimation
----------
Maximum likelihood, as ``lme4::glmer(nAGQ = 1)`` and ``lme4::lmer(REML = FALSE)`` (Bates, Mächler,
Bolker & Walker 2015, "Fitting linear mixed-effects models using lme4", *J. Stat. Softw.* 67(1),
sections 3 and 5; the notation follows theirs). With spherical random effects u ~ N(0, I) and
b = Λ_θ u, Λ_θ diagonal holding θ_k for the levels of factor k:

* binary: for given (θ, β), the conditional modes ũ minimise the penalised deviance
  −2 log p(y | u) + ‖u‖² (penalised IRLS = Newton's method with step halving); the Laplace
  approximation to the deviance is

      D(θ, β) = −2 log p(y | ũ) + ‖ũ‖² + log det(Λ'Z'W Z Λ + I),

  W the binomial IRLS weights at ũ. D is minimised over θ (θ_k is the SD σ_k itself) and β
  jointly with L-BFGS-B and D's exact gradient (implicit differentiation of ũ). Start: θ = 1,
  β from the joint penalised fit at θ = 1.
* continuous: θ_k = σ_k/σ; β, ũ and σ² are profiled out in closed form and the ML profiled
  deviance log det(Λ'Z'WZΛ + I) + N(1 + log(2π r²/N)) (Bates et al. 2015, eq. 34; r² the
  penalised residual sum of squares) is minimised over θ, with finite-difference gradients.
  The Laplace approximation is exact here.

Robustness, as glmer's: numeric covariates are standardised with the census mean and SD (so
0-100 percentages beside 1-5 averages are on one scale); the Newton step adds a ridge when
rounding makes its Hessian indefinite; a trial point of the optimiser where the penalised IRLS
finds no mode is rejected (an infinite deviance) rather than ending the fit; and a fit that does
not converge is restarted with Powell's derivative-free method, then L-BFGS-B again
(:func:`_fit_glmm`; :attr:`MRPFit.optimizer` says which path gave the estimates). Numeric
covariates that the complete survey rows cannot identify (constant, or collinear with the
others, as an area-level covariate in a survey of very few areas) are refused by name.

The boundary: an SD may be estimated as exactly 0 (glmer's "singular fit", common for a region
factor with few levels once area-level predictors are in). D is even in each θ_k (flip θ_k and
factor k's u), so θ_k is optimised over the whole line and |θ_k| reported; a θ_k that ends at 0
is re-checked by a restart from 0.1 (see :func:`_minimise_even`).

Poststratification and uncertainty
----------------------------------
The census is aggregated to cells with counts; each area's estimate is the count-weighted mean of
the predicted probability (or mean) over its cells, at the estimated modes (β̂, b̃) — what R's
``predict()`` on the glmer fit gives; areas and levels without respondents get b = 0. Census
rows with a missing covariate are left out of their area's average: this assumes those values are
missing completely at random within the area. An area whose census rows all lack some covariate
gets no estimate (NaN, with a warning).

Uncertainty: ``n_draws`` draws of (β, u) from the Gaussian approximation of their joint posterior
at the mode given θ̂ — mean (β̂, ũ), covariance the inverse of the penalised Hessian
[[Λ'Z'WZΛ + I, Λ'Z'WX], [X'WZΛ, X'WX]] (times σ̂² for a continuous outcome). This is what
``arm::sim`` does for a glmer fit, except that arm draws β and b independently; here their
correlation is kept, which matters for areas that borrow most of their estimate from β. Each draw
is poststratified, and, since the estimand is the realised mean of the area's census rows (a
finite population), given the spread of those rows' outcomes under the model (normal, variance
Σ_c n_c p_c(1 − p_c) / N², or σ̂²/N, clipped to [0, 1] for a share): negligible for large areas,
most of the uncertainty for an area of a few dozen rows. ``std_error`` is the SD of the draws
and the interval their percentile interval. ``estimate`` is the poststratified value at the mode,
not the mean of the draws. The
uncertainty in θ̂ (and σ̂) is ignored, so intervals are somewhat too narrow when there are few
areas or levels.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import linalg, optimize
from scipy.special import expit, gammaln
from tqdm.auto import tqdm

from .._params import PROBABILITY, Count, Seed

#: options of ``socgan.sae.estimate(method="mrp")``, with their defaults and constraints
MRP_OPTIONS = {"n_draws": 1000}
MRP_OPTION_CONSTRAINTS = {"n_draws": Count(1)}

_INTERCEPT = "(Intercept)"
_RESIDUAL = "Residual"
_CHUNK_CELLS = 20_000_000  # census cells × draws poststratified at once (160 MB of doubles)


@dataclass(frozen=True)
class MRPFit:
    """The fitted multilevel regression of MRP (see the module docstring for the model).

    ``fixed``: fixed effects on the link scale (logit, or the outcome's scale), numeric covariates
    per census SD; ``sd``: random-intercept SDs by grouping factor (the area first, then the
    categorical covariates; ``"Residual"`` last for a continuous outcome); ``loglik``: the
    (Laplace) log-likelihood at the estimates, comparable with R's ``logLik()`` of the same model
    fitted to the same cells; ``modes``: the conditional modes b̃ of the random intercepts, one
    Series per grouping factor indexed by its categories.
    """

    fixed: pd.Series
    sd: pd.Series
    loglik: float
    modes: dict[str, pd.Series]
    binary: bool
    area_level: list[str]
    n_obs: int
    n_dropped: int
    n_cells: int
    converged: bool
    _design: _Design = field(repr=False)
    _mode: np.ndarray = field(repr=False)       # (u, β) at the estimates
    _cov_chol: np.ndarray = field(repr=False)   # upper Cholesky factor R of the precision: R'R
    optimizer: str = "L-BFGS-B"                 # the path that gave the estimates (_fit_glmm)


def mrp_area_means(survey: pd.DataFrame, census: pd.DataFrame, *, outcome: str, area: str,
                   covariates: list[str], binary: bool, conf_level: float, seed: int | None,
                   n_draws: int = 1000, progress: bool = False,
                   calibration=None) -> pd.DataFrame:
    """Area means of ``outcome`` by MRP: a multilevel regression poststratified over ``census``.

    Parameters
    ----------
    survey
        Respondents: ``outcome`` (float; 0/1 when ``binary``), ``area`` and ``covariates``.
    census
        The population: ``area`` and ``covariates``, one row per person (or per unit).
    outcome, area, covariates
        Column names. ``area`` is a Categorical with the same categories in both frames;
        covariates are Categoricals or numeric and may be missing (see the module docstring).
    binary
        Logistic (True) or linear (False) multilevel model.
    conf_level
        Level of the percentile intervals, in (0, 1).
    seed
        Seed of the posterior draws; the same seed gives the same result.
    n_draws
        Draws of the fixed and random effects used for ``std_error`` and the interval.
    progress
        Show a progress bar over the draws.
    calibration
        Known totals (:class:`socgan.sae._calibrate.Calibration`) or ``None``: every draw's
        cell predictions, and those at the mode, are shifted (logit shift) to match them.

    Returns
    -------
    pandas.DataFrame
        One row per category of ``census[area]`` that has census rows, in category order:
        ``area`` (Categorical, the same categories), ``estimate`` (poststratified at the
        estimated modes), ``std_error`` (SD of the draws), ``conf_low``, ``conf_high``.
    """
    n_draws = MRP_OPTION_CONSTRAINTS["n_draws"](n_draws, "n_draws")
    conf_level = PROBABILITY(conf_level, "conf_level")
    rng = np.random.default_rng(Seed()(seed, "seed"))
    fit = fit_mrp(survey, census, outcome=outcome, area=area, covariates=covariates,
                  binary=binary)
    if fit.n_dropped:  # complete-case analysis: say so (a user's trial: nothing told them)
        warnings.warn(
            f"MRP fits the survey rows with every covariate observed: {fit.n_dropped} of "
            f"{fit.n_obs + fit.n_dropped} respondents with an observed outcome miss a covariate "
            "and are left out of the model (complete cases; the other methods impute them). "
            "`n_survey` counts every respondent with an observed outcome.", stacklevel=5)
    post = _census_cells(fit._design, census)
    left = len(census) - int(round(post.counts.sum()))
    if left:  # the same for the census rows (a user's trial: n_census counted them silently)
        gaps = [c for c in covariates if census[c].isna().any()]
        warnings.warn(
            f"MRP poststratifies over the census rows with every covariate observed: {left} of "
            f"{len(census)} census rows miss {', '.join(map(repr, gaps))} and are left out of "
            "their areas' averages, which assumes they are like their area's other rows "
            "(missing completely at random within the area; GAIN stacking and the Amelia-style "
            "method impute them). `n_census` counts every census row.", stacklevel=5)
    if calibration is not None:
        post = _with_cell_weights(post, calibration.area_size)
    estimate = _poststratify(fit, post, fit._mode[None, :], calibration)[:, 0]

    k = fit._mode.size
    draws = np.empty((post.n_areas, n_draws))
    chunk = int(np.clip(_CHUNK_CELLS // max(post.X.shape[0], 1), 1, 100))
    # The estimand is the area's realised mean over its census rows (a finite population), so
    # each draw also gets the spread of the outcomes of those rows given the model: about
    # sum_c n_c p_c (1 - p_c) / N^2 (sigma^2 / N for a number), from its own stream so that
    # the model's draws are those of the seed. Negligible for large areas; for an area of 20
    # rows it is most of the uncertainty (a user's trial: MRP covered 0.19 there).
    fp_rng = rng.spawn(1)[0]
    rows = census[area].cat.codes.to_numpy()
    area_n = np.bincount(rows[rows >= 0], minlength=len(census[area].cat.categories))
    area_n = area_n[post.area_codes].astype(float)
    for start in tqdm(range(0, n_draws, chunk), desc="MRP draws", disable=not progress):
        m = min(chunk, n_draws - start)
        z = rng.standard_normal((m, k)).T  # draw by draw, so the chunk size changes nothing
        # R'R is the precision, so mode + R⁻¹z has covariance (R'R)⁻¹
        sample = fit._mode[:, None] + linalg.solve_triangular(fit._cov_chol, z)
        mean, spread = _poststratify(fit, post, sample.T, calibration, spread=True)
        var = np.nan_to_num(spread / area_n[:, None])
        noise = fp_rng.standard_normal(mean.shape) * np.sqrt(var)
        if calibration is not None:  # a known total fixes its areas' sum of outcomes
            noise = calibration.conditioned_noise(noise, var, post.area_codes)
        draws[:, start:start + m] = mean + noise
        if fit.binary:
            np.clip(draws[:, start:start + m], 0.0, 1.0, out=draws[:, start:start + m])

    alpha = (1.0 - conf_level) / 2.0
    low, high = np.quantile(draws, [alpha, 1.0 - alpha], axis=1)
    out = pd.DataFrame({
        "area": pd.Categorical.from_codes(post.area_codes, dtype=census[area].dtype),
        "estimate": estimate,
        "std_error": draws.std(axis=1, ddof=1),
        "conf_low": low,
        "conf_high": high,
    })
    empty = post.area_codes[~post.has_cells]
    if empty.size:
        names = [str(census[area].cat.categories[c]) for c in empty]
        warnings.warn(f"Areas {names} have no census rows with every covariate observed; "
                      "their estimates are NaN.", stacklevel=2)
    # the fitted model in plain types (the result's settings["model"]): what a user of glmer
    # would look at first (the variance components, a singular fit, the rows used)
    out.attrs["model"] = {
        "sd": {str(k): float(v) for k, v in fit.sd.items()},
        "fixed": {str(k): float(v) for k, v in fit.fixed.items()},
        "n_obs": int(fit.n_obs), "n_dropped": int(fit.n_dropped), "n_cells": int(fit.n_cells),
        "loglik": float(fit.loglik), "converged": bool(fit.converged)}
    return out


def fit_mrp(survey: pd.DataFrame, census: pd.DataFrame, *, outcome: str, area: str,
            covariates: list[str], binary: bool) -> MRPFit:
    """Fit MRP's multilevel regression by maximum likelihood (Laplace, as ``glmer(nAGQ = 1)``).

    The census is used only to classify the covariates (area-level or not), to fix the levels
    of the grouping factors and to standardise the numeric covariates. Raises ``ValueError``
    naming the problem when the model cannot be fitted (no complete survey rows, an outcome with
    a single value, a categorical covariate with one observed level, a constant numeric one).
    """
    design = _Design.build(census, outcome=outcome, area=area,
                           covariates=list(covariates), binary=binary)
    cells = design.survey_cells(survey)
    _identified(design, cells)
    if binary:
        theta, beta, u, loglik, prec, converged, optimizer = _fit_glmm(cells)
        sd = theta
    else:
        theta, beta, u, loglik, prec, converged, sigma = _fit_lmm(cells)
        sd = np.append(theta * sigma, sigma)
        optimizer = "L-BFGS-B"
    if not converged:
        warnings.warn("The MRP model's optimiser did not converge; the estimates may be off. "
                      "Simplify the model (fewer covariates) or check for sparse categories.",
                      stacklevel=2)
    lam = theta[design.term_of]
    b = lam * u
    modes = {}
    for k, name in enumerate(design.groups):
        sl = slice(design.offsets[k], design.offsets[k + 1])
        modes[name] = pd.Series(b[sl], index=design.levels[k], name=name)
    return MRPFit(
        fixed=pd.Series(beta, index=[_INTERCEPT, *design.slopes], name="fixed"),
        sd=pd.Series(sd, index=[*design.groups, *([] if binary else [_RESIDUAL])], name="sd"),
        loglik=float(loglik), modes=modes, binary=binary, area_level=design.area_level,
        n_obs=cells.n_obs, n_dropped=cells.n_dropped, n_cells=cells.n, converged=converged,
        _design=design, _mode=np.concatenate([u, beta]), _cov_chol=_upper_cholesky(prec),
        optimizer=optimizer,
    )


# -- the design: terms, levels, cells -------------------------------------------------------------

@dataclass(frozen=True)
class _Cells:
    """Unique covariate combinations of the complete survey rows, with their outcome totals."""

    Z: sp.csr_matrix        # cells × random-effect levels, one 1 per grouping factor
    X: np.ndarray           # cells × fixed effects (intercept, standardised slopes)
    n: int                  # number of cells
    trials: np.ndarray      # respondents per cell
    total: np.ndarray       # sum of the outcome per cell (successes when binary)
    within_ss: float        # Σ (y − cell mean)² (continuous outcome only)
    n_obs: int
    n_dropped: int
    term_of: np.ndarray     # grouping factor of each random-effect level
    keys: pd.DataFrame      # the cells: grouping factor codes g0.. and standardised slopes x0..


@dataclass(frozen=True)
class _CensusCells:
    Z: sp.csr_matrix
    X: np.ndarray
    weights: sp.csr_matrix  # areas × cells: each area's cell shares (rows sum to 1, or 0)
    area_codes: np.ndarray  # the output's areas (codes into the area categories)
    has_cells: np.ndarray   # whether each output area has complete census cells
    n_areas: int
    keys: pd.DataFrame      # the cells, as in _Cells.keys
    counts: np.ndarray      # census rows per cell
    cell_weight: np.ndarray | None = None  # population weight per cell (calibration only)


@dataclass(frozen=True)
class _Design:
    outcome: str
    area: str
    binary: bool
    groups: list[str]            # grouping factors: the area, then the categorical covariates
    slopes: list[str]            # numeric covariates (fixed slopes)
    levels: list[pd.Index]       # categories of each grouping factor
    center: np.ndarray
    scale: np.ndarray
    area_level: list[str]        # covariates constant within every area of the census

    @property
    def offsets(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum([len(lv) for lv in self.levels])])

    @property
    def term_of(self) -> np.ndarray:
        return np.repeat(np.arange(len(self.groups)), [len(lv) for lv in self.levels])

    @classmethod
    def build(cls, census, *, outcome, area, covariates, binary) -> _Design:
        groups, slopes, area_level = [area], [], []
        for col in covariates:
            if isinstance(census[col].dtype, pd.CategoricalDtype):
                groups.append(col)
            else:
                slopes.append(col)
            # at most one distinct observed value in every area
            if census.groupby(census[area], observed=True)[col].nunique().max() <= 1:
                area_level.append(col)
        levels = [census[g].cat.categories for g in groups]
        values = census[slopes].astype(float)
        center, scale = values.mean().to_numpy(), values.std(ddof=0).to_numpy()
        flat = [c for c, s in zip(slopes, scale) if not (np.isfinite(s) and s > 0)]
        if flat:
            raise ValueError(f"Numeric covariates {flat} take a single value in the census (or "
                             "none); they cannot be standardised and carry no information: "
                             "leave them out of `covariates`.")
        return cls(outcome, area, bool(binary), groups, slopes, levels, center, scale,
                   area_level)

    def _codes(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Grouping factors as integer codes (−1 missing) and standardised slopes (NaN missing)."""
        cols = {f"g{k}": frame[g].cat.codes.to_numpy(np.int64) for k, g in enumerate(self.groups)}
        for j, s in enumerate(self.slopes):
            values = frame[s].to_numpy(dtype=float, na_value=np.nan)
            with np.errstate(invalid="ignore"):  # missing values stay NaN
                cols[f"x{j}"] = (values - self.center[j]) / self.scale[j]
        return pd.DataFrame(cols, index=pd.RangeIndex(len(frame)))

    def _complete(self, codes: pd.DataFrame) -> np.ndarray:
        g = [f"g{k}" for k in range(len(self.groups))]
        x = [f"x{j}" for j in range(len(self.slopes))]
        return (codes[g] >= 0).all(axis=1).to_numpy() & codes[x].notna().all(axis=1).to_numpy()

    def _matrices(self, keys: pd.DataFrame):
        n = len(keys)
        cols = np.column_stack([keys[f"g{k}"].to_numpy() + self.offsets[k]
                                for k in range(len(self.groups))])
        rows = np.repeat(np.arange(n), len(self.groups))
        Z = sp.csr_matrix((np.ones(rows.size), (rows, cols.ravel())),
                          shape=(n, int(self.offsets[-1])))
        X = np.column_stack([np.ones(n), *[keys[f"x{j}"].to_numpy()
                                          for j in range(len(self.slopes))]])
        return Z, X

    def complete_rows(self, survey: pd.DataFrame):
        """Codes and outcome of the complete survey rows, and how many rows were dropped."""
        codes = self._codes(survey)
        y = survey[self.outcome].astype(float).to_numpy()
        keep = self._complete(codes) & np.isfinite(y)
        if not keep.any():
            raise ValueError("No survey row has the outcome and every covariate observed; MRP "
                             "fits the complete rows only. Drop covariates that are mostly "
                             "missing, or impute them first.")
        codes, y = codes[keep].reset_index(drop=True), y[keep]
        if np.unique(y).size < 2:
            raise ValueError(f"The outcome {self.outcome!r} takes the single value {y[0]!r} in "
                             "the complete survey rows; there is nothing to model.")
        if self.binary and not np.isin(y, (0.0, 1.0)).all():
            raise ValueError(f"A binary outcome must be 0/1; {self.outcome!r} has other values.")
        for k, g in enumerate(self.groups[1:], start=1):
            if np.unique(codes[f"g{k}"]).size < 2:
                raise ValueError(f"The categorical covariate {g!r} has a single observed category "
                                 "in the complete survey rows; its random intercept cannot be "
                                 "estimated: leave it out of `covariates`.")
        return codes, y, int((~keep).sum())

    def survey_cells(self, survey: pd.DataFrame) -> _Cells:
        codes, y, n_dropped = self.complete_rows(survey)
        keys = list(codes.columns)
        grouped = codes.assign(_y=y).groupby(keys, sort=True)["_y"]
        stats = grouped.agg(["size", "sum"]).reset_index()
        within = float(((y - grouped.transform("mean").to_numpy()) ** 2).sum())
        Z, X = self._matrices(stats)
        return _Cells(Z=Z, X=X, n=len(stats), trials=stats["size"].to_numpy(float),
                      total=stats["sum"].to_numpy(float), within_ss=within,
                      n_obs=len(y), n_dropped=n_dropped, term_of=self.term_of,
                      keys=stats[keys])

    def labelled(self, keys: pd.DataFrame) -> pd.DataFrame:
        """``keys`` (codes, standardised slopes) with the grouping factors as Categoricals."""
        out = keys.copy()
        for k, lv in enumerate(self.levels):
            out[f"g{k}"] = pd.Categorical.from_codes(keys[f"g{k}"].to_numpy(),
                                                     categories=lv.astype(str))
        return out


def _census_cells(design: _Design, census: pd.DataFrame) -> _CensusCells:
    """The census aggregated to complete cells with counts, and each area's cell shares."""
    codes = design._codes(census)
    counts = np.bincount(codes["g0"].to_numpy(), minlength=len(design.levels[0]))
    area_codes = np.flatnonzero(counts)  # output areas: those with census rows
    codes = codes[design._complete(codes)]
    stats = codes.groupby(list(codes.columns), sort=True).size().rename("_n").reset_index()
    Z, X = design._matrices(stats)
    # row of each output area in the weight matrix
    row = np.full(len(design.levels[0]), -1)
    row[area_codes] = np.arange(area_codes.size)
    w = stats["_n"].to_numpy(float)
    area_of = row[stats["g0"].to_numpy()]
    totals = np.bincount(area_of, weights=w, minlength=area_codes.size)
    shares = sp.csr_matrix((w / totals[area_of], (area_of, np.arange(len(stats)))),
                           shape=(area_codes.size, len(stats)))
    return _CensusCells(Z=Z, X=X, weights=shares, area_codes=area_codes,
                        has_cells=totals > 0, n_areas=area_codes.size,
                        keys=stats.drop(columns="_n"), counts=w)


def reference_frames(survey: pd.DataFrame, census: pd.DataFrame, *, outcome: str, area: str,
                     covariates: list[str], binary: bool):
    """The data and formula for fitting the same model in R (``socgan.r.run_glmer_mrp``).

    Returns ``(data, census_cells, formula, names)``: ``data`` holds the survey cells (``y_``
    successes, ``n_`` trials) when ``binary``, else the complete survey rows (``y_``; lmer's
    likelihood on the rows equals the one fitted here on cells); ``census_cells`` the complete
    census cells with their counts ``n_``. Grouping factors are named ``g0`` (the area),
    ``g1``, ...; standardised numeric covariates ``x0``, ...; ``names`` maps these names back.
    """
    design = _Design.build(census, outcome=outcome, area=area,
                           covariates=list(covariates), binary=binary)
    if binary:
        cells = design.survey_cells(survey)
        data = design.labelled(cells.keys).assign(y_=cells.total, n_=cells.trials)
        lhs = "cbind(y_, n_ - y_)"
    else:
        codes, y, _ = design.complete_rows(survey)
        data = design.labelled(codes).assign(y_=y)
        lhs = "y_"
    post = _census_cells(design, census)
    census_cells = design.labelled(post.keys).assign(n_=post.counts)
    x = [f"x{j}" for j in range(len(design.slopes))]
    g = [f"g{k}" for k in range(len(design.groups))]
    formula = f"{lhs} ~ " + " + ".join(["1", *x, *[f"(1 | {v})" for v in g]])
    names = dict(zip(g, design.groups)) | dict(zip(x, design.slopes))
    return data, census_cells, formula, names


def _with_cell_weights(post: _CensusCells, area_size: np.ndarray) -> _CensusCells:
    """``post`` with the population weight of each cell for calibration: its share of its
    area's complete rows times the area's census rows (all of them, complete or not, as the
    area mean stands for them all)."""
    area_of = post.keys["g0"].to_numpy()
    coo = post.weights.tocoo()
    w = np.zeros(post.weights.shape[1])
    w[coo.col] = coo.data * area_size[area_of[coo.col]]
    return replace(post, cell_weight=w)


def _poststratify(fit: MRPFit, post: _CensusCells, params: np.ndarray,
                  calibration=None, spread: bool = False):
    """Area means (areas × draws) for rows of ``params`` = (u, β); NaN for areas without cells.
    With ``calibration`` each draw's cell predictions are shifted to the known totals first.
    ``spread``: also each area's mean variance of one row's outcome given the model (p(1 - p)
    averaged over its cells; σ² for a number), as a second array."""
    design = fit._design
    q = int(design.offsets[-1])
    lam = fit.sd.to_numpy()[: len(design.groups)]
    if not fit.binary:  # u is on the σ scale; b = λ u with λ = σ_k/σ
        lam = lam / fit.sd[_RESIDUAL]
    b = params[:, :q] * lam[design.term_of]
    eta = post.Z @ b.T
    eta += post.X @ params[:, q:].T
    if calibration is not None:
        calibration.cell_shift(eta, post.keys["g0"].to_numpy(), post.cell_weight)
    if fit.binary:
        expit(eta, out=eta)
    mean = post.weights @ eta
    mean[~post.has_cells] = np.nan
    if not spread:
        return mean
    if fit.binary:
        var = post.weights @ (eta * (1.0 - eta))
    else:
        var = np.full_like(mean, float(fit.sd[_RESIDUAL]) ** 2)
    var[~post.has_cells] = 0.0
    return mean, var


# -- the binomial GLMM by the Laplace approximation -----------------------------------------------

def _crossprod(M, w: np.ndarray) -> np.ndarray:
    """M' diag(w) M as a dense array, for a sparse or dense M."""
    if sp.issparse(M):
        return (M.T @ M.multiply(w[:, None])).toarray()
    return M.T @ (M * w[:, None])


class _NotConverged(ValueError):
    """The penalised IRLS found no mode (raised inside the optimisation, caught there)."""


def _solve_pd(hess: np.ndarray, rhs: np.ndarray) -> np.ndarray:
    """H⁻¹ rhs for a symmetric H that should be positive definite; if rounding makes its
    Cholesky factorisation fail, a ridge of growing size is added (Levenberg's fix), which only
    shortens the Newton step."""
    try:
        return linalg.cho_solve(linalg.cho_factor(hess), rhs)
    except linalg.LinAlgError:
        scale = max(float(np.max(np.abs(np.diag(hess)))), 1e-300)
        for k in range(-10, 3):
            try:
                ridge = hess + (scale * 10.0 ** k) * np.eye(len(hess))
                return linalg.cho_solve(linalg.cho_factor(ridge), rhs)
            except linalg.LinAlgError:
                continue
    raise _NotConverged("The Newton system of the MRP model is not positive definite.")


def _binomial_newton(y, n, offset, M, pen, v, *, max_iter: int = 200) -> np.ndarray:
    """Minimise −2 log p(y | η) + Σ pen_j v_j², η = offset + M v, by Newton with step halving.

    The penalised IRLS of Bates et al. (2015, sec. 5.2); ``pen`` is 1 for spherical random
    effects and 0 for fixed effects, so it serves both the conditional modes (M = ZΛ) and the
    joint start (M = [ZΛ, X]). Converged when the Newton step is negligible, or when no step
    along the Newton direction lowers the objective and the Newton decrement (the predicted
    decrease) is at the rounding floor of the objective. Raises :class:`_NotConverged` otherwise.
    """
    def objective(v):
        eta = offset + M @ v
        return -2.0 * (y * eta - n * np.logaddexp(0.0, eta)).sum() + pen @ (v * v), eta

    f, eta = objective(v)
    for _ in range(max_iter):
        p = expit(eta)
        grad = M.T @ (y - n * p) - pen * v          # −½ the objective's gradient
        hess = _crossprod(M, n * p * (1.0 - p)) + np.diag(pen)
        step = _solve_pd(hess, grad)
        decrement = float(grad @ step)             # ½ the predicted decrease of f
        if np.max(np.abs(step)) < 1e-11:
            return v
        t = 1.0
        while True:
            f_new, eta_new = objective(v + t * step)
            # the tolerance absorbs rounding once f stops changing
            if f_new <= f + 1e-12 * (1.0 + abs(f)) or t < 1e-10:
                break
            t /= 2.0
        if t < 1e-10:  # no decrease along the Newton direction: at the rounding floor?
            if decrement <= 1e-8 * (1.0 + abs(f)):
                return v
            break
        v, f, eta = v + t * step, f_new, eta_new
    raise _NotConverged("The penalised IRLS of the MRP model did not converge (the fixed "
                        "effects may not be identified, e.g. perfect separation of the outcome "
                        "by a numeric covariate).")


class _Laplace:
    """D(θ, β) = −2 log p(y | ũ) + ‖ũ‖² + log det(Λ'Z'WZΛ + I) and its exact gradient.

    The conditional modes ũ are kept between calls as the next call's start. Gradient: ũ is a
    stationary point of the first two terms, so they differentiate at fixed ũ; the log-determinant
    also moves through W(η̃) with η̃ = Xβ + ZΛũ(θ, β), dũ from the implicit function theorem.
    """

    def __init__(self, cells: _Cells, u0: np.ndarray):
        self.c = cells
        self.u = u0
        self.const = -2.0 * (gammaln(cells.trials + 1) - gammaln(cells.total + 1)
                             - gammaln(cells.trials - cells.total + 1)).sum()
        self.n_terms = int(cells.term_of.max()) + 1
        self.failures = 0

    def __call__(self, par: np.ndarray, *, gradient: bool = True):
        c = self.c
        theta, beta = par[: self.n_terms], par[self.n_terms:]
        lam = theta[c.term_of]
        A = c.Z @ sp.diags(lam)
        offset = c.X @ beta
        q = A.shape[1]
        try:
            u = _binomial_newton(c.total, c.trials, offset, A, np.ones(q), self.u)
        except _NotConverged:
            # an extreme trial point of the optimiser: tell it to step back (the last good
            # modes stay the next start)
            self.failures += 1
            return (np.inf, np.zeros_like(par)) if gradient else np.inf
        self.u = u
        eta = offset + A @ u
        p = expit(eta)
        w = c.trials * p * (1.0 - p)
        M = _crossprod(c.Z, w)                       # Z'WZ
        H = lam[:, None] * M * lam[None, :] + np.eye(q)
        L = linalg.cho_factor(H, lower=True)
        loglik = (c.total * -np.logaddexp(0.0, -eta)
                  + (c.trials - c.total) * -np.logaddexp(0.0, eta)).sum()
        dev = self.const - 2.0 * loglik + u @ u + 2.0 * np.log(np.diag(L[0])).sum()
        if not gradient:
            return dev
        Hinv = linalg.cho_solve(L, np.eye(q))
        resid = c.total - c.trials * p
        r = c.Z.T @ resid                                   # Z'(y − μ)
        h = np.asarray(A.multiply(A @ Hinv).sum(axis=1)).ravel()   # diag(ZΛ H⁻¹ ΛZ')
        g = w * (1.0 - 2.0 * p) * h                         # ∂ log det H / ∂η
        Ztg = c.Z.T @ g
        v = Hinv @ (lam * Ztg)                              # H⁻¹ ΛZ'g
        t = (M * lam[None, :] * Hinv).sum(axis=1)           # diag(Z'WZ Λ H⁻¹)
        s = -2.0 * r * u + 2.0 * t + Ztg * u + v * r - (M @ (lam * v)) * u
        d_theta = np.bincount(c.term_of, weights=s, minlength=self.n_terms)
        d_beta = -2.0 * c.X.T @ resid + c.X.T @ g - c.X.T @ (w * (A @ v))
        return dev, np.concatenate([d_theta, d_beta])

    def precision(self, par: np.ndarray) -> np.ndarray:
        """The penalised Hessian of (u, β) at the mode: the inverse of their covariance."""
        c = self.c
        lam = par[: self.n_terms][c.term_of]
        self(par, gradient=False)
        eta = c.X @ par[self.n_terms:] + (c.Z @ sp.diags(lam)) @ self.u
        p = expit(eta)
        MX = sp.hstack([c.Z @ sp.diags(lam), sp.csr_matrix(c.X)]).tocsr()
        pen = np.concatenate([np.ones(lam.size), np.zeros(c.X.shape[1])])
        return _crossprod(MX, c.trials * p * (1.0 - p)) + np.diag(pen)


def _fit_glmm(cells: _Cells):
    """Laplace ML fit of the binomial GLMM, with glmer's kind of fallbacks.

    1. Start values: the joint penalised fit of (u, β) at θ = 1 (glmer's nAGQ = 0 step at its
       start θ); where that fit fails (quasi-separation), β = (logit of the overall share, 0, ...)
       and u = 0.
    2. L-BFGS-B with the exact gradient (:func:`_minimise_even`).
    3. If it does not converge, or trial points on its way had no conditional modes: a
       derivative-free search (Powell's method, in the spirit of glmer's bobyqa/Nelder-Mead
       fallbacks) from the best point found, then L-BFGS-B again from there; the better
       optimum is kept. ``optimizer`` says which path gave the estimates.
    """
    n_terms = int(cells.term_of.max()) + 1
    q, k = cells.Z.shape[1], cells.X.shape[1]
    MX = sp.hstack([cells.Z, sp.csr_matrix(cells.X)]).tocsr()
    pen = np.concatenate([np.ones(q), np.zeros(k)])
    try:
        start = _binomial_newton(cells.total, cells.trials, np.zeros(cells.n), MX, pen,
                                 np.zeros(q + k))
    except _NotConverged:
        share = np.clip(cells.total.sum() / cells.trials.sum(), 1e-6, 1 - 1e-6)
        start = np.zeros(q + k)
        start[q] = np.log(share) - np.log1p(-share)
    laplace = _Laplace(cells, start[:q])
    x0 = np.concatenate([np.ones(n_terms), start[q:]])
    par, dev, converged = _minimise_even(laplace, x0, n_terms, jac=True)
    optimizer = "L-BFGS-B"
    if not converged or laplace.failures or not np.isfinite(dev):
        best = par if np.isfinite(dev) else x0
        res = optimize.minimize(lambda z: laplace(z, gradient=False), best, method="Powell",
                                options={"maxiter": 20_000, "xtol": 1e-8, "ftol": 1e-12})
        par2, dev2, converged2 = _minimise_even(laplace, res.x, n_terms, jac=True)
        if np.isfinite(dev2) and (not np.isfinite(dev) or dev2 <= dev):
            par, dev, converged = par2, dev2, converged2
            optimizer = "Powell, then L-BFGS-B"
    if not np.isfinite(dev):
        raise ValueError("The MRP model could not be fitted: the penalised IRLS found no "
                         "conditional modes (the outcome may be perfectly separated by a "
                         "covariate, e.g. all 0 or all 1 within a numeric covariate's range). "
                         "Leave out the covariate that separates it.")
    laplace(par, gradient=False)  # leaves the conditional modes at the estimates
    theta, beta = par[:n_terms], par[n_terms:]
    return theta, beta, laplace.u, -dev / 2.0, laplace.precision(par), converged, optimizer


def _identified(design: _Design, cells: _Cells) -> None:
    """Refuse numeric covariates whose effects the complete survey rows cannot identify (a
    constant column, or one collinear with others): the fixed-effect part of the model would
    be singular (numpy's "leading minor not positive definite" deep inside the fit)."""
    X = cells.X
    if np.linalg.matrix_rank(X) == X.shape[1]:
        return
    bad, rank = [], 1
    for j in range(1, X.shape[1]):
        r = np.linalg.matrix_rank(X[:, : j + 1])
        if r == rank:
            bad.append(design.slopes[j - 1])
        rank = r
    raise ValueError(f"The numeric covariate(s) {bad} are constant, or collinear with the "
                     f"intercept and the other numeric covariates, in the {cells.n_obs} complete "
                     "survey rows (e.g. an area-level covariate in a survey of very few areas), "
                     "so their effects cannot be estimated: leave them out of `covariates`, or "
                     "use a larger survey.")


def _upper_cholesky(prec: np.ndarray) -> np.ndarray:
    """Upper Cholesky factor of the posterior precision; a ridge of at most 1e-8 of its
    largest diagonal absorbs rounding, beyond that the posterior is degenerate: an error."""
    try:
        return linalg.cholesky(prec)
    except linalg.LinAlgError:
        scale = float(np.max(np.abs(np.diag(prec))))
        for k in (-14, -12, -10, -8):
            try:
                return linalg.cholesky(prec + scale * 10.0 ** k * np.eye(len(prec)))
            except linalg.LinAlgError:
                continue
    raise ValueError("The approximate posterior of the MRP model's effects is degenerate (its "
                     "precision matrix is singular), so no intervals can be drawn: the survey "
                     "is too small for the model. Use fewer covariates.")


def _minimise_even(fun, x0: np.ndarray, n_terms: int, *, jac):
    """Minimise a deviance that is even in each of its first ``n_terms`` arguments (the θ_k).

    Flipping the sign of θ_k and of the u of factor k leaves the model unchanged, so θ_k can
    be optimised over the whole line and |θ_k| reported: a zero SD is then reached without a
    bound. (With a bound at 0, where the gradient in θ_k is always 0, L-BFGS-B projects onto
    0 and stays there even where 0 is a maximum along θ_k.) A θ_k that ends at 0 is checked by
    restarting from θ_k = 0.1 and keeping the better optimum.
    """
    opts = {"maxiter": 3000, "ftol": 1e-15, "gtol": 1e-8}

    def run(x):
        res = optimize.minimize(fun, x, jac=jac, method="L-BFGS-B", options=opts)
        x = res.x.copy()
        x[:n_terms] = np.abs(x[:n_terms])
        return x, float(res.fun)

    x, f = run(x0)
    at_zero = x[:n_terms] < 1e-3
    if at_zero.any():
        again = x.copy()
        again[:n_terms][at_zero] = 0.1
        x2, f2 = run(again)
        if f2 < f:
            x, f = x2, f2
    # converged: gradient small relative to the deviance
    grad = fun(x)[1] if jac is True else optimize.approx_fprime(x, fun, 1e-7)
    return x, f, bool(np.isfinite(f) and np.max(np.abs(grad)) < 1e-4 * (1.0 + abs(f)))


# -- the linear mixed model by maximum likelihood ------------------------------------------------

class _Profiled:
    """The ML deviance of the linear mixed model with β, u and σ² profiled out (lme4's lmer)."""

    def __init__(self, cells: _Cells):
        self.c = cells
        self.ybar = cells.total / cells.trials
        self.N = float(cells.trials.sum())
        self.n_terms = int(cells.term_of.max()) + 1

    def solve(self, theta: np.ndarray):
        """(u, β), the penalised RSS r², log det(Λ'Z'WZΛ + I) and the penalised normal matrix."""
        c, w = self.c, self.c.trials
        lam = theta[c.term_of]
        MX = sp.hstack([c.Z @ sp.diags(lam), sp.csr_matrix(c.X)]).tocsr()
        q = lam.size
        pen = np.concatenate([np.ones(q), np.zeros(c.X.shape[1])])
        J = _crossprod(MX, w) + np.diag(pen)
        try:
            chol = linalg.cho_factor(J)
        except linalg.LinAlgError as err:
            raise ValueError("The fixed effects of the MRP model are not identified: the "
                             "numeric covariates are collinear in the complete survey rows.") \
                from err
        par = linalg.cho_solve(chol, MX.T @ (w * self.ybar))
        fitted = MX @ par
        rss = c.within_ss + (w * (self.ybar - fitted) ** 2).sum() + par[:q] @ par[:q]
        Lz = linalg.cholesky(J[:q, :q], lower=True)
        logdet = 2.0 * np.log(np.diag(Lz)).sum()
        return par, rss, logdet, J

    def __call__(self, theta: np.ndarray) -> float:
        _, rss, logdet, _ = self.solve(theta)
        return logdet + self.N * (1.0 + np.log(2.0 * np.pi * rss / self.N))


def _fit_lmm(cells: _Cells):
    prof = _Profiled(cells)
    theta, dev, converged = _minimise_even(prof, np.ones(prof.n_terms), prof.n_terms,
                                           jac="3-point")
    par, rss, _, J = prof.solve(theta)
    sigma = np.sqrt(rss / prof.N)
    q = cells.Z.shape[1]
    # posterior of (u, β) given θ̂, σ̂: N(mode, σ̂² J⁻¹), so the precision is J / σ̂²
    return (theta, par[q:], par[:q], -dev / 2.0, J / sigma**2, converged, sigma)
