"""``socgan.GainImputer``: fit the m GAIN imputation models once, impute new rows with them.

Survey programmes impute each new wave (or batch of responses) with the model of the last;
scikit-learn users expect ``fit``/``transform``. :class:`GainImputer` keeps what
:func:`socgan.imputation._fit.fit_gain` learns (the m bootstrap models, the encoder and each
model's donor residuals) and draws imputations for any rows of the same columns with
:func:`socgan.imputation._fit.draw_gain`. ``socgan.impute`` is ``GainImputer(...).fit_impute``.

Saved imputers are one safetensors file (Hugging Face's format: a JSON header and raw tensor
bytes, no pickle): the weights and donor residuals as tensors, the schema (columns, kinds,
levels, scaling), settings and a format version in the header's metadata. Loading executes
nothing from the file.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import get_args

import numpy as np
import pandas as pd
import torch
from pandas.api import types as pdt
from tqdm.auto import tqdm

from .._params import (PROBABILITY, Count, FilePath, Flag, Frame, OneOf, Optional, Real, Rule,
                       Seed, Unchecked, check_frame, check_idvars, check_params, validate_params)
from .._core.torch_state import Device
from .._core.encoding import ColumnSpec, Encoder, is_time, time_as_days
from . import _derived, _impute, _where
from ._fit import COLLAPSED, RETRY_LEARNING_RATE, FittedGain, borrowed, draw_gain
from .._core.gain import (GainModels, GainSettings, _Layout, _StackedMLP, training_steps,
                          unseen_levels)
from .._core.torch_state import resolve_device, search_threads, share_threads, single_threaded
from ._imputations import Imputations
from ._impute import (GAIN_CONSTRAINTS, WHERE, _LOSS_COLUMNS, _check_backend, _check_completion,
                      _check_n_jobs, _check_size, _complete, _concurrent_models)

FORMAT = "socgan.GainImputer"
FORMAT_VERSION = 1

_PARAMS = ("m", "seed", "progress", "epochs", "max_steps", "batch_size", "hint_rate", "alpha",
           "hidden", "learning_rate", "weight_decay", "adversarial", "bootstrap", "n_jobs",
           "backend", "device", "bounds", "idvars", "derived")


# GAIN's defaults are GainSettings' (socgan._core.defaults), written there only.
_GAIN = GainSettings()
_IGNORED = Unchecked("ignored (scikit-learn's signature)")


class NotFittedError(ValueError, AttributeError):
    """A :class:`GainImputer` was used before ``fit`` (as scikit-learn's ``NotFittedError``)."""


def _family(dtype) -> str:
    """What kind of values a column's dtype holds: which new columns can meet a fitted one."""
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pdt.is_bool_dtype(dtype):
        return "bool"
    if pdt.is_datetime64_any_dtype(dtype):  # any unit or time zone: read as days since 1970
        return "datetime"
    if pdt.is_timedelta64_dtype(dtype):
        return "timedelta"
    if pdt.is_numeric_dtype(dtype) and not pdt.is_complex_dtype(dtype):
        return "number"
    if pdt.is_object_dtype(dtype) or pdt.is_string_dtype(dtype):
        return "string"
    return str(dtype)


# Families whose values a fitted family can take in new data (strings and categoricals hold
# the same levels; object columns of booleans are binary).
_COMPATIBLE = {"number": {"number"}, "bool": {"bool", "string"}, "category": {"category", "string"},
               "string": {"category", "string", "bool"}}


def _plain(value):
    """A value as a JSON-representable Python scalar (levels, column names), or TypeError."""
    value = value.item() if isinstance(value, np.generic) else value
    if not isinstance(value, (str, bool, int, float)):
        raise TypeError(f"{value!r} ({type(value).__name__}) cannot be saved: column names and "
                        "levels must be strings, numbers or booleans.")
    return value


class GainImputer:
    """GAIN multiple imputation fitted once and applied to new data (scikit-learn conventions).

    ``fit`` trains the ``m`` imputation models of :func:`socgan.impute` (each on its own
    bootstrap resample, Honaker, King & Blackwell 2011; GAIN's generator, Yoon, Jordon & van der
    Schaar 2018; see :func:`socgan.impute` for every setting). ``impute`` then draws one
    imputation per model for rows of the same columns, a new wave for instance, so the
    imputations stay proper; ``transform`` returns one completed DataFrame for scikit-learn
    pipelines. Settings are stored as given and checked in ``fit``; what is learned ends in
    ``_``.

    Parameters
    ----------
    m, seed, progress, epochs, max_steps, batch_size, hint_rate, alpha, hidden, learning_rate,
    weight_decay, adversarial, bootstrap, n_jobs, backend, device, bounds, idvars, derived
        As in :func:`socgan.impute`; ``m`` is the number of models fitted. Columns in
        ``idvars`` are copied from new data as they are (missing values included); columns in
        ``derived`` are recomputed from the completed rows of new data where missing.

    Attributes
    ----------
    m_
        Number of fitted models (the most imputations ``impute`` can give).
    columns_, feature_names_in_, n_features_in_
        The columns of the fitted data (new data must have the same, in the same order).
    loss_history_
        Training diagnostics per model and epoch, as ``Imputations.diagnostics["loss_history"]``.
    options_
        Method, seed, fitting entropy and GAIN settings used.

    Notes
    -----
    ``GainImputer(seed=s, ...).fit_impute(data)`` is ``socgan.impute(data, seed=s, ...)``,
    bit for bit: each model draws with the random stream that drew its bootstrap sample.
    ``impute(new_data, seed=t)`` draws with streams from ``t``, so on the training data it
    gives other (equally valid) imputations. Values of new data outside the fitted range stay
    as observed and the networks see them standardised with the fitted mean and sd; imputed
    values stay inside the fitted range (or ``bounds``). Levels not seen in fitting are refused.

    scikit-learn's ``check_estimator`` is not run as a whole: its checks feed numpy arrays
    without missing values and compare numeric outputs, while this imputer takes and returns
    DataFrames whose columns carry types. The parameter and cloning checks that apply are run
    in ``tests/imputation/test_imputer.py``, with a pipeline on a DataFrame.

    Examples
    --------
    About 1 s on the project's shared 2-core machine (``epochs=5``, set low for the
    example; the default is 200):

    >>> import socgan
    >>> df = socgan.datasets.seed_experiment(300, seed=1)
    >>> imputer = socgan.GainImputer(m=2, seed=1, epochs=5, progress=False).fit(df.iloc[:200])
    >>> imp = imputer.impute(df.iloc[200:], seed=2)
    >>> imp.m, len(imp.datasets[0])
    (2, 100)
    """

    # scikit-learn's convention: the table is declared here and checked when fitting, so that
    # __init__ only stores its arguments (and set_params/clone work with any value).
    _parameter_constraints = GAIN_CONSTRAINTS

    @validate_params({}, positional=("m",), check=False)
    def __init__(self, *, m: int = 5, seed: int | None = None, progress: bool = True,
                 epochs: int = _GAIN.epochs, max_steps: int = _GAIN.max_steps,
                 batch_size: int = _GAIN.batch_size, hint_rate: float = _GAIN.hint_rate,
                 alpha: float = _GAIN.alpha, hidden: int | None = _GAIN.hidden,
                 learning_rate: float = _GAIN.learning_rate,
                 weight_decay: float = _GAIN.weight_decay,
                 adversarial: float = _GAIN.adversarial, bootstrap: bool = True, n_jobs: int = 1,
                 backend: str | None = None, device: str = "auto", bounds: dict | None = None,
                 idvars=None, derived=None):
        self.m = m
        self.seed = seed
        self.progress = progress
        self.epochs = epochs
        self.max_steps = max_steps
        self.batch_size = batch_size
        self.hint_rate = hint_rate
        self.alpha = alpha
        self.hidden = hidden
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.adversarial = adversarial
        self.bootstrap = bootstrap
        self.n_jobs = n_jobs
        self.backend = backend
        self.device = device
        self.bounds = bounds
        self.idvars = idvars
        self.derived = derived

    # -- scikit-learn's parameter protocol ------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict:
        return {name: getattr(self, name) for name in _PARAMS}

    def set_params(self, **params) -> "GainImputer":
        for name, value in params.items():
            if name not in _PARAMS:
                raise ValueError(f"GainImputer has no parameter {name!r}; valid are "
                                 f"{', '.join(_PARAMS)}.")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        default = GainImputer()
        changed = [f"{k}={v!r}" for k, v in self.get_params().items()
                   if v is not getattr(default, k) and v != getattr(default, k)]
        return f"GainImputer({', '.join(changed)})"

    def __sklearn_tags__(self):
        # Only called by scikit-learn (>= 1.6), which is then installed.
        from sklearn.utils import InputTags, Tags, TargetTags, TransformerTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False),
                    transformer_tags=TransformerTags(),
                    input_tags=InputTags(allow_nan=True, categorical=True, string=True))

    # -- fitting --------------------------------------------------------------------------------
    def _settings(self):
        """Every setting checked and cast (R's ``5`` arrives as ``5.0``)."""
        p = check_params(self._parameter_constraints, self.get_params(), where="GainImputer")
        # fit_gain and gain_settings are looked up in _impute, where socgan.impute has always
        # found them, so that patches there (tests, bench/dev/mar_mechanism.py) still apply.
        settings = _impute.gain_settings(epochs=p["epochs"], max_steps=p["max_steps"],
                                 batch_size=p["batch_size"], hint_rate=p["hint_rate"],
                                 alpha=p["alpha"], hidden=p["hidden"],
                                 learning_rate=p["learning_rate"],
                                 weight_decay=p["weight_decay"], adversarial=p["adversarial"])
        backend = _check_backend(p["backend"], p["n_jobs"])
        return p["m"], p["seed"], settings, p["n_jobs"], backend, resolve_device(p["device"])

    def _bounds(self) -> dict:
        """``bounds`` checked (``{column: (low, high)}``, no bound as ±inf; {} for none)."""
        return check_params({"bounds": self._parameter_constraints["bounds"]},
                            {"bounds": self.bounds})["bounds"] or {}

    def _idvars(self) -> list:
        """``idvars`` checked (a list of column names; [] for none)."""
        return check_params({"idvars": self._parameter_constraints["idvars"]},
                            {"idvars": self.idvars})["idvars"] or []

    def _derived_formulas(self) -> dict:
        """``derived`` checked (``{column: formula}``; {} for none)."""
        return check_params({"derived": self._parameter_constraints["derived"]},
                            {"derived": self.derived})["derived"] or {}

    def _fit(self, data: pd.DataFrame, stacklevel: int, impute_where=None):
        """Fit, keeping the encoded training data for ``fit_impute``; warnings point
        ``stacklevel`` frames up (at the user's call). ``data`` was checked by the caller's
        table (fit, fit_impute, socgan.impute); ``impute_where`` (``impute(where=)``) only tells
        the warnings which cells will be imputed."""
        m, seed, settings, n_jobs, backend, device = self._settings()
        if m == 1:  # as mice's pool() says "No pooling done" only after the analysis
            warnings.warn("m = 1 makes a single imputation: its analyses cannot be pooled by "
                          "Rubin's rules (`.fit()` needs m >= 2), and standard errors from one "
                          "completed dataset understate the uncertainty of the missing values. "
                          "Use m >= 2 (5 to 20 is usual) for inference.",
                          UserWarning, stacklevel=stacklevel)
        original = data.copy(deep=True)
        where = original.isna()
        fill = _where.cells(original, impute_where, stacklevel=stacklevel + 1)  # None: all missing
        bounds = self._bounds()
        # Columns in `idvars` (Amelia's) are carried along as they are, outside the networks.
        ids = _impute.idvar_positions(original, self._idvars(), bounds)
        # Derived columns (mice's passive imputation): modelled, recomputed where missing.
        derived = _derived.plan(original, self._derived_formulas(), self._idvars(), bounds,
                                stacklevel=stacklevel + 1)
        # Complete columns without variation (a survey wave, a one-level factor) carry no
        # information and need no imputation: they are carried along too.
        positions = [j for j in range(original.shape[1]) if j not in ids and (
                     where.iloc[:, j].any() or original.iloc[:, j].nunique(dropna=True) > 1)]
        enc = Encoder.fit(original.iloc[:, positions])
        _impute.apply_bounds(enc, bounds, original, positions)
        x, mask = enc.transform(original.iloc[:, positions])
        seeds = np.random.SeedSequence(seed)
        options = {"method": "gain", "bootstrap": bool(self.bootstrap), "seed": seed,
                   "entropy": seeds.entropy, **settings.__dict__, "device": device.type,
                   "bounds": bounds, "idvars": [original.columns[j] for j in ids],
                   "derived": _derived.describe(self._derived_formulas())}
        if where.to_numpy().any():
            _check_completion(original, where, enc, positions)
        _check_size(enc, len(original), settings, device, _concurrent_models(m, n_jobs, backend),
                    stacklevel=stacklevel + 1)
        empty = mask.sum(1) == 0
        if empty.any():
            warnings.warn(
                f"{int(empty.sum())} row(s) of `data` have every value missing (first at index "
                f"{original.index[np.flatnonzero(empty)[0]]!r}); they are not used for training "
                "and are imputed from the model's marginal distribution.", UserWarning,
                stacklevel=stacklevel)
        trainable = np.flatnonzero(~empty)
        skip = _skip(where, fill, positions)
        _warn_unseen(x[trainable], mask[trainable], enc, stacklevel + 1,
                     skip=None if skip is None else skip[trainable])
        _impute.warn_identifiers(original.iloc[:, positions], stacklevel + 1)
        _impute.warn_codes(original.iloc[:, positions], stacklevel + 1)
        _impute.warn_numbers_as_text(original.iloc[:, positions], stacklevel + 1)
        # derived columns (and, in overimpute's refit, those of the imputer it checks) are
        # recomputed from their formulas: a copy given there is no duplicate
        exempt = set(self._derived_formulas()) | getattr(self, "_derived_names", set())
        _impute.warn_duplicates(original.iloc[:, [j for j in positions
                                                  if original.columns[j] not in exempt]],
                                stacklevel + 1)
        children = seeds.spawn(m)
        common = (x, mask, enc, trainable, settings, bool(self.bootstrap), device)
        if n_jobs == 1:
            with single_threaded(), tqdm(total=training_steps(len(trainable), settings),
                                     disable=not self.progress, desc="GAIN imputation",
                                     unit="step") as bar:
                fitted = _impute.fit_gain(*common[:5], list(children), bootstrap=common[5],
                                  device=device, tick=bar.update)
        else:
            fitted = _fit_parallel(children, common, n_jobs, backend, self.progress)
        fitted = borrowed(fitted)
        _warn_collapsed(fitted, settings, stacklevel + 1)

        self.fitted_ = fitted
        self.encoder_ = enc
        self.positions_ = positions
        self.idvars_ = ids
        self.derived_ = derived
        self.columns_ = original.columns
        self.feature_names_in_ = np.asarray(original.columns, dtype=object)
        self.n_features_in_ = original.shape[1]
        self.families_ = [_family(t) for t in original.dtypes]
        self.m_ = m
        self.entropy_ = seeds.entropy
        self.device_ = device
        self.options_ = options
        self.loss_history_ = _loss_frame(fitted.history)
        return original, where, x, mask, fill, skip

    # (the decorator adds a frame: warnings point one frame further up, at the user's call)
    @validate_params({"data": Frame(), "y": _IGNORED})
    def fit(self, data: pd.DataFrame, y=None) -> "GainImputer":
        """Train the ``m`` imputation models on ``data`` (never modified); returns ``self``.
        ``y`` is ignored (scikit-learn's signature)."""
        self._fit(data, stacklevel=4)
        return self

    @validate_params({"data": Frame()})
    def fit_impute(self, data: pd.DataFrame) -> Imputations:
        """Fit on ``data`` and impute it: identical to ``socgan.impute(data, ...)`` with these
        settings (each model draws with the stream that drew its bootstrap sample)."""
        return self._fit_impute(data, stacklevel=5)

    def _fit_impute(self, data: pd.DataFrame, stacklevel: int,
                    impute_where=None) -> Imputations:
        # called by fit_impute and by socgan.impute: the user's call is 4 frames up from _fit
        original, where, x, mask, fill, skip = self._fit(data, stacklevel=stacklevel,
                                                         impute_where=impute_where)
        fitted = self.fitted_
        with single_threaded():
            draws = _per_model(lambda ell: draw_gain(fitted, x, mask, ell, skip=skip), fitted.k,
                               n_jobs=_check_n_jobs(self.n_jobs))
        options = dict(self.options_)
        if fill is not None:
            options["where"] = _where.describe(impute_where, where, fill)
        fill = where if fill is None else fill
        datasets = []
        for d in draws:  # a loop, not a comprehension: warnings point at the user's call
            done = _complete(original, fill, self.encoder_, d, self.positions_)
            datasets.append(_derived.apply(done, fill, self.derived_, stacklevel=stacklevel))
        return Imputations(data=original, datasets=datasets, options=options,
                           diagnostics={"loss_history": self.loss_history_})

    # -- imputing new data ---------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "fitted_"):
            raise NotFittedError("This GainImputer is not fitted yet; call `fit(data)` (or "
                                 "`GainImputer.load(path)`) first.")

    def _check_new(self, new_data, arg: str = "new_data") -> pd.DataFrame:
        """``new_data`` must have the fitted columns, in order, with compatible dtypes, levels
        seen in fitting and no missing value in columns carried outside the models."""
        check_frame(new_data, arg, min_rows=1)
        got, want = list(new_data.columns), list(self.columns_)
        if got != want:
            missing = [c for c in want if c not in got]
            extra = [c for c in got if c not in want]
            raise ValueError(
                f"`{arg}` must have the columns the imputer was fitted on, in the same order"
                + (f"; missing: {missing}" if missing else "")
                + (f"; not fitted: {extra}" if extra else "")
                + ("" if missing or extra else "; they are in another order: use "
                   f"{arg}[imputer.columns_]") + ".")
        ids = set(getattr(self, "idvars_", []))
        for pos, (name, family) in enumerate(zip(want, self.families_)):
            if pos in ids:  # copied as they are, whatever they hold
                continue
            col = new_data.iloc[:, pos]
            new_family = _family(col.dtype)
            if new_family not in _COMPATIBLE.get(family, {family}):
                raise TypeError(f"Column {name!r} was fitted as {family} data but has dtype "
                                f"{col.dtype} in `{arg}`; convert it as it was when fitted.")
        carried = set(range(len(want))) - set(self.positions_) - set(getattr(self, "idvars_", []))
        for pos in sorted(carried):
            n_missing = int(new_data.iloc[:, pos].isna().sum())
            if n_missing:
                raise ValueError(
                    f"Column {want[pos]!r} was complete with a single value when the imputer was "
                    f"fitted, so there is no model for it; it has {n_missing} missing value(s) in "
                    f"`{arg}`. Fill them, or fit on data where the column varies.")
        for j, pos in enumerate(self.positions_):
            _check_values(new_data.iloc[:, pos], self.encoder_.columns[j])
        return new_data.copy(deep=True)

    @validate_params({"new_data": Frame(min_rows=1), "m": Optional(Count(1)), "seed": Seed(),
                      "where": WHERE}, positional=("m",))
    def impute(self, new_data: pd.DataFrame, *, m: int | None = None,
               seed: int | None = None, where=None) -> Imputations:
        """Impute ``new_data`` (rows of the fitted columns) ``m`` times, imputation ``l`` with
        model ``l`` (so the imputations stay proper).

        Parameters
        ----------
        new_data
            Rows to impute (never modified); observed values are kept as they are.
        m
            Number of imputations, at most ``m_`` (default: ``m_``); whole-number floats are
            accepted.
        seed
            Seed of the draws; ``None`` draws fresh entropy, kept in ``.options["entropy"]``.
        where
            Which missing cells to impute (skip patterns), as in :func:`socgan.impute`.

        Returns
        -------
        Imputations
            Its ``.diagnostics["loss_history"]`` is that of the models used.
        """
        self._check_fitted()
        m = self.m_ if m is None else m
        if m > self.m_:
            raise ValueError(f"`m` = {m} imputations need {m} fitted models; this imputer has "
                             f"{self.m_}. Fit it with m={m} or more.")
        seeds = np.random.SeedSequence(seed)
        rngs = [np.random.default_rng(s) for s in seeds.spawn(m)]
        original, datasets = self._draw(new_data, rngs, impute_where=where, stacklevel=4)
        options = {**self.options_, "seed": seed, "entropy": seeds.entropy,
                   "fitted_entropy": self.entropy_}
        if where is not None:
            options["where"] = _where.describe(where, original.isna(),
                                               _where.cells(original, where))
        loss = self.loss_history_[self.loss_history_["imputation"] <= m].reset_index(drop=True)
        return Imputations(data=original, datasets=datasets, options=options,
                           diagnostics={"loss_history": loss})

    def _draw(self, new_data, rngs, name: str = "new_data", impute_where=None,
              stacklevel: int | None = None) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
        """A checked copy of ``new_data`` and its completions, completion ``l`` drawn by model
        ``l`` with ``rngs[l]``; warnings about ``impute_where`` point ``stacklevel`` frames up
        from here."""
        original = self._check_new(new_data, name)
        where = original.isna()
        fill = _where.cells(original, impute_where,
                            stacklevel=None if stacklevel is None else stacklevel + 1)
        skip = _skip(where, fill, self.positions_)
        drawn = where if fill is None else fill
        empty = [original.columns[pos] for pos in self.positions_
                 if len(original) > 1 and where.iloc[:, pos].all() and drawn.iloc[:, pos].any()]
        if empty:  # a user's trial: an item not asked in a new wave was imputed without a word
            warnings.warn(
                f"Column(s) {', '.join(map(repr, empty))} have no observed value in `{name}`: every "
                "value is drawn from the fitted models (their relation to the other columns in "
                "the fitted data). If the item was not asked in these rows, leave it out of their "
                "analyses.", UserWarning, stacklevel=4)
        sub = original.iloc[:, self.positions_]
        x, mask = self.encoder_.transform(sub)
        if where.to_numpy().any():
            _check_completion(original, where, self.encoder_, self.positions_)
        with single_threaded():
            draws = _per_model(lambda ell: draw_gain(self.fitted_, x, mask, ell, rngs[ell],
                                                     skip=skip),
                               len(rngs), n_jobs=_check_n_jobs(self.n_jobs))
        derived = getattr(self, "derived_", [])
        fill = where if fill is None else fill
        datasets = []
        for d in draws:  # a loop, not a comprehension: warnings point at the user's call
            done = _complete(original, fill, self.encoder_, d, self.positions_)
            datasets.append(_derived.apply(done, fill, derived, stacklevel=5))
        return original, datasets

    @validate_params({"data": Frame(),
                      "columns": Optional(Rule(check_idvars, "a column name or a list of them")),
                      "holdout": Real(0.0, 0.5, closed="right"), "max_cells": Optional(Count(1)),
                      "draws": Count(2, 10_000), "conf_level": PROBABILITY,
                      "progress": Optional(Flag())})
    def overimpute(self, data: pd.DataFrame, *, columns=None, holdout: float = 0.2,
                   max_cells: int | None = 1000, draws: int = 20, conf_level: float = 0.90,
                   progress: bool | None = None):
        """Does the imputation model fit ``data``? Amelia's ``overimpute``, on held-out values.

        A share ``holdout`` (at most ``max_cells``) of the observed values of each numeric
        column (``columns``; default every numeric column with missing values, except those in
        ``derived``, whose imputations are their formulas) is hidden, m models are fitted to the data with
        these settings (``seed`` included) as :meth:`fit` would, and each hidden value is drawn
        ``draws`` times by the models in turn, given the rest of its row. A prediction interval
        from the draws should cover the real value as often as a right model's does (the
        ``expected`` column; 0.905 for 20 draws at 0.90). Clearly less says the model misses
        something there (a relation, a tail, a subgroup); clearly more, that its imputations are
        more spread out than the data need, which widens the pooled intervals. Needs no fitted
        imputer (a fitted one is left as it is); ``data`` is never modified.

        The values are held out of the fit because a network predicts its own training rows too
        well, while a missing value is never among them. The fit sees a share ``holdout`` fewer
        values of each checked column than an imputation of ``data`` does, so the check is a
        little pessimistic. See :mod:`socgan.imputation._overimpute`.

        Parameters
        ----------
        data
            The data (as for :meth:`fit`).
        columns
            Numeric columns to check (a name or a list); default every numeric column with a
            missing value (all numeric columns if none has one).
        holdout
            Share of each checked column's observed values to hide, in (0, 0.5].
        max_cells
            At most this many hidden values per column (``None``: no limit).
        draws
            Draws per hidden value (whole-number floats accepted): more give steadier intervals.
            ``conf_level`` needs at least ``2 / (1 - conf_level) - 1`` (19 at 0.90).
        conf_level
            Level of the prediction intervals.
        progress
            Progress bars; default the imputer's ``progress``.

        Returns
        -------
        Overimputation
            ``.table`` (one row per hidden value: the real value, the draws' mean and interval,
            whether it covers), ``.coverage`` (per column: share covered beside the share a right
            model covers, the mean width, the RMSE and correlation of the means), ``.summary()``
            and ``.plot()``.
        """
        from .._runtime import isolating, run_in_worker
        from ._overimpute import overimpute

        options = {"columns": columns, "holdout": holdout, "max_cells": max_cells,
                   "draws": draws, "conf_level": conf_level,
                   "progress": self.progress if progress is None else progress}
        if isolating():  # inside R: the fit runs away from R's reference BLAS (socgan._runtime)
            return run_in_worker(overimpute, (self.get_params(), data), options)
        return overimpute(self.get_params(), data, **options)

    @validate_params({"X": Frame(min_rows=1)})
    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """One completed copy of ``X`` (model 1's draw), for scikit-learn pipelines. The same
        fitted imputer gives the same values for the same rows. For analyses use
        :meth:`impute`: a single imputation understates the variance."""
        self._check_fitted()
        stream = np.random.SeedSequence(self.entropy_).spawn(self.m_ + 1)[self.m_]
        return self._draw(X, [np.random.default_rng(stream)], "X")[1][0]

    @validate_params({"X": Frame(), "y": _IGNORED})
    def fit_transform(self, X: pd.DataFrame, y=None) -> pd.DataFrame:
        """``fit(X).transform(X)``."""
        return self.fit(X).transform(X)

    # -- saving -----------------------------------------------------------------------------------
    @validate_params({"path": FilePath()})
    def save(self, path) -> None:
        """Write the fitted imputer to ``path``: one safetensors file (weights and donor
        residuals as tensors; schema, settings and format version as JSON in its header).
        No pickle: :meth:`load` executes nothing from the file."""
        from safetensors.torch import save_file

        self._check_fitted()
        fitted = self.fitted_
        tensors = {f"generator.{i}": p.detach().cpu().contiguous()
                   for i, p in enumerate(fitted.models.generator.params)}
        for ell, pools in enumerate(fitted.residuals):
            for j, r in pools.items():
                tensors[f"residuals.{ell}.{j}"] = torch.from_numpy(np.ascontiguousarray(r))
        tensors["loss_history"] = torch.from_numpy(
            self.loss_history_[_LOSS_COLUMNS].to_numpy(dtype=np.float64).copy())
        params = self.get_params()
        for name, value in params.items():
            if name == "bounds":  # JSON keys are text: kept as [column, low, high] rows;
                # the bounds the models were fitted with (not a later set_params)
                used = self.options_.get("bounds") or {}
                params[name] = _bounds_rows(used) if used else None
            elif name == "idvars":  # the columns the models were fitted without
                params[name] = [_plain(self.columns_[j]) for j in self.idvars_] or None
            elif name == "derived":  # the formulas fitted with, as [column, formula] rows
                params[name] = _derived_rows(self.derived_) or None
            elif value is not None:
                params[name] = _plain(value)
        schema = {
            "format": FORMAT, "version": FORMAT_VERSION,
            "params": params,
            "settings": fitted.settings.__dict__,
            "columns": [_plain(c) for c in self.columns_],
            "families": self.families_,
            "positions": self.positions_,
            "idvars": self.idvars_,
            "encoder": [_spec_json(c) for c in self.encoder_.columns],
            "n_features": self.encoder_.n_features,
            "m": self.m_, "entropy": str(self.entropy_),
            "loss_dtypes": [str(t) for t in self.loss_history_[_LOSS_COLUMNS].dtypes],
            "unseen": [[list(u) for u in per_model] for per_model in fitted.unseen],
            "options": {k: (str(v) if k == "entropy" else _bounds_rows(v) if k == "bounds"
                            else [_plain(c) for c in v] if k == "idvars"
                            else [[_plain(c), f] for c, f in v.items()] if k == "derived" else v)
                        for k, v in self.options_.items()},
        }
        save_file(tensors, str(path), metadata={"socgan": json.dumps(schema)})

    @classmethod
    @validate_params({"path": FilePath(), "device": Optional(OneOf(*get_args(Device)))})
    def load(cls, path, *, device: str | None = None) -> "GainImputer":
        """Read an imputer written by :meth:`save` (on ``device``, default the saved setting).
        Refuses files of another format or of an unknown format version."""
        from safetensors import safe_open

        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"No saved imputer at {str(path)!r}.")
        try:
            with safe_open(str(path), framework="pt") as f:
                meta = f.metadata() or {}
                tensors = {k: f.get_tensor(k) for k in f.keys()}
        except Exception as exc:  # safetensors raises its own error types
            raise ValueError(f"{str(path)!r} is not a safetensors file written by "
                             f"GainImputer.save ({exc}).") from None
        try:
            schema = json.loads(meta["socgan"])
            fmt, version = schema["format"], schema["version"]
        except (KeyError, TypeError, ValueError):
            raise ValueError(f"{str(path)!r} holds no socgan imputer (its header has no "
                             "socgan schema).") from None
        if fmt != FORMAT:
            raise ValueError(f"{str(path)!r} holds a {fmt!r}, not a {FORMAT!r}.")
        if version != FORMAT_VERSION:
            raise ValueError(f"{str(path)!r} is in GainImputer format version {version!r}; this "
                             f"socgan ({_socgan_version()}) reads version {FORMAT_VERSION} only. "
                             "Load it with the socgan that wrote it, or refit.")
        params = schema["params"]
        if params.get("bounds") is not None:
            params["bounds"] = _bounds_dict(params["bounds"])
        if params.get("derived") is not None:
            params["derived"] = {c: f for c, f in params["derived"]}
        if device is not None:
            params["device"] = device
        self = cls(**params)
        dev = resolve_device(self.device)
        settings = GainSettings(**schema["settings"])
        enc = Encoder(columns=[_spec_from_json(s) for s in schema["encoder"]],
                      n_features=int(schema["n_features"]))
        k = int(schema["m"])
        models = GainModels.__new__(GainModels)
        models.device, models.layout, models.k = dev, _Layout(enc, dev), k
        models.generator = _StackedMLP.__new__(_StackedMLP)
        n_params = sum(1 for key in tensors if key.startswith("generator."))
        models.generator.params = [tensors[f"generator.{i}"].to(dev) for i in range(n_params)]
        models.discriminator = None  # not needed to draw
        residuals = [{j: tensors[f"residuals.{ell}.{j}"].numpy()
                      for j, c in enumerate(enc.columns) if c.is_numeric} for ell in range(k)]
        loss = pd.DataFrame(tensors["loss_history"].numpy(), columns=_LOSS_COLUMNS)
        if not set(schema["loss_dtypes"]) <= {"int64", "float64", "int32", "float32"}:
            raise ValueError(f"{str(path)!r}: unexpected loss-history types "
                             f"{schema['loss_dtypes']}.")
        loss = loss.astype(dict(zip(_LOSS_COLUMNS, schema["loss_dtypes"])))
        history = [[tuple(r) for r in loss.loc[loss["imputation"] == ell + 1,
                                               _LOSS_COLUMNS[1:]].itertuples(index=False)]
                   for ell in range(k)]
        # files written before unseen levels were kept: drawn as then, with every column
        unseen = [[tuple(int(v) for v in u) for u in per_model]
                  for per_model in schema.get("unseen", [])]
        self.fitted_ = FittedGain(enc, settings, models, residuals, history, rngs=[],
                                  unseen=unseen)
        self.encoder_ = enc
        self.positions_ = [int(p) for p in schema["positions"]]
        self.idvars_ = [int(p) for p in schema.get("idvars", [])]  # files written before: none
        self.columns_ = pd.Index(schema["columns"])
        self.derived_ = _derived.derivations(self.columns_, self._derived_formulas())
        self.feature_names_in_ = np.asarray(self.columns_, dtype=object)
        self.n_features_in_ = len(self.columns_)
        self.families_ = list(schema["families"])
        self.m_ = k
        self.entropy_ = int(schema["entropy"])
        self.device_ = dev
        options = dict(schema["options"])
        options["entropy"] = int(options["entropy"])
        options["device"] = dev.type
        # files written before bounds existed: none were given
        options["bounds"] = _bounds_dict(options.get("bounds", []))
        options.setdefault("idvars", [])
        options["derived"] = {c: f for c, f in options.get("derived", [])}
        self.options_ = options
        self.loss_history_ = loss
        return self


