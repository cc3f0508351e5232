"""The result of ``socgan.impute``: m completed datasets and what to do with them."""

from __future__ import annotations

import difflib
import sys
import warnings
from collections.abc import Mapping
from typing import Callable

import numpy as np
import pandas as pd

from .._params import (PROBABILITY, Count, FilePath, Flag, Instance, OneOf, Optional, Rule, Text,
                       Unchecked, validate_params)

_MODELS = ("ols", "wls", "logit", "glm")


def _complete_action(value, name: str):
    """``complete()``'s ``action``: ``"long"``, ``"all"``, or a whole number >= 0."""
    if isinstance(value, str):
        if value not in ("long", "all"):
            raise ValueError(f"`{name}` must be a whole number (0 = the data), 'long' or 'all', "
                             f"got {value!r}.")
        return value
    return Count(0)(value, name)

# Keywords each model's ``.fit()`` uses. statsmodels passes unknown keywords on through
# ``**kwargs`` and ignores them, so a misspelt option (``cov_typ=``) would change nothing.
_OPTIMIZER_OPTIONS = {"tol", "ridge_factor", "xtol", "ftol", "gtol", "maxfun", "norm", "epsilon",
                      "m", "pgtol", "factr", "approx_grad", "bounds", "loglike_and_score",
                      "fhess_p", "avextol", "start_direc", "niter", "niter_success", "T",
                      "stepsize", "interval", "minimizer", "seed", "min_method", "constraints",
                      "options", "iprint", "extra_fit_funcs", "optim_hessian"}
_FIT_OPTIONS = {
    "ols": {"method", "cov_type", "cov_kwds", "use_t"},
    "wls": {"method", "cov_type", "cov_kwds", "use_t"},
    "logit": {"start_params", "method", "maxiter", "full_output", "disp", "callback", "retall",
              "skip_hessian", "cov_type", "cov_kwds", "use_t", "warn_convergence"}
    | _OPTIMIZER_OPTIONS,
    "glm": {"start_params", "maxiter", "method", "tol", "scale", "cov_type", "cov_kwds", "use_t",
            "full_output", "disp", "max_start_irls", "attach_wls", "atol", "rtol",
            "tol_criterion", "wls_method"} | _OPTIMIZER_OPTIONS,
}

# Keywords each model's constructor (statsmodels' from_formula and the model's __init__) uses.
_FORMULA_OPTIONS = {"subset", "drop_cols", "missing"}
_CONSTRUCTOR_OPTIONS = {
    "ols": _FORMULA_OPTIONS | {"hasconst"},
    "wls": _FORMULA_OPTIONS | {"weights", "hasconst"},
    "logit": _FORMULA_OPTIONS | {"offset", "check_rank"},
    "glm": _FORMULA_OPTIONS | {"family", "offset", "exposure", "freq_weights", "var_weights"},
}


def _function(value, name: str):
    if not callable(value):
        raise TypeError(f"`{name}` must be a function of one completed dataset, got "
                        f"{type(value).__name__}.")
    return value


def _formula_namespace() -> dict:
    """The names a formula of :meth:`Imputations.fit` may use besides the data's columns: the
    caller's (the first frame outside socgan: a function or value the user defined, as
    ``smf.ols`` would see it), over NumPy as ``np`` and R's names of the usual transformations
    (``log(income)`` as R users write it). socgan's own variables are never visible."""
    import patsy

    namespace = {"np": np, "log": np.log, "log2": np.log2, "log10": np.log10,
                 "log1p": np.log1p, "exp": np.exp, "sqrt": np.sqrt, "abs": np.abs,
                 "factor": patsy.builtins.C}  # R's factor(x) is patsy's C(x)
    frame = sys._getframe(1)
    while frame is not None and str(frame.f_globals.get("__name__", "")).split(".")[0] == "socgan":
        frame = frame.f_back
    if frame is not None:
        namespace.update(frame.f_globals)
        namespace.update(frame.f_locals)
    return namespace


# R's glm families by name (``family = "binomial"``, as R accepts a name too); the quasi
# families are R's: the same fit, with the dispersion estimated by Pearson's X² / df
_FAMILIES = {"gaussian": "Gaussian", "binomial": "Binomial", "poisson": "Poisson",
             "gamma": "Gamma", "inverse.gaussian": "InverseGaussian",
             "inverse_gaussian": "InverseGaussian", "quasibinomial": "Binomial",
             "quasipoisson": "Poisson"}


def _glm_family(value):
    """``options["family"]`` as a statsmodels family instance, and whether it is one of R's
    quasi families (dispersion estimated); a name, a family class or an instance."""
    import statsmodels.api as sm

    if value is None:
        return None, False
    if isinstance(value, str):
        key = value.strip().lower()
        if key not in _FAMILIES:
            raise ValueError(f"`options['family']` is {value!r}, which is not a family socgan "
                             f"knows by name; give one of {sorted(set(_FAMILIES))} or a statsmodels "
                             "family, e.g. sm.families.Binomial().")
        return getattr(sm.families, _FAMILIES[key])(), key.startswith("quasi")
    if isinstance(value, type) and issubclass(value, sm.families.Family):
        return value(), False  # the class for an instance: its default link, as R's `binomial`
    if not isinstance(value, sm.families.Family):
        raise TypeError(f"`options['family']` must be a statsmodels family (e.g. "
                        f"sm.families.Binomial()) or its name ('binomial'), got "
                        f"{type(value).__name__}.")
    return value, False


