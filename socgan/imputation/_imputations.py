"""The result of ``socgan.impute``: m completed datasets and what to do with them."""

from __future__ import annotations

import warnings
from typing import Callable

import numpy as np
import pandas as pd

from .._checks import as_real

_MODELS = ("ols", "wls", "logit", "glm")

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


_UNSET = object()


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

    def __init__(self, data: pd.DataFrame, datasets: list, loss_history=_UNSET,
                 options: dict | None = None, *, diagnostics: dict | None = None):
        if not isinstance(data, pd.DataFrame):
            raise TypeError(f"`data` must be a pandas DataFrame, got {type(data).__name__}.")
        if not isinstance(datasets, (list, tuple)) or not all(
                isinstance(d, pd.DataFrame) for d in datasets):
            raise TypeError("`datasets` must be a list of completed DataFrames.")
        if options is not None and not isinstance(options, dict):
            raise TypeError(f"`options` must be a dict, got {type(options).__name__}.")
        if diagnostics is not None and not isinstance(diagnostics, dict):
            raise TypeError(f"`diagnostics` must be a dict, got {type(diagnostics).__name__}.")
        self.data = data
        self.datasets = list(datasets)
        self.options = {} if options is None else options
        self.diagnostics = {} if diagnostics is None else dict(diagnostics)
        if loss_history is not _UNSET:
            warnings.warn("Imputations(loss_history=...) is deprecated: GAIN's losses are "
                          "diagnostics, pass diagnostics={'loss_history': ...}.",
                          FutureWarning, stacklevel=2)
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

    def __repr__(self) -> str:
        miss = self.where.sum()
        miss = miss[miss > 0]
        cells = ", ".join(f"{k}: {v}" for k, v in miss.items()) or "none"
        return (f"<Imputations: m={self.m}, {len(self.data)} rows x {self.data.shape[1]} columns; "
                f"imputed cells per column: {cells}>")

    def long(self, *, include: bool = True) -> pd.DataFrame:
        """All datasets stacked in mice's long format.

        Columns ``.imp`` (0 = the original data with its missing values, then 1..m) and ``.id``
        (the input's index values; 1..n if the index has duplicates or several levels) come first, then the data columns; rows are ordered by
        ``.imp``. This is what ``mice::complete(imp, "long", include = TRUE)`` returns and what
        ``mice::as.mids()`` accepts.
        """
        clash = [c for c in (".imp", ".id") if c in self.data.columns]
        if clash:
            raise ValueError(f"The data have columns named {clash}, which mice's long format "
                             "reserves; rename them before calling long().")
        index = self.data.index
        # as.mids() makes .id the row names: they must be unique scalars, else 1..n as in R.
        ids = (np.asarray(index) if index.is_unique and index.nlevels == 1
               else np.arange(1, len(index) + 1))
        frames = ([self.data] if include else []) + list(self.datasets)
        start = 0 if include else 1
        parts = []
        for k, df in enumerate(frames, start=start):
            part = df.reset_index(drop=True)
            part.insert(0, ".id", ids)
            part.insert(0, ".imp", k)
            parts.append(part)
        return pd.concat(parts, ignore_index=True)

    # -- analysis -----------------------------------------------------------------------------
    def fit(self, formula: str, model: str = "ols", *, conf_level: float = 0.95,
            fit_options: dict | None = None, **kwargs):
        """Fit a statsmodels formula model on every completed dataset and pool with Rubin's rules.

        Parameters
        ----------
        formula
            A statsmodels/patsy formula, e.g. ``"Y ~ X * Bin"``. Like statsmodels, patsy
            evaluates the terms of a formula as Python code (``I(...)``, function calls), so
            never pass a formula from an untrusted source.
        model
            ``"ols"`` (``smf.ols``), ``"wls"`` (``smf.wls``; pass ``weights=`` as a column name or
            array), ``"logit"`` (``smf.logit``) or ``"glm"`` (``smf.glm``; pass ``family=`` and,
            for survey weights, ``freq_weights=`` or ``var_weights=``).
        conf_level
            Level of the pooled confidence intervals.
        fit_options
            Keyword arguments for the model's ``.fit()`` (e.g. ``{"cov_type": "HC1"}``); a
            name the model's ``.fit()`` does not use is an error (statsmodels would ignore it).
        **kwargs
            Keyword arguments for the model constructor (e.g. ``family=``). A string value
            that names a column (e.g. ``weights="wt"``) is taken from each completed dataset.

        Returns
        -------
        socgan.pooling.Pooled
            The pooled result of :func:`socgan.pool` (``.table``, ``.summary()``), with the
            complete-data degrees of freedom taken from each fit's residual degrees of freedom,
            as ``mice::pool`` does.

        Notes
        -----
        Categories that occur in no completed dataset are dropped before fitting, as R's
        ``lm`` drops unused factor levels, so they do not become terms that cannot be
        estimated. A design that is singular in some imputation (collinear terms, perfect
        separation in a logit) is an error naming the imputation.
        """
        import statsmodels.formula.api as smf

        if not isinstance(formula, str):
            raise TypeError(f"`formula` must be a string such as 'y ~ x1 + x2', got "
                            f"{type(formula).__name__}.")
        if model not in _MODELS:
            raise ValueError(f"`model` must be one of {_MODELS}, got {model!r}.")
        constructor = {"ols": smf.ols, "wls": smf.wls, "logit": smf.logit, "glm": smf.glm}[model]
        if model == "ols" and "weights" in kwargs:
            raise ValueError("statsmodels' OLS ignores `weights`; use model='wls' (or 'glm' with "
                             "freq_weights/var_weights).")
        if fit_options is not None and not isinstance(fit_options, dict):
            raise TypeError(f"`fit_options` must be a dict of keyword arguments for .fit(), got "
                            f"{type(fit_options).__name__}.")
        opts = dict(fit_options or {})
        unknown = sorted(str(k) for k in opts if k not in _FIT_OPTIONS[model])
        if unknown:
            raise ValueError(f"`fit_options` has name(s) that {model!r}'s .fit() does not use: "
                             f"{unknown}; known: {sorted(_FIT_OPTIONS[model])}.")
        if model == "logit":
            opts.setdefault("disp", 0)
        unused = _unused_categories(self.datasets)

        def one(df: pd.DataFrame):
            for col, levels in unused.items():
                df[col] = df[col].cat.remove_categories(levels)
            kw = {k: (df[v] if isinstance(v, str) and v in df.columns else v)
                  for k, v in kwargs.items()}
            try:
                return constructor(formula, data=df, **kw).fit(**opts)
            except np.linalg.LinAlgError as exc:
                raise ValueError(
                    f"The {model} model {formula!r} cannot be fitted to an imputed dataset: its "
                    f"design is singular ({exc}). Look for collinear or constant terms, or (for "
                    "a logit) a term that predicts the outcome perfectly.") from None

        return self.analyze(one, conf_level=conf_level)

    def analyze(self, func: Callable, *, conf_level: float = 0.95, dfcom: float | None = None):
        """Apply ``func`` to every completed dataset and pool its estimates (mice's ``with`` + ``pool``).

        ``func(df)`` must return either a fitted statsmodels results object (``params``,
        ``cov_params()`` and ``df_resid`` are used), or a tuple ``(estimates, covariance)`` or
        ``(estimates, covariance, dfcom)`` where ``estimates`` is a Series (or 1-d array) and
        ``covariance`` a matrix or a vector of variances. Returns the
        :class:`~socgan.pooling.Pooled` result of :func:`socgan.pool`.
        """
        from ..pooling import pool

        conf_level = as_real(conf_level, "conf_level")
        if not callable(func):
            raise TypeError(f"`func` must be a function of one completed dataset, got "
                            f"{type(func).__name__}.")
        estimates, variances, dfcoms = [], [], []
        for ell, df in enumerate(self.datasets, start=1):
            res = func(df.copy())
            if hasattr(res, "params") and hasattr(res, "cov_params"):
                est = pd.Series(res.params)
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
            estimates.append(est)
            variances.append(pd.Series(var, index=est.index))
            dfcoms.append(dfc)
        if dfcom is None and all(d is not None for d in dfcoms):
            dfcom = float(min(dfcoms))
        return pool(estimates, variances, dfcom=dfcom, conf_level=conf_level)

    # -- plots ---------------------------------------------------------------------------------
    def plot(self, columns: list | None = None, *, path=None):
        """Observed against imputed distributions of each imputed column (a matplotlib Figure).

        Numeric columns: kernel densities of the observed values and of the imputed values of
        all m datasets (as in mice's ``densityplot``); discrete columns: the share of each level
        among observed and among imputed values. Imputed values should look like observed ones
        only where the data are missing completely at random; under MAR they may differ.
        """
        from ._plot import plot_densities

        return plot_densities(self, columns=columns, path=path)

    def plot_losses(self, *, path=None):
        """GAIN's training losses per epoch, one line per imputation model (a matplotlib Figure)."""
        from ._plot import plot_losses

        if "loss_history" not in self.diagnostics:
            made = self.options.get("method")
            raise ValueError("No training losses to plot: only GAIN records them"
                             + (f"; these imputations were made by method {made!r}." if made
                                else "."))
        return plot_losses(self.diagnostics["loss_history"], path=path)