def _skip(missing: pd.DataFrame, fill: pd.DataFrame | None, positions: list[int]):
    """The encoded columns' missing cells that ``where`` leaves missing (rows x columns), or
    None when every missing cell is imputed."""
    if fill is None:
        return None
    skip = (missing.to_numpy() & ~fill.to_numpy())[:, positions]
    return skip if skip.any() else None


def _level_rows(x: np.ndarray, mask: np.ndarray, enc: Encoder, c: int, k: int) -> np.ndarray:
    """Rows where discrete column ``c`` is observed at its ``k``-th level (as
    :func:`socgan._core.gain.unseen_levels` reads them)."""
    col = enc.columns[c]
    has = mask[:, c] > 0
    if col.kind == "binary":
        return has & ((x[:, col.start] > 0.5) == bool(k))
    return has & (x[:, col.start:col.stop].argmax(1) == k)


def _warn_unseen(x: np.ndarray, mask: np.ndarray, enc: Encoder, stacklevel: int,
                 min_rows: int = 10, skip: np.ndarray | None = None) -> None:
    """Warn of columns never observed beside a level that at least ``min_rows`` rows hold
    (:func:`socgan._core.gain.unseen_levels`): a design (a source that did not measure it) or
    a skip pattern (an item not asked after some answer), which the user should know of."""
    found = [(j, c, k, n) for j, c, k, n in unseen_levels(x, mask, enc)
             if n >= min_rows and (mask[:, j] == 0).any()]
    if skip is not None:  # cells that `where` leaves missing need no warning
        found = [(j, c, k, n) for j, c, k, n in found
                 if ((mask[:, j] == 0) & ~skip[:, j] & _level_rows(x, mask, enc, c, k)).any()]
    _warn_unseen_values(x, mask, enc, stacklevel + 1, min_rows, skip=skip)
    if not found:
        return
    names = []
    for j, c, k, n in found[:3]:
        level = enc.columns[c].levels[k] if k < len(enc.columns[c].levels) else k
        if isinstance(level, float) and level.is_integer():  # 2, not 2.0, for an Int64 column
            level = int(level)
        names.append(f"{enc.columns[j].name!r} where {enc.columns[c].name!r} is {level!r} "
                     f"({n} rows)")
    more = f", and {len(found) - 3} more such pair(s)" if len(found) > 3 else ""
    warnings.warn(
        f"Column(s) never observed beside a level of another column: {'; '.join(names)}{more}. "
        "The data say nothing about how they relate there, so those cells are drawn from their "
        "relation to the other columns, with that column left out (as mice drops a predictor "
        "collinear with a column's missingness); check them (.plot()). If an item does not "
        "apply to those rows (a skip pattern: hours worked of people without a job), do not "
        "impute it there: where={'hours': 'employed == 1'} (mice's `where`) leaves those cells "
        "missing.", UserWarning, stacklevel=stacklevel)