def _check_outcome(model, family, formula: str, ell: int) -> None:
    """R's checks of a GLM outcome against its family (``family$initialize``), which
    statsmodels does not make: a Poisson count below 0, a binomial proportion outside [0, 1],
    a Gamma or inverse Gaussian value that is not positive would be fitted silently."""
    y = np.asarray(model.endog, dtype=float)
    name = type(family).__name__
    if name in ("Poisson", "NegativeBinomial", "Tweedie"):
        bad, rule = y < 0, "negative values are not allowed for"
    elif name == "Binomial" and y.ndim == 1:
        bad, rule = (y < 0) | (y > 1), "values outside [0, 1] are not allowed for"
    elif name in ("Gamma", "InverseGaussian"):
        bad, rule = y <= 0, "values that are not positive are not allowed for"
    else:
        return
    if np.any(bad):
        lhs = formula.split("~")[0].strip()
        raise ValueError(f"The outcome {lhs!r} of {formula!r} has {int(np.sum(bad))} value(s) "
                         f"in imputed dataset {ell} for which the {name} family has no meaning "
                         f"({rule} the {name} family, as R's glm says). Choose another family, "
                         "or transform the outcome.")


_ROW_OPTIONS = ("weights", "var_weights", "freq_weights", "offset", "exposure")


def _row_values(kw: dict, n: int) -> None:
    """Check that every per-row option in ``kw`` (a column's values or an array) has one value
    per row of the data, naming the option otherwise (statsmodels' broadcasting error does not)."""
    for name in _ROW_OPTIONS:
        value = kw.get(name)
        if value is None or np.ndim(value) == 0:
            continue
        if np.shape(value) != (n,):
            raise ValueError(f"`options[{name!r}]` has {np.shape(value)[0] if np.ndim(value) else 1} "
                             f"value(s) but the data have {n} rows; give a column's name or one "
                             "value per row.")


def _subset(kw: dict, df: pd.DataFrame) -> pd.DataFrame:
    """``options["subset"]`` applied to the rows and to every per-row option alike (statsmodels
    applies it to the data only, so arrays of weights or offsets would no longer line up)."""
    subset = kw.pop("subset", None)
    if subset is None:
        return df
    if np.ndim(subset) == 1 and len(subset) == len(df) and np.asarray(subset).dtype == bool:
        pos = np.flatnonzero(np.asarray(subset))
    else:  # labels of the rows, as data.loc[subset]
        pos = pd.Series(np.arange(len(df)), index=df.index).loc[subset].to_numpy()
    for name in _ROW_OPTIONS:
        if kw.get(name) is not None and np.ndim(kw[name]) == 1:
            kw[name] = np.asarray(kw[name], dtype=float)[pos]
    return df.iloc[pos]


def _weights(kw: dict, df: pd.DataFrame, names: tuple) -> pd.DataFrame:
    """Check the weights in ``kw`` (one value per row), and leave out the rows of weight 0 and
    of a missing weight, as R's lm and glm do (a weight of 0 counts in neither the residual df
    nor the dispersion, a missing one drops the row as a missing value does; statsmodels counts
    the first and fails on the second); returns the rows kept (``kw`` is updated)."""
    for name in names:
        if kw.get(name) is None or np.ndim(kw[name]) == 0:
            continue
        w = pd.to_numeric(pd.Series(np.asarray(kw[name], dtype=object)), errors="coerce")
        w = w.to_numpy(dtype=float, na_value=np.nan)
        bad = np.isinf(w) | (w < 0)
        if bad.any():
            raise ValueError(f"`options[{name!r}]` has {int(bad.sum())} negative or infinite "
                             "weight(s); weights must be numbers >= 0 (R: \"missing or negative "
                             "weights not allowed\").")
        drop = np.isnan(w) | ((w == 0) & (name != "freq_weights"))
        if not (~drop & (w > 0)).any():
            raise ValueError(f"`options[{name!r}]` gives every row a weight of 0 (or none); "
                             "there is nothing to fit.")
        kw[name] = w
        if drop.any():
            keep = ~drop
            df = df.iloc[np.flatnonzero(keep)]
            for other in _ROW_OPTIONS:  # every weight given, and the offset, lose the same rows
                if kw.get(other) is not None and np.shape(kw[other]) == (len(keep),):
                    kw[other] = np.asarray(kw[other], dtype=float)[keep]
    return df


def _flat_params(res) -> pd.Series:
    """A results object's estimates as one Series in the order of ``cov_params()``: a model
    with several equations (a multinomial logit: one column of ``params`` per outcome level
    but the first; a VAR: one per series) gives "equation:term" names, as mice pools
    ``multinom`` by ``y.level``."""
    params = res.params
    if np.ndim(params) < 2:
        return pd.Series(params)
    if not isinstance(params, pd.DataFrame):
        params = pd.DataFrame(np.asarray(params))
    cov = res.cov_params()
    index = cov.index if isinstance(cov, pd.DataFrame) else None
    if isinstance(index, pd.MultiIndex) and index.nlevels == 2 and len(index) == params.size:
        cols = {str(c): c for c in params.columns}
        rows = {str(r): r for r in params.index}
        a, b = (list(map(str, index.get_level_values(k))) for k in (0, 1))
        if set(a) <= set(cols) and set(b) <= set(rows):  # (equation, term), as MNLogit
            pairs = list(zip(a, b))
        elif set(b) <= set(cols) and set(a) <= set(rows):  # (term, equation), as VAR
            pairs = list(zip(b, a))
        elif set(b) <= set(rows) and len(dict.fromkeys(a)) == params.shape[1]:
            # equations named otherwise than params' columns (MNLogit: the outcome's values
            # against columns 0, 1, ...), in the columns' order
            cols = {e: params.columns[k] for k, e in enumerate(dict.fromkeys(a))}
            pairs = list(zip(a, b))
        else:
            pairs = None
        if pairs is not None:
            return pd.Series([params.loc[rows[t], cols[e]] for e, t in pairs],
                             index=[f"{e}:{t}" for e, t in pairs], dtype=float)
    # no labelled covariance: statsmodels orders a multi-equation model's parameters
    # equation after equation (params' columns), as MNLogit's cov_params
    return pd.Series(params.to_numpy().T.ravel(),
                     index=[f"{c}:{r}" for c in params.columns for r in params.index])


