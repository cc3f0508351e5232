"""socgan results for R users, and R's imputation methods for socgan's tests and benchmarks.

* :func:`as_mids` and :func:`save_rds` hand socgan's imputations to R as a mice ``mids``
  object, so that ``with()``, ``pool()`` and ``complete()`` work on them unchanged.
* :func:`run_mice` and :func:`run_amelia` run the reference R implementations (van Buuren &
  Groothuis-Oudshoorn 2011, mice; Honaker, King & Blackwell 2011, Amelia II) on a DataFrame and
  return completed DataFrames with the input's index and dtypes, to compare socgan against.
* :func:`run_glmer_mrp` fits MRP's multilevel regression with ``lme4::glmer`` (Bates et al.
  2015) — the model and cells of socgan's MRP baseline — and poststratifies it in R.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from .._params import (Count, FilePath, Flag, Frame, Optional, Rule, Seed, Text, Unchecked,
                       validate_params)
from ._convert import from_r, to_r
from ._session import r_session

# mice imputes factors, not character or logical columns (it skips the first and returns the
# second as 0/1 numbers), so both cross as factors and are turned back afterwards.
_R_HELPERS = r"""
list(
  # as.mids() runs mice(maxit = 0) to set the object up; its "Number of logged events"
  # warning is about that set-up, not about the imputations
  as_mids = function(long) withCallingHandlers(
    mice::as.mids(long, .imp = ".imp", .id = ".id"),
    warning = function(w) if (grepl("logged events", conditionMessage(w), fixed = TRUE))
      invokeRestart("muffleWarning")),
  as_factors = function(d) {
    for (v in names(d)) if (is.character(d[[v]]) || is.logical(d[[v]])) d[[v]] <- factor(d[[v]])
    d
  },
  run_mice = function(d, m, maxit, seed, method) {
    args <- list(d, m = m, maxit = maxit, seed = seed, printFlag = FALSE)
    if (!is.null(method)) args$method <- method
    imp <- do.call(mice::mice, args)
    lapply(seq_len(m), function(i) mice::complete(imp, i))
  },
  run_amelia = function(d, m, noms, ords, seed) {
    if (!is.na(seed)) set.seed(seed)
    a <- Amelia::amelia(d, m = m, noms = noms, ords = ords, p2s = 0)
    if (a$code != 1 || length(a$imputations) < m ||
        !all(vapply(a$imputations, is.data.frame, logical(1))))
      stop(sprintf("Amelia did not finish (code %s): %s", a$code,
                   paste(unlist(a$message), collapse = " ")))
    unname(a$imputations[seq_len(m)])
  },
  glmer_mrp = function(data, census, formula, binary) {
    notes <- character(0)
    keep <- function(cond) {  # glmer's "boundary (singular) fit" and convergence notes
      notes <<- c(notes, conditionMessage(cond))
      invokeRestart(if (inherits(cond, "warning")) "muffleWarning" else "muffleMessage")
    }
    fit <- withCallingHandlers(
      if (binary) lme4::glmer(stats::as.formula(formula), data = data,
                              family = stats::binomial, nAGQ = 1L)
      else lme4::lmer(stats::as.formula(formula), data = data, REML = FALSE),
      warning = keep, message = keep)
    vc <- as.data.frame(lme4::VarCorr(fit))
    # areas and levels without respondents get a zero random effect, as in socgan
    p <- stats::predict(fit, newdata = census, type = "response", allow.new.levels = TRUE)
    est <- tapply(p * census$n_, census$g0, sum) / tapply(census$n_, census$g0, sum)
    list(fixed = lme4::fixef(fit), sd = stats::setNames(vc$sdcor, vc$grp),
         area = names(est), estimate = as.numeric(est),
         loglik = as.numeric(stats::logLik(fit)), notes = notes)
  }
)
"""


def _helpers(ro):
    global _HELPERS_CACHE
    if _HELPERS_CACHE is None:
        _HELPERS_CACHE = ro.r(_R_HELPERS)
    return _HELPERS_CACHE


_HELPERS_CACHE = None


def _imputations_or_long(value, name: str):
    if not (callable(getattr(value, "long", None)) or isinstance(value, pd.DataFrame)):
        raise TypeError(f"`{name}` must be an Imputations or a long-format DataFrame, got "
                        f"{type(value).__name__}.")
    return value


def _savable(value, name: str):
    if not (isinstance(value, pd.DataFrame) or callable(getattr(value, "long", None))
            or (isinstance(value, (list, tuple))
                and all(isinstance(x, pd.DataFrame) for x in value))
            or _is_r_object(value)):
        raise TypeError(f"`{name}` must be a DataFrame, an Imputations, a list of DataFrames or "
                        f"an rpy2 R object, got {type(value).__name__}.")
    return value


@validate_params({"imputations": Rule(_imputations_or_long,
                                      "an Imputations or a long-format DataFrame")})
def as_mids(imputations):
    """socgan's imputations as an R ``mids`` object (mice), built with ``mice::as.mids``.

    Parameters
    ----------
    imputations
        An :class:`~socgan.imputation.Imputations` (from :func:`socgan.impute`) or a DataFrame in
        mice's long format (``.imp`` 0..m with 0 the incomplete data, ``.id``, the data columns).

    Returns
    -------
    rpy2 object
        The ``mids``. Its data's row names are socgan's ``.id`` (the input's index); as in mice,
        ``complete(imp, "long", include = TRUE)`` numbers the rows 1..n in ``.id``. Save it for
        R users with :func:`save_rds`.
    """
    long = _long_format(imputations)
    ro, _ = r_session("mice")
    return _helpers(ro).rx2("as_mids")(to_r(long.reset_index(drop=True)))


@validate_params({"obj": Rule(_savable, "a DataFrame, an Imputations, a list of DataFrames or "
                                      "an rpy2 R object"), "path": FilePath()})
def save_rds(obj, path) -> Path:
    """Write ``obj`` to an ``.rds`` file for R users (read it in R with ``readRDS(path)``).

    ``obj`` may be a DataFrame (saved as a data.frame), an ``Imputations`` (saved as a mice
    ``mids``, see :func:`as_mids`), a list of DataFrames (an R list of data.frames) or any rpy2
    R object. Returns the path written.
    """
    ro, _ = r_session()
    if isinstance(obj, pd.DataFrame):
        robj = to_r(obj)
    elif hasattr(obj, "long") and callable(obj.long):
        robj = as_mids(obj)
    elif isinstance(obj, (list, tuple)) and all(isinstance(x, pd.DataFrame) for x in obj):
        robj = ro.r["list"](*[to_r(x) for x in obj])
    else:  # an rpy2 R object (the table's rule, _savable)
        robj = obj
    path = Path(os.fspath(path)).expanduser()
    ro.r["saveRDS"](robj, file=str(path))
    return path


_COLUMNS = Unchecked("None, or names of columns of `data` (checked with `data`)")


@validate_params({"data": Frame(), "m": Count(1), "seed": Seed(),
                  "method": Unchecked("None, a mice method name, or a dict column -> method "
                                      "(checked by mice)"),
                  "maxit": Count(1)}, positional=("m",))
def run_mice(data: pd.DataFrame, *, m: int = 5, seed: int | None = None,
             method: str | Mapping[str, str] | None = None, maxit: int = 5) -> list[pd.DataFrame]:
    """Impute ``data`` with R's ``mice::mice`` and return the m completed datasets.

    Parameters
    ----------
    data
        DataFrame with missing values. Categorical, string and bool columns are imputed as R
        factors (mice's ``logreg``/``polyreg``/``polr`` by default), numbers with ``pmm``.
    m
        Number of imputations.
    seed
        Passed to ``mice(seed = )``; ``None`` leaves R's random number generator as it is.
    method
        ``None`` for mice's defaults, one method name for every incomplete column (e.g.
        ``"cart"``), or a mapping column → method (others get mice's default).
    maxit
        Iterations of the chained equations.

    Returns
    -------
    list of pandas.DataFrame
        The completed datasets, with ``data``'s index, columns and dtypes.
    """
    ro, ri = r_session("mice")
    r_method = ri.NULL
    if isinstance(method, str):
        r_method = ro.StrVector([method])
    elif isinstance(method, Mapping):
        unknown = sorted(set(map(str, method)) - set(map(str, data.columns)))
        if unknown:
            raise ValueError(f"`method` names columns that `data` lacks: {unknown}.")
        _, r_method = _method_vector(ro, data, method)
    elif method is not None:
        raise TypeError(f"`method` must be None, a method name or a mapping column → method, "
                        f"got {type(method).__name__}.")
    h = _helpers(ro)
    d = h.rx2("as_factors")(to_r(data))
    completed = h.rx2("run_mice")(d, m, maxit, ri.NA_Integer if seed is None else seed, r_method)
    return [_like(data, from_r(c)) for c in completed]


@validate_params({"data": Frame(), "m": Count(1), "noms": _COLUMNS, "ords": _COLUMNS,
                  "seed": Seed()}, positional=("m",))
def run_amelia(data: pd.DataFrame, *, m: int = 5, noms=None, ords=None,
               seed: int | None = None) -> list[pd.DataFrame]:
    """Impute ``data`` with R's ``Amelia::amelia`` (EMB) and return the m completed datasets.

    Parameters
    ----------
    data
        DataFrame with missing values.
    m
        Number of imputations.
    noms
        Nominal columns. ``None`` takes every unordered categorical, string and bool column.
    ords
        Ordinal columns. ``None`` takes every ordered categorical column.
    seed
        Set with ``set.seed()`` before ``amelia()`` runs; ``None`` leaves R's generator alone.

    Returns
    -------
    list of pandas.DataFrame
        The completed datasets, with ``data``'s index, columns and dtypes, except that an
        integer column whose imputations are not whole numbers (Amelia imputes on a continuous
        scale) comes back as float64.
    """
    ro, ri = r_session("Amelia")
    noms = _columns_arg(data, noms, "noms", lambda s: (
        isinstance(s.dtype, pd.CategoricalDtype) and not s.dtype.ordered)
        or pd.api.types.is_bool_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)
        or s.dtype == object)
    ords = _columns_arg(data, ords, "ords", lambda s: (
        isinstance(s.dtype, pd.CategoricalDtype) and s.dtype.ordered))
    h = _helpers(ro)
    completed = h.rx2("run_amelia")(
        to_r(data), m, ro.StrVector(noms) if noms else ri.NULL,
        ro.StrVector(ords) if ords else ri.NULL, ri.NA_Integer if seed is None else seed)
    return [_like(data, from_r(c)) for c in completed]


@validate_params({"survey": Frame(min_rows=1), "census": Frame(min_rows=1),
                  "outcome": Text("a column name (a string)"),
                  "area": Text("a column name (a string)"),
                  "covariates": Unchecked("column names of both frames (checked with them)"),
                  "binary": Optional(Flag())})
def run_glmer_mrp(survey: pd.DataFrame, census: pd.DataFrame, *, outcome: str, area: str,
                  covariates: list[str], binary: bool | None = None) -> dict:
    """Fit MRP's multilevel regression with R's lme4 and poststratify it over ``census``.

    The reference for socgan's MRP baseline (``socgan.sae``): the same specification rules and
    data — complete survey rows, a random intercept for the area and every categorical
    covariate, fixed slopes for the numeric ones standardised with the census mean and SD, the
    survey aggregated to cells — fitted with ``lme4::glmer(cbind(y, n - y) ~ ..., family =
    binomial, nAGQ = 1)`` for a binary outcome or ``lme4::lmer(y ~ ..., REML = FALSE)`` on the
    complete rows for a continuous one, with lme4's default optimiser settings.

    Parameters
    ----------
    survey, census, outcome, area, covariates
        As for ``socgan.sae.estimate``: ``area`` and categorical covariates are Categoricals
        with the same categories in both frames.
    binary
        Logistic (True) or linear (False) model; ``None`` takes logistic when the outcome's
        observed values are all 0 or 1.

    Returns
    -------
    dict
        ``fixed`` (Series: ``"(Intercept)"`` and the numeric covariates, per census SD),
        ``sd`` (Series: random-intercept SDs by grouping factor, plus ``"Residual"`` for lmer),
        ``area_means`` (DataFrame ``area``, ``estimate``: ``predict(type = "response")`` on
        the complete census cells at the estimated modes, averaged with the cell counts, one
        row per area with census rows; NaN where none is complete), ``loglik`` (``logLik()``)
        and ``notes`` (lme4's warnings and messages, e.g. "boundary (singular) fit").
    """
    from ..sae._mrp import reference_frames

    if binary is None:
        y = pd.to_numeric(survey[outcome], errors="coerce").dropna()
        binary = bool(y.isin([0, 1]).all())
    data, cells, formula, names = reference_frames(
        survey, census, outcome=outcome, area=area, covariates=covariates, binary=binary)
    ro, _ = r_session("lme4")
    res = _helpers(ro).rx2("glmer_mrp")(to_r(data), to_r(cells), formula, bool(binary))

    def series(key, name):
        vec = res.rx2(key)
        return pd.Series([float(v) for v in vec],
                         index=[names.get(str(k), str(k)) for k in vec.names], name=name)

    estimate = dict(zip([str(a) for a in res.rx2("area")],
                        [float(v) for v in res.rx2("estimate")]))
    categories = census[area].cat.categories
    areas = categories[census[area].value_counts().reindex(categories).to_numpy() > 0]
    area_means = pd.DataFrame({
        "area": pd.Categorical(areas, dtype=census[area].dtype),
        "estimate": [estimate.get(str(a), float("nan")) for a in areas],
    })
    sd = series("sd", "sd")  # in socgan's order: the area, the categorical covariates, Residual
    sd = sd.reindex([*(n for n in names.values() if n in sd.index), *sd.index.drop(
        list(names.values()), errors="ignore")])
    return {"fixed": series("fixed", "fixed"), "sd": sd,
            "area_means": area_means, "loglik": float(res.rx2("loglik")[0]),
            "notes": [str(n) for n in res.rx2("notes")]}


# -- helpers ------------------------------------------------------------------------------------

def _long_format(imputations) -> pd.DataFrame:
    long = imputations.long() if callable(getattr(imputations, "long", None)) else imputations
    if not isinstance(long, pd.DataFrame):
        raise TypeError("`imputations` must be an Imputations or a long-format DataFrame, got "
                        f"{type(imputations).__name__}.")
    missing = [c for c in (".imp", ".id") if c not in long.columns]
    if missing:
        raise ValueError(f"The long format needs the columns .imp and .id; {missing} missing.")
    imps = long[".imp"]
    if imps.isna().any() or not (imps == 0).any():
        raise ValueError("`.imp` must be complete and hold 0 for the original, incomplete data.")
    if (imps.diff().dropna() < 0).any():
        raise ValueError("Rows of the long format must be ordered by `.imp`.")
    if imps.value_counts().nunique() != 1:
        raise ValueError("Every `.imp` block of the long format must have the same number of rows.")
    return long


def _columns_arg(data: pd.DataFrame, value, name: str, default) -> list[str]:
    if value is None:
        return [str(c) for c in data.columns if default(data[c])]
    cols = [value] if isinstance(value, str) else list(value)
    unknown = sorted(set(map(str, cols)) - set(map(str, data.columns)))
    if unknown:
        raise ValueError(f"`{name}` names columns that `data` lacks: {unknown}.")
    return [str(c) for c in cols]


def _method_vector(ro, data: pd.DataFrame, method: Mapping[str, str]):
    names = [str(c) for c in data.columns]
    given = {str(k): str(v) for k, v in method.items()}
    # mice wants a method for every column: mice's own defaults, with the mapping laid over them
    defaults = ro.r("function(d) mice::make.method(d)")(
        _helpers(ro).rx2("as_factors")(to_r(data)))
    values = [given.get(n, str(v)) for n, v in zip(names, defaults)]
    vec = ro.StrVector(values)
    vec.names = ro.StrVector(names)
    return names, vec


def _like(template: pd.DataFrame, completed: pd.DataFrame) -> pd.DataFrame:
    """``completed`` with the index, column labels and dtypes of ``template`` where possible."""
    out = {}
    for j, col in enumerate(template.columns):
        out[col] = _restore(template.iloc[:, j], completed.iloc[:, j])
    frame = pd.DataFrame(out, columns=template.columns)
    frame.index = template.index
    return frame


def _restore(original: pd.Series, values: pd.Series) -> pd.Series:
    dtype = original.dtype
    values = values.reset_index(drop=True)
    if isinstance(values.dtype, pd.CategoricalDtype) and not isinstance(dtype, pd.CategoricalDtype):
        # a string or bool column that crossed as a factor
        text = values.astype(object)
        if pd.api.types.is_bool_dtype(dtype):
            values = text.map({"TRUE": True, "FALSE": False}).astype("boolean")
        else:
            values = text
    if isinstance(dtype, pd.CategoricalDtype) and isinstance(values.dtype, pd.CategoricalDtype):
        if [str(c) for c in dtype.categories] == list(values.cat.categories):
            return pd.Series(pd.Categorical.from_codes(values.cat.codes, dtype=dtype))
        return values
    if pd.api.types.is_integer_dtype(dtype) and pd.api.types.is_float_dtype(values.dtype):
        observed = values.dropna()
        if not (observed == observed.round()).all():  # Amelia imputes integers continuously
            return values
    try:
        return values.astype(dtype)
    except (TypeError, ValueError):  # e.g. cells R left missing in an integer column
        return values


def _is_r_object(obj) -> bool:
    try:
        import rpy2.rinterface as ri
    except ImportError:
        return False
    return isinstance(obj, ri.Sexp)