def _warn_unseen_values(x: np.ndarray, mask: np.ndarray, enc: Encoder, stacklevel: int,
                        min_rows: int = 10, max_values: int = 30,
                        skip: np.ndarray | None = None) -> None:
    """Warn of columns never observed where a whole-number column with few values (a survey
    year, a wave, a code) takes one of them, in at least ``min_rows`` rows: an item not asked in
    one year (a user's trial: ANES's feeling thermometers, missing for every 2002 respondent).
    Unlike a level of a discrete column, such a column stays an input of the network, so those
    cells are extrapolated from the column's trend over its other values; the user should know."""
    found = []
    anywhere = mask.any(0)
    for c, spec in enumerate(enc.columns):
        if spec.kind != "integer" or not 2 < len(spec.levels) <= max_values:
            continue
        seen = np.flatnonzero(mask[:, c] == 1)
        levels = np.asarray(spec.levels, dtype=float)
        values = x[seen, spec.start].astype(float) * spec.scale + spec.mean
        code = np.abs(values[:, None] - levels[None, :]).argmin(1)
        for k in np.flatnonzero(np.bincount(code, minlength=len(levels)) >= min_rows):
            rows = seen[code == k]
            never = ~mask[rows].any(0) & anywhere  # every column at once
            never[c] = False
            for j in np.flatnonzero(never):
                if skip is not None and skip[rows, j].all():
                    continue  # `where` leaves those cells missing
                found.append((enc.columns[j].name, spec.name, levels[k], len(rows)))
    if not found:
        return

    def value(v: float):
        return int(v) if float(v).is_integer() else v

    shown = "; ".join(f"{j!r} where {c!r} is {value(v)!r} ({n} rows)" for j, c, v, n in found[:3])
    more = f", and {len(found) - 3} more such pair(s)" if len(found) > 3 else ""
    warnings.warn(
        f"Column(s) never observed where a whole-number column takes one of its values: {shown}"
        f"{more}. The data say nothing about those cells; they are extrapolated from how the "
        "column varies over the other values. If that column's values were assigned at random "
        "(a split ballot, a questionnaire version), keep it out of the model with `idvars=`; if "
        "the item was not asked there (a year, a wave), leave those cells missing with `where=` "
        "(e.g. where={'item': 'year != 2002'}) or those rows out of analyses of the item.",
        UserWarning, stacklevel=stacklevel)