def _refuse_caret(formula: str) -> None:
    """A ``^`` in a formula (outside quoted names) is Python's exclusive or, not R's power:
    ``I(age^2)`` of a whole-number age would fit age XOR 2 without a word."""
    import re

    bare = re.sub(r"'[^']*'|\"[^\"]*\"", "", formula)
    if "^" in bare:
        raise ValueError(
            f"{formula!r} has `^`, which in a Python formula is the exclusive or of whole numbers, "
            "not a power (I(age^2) of age 35 would be 33). Write I(x**2) for R's I(x^2), "
            "(a + b)**2 for R's (a + b)^2, and I(a != b) for an exclusive or.")


def _column_list(value, name: str):
    """None, one column name, or a list of them (which columns, is checked with the data)."""
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if np.ndim(value) != 1 or isinstance(value, (dict, set)):
        raise TypeError(f"`{name}` must be None, a column name or a list of column names, got "
                        f"{value!r} ({type(value).__name__}).")
    return list(value)


_PLOT_PATH = Optional(FilePath(file_object=True))


def _unused_categories(datasets: list[pd.DataFrame]) -> dict:
    """Categories of each categorical column that occur in no completed dataset."""
    out = {}
    for col in datasets[0].columns if datasets else []:
        dtype = datasets[0][col].dtype
        if isinstance(dtype, pd.CategoricalDtype):
            seen = np.zeros(len(dtype.categories), dtype=bool)
            for d in datasets:
                if not isinstance(d[col].dtype, pd.CategoricalDtype):
                    break
                codes = d[col].cat.codes.to_numpy()
                seen[codes[codes >= 0]] = True
            else:
                if not seen.all():
                    out[col] = list(dtype.categories[~seen])
    return out


def _binary_outcome(formula: str, df: pd.DataFrame) -> tuple[str, list] | None:
    """For a logit or binomial GLM: the outcome column named bare on the formula's left (or as
    ``Q("name")``) and its two levels, when it is a two-level categorical, string or boolean
    column (R's ``glm`` takes a factor outcome, its first level as 0 and the other as 1);
    ``None`` for any other outcome. A categorical, string or boolean outcome with more or
    fewer than two levels is an error naming it."""
    import re

    lhs = formula.split("~", 1)[0].strip()
    quoted = re.fullmatch(r"Q\(\s*(['\"])(.*)\1\s*\)", lhs)
    name = quoted.group(2) if quoted else lhs
    if name not in df.columns:
        return None
    col = df[name]
    if isinstance(col.dtype, pd.CategoricalDtype):
        levels = [lv for lv in col.cat.categories if (col == lv).any()]
    elif pd.api.types.is_bool_dtype(col.dtype):
        levels = [False, True]
    elif pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype):
        levels = sorted(col.dropna().unique().tolist(), key=str)
    else:
        values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        outside = values[np.isfinite(values) & ((values < 0) | (values > 1))]
        if outside.size:  # statsmodels would say only "endog must be in the unit interval"
            shown = ", ".join(f"{v:g}" for v in np.unique(outside)[:4])
            raise ValueError(
                f"The outcome {name!r} of a logit (or binomial GLM) must be 0/1 (a share in "
                f"[0, 1] for a binomial GLM) or a two-level factor; it takes values such as "
                f"{shown}. Model a two-level recode, e.g. 'I(({name} > {np.nanmedian(values):g}) "
                "* 1) ~ ...', or fit a linear model (method='ols').")
        return None
    if len(levels) != 2 and not pd.api.types.is_bool_dtype(col.dtype):
        raise ValueError(
            f"The outcome {name!r} of a logit must have two levels; it has {len(levels)} "
            f"({', '.join(repr(v) for v in levels[:6])}{', ...' if len(levels) > 6 else ''}). "
            f"Model one level against the rest, e.g. 'I(({name} == {levels[-1]!r}) * 1) ~ ...'.")
    return name, levels


_UNSET = object()


def _datasets(value, name: str):
    if not isinstance(value, (list, tuple)) or not all(isinstance(d, pd.DataFrame)
                                                       for d in value):
        raise TypeError(f"`{name}` must be a list of completed DataFrames.")
    return value