def _socgan_version() -> str:
    from .. import __version__
    return __version__


def _derived_rows(derived: list) -> list:
    """The derived columns' formulas as [column, formula] rows (JSON keys are text); a formula
    that is a Python function cannot be written to a file."""
    functions = [d.column for d in derived if not isinstance(d.formula, str)]
    if functions:
        raise ValueError(f"`derived[{functions[0]!r}]` is a Python function, which cannot be saved; "
                         "write it as a formula string (e.g. 'wgt / (hgt / 100)^2') to save the "
                         "imputer.")
    return [[_plain(d.column), d.formula] for d in derived]


def _bounds_rows(bounds: dict) -> list:
    """``{column: (low, high)}`` as JSON rows ``[column, low, high]`` (column names need not be
    text; ±inf is written as JSON's Infinity)."""
    return [[_plain(col), float(low), float(high)] for col, (low, high) in bounds.items()]


def _bounds_dict(rows: list) -> dict:
    return {col: (float(low), float(high)) for col, low, high in rows}


def _spec_json(c: ColumnSpec) -> dict:
    return {"name": _plain(c.name), "kind": c.kind, "integer_dtype": bool(pdt.is_integer_dtype(c.dtype)),
            "start": c.start, "width": c.width, "mean": c.mean, "scale": c.scale,
            "low": c.low, "high": c.high, "levels": [_plain(v) for v in c.levels],
            "masses": [float(v) for v in c.masses]}


def _spec_from_json(s: dict) -> ColumnSpec:
    kinds = ("continuous", "integer", "binary", "categorical", "ordered")
    if s["kind"] not in kinds:
        raise ValueError(f"Saved column {s['name']!r} has unknown kind {s['kind']!r}.")
    # Only whether the dtype is an integer one matters once fitted (binary draws' type).
    dtype = np.dtype(np.int64) if s["integer_dtype"] else np.dtype(object)
    return ColumnSpec(name=s["name"], kind=s["kind"], dtype=dtype, start=int(s["start"]),
                      width=int(s["width"]), mean=float(s["mean"]), scale=float(s["scale"]),
                      low=float(s["low"]), high=float(s["high"]), levels=list(s["levels"]),
                      # files written before point masses were kept have none
                      masses=[float(v) for v in s.get("masses", [])])


def _check_values(col: pd.Series, c: ColumnSpec) -> None:
    """Observed values of a new column that the fitted encoding cannot represent, by name."""
    obs = col.dropna()
    if c.is_numeric:
        values = time_as_days(obs) if is_time(obs) else obs.to_numpy(dtype=float)
        if not np.isfinite(values).all():
            raise ValueError(f"Column {c.name!r} contains {int((~np.isfinite(values)).sum())} "
                             "infinite value(s); replace them with NaN (missing) or a finite "
                             "value before imputing.")
        return
    known = pd.Index(c.levels, dtype=object)
    values = pd.Index(obs.astype(object).unique(), dtype=object)
    unseen = values[known.get_indexer(values) < 0].tolist()
    if unseen:
        what = "values" if c.kind == "binary" else "levels"
        shown = ", ".join(repr(v.item() if isinstance(v, np.generic) else v) for v in unseen[:5])
        raise ValueError(
            f"Column {c.name!r} has {what} not seen when the imputer was fitted: {shown}"
            f"{', ...' if len(unseen) > 5 else ''} (fitted: "
            f"{', '.join(repr(v) for v in c.levels[:10])}{', ...' if len(c.levels) > 10 else ''}). "
            "The models cannot condition on them: a level is part of the model only if the "
            "fitted data have rows with it (a declared level without rows is not). Recode them "
            "or refit on data that have them.")