class Imputations:
    """m completed versions of a DataFrame, as made by :func:`socgan.impute`.

    Parameters
    ----------
    data
        The incomplete data (kept as given: a copy is the caller's to make).
    datasets
        The m completed DataFrames (same columns, index and dtypes as ``data``).
    options
        The settings used (method, seed, and the method's settings), keyword-only.
    diagnostics
        What the imputer recorded about its own work, by name, keyword-only; see below.
    loss_history
        Deprecated: GAIN's training losses, now ``diagnostics={"loss_history": ...}``.

    Attributes
    ----------
    data, datasets, options
        As given.
    diagnostics
        A dict of plain data that depends on the imputer. GAIN (:func:`socgan.impute`,
        :class:`socgan.GainImputer`): ``"loss_history"``, one row per imputation model and
        epoch with the discriminator loss, the generator's adversarial and reconstruction
        losses and the out-of-bag validation loss. Amelia-style EM
        (:func:`socgan.baselines.emb_impute`): ``"em_iterations"``, the EM iterations of
        each imputation's model. Imputations made elsewhere: empty.
    """

    @validate_params({"data": Instance(pd.DataFrame, what="a pandas DataFrame"),
                      "datasets": Rule(_datasets, "a list of completed DataFrames"),
                      "loss_history": Unchecked("deprecated: diagnostics={'loss_history': ...}"),
                      "options": Optional(Instance(dict, what="a dict")),
                      "diagnostics": Optional(Instance(dict, what="a dict"))},
                     positional=("loss_history", "options"))
    def __init__(self, data: pd.DataFrame, datasets: list, *, loss_history=_UNSET,
                 options: dict | None = None, diagnostics: dict | None = None):
        self.data = data
        self.datasets = list(datasets)
        self.options = {} if options is None else options
        self.diagnostics = {} if diagnostics is None else dict(diagnostics)
        if loss_history is not _UNSET:
            warnings.warn("Imputations(loss_history=...) is deprecated: GAIN's losses are "
                          "diagnostics, pass diagnostics={'loss_history': ...}.",
                          FutureWarning, stacklevel=3)  # past validate_params' wrapper
            if loss_history is not None and "loss_history" not in self.diagnostics:
                self.diagnostics["loss_history"] = loss_history

    @property
    def loss_history(self) -> pd.DataFrame:
        """Deprecated: GAIN's training losses, ``diagnostics["loss_history"]``."""
        if "loss_history" not in self.diagnostics:
            made = self.options.get("method")
            raise AttributeError(
                "These imputations have no loss history" + (f" (made by method {made!r})"
                                                            if made else "")
                + "; only GAIN records one. See .diagnostics for what the imputer recorded.")
        warnings.warn("Imputations.loss_history is deprecated: use "
                      ".diagnostics['loss_history'].", FutureWarning, stacklevel=2)
        return self.diagnostics["loss_history"]

    @property
    def m(self) -> int:
        """Number of imputations."""
        return len(self.datasets)

    @property
    def where(self) -> pd.DataFrame:
        """Boolean DataFrame: True where ``data`` was missing (mice's ``where``)."""
        return self.data.isna()

    @property
    def imputed(self) -> pd.DataFrame:
        """Boolean DataFrame: True where a value was imputed (in every completed dataset), i.e.
        ``where`` except the cells that stay missing: the columns kept out of the model
        (``idvars``), the cells that ``impute(where=)`` leaves missing (skip patterns), and
        derived cells whose formula has no value."""
        out = self.where
        kept = [c for c in self.options.get("idvars") or [] if c in out.columns]
        if kept:
            out.loc[:, kept] = False
        if self.datasets and out.to_numpy().any():
            # a value in every completed dataset (a derived cell whose formula has no value in
            # some, a division by an imputed 0, is not counted)
            filled = np.logical_and.reduce([d.notna().to_numpy() for d in self.datasets])
            out = out & pd.DataFrame(filled, index=out.index, columns=out.columns)
        return out

    def __repr__(self) -> str:
        miss = self.imputed.sum()
        miss = miss[miss > 0]
        cells = ", ".join(f"{k}: {v}" for k, v in miss.items()) or "none"
        return (f"<Imputations: m={self.m}, {len(self.data)} rows x {self.data.shape[1]} columns; "
                f"imputed cells per column: {cells}>")

    @validate_params({"include": Flag()})
    def long(self, *, include: bool = True) -> pd.DataFrame:
        """All datasets stacked in mice's long format.

        Columns ``.imp`` (0 = the original data with its missing values, then 1..m) and ``.id``
        come first, then the data columns; rows are ordered by ``.imp``. ``.id`` numbers the
        rows from 1, as mice (R's default row names) and ``socgan impute`` do, when the index is
        pandas' default 0..n-1 (positions, not labels); any other index (respondent ids, the
        labels of a subset) gives its values; an index with duplicates or several levels gives
        1..n. This is what ``mice::complete(imp, "long", include = TRUE)`` returns and what
        ``mice::as.mids()`` accepts.
        """
        clash = [c for c in (".imp", ".id") if c in self.data.columns]
        if clash:
            raise ValueError(f"The data have columns named {clash}, which mice's long format "
                             "reserves; rename them before calling long().")
        index = self.data.index
        # as.mids() makes .id the row names: unique scalars, counted from 1 as R counts rows.
        labelled = (index.is_unique and index.nlevels == 1
                    and not index.equals(pd.RangeIndex(len(index))))
        ids = np.asarray(index) if labelled else np.arange(1, len(index) + 1)
        frames = ([self.data] if include else []) + list(self.datasets)
        start = 0 if include else 1
        parts = []
        for k, df in enumerate(frames, start=start):
            part = df.reset_index(drop=True)
            part.insert(0, ".id", ids)
            part.insert(0, ".imp", k)
            parts.append(part)
        return pd.concat(parts, ignore_index=True)

    @validate_params({"action": Rule(_complete_action, "a whole number 0..m, 'long' or 'all'"),
                      "include": Flag()})
    def complete(self, action=1, *, include: bool = False):
        """mice's ``complete(imp, action, include)``.

        ``action`` k = 1..m: the k-th completed dataset (a copy; R's ``1`` and Python's ``1``
        both work); 0: the data with their missing values. ``"long"``: the datasets stacked in
        mice's long format (:meth:`long`; as in mice, only ``.imp`` 1..m unless ``include``).
        ``"all"``: the list of the m completed datasets (``include``: the data first).
        """
        if action == "long":
            return self.long(include=include)
        if action == "all":
            return [d.copy() for d in ([self.data] if include else []) + list(self.datasets)]
        k = action
        if k > self.m:
            raise ValueError(f"`action` must be at most m = {self.m} (or 'long' / 'all'), got "
                             f"{k}.")
        return (self.data if k == 0 else self.datasets[k - 1]).copy()

    # -- analysis -----------------------------------------------------------------------------
    @validate_params({"formula": Text("a string such as 'y ~ x1 + x2'"),
                      "method": OneOf(*_MODELS), "conf_level": PROBABILITY,
                      "options": Optional(Instance(Mapping, what="a dict of the model's settings "
                                                                 "by name"))},
                     positional=("method",), renamed={"model": "method", "fit_options": "options"})
    def fit(self, formula: str, *, method: str = "ols", conf_level: float = 0.95,
            options: dict | None = None, **kwargs):
        """Fit a statsmodels formula model on every completed dataset and pool with Rubin's rules.

        Parameters
        ----------
        formula
            A statsmodels/patsy formula, e.g. ``"Y ~ X * Bin"``. Like statsmodels, patsy
            evaluates the terms of a formula as Python code (``I(...)``, function calls), so
            never pass a formula from an untrusted source.
        method
            ``"ols"`` (``smf.ols``), ``"wls"`` (``smf.wls``; give ``weights`` in ``options``,
            as a column name or array), ``"logit"`` (``smf.logit``) or ``"glm"`` (``smf.glm``;
            give ``family`` in ``options`` -- a statsmodels family, or R's name of one:
            ``"binomial"``, ``"poisson"``, ``"Gamma"``, ``"quasipoisson"`` (R's quasi families
            estimate the dispersion by Pearson's X² / df) -- and, for survey weights, ``var_weights``, which
            is R's ``glm(weights = )``; ``freq_weights`` are counts of identical rows, whose
            scale changes the standard errors and degrees of freedom, so weights that are not
            whole numbers there get a warning). Formerly ``model=`` (deprecated).
        conf_level
            Level of the pooled confidence intervals.
        options
            The model's settings, in one dict: names the model's ``.fit()`` uses go there (e.g.
            ``{"cov_type": "HC1"}``, or ``{"method": "newton"}`` for statsmodels' optimiser),
            the others to the model's constructor (e.g. ``{"family": sm.families.Binomial()}``);
            a string value of a constructor setting that names a column (``{"weights": "wt"}``)
            is taken from each completed dataset. (``fit_options=`` and constructor keywords
            given directly still work, with a FutureWarning.)

        Returns
        -------
        socgan.pooling.Pooled
            The pooled result of :func:`socgan.pool` (``.table``, ``.summary()``), with the
            complete-data degrees of freedom taken from the first fit's residual degrees of
            freedom, as ``mice::pool`` does (rows of weight 0 do not count, as in R).

        Notes
        -----
        Categories that occur in no completed dataset are dropped before fitting, as R's
        ``lm`` drops unused factor levels, so they do not become terms that cannot be
        estimated. The outcome of a logit (or a binomial GLM) may be a two-level categorical,
        string or boolean column, named bare on the formula's left: as in R's ``glm``, its
        first level (categories in order; strings sorted) is 0 and the other 1. A design that
        is singular in some imputation (collinear terms), and a logit or GLM whose fit does
        not converge in some imputation (typically perfect or quasi-complete separation: a
        term that predicts the outcome), is an error naming the imputation. A GLM's outcome
        outside its family's range (a negative Poisson count) is refused, as R's ``glm`` does.

        A formula's names are the data's columns, then the caller's variables and functions
        (as ``smf.ols`` would see them), then ``np`` and R's ``log()``, ``exp()``, ``sqrt()``
        and ``factor()``. An ordered categorical enters with treatment contrasts (patsy's
        default, as in statsmodels), not with R's polynomial ``contr.poly``: write
        ``C(x, Poly)`` for R's ``x.L``, ``x.Q`` terms.
        """
        given = dict(options or {})
        if kwargs:
            warnings.warn(f"Give the model's settings {sorted(kwargs)} to Imputations.fit() in "
                          f"`options` (options={{{', '.join(f'{k!r}: ...' for k in kwargs)}}}); "
                          "as keywords they are deprecated and will stop working.",
                          FutureWarning, stacklevel=3)
            given = {**kwargs, **given}
        return self.analyze(self._fitter(formula, method, given), conf_level=conf_level)

    def _fitter(self, formula: str, model: str, given: dict) -> Callable:
        """The function that fits ``formula`` (statsmodels ``model`` with the settings
        ``given``) to one completed dataset, imputation after imputation (it counts them for its
        messages): :meth:`fit`'s work, shared with :meth:`wald_test` and :meth:`r_squared`."""
        import statsmodels.formula.api as smf

        # .fit() takes the names it uses; the constructor the rest (as statsmodels splits them)
        opts = {k: v for k, v in given.items() if k in _FIT_OPTIONS[model]}
        kwargs = {k: v for k, v in given.items() if k not in _FIT_OPTIONS[model]}
        constructor = {"ols": smf.ols, "wls": smf.wls, "logit": smf.logit, "glm": smf.glm}[model]
        if model == "ols" and "weights" in kwargs:
            raise ValueError("statsmodels' OLS ignores `weights`; use method='wls' (or 'glm' with "
                             "freq_weights/var_weights).")
        known = _CONSTRUCTOR_OPTIONS[model] | _FIT_OPTIONS[model]
        unknown = sorted(str(k) for k in given if k not in known)
        if unknown:
            raise ValueError(f"`options` has name(s) that the {model!r} model does not use: "
                             f"{unknown}; known: {sorted(known)}.")
        columns = [str(c) for c in self.datasets[0].columns] if self.datasets else []
        for name in ("weights", "freq_weights", "var_weights", "offset", "exposure"):
            value = kwargs.get(name)
            if isinstance(value, str) and value not in columns:
                close = ([c for c in columns if c.lower() == value.lower()]
                         or difflib.get_close_matches(value, columns, n=1))
                hint = f" Did you mean {close[0]!r}?" if close else ""
                raise ValueError(f"`options[{name!r}]` is {value!r}, which is not a column of the "
                                 f"data.{hint} Give a column's name or an array of one value per row.")
        if model == "wls" and kwargs.get("weights") is None:
            warnings.warn("method='wls' without `weights` in `options` fits unweighted OLS; give "
                          "the survey weights as options={'weights': 'column'}.", UserWarning,
                          stacklevel=4)
        if model == "logit":
            opts.setdefault("disp", 0)
        family = None
        if model == "glm":
            family, quasi = _glm_family(kwargs.get("family"))
            if family is not None:
                kwargs["family"] = family
            if quasi:  # R's quasipoisson / quasibinomial: the dispersion from Pearson's X²
                opts.setdefault("scale", "X2")
        _refuse_caret(formula)
        namespace = _formula_namespace()
        unused = _unused_categories(self.datasets)
        binomial = model == "logit" or (
            model == "glm" and type(kwargs.get("family")).__name__ == "Binomial")
        outcome = _binary_outcome(formula, self.datasets[0]) if binomial and self.datasets else None
        count = iter(range(1, len(self.datasets) + 1))

        def one(df: pd.DataFrame):
            ell = next(count)
            for col in df.columns:  # cells left missing (`where`, idvars) in nullable columns:
                s = df[col]  # patsy drops rows with NaN, and fails on pandas' NA
                if (pd.api.types.is_extension_array_dtype(s.dtype)
                        and pd.api.types.is_numeric_dtype(s.dtype)
                        and not pd.api.types.is_bool_dtype(s.dtype) and s.isna().any()):
                    df[col] = s.astype("float64")
            for col, levels in unused.items():
                # set_categories keeps the levels' order, so the first (R's reference level)
                # stays first; pandas 3.1's remove_categories sorts unordered levels
                gone = set(levels)
                df[col] = df[col].cat.set_categories(
                    [c for c in df[col].cat.categories if c not in gone])
            if outcome is not None:  # R's glm: the first level is 0, the other 1
                name, levels = outcome
                df[name] = (df[name] == levels[1]).astype(float)
            kw = {k: (df[v] if isinstance(v, str) and v in df.columns else v)
                  for k, v in kwargs.items()}
            if ell == 1 and kw.get("freq_weights") is not None:
                fw = np.asarray(kw["freq_weights"], dtype=float)
                if np.any(fw != np.round(fw)):
                    warnings.warn(
                        "`freq_weights` that are not whole numbers: statsmodels counts each row "
                        "as that many identical rows, so the standard errors and the complete-"
                        "data df depend on the weights' scale (weights summing to the population "
                        "give intervals of almost no width). Survey weights are `var_weights` "
                        "(R's glm(weights = )) or method='wls'.", UserWarning, stacklevel=6)
            _row_values(kw, len(df))
            df = _subset(kw, df)
            # R's lm and glm leave rows of weight 0 out of the residual df (and so of sigma
            # and the dispersion); statsmodels counts them: fitted without them, the two agree
            df = _weights(kw, df, ("weights", "var_weights", "freq_weights"))
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                try:
                    fitted = constructor(formula, data=df, eval_env=namespace, **kw)
                    if family is not None:
                        _check_outcome(fitted, family, formula, ell)
                    res = fitted.fit(**opts)
                except np.linalg.LinAlgError as exc:
                    raise ValueError(
                        f"The {model} model {formula!r} cannot be fitted to imputed dataset {ell}: "
                        f"its design is singular ({exc}). Look for collinear or constant terms, or "
                        "(for a logit) a term that predicts the outcome perfectly.") from None
                except ValueError as exc:
                    if "multiple columns" not in str(exc):
                        raise
                    raise ValueError(
                        f"The left side of {formula!r} evaluates to several columns (a "
                        "categorical or boolean expression, which patsy turns into one column per "
                        "level). Name a two-level column bare on the left ('vote ~ x'), or make "
                        "it a number: 'I((vote == \"yes\") * 1) ~ x'.") from None
            exog = np.asarray(res.model.exog, dtype=float)
            if exog.shape[1] and np.linalg.matrix_rank(exog) < exog.shape[1]:
                # statsmodels' OLS/WLS/GLM solve a rank-deficient design by a pseudo-inverse:
                # coefficients and standard errors of no meaning, with a warning at most
                raise ValueError(
                    f"The {model} model {formula!r} cannot be fitted to imputed dataset {ell}: "
                    f"its design is singular (rank {np.linalg.matrix_rank(exog)} for "
                    f"{exog.shape[1]} terms). Look for collinear or constant terms (R's lm "
                    "would report NA for the aliased ones).")
            converged = (res.mle_retvals.get("converged", True) if model == "logit"
                         else getattr(res, "converged", True) if model == "glm" else True)
            if not converged:
                raise ValueError(
                    f"The {model} model {formula!r} did not converge on imputed dataset {ell} "
                    f"(largest |coefficient| {float(np.max(np.abs(res.params))):.3g}): most often "
                    "perfect or quasi-complete separation, a term that predicts the outcome "
                    "(almost) perfectly, whose coefficient and standard error are then not "
                    "estimable. Drop or merge that term, or give the optimiser more iterations "
                    "(options={'maxiter': ...}) if the data are not separated.")
            for w in caught:  # a converged fit: its warnings reach the caller as they were
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            return res

        return one

    @validate_params({"formula": Text("a string such as 'y ~ x1 + x2'"),
                      "null": Optional(Text("a string such as 'y ~ x1'")),
                      "test": OneOf("D1", "D2"), "method": OneOf(*_MODELS),
                      "options": Optional(Instance(Mapping, what="a dict of the model's settings "
                                                                 "by name")),
                      "dfcom": Unchecked("None or a positive number (inf: large-sample df)")})
    def wald_test(self, formula: str, null: str | None = None, *, test: str = "D1",
                  method: str = "ols", options: dict | None = None, dfcom: float | None = None):
        """Test a model against a smaller one nested in it, pooling over the imputations:
        mice's ``D1(fit1, fit0)`` (or ``D2``), i.e. ``anova(fit1, fit0)`` on ``mira`` objects.

        Both formulas are fitted (as :meth:`fit` fits them) to every completed dataset; the
        parameters of ``formula`` that ``null`` lacks are tested jointly against 0 with the
        multivariate Wald test D1 of Li, Raghunathan & Rubin (1991), with the small-sample
        degrees of freedom of Reiter (2007) from the fits' residual degrees of freedom, as
        ``mice::D1`` computes them (through ``mitml::testModels``); ``test="D2"`` combines the
        imputations' Wald chi-squares instead (Li, Meng, Raghunathan & Rubin 1991). The typical
        use: does a categorical predictor with several levels matter,
        ``imp.wald_test("income ~ age + region", "income ~ age")``. ``null=None`` tests every
        parameter of ``formula`` but the intercept against 0, i.e. against the intercept-only
        model (as ``D1(fit1)``). Both formulas must model the same outcome; a term that cannot
        be estimated in some imputation (collinear terms) is an error naming the imputation.

        Returns a :class:`socgan.pooling.WaldTest` (``.statistic``, ``.df1``, ``.df2``,
        ``.p_value``, ``.riv``; ``.table`` as ``summary(D1(fit1, fit0))$comparisons``).
        Pooled tests lean on the tested parameters' fractions of missing information being
        alike, and B is noisy with few imputations: use m >= 20 when the p-value matters.

        ``dfcom``: the complete-data degrees of freedom of D1's small-sample df (mice's
        ``D1(dfcom = )``); ``None`` (default) takes the first fit's residual df, as mice does;
        ``inf`` uses the large-sample df of Li, Raghunathan & Rubin (1991), which also works
        where the small-sample formula has no meaning (fewer than 4 = k(m - 1)). At exactly
        k(m - 1) = 4 (one parameter at the default m = 5) Reiter's formula degenerates to
        df2 = 4 whatever the data, as in mice, so the test is very conservative there: for one
        parameter the pooled t-test of :meth:`fit` is the better test, or use m >= 6.
        """
        from ..pooling import pool_wald

        given = dict(options or {})
        one = self._fitter(formula, method, given)
        fits = [one(df.copy()) for df in self.datasets]
        names = list(pd.Series(fits[0].params).index)
        terms = [n for n in names if n != "Intercept"]  # null=None: the intercept-only model
        if not terms:
            raise ValueError(f"{formula!r} has no term besides the intercept; there is nothing "
                             "to test.")
        if null is not None:
            lhs = [f.split("~")[0].replace(" ", "") for f in (formula, null)]
            if lhs[0] != lhs[1]:
                raise ValueError(f"The null model {null!r} models another outcome than "
                                 f"{formula!r} ({lhs[1]!r}, not {lhs[0]!r}); a test compares "
                                 "two models of the same outcome.")
            zero = self._fitter(null, method, given)
            smaller = [one_fit for one_fit in (zero(df.copy()) for df in self.datasets)]
            kept = set(pd.Series(smaller[0].params).index)
            if not kept <= set(names):
                raise ValueError(f"The null model {null!r} has terms that {formula!r} lacks "
                                 f"({sorted(map(str, kept - set(names)))[:5]}); the null model "
                                 "must be nested in the model (a subset of its terms).")
            terms = [n for n in names if n not in kept]
            if not terms:
                raise ValueError(f"{formula!r} and {null!r} have the same terms; there is "
                                 "nothing to test.")
        if dfcom is not None:
            if test != "D1":
                raise ValueError("`dfcom` applies to test='D1' (D2 has no small-sample df).")
            if isinstance(dfcom, bool) or not isinstance(dfcom, (int, float, np.integer,
                                                                np.floating)):
                raise TypeError(f"`dfcom` must be None or a positive number (inf: the large-"
                                f"sample df), got {dfcom!r} ({type(dfcom).__name__}).")
            if not dfcom > 0:
                raise ValueError(f"`dfcom` must be a positive number, got {dfcom!r}.")
        if dfcom is None:
            dfcom = getattr(fits[0], "df_resid", None) if test == "D1" else None
            dfcom = None if dfcom is None else max(float(dfcom), 1.0)
        elif dfcom == np.inf:
            dfcom = None  # pool_wald's large-sample df
        return pool_wald([pd.Series(f.params) for f in fits],
                         [pd.DataFrame(f.cov_params()) for f in fits], terms=terms,
                         dfcom=dfcom, method=test)

    @validate_params({"formula": Text("a string such as 'y ~ x1 + x2'"), "adjusted": Flag(),
                      "options": Optional(Instance(Mapping, what="a dict of the model's settings "
                                                                 "by name"))})
    def r_squared(self, formula: str, *, adjusted: bool = False, options: dict | None = None):
        """The pooled R² (or adjusted R²) of a linear regression: ``mice::pool.r.squared``.

        ``formula`` is fitted by OLS (WLS with ``options={"weights": ...}``, as a weighted
        ``lm``) to every completed dataset; each √R² is Fisher-transformed,
        pooled by Rubin's rules and transformed back (Harel 2009). Returns a one-row DataFrame
        with mice's columns ``est``, ``lo 95``, ``hi 95``, ``fmi`` (the interval is mice's:
        ``tanh(z̄ ± 1.96 √T)²``).
        """
        from ..pooling import pool_r_squared

        given = dict(options or {})
        one = self._fitter(formula, "wls" if "weights" in given else "ols", given)
        fits = [one(df.copy()) for df in self.datasets]
        r2 = []
        for f in fits:
            if "Intercept" in pd.Series(f.params).index:
                r2.append(f.rsquared_adj if adjusted else f.rsquared)
            else:  # R's summary.lm: without an intercept, R² is uncentred (statsmodels would
                # centre it when the terms span a constant, e.g. all levels of a factor)
                value = 1 - f.ssr / f.uncentered_tss
                r2.append(1 - (1 - value) * f.nobs / f.df_resid if adjusted else value)
        out = pool_r_squared(r2, [f.nobs for f in fits])
        out.index = ["adj R^2" if adjusted else "R^2"]
        return out

    @validate_params({"func": Rule(_function, "a function of one completed dataset"),
                      "conf_level": PROBABILITY,
                      "dfcom": Unchecked("None or the complete-data degrees of freedom (checked "
                                         "by socgan.pool)")})
    def analyze(self, func: Callable, *, conf_level: float = 0.95, dfcom: float | None = None):
        """Apply ``func`` to every completed dataset and pool its estimates (mice's ``with`` + ``pool``).

        ``func(df)`` must return either a fitted statsmodels results object (``params``,
        ``cov_params()`` and ``df_resid`` are used), or a tuple ``(estimates, covariance)`` or
        ``(estimates, covariance, dfcom)`` where ``estimates`` is a Series (or 1-d array) and
        ``covariance`` a matrix or a vector of variances. A model with several equations (a
        multinomial logit) gives one estimate per equation and term, named "equation:term".
        ``dfcom=None`` takes the complete-data df from the first imputation's result (its
        ``df_resid``, or the tuple's third element), as mice's ``pool`` takes
        ``df.residual`` of the first fit. Returns the :class:`~socgan.pooling.Pooled` result of
        :func:`socgan.pool`.
        """
        from ..pooling import pool

        estimates, variances, dfcoms = [], [], []
        for ell, df in enumerate(self.datasets, start=1):
            res = func(df.copy())
            if hasattr(res, "params") and hasattr(res, "cov_params"):
                est = _flat_params(res)
                var = np.diag(np.asarray(res.cov_params()))
                dfc = getattr(res, "df_resid", None)
            elif isinstance(res, tuple) and len(res) in (2, 3):
                est = res[0] if isinstance(res[0], pd.Series) else pd.Series(np.ravel(res[0]))
                cov = np.asarray(res[1], dtype=float)
                var = np.diag(cov) if cov.ndim == 2 else cov
                dfc = res[2] if len(res) == 3 else None
            else:
                raise TypeError(
                    "`func` must return a statsmodels results object or a tuple "
                    f"(estimates, covariance[, dfcom]); got {type(res).__name__}."
                )
            var = np.ravel(np.asarray(var, dtype=float))
            if len(var) != len(est):
                raise ValueError(f"`func` returned {len(est)} estimate(s) but {len(var)} "
                                 f"variance(s) for imputation {ell}; they must match, one "
                                 "variance (or a covariance row) per estimate.")
            bad = [str(t) for t, e, v in zip(est.index, np.asarray(est, dtype=float), var)
                   if not (np.isfinite(e) and np.isfinite(v))]
            if bad:
                raise ValueError(
                    f"`func` gave a non-finite estimate or variance for {', '.join(map(repr, bad))} "
                    f"in imputed dataset {ell} (`.complete({ell})`): look at that dataset, e.g. for "
                    "a log of an imputed 0 or a level with no rows there.")
            estimates.append(est)
            variances.append(pd.Series(var, index=est.index))
            dfcoms.append(dfc)
        if dfcom is None and dfcoms[0] is not None:
            dfcom = float(dfcoms[0])  # the first fit's residual df, as mice::pool takes it
        return pool(estimates, variances, dfcom=dfcom, conf_level=conf_level)

    # -- plots ---------------------------------------------------------------------------------
    @validate_params({"columns": Rule(_column_list, "None or a list of column names"),
                      "path": _PLOT_PATH})
    def plot(self, columns: list | None = None, *, path=None):
        """Observed against imputed distributions of each imputed column (a matplotlib Figure).

        Numeric columns: kernel densities of the observed values and of the imputed values of
        all m datasets (as in mice's ``densityplot``); discrete columns: the share of each level
        among observed and among imputed values. Imputed values should look like observed ones
        only where the data are missing completely at random; under MAR they may differ.
        """
        from ._plot import plot_densities

        return plot_densities(self, columns=columns, path=path)

    @validate_params({"path": _PLOT_PATH})
    def plot_losses(self, *, path=None):
        """GAIN's training losses per epoch, one line per imputation model (a matplotlib Figure).

        Lower is better. The losses are negative log-likelihoods averaged over the columns (a
        numeric column's is Gaussian, and the out-of-bag loss scores it by 0.5 * log of its mean
        squared error on the standardised scale), so values below 0 are usual for well-predicted
        columns, and each model's level differs because each is scored on its own out-of-bag
        rows. Read the shapes: the training loss falls and flattens; an out-of-bag loss that
        rises clearly toward the end says the model fits its own rows better than others (common
        on small data, whose imputations are then too narrow)."""
        from ._plot import plot_losses

        if "loss_history" not in self.diagnostics:
            made = self.options.get("method")
            raise ValueError("No training losses to plot: only GAIN records them"
                             + (f"; these imputations were made by method {made!r}." if made
                                else "."))
        return plot_losses(self.diagnostics["loss_history"], path=path)