def _loss_frame(history: list[list[tuple]]) -> pd.DataFrame:
    loss = pd.concat([pd.DataFrame(hist, columns=_LOSS_COLUMNS[1:]).assign(imputation=ell)
                      for ell, hist in enumerate(history, start=1)], ignore_index=True)
    return loss[_LOSS_COLUMNS]


def _per_model(fn, k: int, *, n_jobs: int) -> list:
    """``[fn(0), ..., fn(k - 1)]``, the models' draws; with ``n_jobs`` other than 1 in up to
    that many threads of this process (``-1``: one per core). Each model draws from its own
    stream with single-threaded torch operations, which release the GIL, so the result is that
    of the serial loop."""
    import joblib

    workers = 1 if n_jobs == 1 else min(k, joblib.cpu_count() if n_jobs == -1 else n_jobs)
    if workers <= 1:
        return [fn(ell) for ell in range(k)]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=workers, initializer=share_threads,
                            initargs=(workers, search_threads())) as pool:
        return list(pool.map(fn, range(k)))


def _fit_job(indices: list[int], children, x, mask, enc, trainable, settings, bootstrap, device):
    """``fit_gain`` for a group of models in a joblib worker, on one torch thread (loky keeps
    its workers for the caller's later jobs, so their thread count is restored)."""
    with single_threaded():
        return indices, _impute.fit_gain(x, mask, enc, trainable, settings, list(children),
                                         bootstrap=bootstrap, device=device)


def _warn_collapsed(fitted: FittedGain, settings, stacklevel: int) -> None:
    """Warn of imputation models whose networks collapsed in training
    (:func:`socgan._core.gain.inactive_share`): those trained again with a smaller learning rate,
    and those that collapsed even so."""
    again = [ell + 1 for ell, r in enumerate(fitted.retrained) if r]
    bad = [ell + 1 for ell, share in enumerate(fitted.inactive) if share >= COLLAPSED]
    if again:
        rate = settings.learning_rate * RETRY_LEARNING_RATE
        warnings.warn(
            f"Imputation model(s) {', '.join(map(str, again))} of {fitted.k} collapsed in "
            f"training at learning_rate {settings.learning_rate:g} (their networks' units "
            f"inactive for every row) and were trained again at {rate:g}"
            + (f"; {len(set(again) - set(bad))} recovered." if set(again) - set(bad) else ".")
            + " This happens on wide data (many weakly related columns); check the columns you "
            "analyse with `overimpute`.", UserWarning, stacklevel=stacklevel)
    if not bad:
        return
    warnings.warn(
        f"Imputation model(s) {', '.join(map(str, bad))} of {fitted.k} collapsed in training: "
        f"{COLLAPSED:.0%} or more of their networks' units are inactive for every row, so their "
        "imputations ignore the other columns (each column is drawn from about its own "
        "distribution) and the spread between imputations is not the models' uncertainty. Do "
        "not use these results for inference. It happens on wide data (many columns, e.g. "
        "factors with many levels beside many weakly related items) and with extreme values; a "
        f"smaller `learning_rate` (now {settings.learning_rate}; models trained again had "
        f"{settings.learning_rate * RETRY_LEARNING_RATE:g}) or fewer columns (leave "
        "unrelated ones out, or in `idvars`) may avoid it. Check the imputations of the columns "
        "you analyse with `overimpute`.", UserWarning, stacklevel=stacklevel)


def _fit_parallel(children, common, n_jobs: int, backend: str | None, progress: bool) -> FittedGain:
    """The models fitted through joblib in groups (one per job), as ``socgan.impute`` groups
    them, then stacked into one :class:`FittedGain` in model order. Model ``l`` depends on
    ``children[l]`` only (the calibration that small data borrow across the m models,
    :func:`socgan.imputation._fit.borrowed`, is made after the stacking), so the result is that
    of the serial fit."""
    import joblib

    m = len(children)
    if n_jobs > 0:
        n_groups = min(m, n_jobs)
    else:  # every core here; on a dask cluster, one model per job
        n_groups = m if backend == "dask" else min(m, joblib.cpu_count())
    groups = [g.tolist() for g in np.array_split(np.arange(m), n_groups)]
    jobs = (joblib.delayed(_fit_job)(g, [children[i] for i in g], *common) for g in groups)
    parts: list = [None] * len(groups)
    with joblib.parallel_config(backend=backend or "loky"):
        run = joblib.Parallel(n_jobs=n_jobs, return_as="generator_unordered")
        with tqdm(total=m, disable=not progress, desc="GAIN imputation",
                  unit="imputation") as bar:
            for indices, fitted in run(jobs):
                parts[groups.index(indices)] = fitted
                bar.update(len(indices))
    return _stack(parts, common[6])


def _stack(parts: list[FittedGain], device: torch.device) -> FittedGain:
    """Fitted groups of models as one stack, in the groups' order."""
    first = parts[0]
    models = GainModels.__new__(GainModels)
    models.device = torch.device(device)
    models.layout = _Layout(first.encoder, models.device)
    models.k = sum(p.k for p in parts)
    models.generator = _StackedMLP.__new__(_StackedMLP)
    models.generator.params = [torch.cat([p.models.generator.params[i].detach().to(device)
                                          for p in parts])
                               for i in range(len(first.models.generator.params))]
    models.discriminator = None  # not needed to draw
    return FittedGain(first.encoder, first.settings, models,
                      [r for p in parts for r in p.residuals],
                      [h for p in parts for h in p.history], [g for p in parts for g in p.rngs],
                      [u for p in parts for u in p.unseen],
                      [o for p in parts for o in p.oob_moments],
                      [i for p in parts for i in p.in_bag_moments],
                      [a for p in parts for a in p.inactive],
                      [r for p in parts for r in p.retrained])
