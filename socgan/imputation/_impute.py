"""``socgan.impute``: proper GAIN multiple imputation of a survey DataFrame."""

from __future__ import annotations

import hashlib
import numbers
import os
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Literal, get_args

import numpy as np
import pandas as pd
import torch

from .._params import (Count, Flag, Frame, OneOf, Optional, Rule, Seed, check_idvars,
                       idvar_positions, validate_params)
from .._core.encoding import Encoder, is_time
from .._core.gain import GainSettings
from .._core.settings import GAIN_SETTING_CONSTRAINTS
from .._core.settings import gain_settings  # looked up here by GainImputer (bench patches it)
from .._core.torch_state import Device
from ._fit import fit_gain  # looked up here by GainImputer, so patches of _impute reach it
from ._derived import check_derived, plan as derived_plan, describe as derived_describe
from ._imputations import Imputations
from ._where import check_where, cells as where_cells

Backend = Literal["loky", "dask"]
_LOSS_COLUMNS = ["imputation", "epoch", "d_loss", "g_adversarial", "g_reconstruction",
                 "validation"]


# GAIN's defaults are GainSettings' (socgan._core.defaults), written there only.
_GAIN = GainSettings()


def _n_jobs(value, name: str) -> int:
    return _check_n_jobs(value)


def _check_bounds(value, name: str) -> dict:
    """``bounds`` as ``{column: (low, high)}`` with floats (no bound: ±inf). The columns are
    checked against the data when fitting (:func:`apply_bounds`)."""
    if not isinstance(value, Mapping):
        raise TypeError(f"`{name}` must be a dict {{column: (low, high)}} (R: a named list such "
                        f"as list(income = c(0, Inf))), got {type(value).__name__}.")
    out = {}
    for col, pair in value.items():
        where = f"`{name}[{col!r}]`"
        if isinstance(pair, (str, bytes, Mapping)) or not hasattr(pair, "__len__") or len(pair) != 2:
            raise ValueError(f"{where} must be a pair (low, high), e.g. (0, None) for no upper "
                             f"bound; got {pair!r}.")
        sides = []
        for side, v, none in (("low", pair[0], -np.inf), ("high", pair[1], np.inf)):
            v = v.item() if isinstance(v, np.generic) else v
            if v is None:
                v = none
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(f"{where}: the {side} bound must be a number or None, got {v!r}.")
            if np.isnan(v):
                raise ValueError(f"{where}: the {side} bound is missing (NaN / NA); for no bound "
                                 "use None (R: -Inf or Inf).")
            sides.append(float(v))
        if not sides[0] < sides[1]:
            raise ValueError(f"{where}: the low bound must be below the high bound, got {pair!r}.")
        out[col] = tuple(sides)
    return out


def apply_bounds(enc: Encoder, bounds: dict | None, data: pd.DataFrame,
                 positions: list[int]) -> None:
    """Replace the observed range of the columns named in ``bounds`` (the range within which
    their imputations are drawn) by the given bounds, after checking that each names a numeric
    column of ``data`` whose observed values lie within them."""
    for col, (low, high) in (bounds or {}).items():
        where = f"`bounds[{col!r}]`"
        hits = [j for j, name in enumerate(data.columns) if name == col]
        if not hits:
            raise ValueError(f"{where}: `data` has no column {col!r}.")
        if len(hits) > 1:
            raise ValueError(f"{where}: `data` has {len(hits)} columns named {col!r}.")
        if is_time(data.iloc[:, hits[0]]):
            raise ValueError(f"{where}: column {col!r} holds dates or times, which are never "
                             "imputed; bounds apply to numeric columns.")
        if hits[0] not in positions:  # complete and constant: nothing is drawn for it
            continue
        spec = enc.columns[positions.index(hits[0])]
        if not spec.is_numeric:
            kind = ("binary (two observed values, imputed as one of them)"
                    if spec.kind == "binary" else spec.kind)
            raise ValueError(f"{where}: column {col!r} is {kind}; bounds apply to numeric "
                             "columns (the levels bound the others).")
        if spec.kind == "integer":  # whole-number imputations: the whole numbers within
            low, high = float(np.ceil(low)), float(np.floor(high))
        if spec.low < low or spec.high > high:
            raise ValueError(
                f"{where}: column {col!r} has observed values outside [{low:g}, {high:g}] (it "
                f"ranges from {spec.low:g} to {spec.high:g}); bounds may only widen the observed "
                "range, within which imputations stay by default.")
        spec.low, spec.high = low, high


# The declared arguments of GainImputer (and so of socgan.impute): checked in one place,
# socgan._params.check_params, when the imputer is fitted. The GAIN settings' constraints are
# those of socgan._core.settings, which sae.estimate(method="gain") checks its options by.
GAIN_CONSTRAINTS = {
    "m": Count(1), "seed": Seed(), "progress": Flag(), **GAIN_SETTING_CONSTRAINTS,
    "bootstrap": Flag(),
    "n_jobs": Rule(_n_jobs, "a whole number >= 1, or -1 for every core"),
    # a dask backend also needs n_jobs > 1 and a running Client: checked with n_jobs, on use
    "backend": Optional(OneOf(*get_args(Backend))), "device": OneOf(*get_args(Device)),
    "bounds": Optional(Rule(_check_bounds, "a dict {column: (low, high)}")),
    "idvars": Optional(Rule(check_idvars, "a column name or a list of them")),
    "derived": Optional(Rule(check_derived, "a dict {column: formula}")),
}


#: ``where`` (which missing cells to impute), a property of the data, not a setting: an
#: argument of socgan.impute and GainImputer.impute, not of the imputer
WHERE = Optional(Rule(check_where, "a boolean DataFrame or array, or a dict {column: condition}"))


@validate_params({"data": Frame(), **GAIN_CONSTRAINTS, "where": WHERE}, positional=("m",))
def impute(data: pd.DataFrame, *, m: int = 5, seed: int | None = None, progress: bool = True,
           epochs: int = _GAIN.epochs, max_steps: int = _GAIN.max_steps,
           batch_size: int = _GAIN.batch_size, hint_rate: float = _GAIN.hint_rate,
           alpha: float = _GAIN.alpha, hidden: int | None = _GAIN.hidden,
           learning_rate: float = _GAIN.learning_rate, weight_decay: float = _GAIN.weight_decay,
           adversarial: float = _GAIN.adversarial, bootstrap: bool = True, n_jobs: int = 1,
           backend: Backend | None = None, device: Device = "auto",
           bounds: Mapping | None = None, idvars: Sequence | str | None = None,
           derived: Mapping | None = None, where=None) -> Imputations:
    """Multiply impute the missing values of ``data`` with GAIN, properly.

    Each of the ``m`` imputations comes from its own imputation network, trained on a
    bootstrap resample of the rows, as Amelia's EMB does (Honaker, King & Blackwell 2011), and
    its values are drawn from the model's predictive distribution. The spread between
    imputations thus carries the uncertainty of the imputation model, which is what makes
    Rubin's rules valid; m draws from a single trained network (as published GAN imputers do)
    understate it. The network is GAIN's generator (Yoon, Jordon & van der Schaar 2018)
    trained to reconstruct held-out observed cells, a conditional density model that is valid
    when data are missing at random; GAIN's adversarial discriminator is off by default
    (``adversarial``), because under MAR it does not help (see the README). The m networks are
    trained together as one batched network. See the
    module docstring of :mod:`socgan._core.gain` for the method and every deviation from
    the paper.

    Parameters
    ----------
    data
        DataFrame with missing values (NaN, None, pd.NA). Supported columns: float (float16,
        float32, float64, nullable Float32/Float64, sparse), integer (numpy or nullable
        Int8..UInt64; imputed values stay whole numbers), bool/boolean and two-valued numbers
        (binary, imputed as those two values), categorical (unordered or ordered; unused
        levels are kept in the dtype and never imputed) and strings (object, ``str``,
        ``string``, pyarrow-backed). Every column keeps its dtype. A column that cannot be
        imputed is named in a clear error before any training. Never modified.
    m
        Number of imputations (whole-number floats such as R's ``5`` are accepted).
    seed
        Seed; the same seed gives identical imputations. ``None`` draws fresh entropy, kept
        in ``.options["entropy"]``: passing it as ``seed`` repeats the run.
    progress
        Show a tqdm progress bar: over training epochs when ``n_jobs=1``, over completed
        imputations otherwise.
    epochs
        At most this many passes over the (bootstrap) rows per imputation model...
    max_steps
        ...and at most this many gradient steps (batches), so that training time stops growing
        with the number of rows: with the defaults, data of up to ~2,500 rows get 200 epochs
        (1,400 steps at 1,000 rows); larger data 4,000 batches (steps). Three quarters of the
        training rows hide the cells of a conditional that the draws ask for (a column missing
        in the data and those drawn after it), the others a random share of their observed
        cells: trained on the draws' own conditionals, the network fits the seed experiment's
        X × Bin interaction in 1,400 steps as well as it did in 3,500 with random cells alone
        (bench/RESULTS.md, thirteenth session). The learning rate decays to
        zero over the cap; each model's loss on its out-of-bag rows is recorded in
        ``.diagnostics["loss_history"]``.
    batch_size, hint_rate, alpha, hidden, learning_rate, weight_decay
        GAIN settings: rows per step; share of cells whose mask the discriminator is told
        (paper's hint rate); weight of the reconstruction loss against the adversarial loss;
        hidden width (default ``max(128, 2 × number of features)``, at most 1,024: the
        networks grow with the square of the width; a warning says when the cap applies, and
        data whose networks would not fit in memory are refused before training); Adam's initial learning
        rate (decayed to zero on a cosine schedule) and weight decay.
    adversarial
        Weight of GAIN's adversarial loss (the discriminator with the hint mechanism); 0, the
        default, trains without a discriminator. Under MAR the discriminator can tell imputed
        from observed cells by the observed columns alone; in our experiments it did not
        reduce bias and doubled the time. ``1`` is the paper's GAIN (with our heads).
    bootstrap
        Train each model on a bootstrap resample (proper MI; default). ``False`` trains every
        model on the data as they are, which understates the between-imputation variance;
        it exists only to show that difference.
    n_jobs
        Imputation models trained at once, through joblib; ``-1`` uses every core (or, with
        ``backend="dask"``, every worker thread of the cluster). Each imputation has its own
        seed, so the result is identical to the serial run (``n_jobs=1``, in this process).
        Every model trains on one torch thread. The models' draws then run in up to
        ``n_jobs`` threads of this process (``-1``: one per core).
    backend
        ``None`` or ``"loky"``: worker processes on this machine (joblib's default).
        ``"dask"``: the running ``dask.distributed`` Client's cluster (a ``LocalCluster``, or a
        SLURM cluster through ``dask_jobqueue.SLURMCluster``), for which ``n_jobs`` must not be 1.
    device
        ``"cuda"`` trains and draws on the GPU, ``"cpu"`` on the CPU, ``"auto"`` (default) on the
        GPU when torch finds one. Values are drawn with the same numpy generator on every
        device; results on the CPU do not depend on this option. Recorded in ``.options``.
    bounds
        ``{column: (low, high)}``: the range within which a numeric column's imputations are
        drawn (``None`` or ±inf: no bound on that side; R: ``list(income = c(0, Inf))``). By
        default each numeric column's imputations stay within its observed range, as
        predictive mean matching's do: draws outside it are redrawn (up to 20 times), then
        clipped. That keeps a bounded variable (a share, a score) inside its bounds, but a
        skewed one whose largest values are more often missing (earnings, wealth) is then
        imputed too low: give it its natural bounds, e.g. ``{"income": (0, None)}``, as
        Amelia's ``bounds`` does. Bounds may only widen the observed range (observed values
        outside them are an error). An integer column with few distinct values (at most
        ``_MAX_SUPPORT`` of :mod:`socgan._core.encoding`) is imputed with its observed values
        within its observed range; beyond it (bounds wider than that range) with whole
        numbers; bounds of an integer column are taken inward to whole numbers. Recorded in
        ``.options``.
    idvars
        Columns to keep out of the model (a name or a list of names), as Amelia's ``idvars``:
        respondent ids, interview dates, free text, survey weights you do not want as a
        predictor. They are copied into every completed dataset as they are, missing values
        included (they are never imputed), and the result is the same as imputing the data
        without them and joining them back. Recorded in ``.options``. (mice: ``method = ""``
        for the column and a zero column in ``predictorMatrix``.)
    derived
        ``{column: formula}``: columns computed from others (mice's passive imputation), such
        as ``{"bmi": "wgt / (hgt / 100)^2"}`` or a sum score ``{"total": "q1 + q2 + q3"}``.
        The column stays in the model (where observed it informs the others), and in every
        completed dataset its missing values are its formula on the completed row, so it
        agrees with the imputed columns it is made from (imputed as a column of its own,
        ``mice::boys``' BMI was 1.2 units off its formula in the median row). Its observed
        values are never changed. A formula is a string for :meth:`pandas.DataFrame.eval`
        (``^`` is a power, as in R; mice's ``"~I(...)"`` is accepted; column names, numbers,
        arithmetic, comparisons and the functions ``log``, ``log10``, ``exp``, ``sqrt``,
        ``abs``, ``floor``, ``ceil`` and the trigonometric ones, nothing else, so a saved
        formula can only compute; a name with dots or spaces in backticks, ```hgt cm```) or,
        from Python, a function of the completed DataFrame returning its values (a model with
        one cannot be saved). Formulas are computed in the order given,
        so one may read a column derived before it, or a column in ``idvars``. Where the
        formula has no value (a division by zero, a part that ``where`` leaves missing) the
        cell stays missing, with a warning. Warnings say when a formula mostly disagrees with
        the column's observed values (units, a typo), and when the column is observed while a
        part of it is missing (the formula need not hold in those rows). Recorded in
        ``.options``. (mice: ``method["bmi"] <- "~I(wgt / (hgt / 100)^2)"``.)
    where
        Which missing cells to impute (mice's ``where``), for skip patterns: hours worked are
        not asked of people without a job, and imputing them invents hours for people who do
        not work. A dict by column, ``{"hours": "employed == 1", "earn": "employed == 1"}`` (a
        condition as ``derived``'s formulas, or a boolean array): the column's missing cells
        are imputed where it holds, and where it cannot be evaluated (``employed`` missing);
        or a boolean DataFrame (or array) of the data's shape, True = impute (missing cells
        only). The other missing cells stay missing in every completed dataset, are never
        drawn, and stay hidden from the columns drawn after them in their row. Default: every
        missing cell. Analyses of such a column then use the rows where it applies, as they
        should.

    Returns
    -------
    Imputations
        ``.datasets`` (m completed DataFrames), ``.long()``, ``.fit()``, ``.analyze()``,
        ``.plot()``, ``.diagnostics["loss_history"]``.

    Notes
    -----
    Rows with every value missing carry no information for the model; they are left out of
    training and imputed from the model's marginal predictions (a warning says how many).
    If ``data`` has no missing values, a warning is given and the m datasets are copies.
    Complete columns with a single value are carried along unchanged and not modelled; a
    column *with* missing values needs at least two observed values (or levels).

    Examples
    --------
    About 1 s on the project's shared 2-core machine (``epochs=5``, set low for the
    example; with the default 200 epochs, 1,000 rows and m = 5 take about 10-15 s there):

    >>> import socgan
    >>> df = socgan.datasets.seed_experiment(300, seed=1)
    >>> imp = socgan.impute(df, m=2, seed=1, epochs=5, progress=False)
    >>> len(imp.datasets)
    2
    """
    from ._imputer import GainImputer

    imputer = GainImputer(m=m, seed=seed, progress=progress, epochs=epochs, max_steps=max_steps,
                          batch_size=batch_size, hint_rate=hint_rate, alpha=alpha, hidden=hidden,
                          learning_rate=learning_rate, weight_decay=weight_decay,
                          adversarial=adversarial, bootstrap=bootstrap, n_jobs=n_jobs,
                          backend=backend, device=device, bounds=bounds, idvars=idvars,
                          derived=derived)
    ids = idvar_positions(data, imputer._idvars(), imputer._bounds())
    modelled = [j for j in range(data.shape[1]) if j not in ids]
    if data.iloc[:, modelled].isna().to_numpy().any():
        # the user's call: impute, its checks
        return imputer._fit_impute(data, stacklevel=5, impute_where=where)

    # Nothing to impute: the settings and columns are still checked, nothing is trained.
    m, seed, settings, _, _, device = imputer._settings()
    original = data.copy(deep=True)
    positions = [j for j in modelled if original.iloc[:, j].nunique() > 1]
    bounds = imputer._bounds()
    apply_bounds(Encoder.fit(original.iloc[:, positions]), bounds, original, positions)
    derived_plan(original, imputer._derived_formulas(), imputer._idvars(), bounds, stacklevel=4)
    where_cells(original, where)  # checked, though nothing is missing
    options = {"method": "gain", "bootstrap": bool(bootstrap), "seed": seed,
               "entropy": np.random.SeedSequence(seed).entropy, **settings.__dict__,
               "device": device.type, "bounds": bounds,
               "idvars": [original.columns[j] for j in ids],
               "derived": derived_describe(imputer._derived_formulas())}
    warnings.warn("`data` has no missing values; returning m identical copies.", UserWarning,
                  stacklevel=3)
    return Imputations(data=original, datasets=[original.copy() for _ in range(m)],
                       options=options,
                       diagnostics={"loss_history": pd.DataFrame(columns=_LOSS_COLUMNS)})


def _check_n_jobs(n_jobs) -> int:
    """``n_jobs`` as an int: a whole number >= 1, or -1 for every core."""
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, float, np.integer, np.floating)):
        raise TypeError(f"`n_jobs` must be a whole number (or -1 for every core), got {n_jobs!r} "
                        f"({type(n_jobs).__name__}).")
    if not np.isfinite(n_jobs) or float(n_jobs) != int(n_jobs) or not (n_jobs >= 1 or n_jobs == -1):
        raise ValueError(f"`n_jobs` must be a whole number >= 1, or -1 for every core; got {n_jobs!r}.")
    return int(n_jobs)


def _check_backend(backend, n_jobs: int) -> str | None:
    """``backend`` validated; for ``"dask"``, a running Client is required."""
    if backend is not None and backend not in get_args(Backend):
        raise ValueError(f"`backend` must be None, 'loky' or 'dask', got {backend!r}.")
    if backend == "dask":
        if n_jobs == 1:
            raise ValueError("`backend='dask'` runs imputations on the cluster only in parallel: "
                             "pass n_jobs=-1 (every worker thread) or n_jobs > 1.")
        try:
            from distributed import get_client
        except ImportError:
            raise ImportError("`backend='dask'` needs dask.distributed: "
                              "pip install 'socgan[dask]' (or dask distributed).") from None
        try:
            get_client()
        except ValueError:
            raise ValueError(
                "`backend='dask'` needs a running dask.distributed Client; start one first, e.g. "
                "`from dask.distributed import Client; client = Client()` (a local cluster), "
                "`Client('tcp://scheduler:8786')`, or `Client(dask_jobqueue.SLURMCluster(...))`."
            ) from None
    return backend


def _complete(original: pd.DataFrame, where: pd.DataFrame, enc: Encoder,
              draws: dict[int, np.ndarray], positions: list[int]) -> pd.DataFrame:
    """A copy of ``original`` with the drawn values written into its missing cells only
    (encoded column ``j`` is column ``positions[j]`` of ``original``)."""
    out = original.copy(deep=True)
    for j, values in draws.items():
        pos = positions[j]
        out.isetitem(pos, _filled(original.iloc[:, pos], where.iloc[:, pos].to_numpy(), enc, j,
                                  values))
    return out


def _filled(col: pd.Series, missing: np.ndarray, enc: Encoder, j: int,
            values: np.ndarray) -> pd.Series:
    """``col`` with the drawn ``values`` (encoded column ``j``) in its ``missing`` cells, in
    ``col``'s own dtype (float32, float16 and sparse columns included)."""
    rows = np.flatnonzero(missing)
    filled = enc.decode_column(j, values, col.iloc[rows])
    # A sparse column cannot be written into; it is filled dense and made sparse again.
    new = col.sparse.to_dense() if isinstance(col.dtype, pd.SparseDtype) else col.copy()
    target = col.dtype
    if isinstance(col.dtype, pd.CategoricalDtype):
        # New rows (GainImputer.impute) whose categories lack a level the fitted model draws
        # (a wave's factor with fewer levels): the level is added, in the fitted order, not
        # turned into a missing value.
        # (every level the model can draw, drawn here or not: all m imputations get one dtype)
        extra = [v for v in enc.columns[j].levels if v not in set(col.dtype.categories)]
        if extra and len(rows):
            fitted = list(getattr(enc.columns[j].dtype, "categories", enc.columns[j].levels))
            keep = set(col.dtype.categories) | set(extra)
            merged = [v for v in fitted if v in keep] + [v for v in col.dtype.categories
                                                        if v not in set(fitted)]
            warnings.warn(
                f"Column {col.name!r}: the imputer can impute level(s) "
                f"{', '.join(repr(v) for v in extra)}, which the column's categories lack (it was "
                "fitted on data that have them); they were added to its categories.",
                UserWarning, stacklevel=5)
            target = pd.CategoricalDtype(merged, ordered=col.dtype.ordered)
            new = new.astype(target)
    try:
        # Cast first: pandas refuses to write float64 values into a float32 column.
        new.iloc[rows] = filled.astype(new.dtype).array
        if new.dtype != target:
            new = new.astype(target)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"Column {col.name!r} (dtype {col.dtype}) cannot hold its imputed values "
                        f"({exc}); convert it to a float, integer, category or string dtype "
                        "before imputing.") from exc
    lost = int(new.iloc[rows].isna().sum())
    if lost:  # never hand back a "completed" cell that is still missing
        raise ValueError(f"Column {col.name!r} (dtype {col.dtype}) could not hold {lost} of its "
                         "imputed values (they became missing); give it the dtype (and "
                         "categories) of the data the imputer was fitted on.")
    if enc.columns[j].is_numeric:
        bad = int((~np.isfinite(new.iloc[rows].to_numpy(dtype=float, na_value=np.nan))).sum())
        if bad:
            raise FloatingPointError(f"Column {col.name!r}: {bad} imputed value(s) are not finite "
                                     "numbers; check the column for extreme values.")
    return new


def _check_completion(original: pd.DataFrame, where: pd.DataFrame, enc: Encoder,
                      positions: list[int]) -> None:
    """Write a stand-in value (the mean, or the first level) into the first missing cell of every
    column, on a copy of those few rows: a dtype that cannot take imputed values then fails here,
    before training, and not after the whole run."""
    first = [np.flatnonzero(where.iloc[:, pos].to_numpy())[:1] for pos in positions]
    rows = np.unique(np.concatenate(first)).astype(int)
    part, part_where = original.iloc[rows], where.iloc[rows]
    stand_in = {}
    for j, pos in enumerate(positions):
        k = int(part_where.iloc[:, pos].sum())
        if k:  # 0 is the mean (standardised scale), or the first level
            stand_in[j] = np.zeros(k, dtype=float if enc.columns[j].is_numeric else int)
    _complete(part, part_where, enc, stand_in, positions)


def warn_codes(data: pd.DataFrame, stacklevel: int) -> None:
    """Warn of numeric columns holding what look like nonresponse codes: negative codes of 7s,
    8s and 9s (-9, -8, -99, -998) in a column whose other values are all at least 0, or a code
    of 9s (99, 999, 999999) above twice every other value. Read from a CSV they are numbers:
    imputed and analysed as income of -9 or 999999, and imputations copy them (a user's trial:
    earnings of -9 and 999999 imputed)."""
    found = []
    for col in data.columns:
        s = data[col]
        if not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            continue
        v = s.dropna().to_numpy(dtype=float)
        if len(v) < 10 or not np.all(np.isfinite(v)):
            continue
        # the patterns are read per distinct candidate value, not per cell
        cand = np.unique(v[(v == np.round(v)) & ((v < 0) | (v >= 99))])
        neg_codes = [x for x in cand if x < 0 and re.fullmatch(r"-[789]+", f"{x:.0f}")]
        high_codes = [x for x in cand if x >= 99 and re.fullmatch(r"9+", f"{x:.0f}")]
        neg = np.isin(v, neg_codes)
        high = np.isin(v, high_codes)
        codes = []
        if neg.any() and np.all(v[~neg] >= 0) and (~neg).sum() >= 5:
            codes += sorted(set(v[neg]))
        rest = v[~high & ~neg]
        if high.any() and len(rest) >= 5 and np.all(v[high] > 2 * np.max(rest)):
            codes += sorted(set(v[high]))
        if codes:
            n = int(np.isin(v, codes).sum())
            found.append(f"{col!r} ({', '.join(f'{c:.0f}' for c in codes)}: {n} rows)")
    if found:
        warnings.warn(
            f"Column(s) hold values that look like nonresponse codes: {'; '.join(found)}. They are "
            "imputed and analysed as numbers, and imputations copy them. If they mean 'refused' "
            "or 'don't know', set them to missing before imputing (pandas: "
            "df[col] = df[col].mask(df[col] < 0)).", UserWarning, stacklevel=stacklevel)


def warn_numbers_as_text(data: pd.DataFrame, stacklevel: int) -> None:
    """Warn of text columns (strings, or a factor of strings) whose values are all numbers
    written as text ("187", "2.5"), with more than 10 distinct values: they are imputed as
    categories, each imputation one of the observed strings (a user's trial: R's
    ``as.character(chl)``, imputed with no word); a number read as text by a CSV reader does
    the same."""
    found = []
    for col in data.columns:
        s = data[col]
        if isinstance(s.dtype, pd.CategoricalDtype):
            values = pd.Series(s.cat.categories)
        elif pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype):
            values = pd.Series(s.dropna().unique())
        else:
            continue
        if (not s.isna().any() or len(values) <= 10
                or not values.map(lambda v: isinstance(v, str)).all()):
            continue  # nothing to impute, few codes, or not text
        text = values.str.strip()
        if text.str.match(r"^0\d").any():
            continue  # leading zeros: codes (zip, FIPS, ids), not quantities
        if pd.to_numeric(text, errors="coerce").notna().all():
            found.append(f"{col!r} ({len(values)} values)")
    if found:
        warnings.warn(
            f"Column(s) hold numbers written as text: {', '.join(found)}. Their missing cells are "
            "imputed as categories (every imputation one of the observed values, with no order "
            "between them). If they are quantities, convert them first (pandas: "
            "pd.to_numeric(df[col]); R: as.numeric(as.character(x)), which also serves a "
            "factor).", UserWarning, stacklevel=stacklevel)


def warn_duplicates(data: pd.DataFrame, stacklevel: int) -> None:
    """Warn of columns with cells to impute that hold the same values as another column, with
    the same cells missing (a copy of an item, a variable stored twice): each is imputed on its
    own, so the two disagree where both were missing (in half of the cells in a user's trial;
    mice's ``find.collinear`` drops such a column). Candidates are found by hashing each column
    (O(rows) per column), then compared cell by cell."""
    groups: dict[tuple, list] = {}
    for col in data.columns:
        s = data[col]
        try:  # the cells' hashes in row order (a sum would collide for any permutation)
            h = hashlib.blake2b(pd.util.hash_pandas_object(s, index=False).to_numpy().tobytes(),
                                digest_size=16).hexdigest()
        except TypeError:  # values that cannot be hashed (lists in cells): not compared
            continue
        groups.setdefault((h, int(s.isna().sum())), []).append(col)

    def same(a, b) -> bool:
        sa, sb = data[a], data[b]
        miss = sa.isna().to_numpy()
        if not np.array_equal(miss, sb.isna().to_numpy()):
            return False
        va, vb = sa[~miss], sb[~miss]
        if pd.api.types.is_numeric_dtype(va.dtype) and pd.api.types.is_numeric_dtype(vb.dtype):
            return bool(np.array_equal(va.to_numpy(dtype=float), vb.to_numpy(dtype=float)))
        return bool((va.astype(str).to_numpy() == vb.astype(str).to_numpy()).all())

    found = []
    for members in groups.values():
        for i, a in enumerate(members):
            if not data[a].isna().any() or any(a in pair for pair in found):
                continue
            twins = [b for b in members[i + 1:] if same(a, b)]
            if twins:
                found.append((a, *twins))
    if found:
        text = "; ".join(" = ".join(map(repr, pair[:5])) + (" ..." if len(pair) > 5 else "")
                         for pair in found[:10]) + (f"; and {len(found) - 10} more" if len(found) > 10 else "")
        first = found[0]
        warnings.warn(
            f"Column(s) hold the same values, with the same cells missing: {text}. Each is "
            "imputed on its own, so the copies will disagree where they were missing. Impute one "
            f"and give the other as a derived column (derived={{{first[1]!r}: {first[0]!r}}}; R: "
            f"derived = c({first[1]} = \"{first[0]}\")), or drop it.", UserWarning,
            stacklevel=stacklevel)


def warn_identifiers(data: pd.DataFrame, stacklevel: int) -> None:
    """Warn of complete whole-number columns that hold a different value in every row, in
    increasing order (``1:n``, respondent numbers), or that number consecutive blocks of rows
    from 0 or 1 with at least 10 values (a cluster: 1, 1, 2, 2, 2, 3, ...): identifiers, which the networks would use as
    a number (a range of ids can stand for a source or a wave: ``mice::selfreport``'s ``id``).
    Float columns count too when every value is a whole number from 0 to the number of rows at
    the start (R's ids arrive as doubles: ``mice::fdd$id``); R's dates also arrive as doubles
    (days or seconds since 1970), which start far above that. Also warns of text columns that
    hold ISO dates (:func:`_warn_text_dates`)."""
    _warn_text_dates(data, stacklevel + 1)
    if len(data) < 20:
        return
    found, clusters = [], []
    for j in range(data.shape[1]):
        col = data.iloc[:, j]
        if pd.api.types.is_bool_dtype(col.dtype) or not (
                pd.api.types.is_integer_dtype(col.dtype) or pd.api.types.is_float_dtype(col.dtype)):
            continue
        if col.isna().any():
            continue
        values = col.to_numpy(dtype=np.float64)
        if not np.all(np.isfinite(values)) or np.any(values != np.round(values)):
            continue
        if pd.api.types.is_float_dtype(col.dtype) and not 0 <= values[0] <= len(values):
            continue  # a float that does not start like a row number (R's dates: days, seconds)
        step = np.diff(values)
        if np.all(step > 0):
            found.append(col.name)
        elif (np.all(step >= 0) and values[0] in (0, 1) and len(np.unique(values)) >= 10
              and values[-1] - values[0] + 1 == len(np.unique(values))):
            # 1, 1, 1, 2, 2, 3, ...: the rows sorted by a numbered cluster (a school, a
            # respondent of a long panel); an R user's trial (mice::popmis's school, plm's
            # Wages id) saw them used as a quantity without a word
            clusters.append((col.name, len(values) / len(np.unique(values))))
    if clusters:
        shown = ", ".join(f"{name!r} (about {per:.3g} rows per value)" for name, per in clusters)
        warnings.warn(
            f"Column(s) {shown} number consecutive blocks of rows (1, 1, ..., 2, 2, ...): "
            "they look like cluster identifiers (schools, the respondents of a long panel), "
            "which the networks would use as a quantity. Keep them out of the model with "
            "`idvars=`, or, to impute within clusters, make them categorical (a level per "
            "cluster: the clusters' means are kept, but with few rows per cluster this "
            "overfits).", UserWarning, stacklevel=stacklevel)
    if found:
        warnings.warn(
            f"Column(s) {', '.join(repr(v) for v in found)} hold a different whole number in "
            "every row, in increasing order: they look like row numbers or identifiers, which "
            "the networks would use as a quantity (a range of ids can stand for a source or a "
            "wave). Keep them out of the model with `idvars=` (they are copied into every "
            "completed dataset as they are) unless they measure something.", UserWarning,
            stacklevel=stacklevel)


def _warn_text_dates(data: pd.DataFrame, stacklevel: int) -> None:
    """Warn of text columns whose every value is an ISO 8601 date or date-time ("2018-09-11",
    as a CSV read by pandas holds them): ``impute`` takes them as unordered categories, one
    level per date, which ignores their order and widens the networks with every level (a
    user's trial: two such columns of 158 dates made 1,905 rows of the ESS take 523 s instead
    of 25 s). The command line reads such columns as dates; the Python API does not guess."""
    from .._core.encoding import ISO_DATE as _ISO_DATE

    found = []
    for name in data.columns:
        col = data[name]
        if not (pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype)) \
                or isinstance(col.dtype, pd.CategoricalDtype):
            continue
        obs = col.dropna()
        if len(obs) == 0 or not all(isinstance(v, str) for v in obs.head(1000)):
            continue
        if obs.astype(str).str.fullmatch(_ISO_DATE).all():
            found.append(f"{name!r} ({obs.nunique()} distinct, e.g. {str(obs.iloc[0])!r})")
    if found:
        warnings.warn(
            f"Column(s) {', '.join(found)} hold dates written as text: they are imputed as "
            "unordered categories, one level per date, which ignores their order and makes "
            "training slow (the networks widen with every level). Convert them first: "
            "pd.to_datetime() for a complete column (carried along unchanged), or a number "
            "(e.g. days since a date) to impute one; or drop them.", UserWarning,
            stacklevel=stacklevel)


def network_width(enc: Encoder, settings: GainSettings) -> int:
    """The hidden width ``train_models`` uses: ``hidden`` if given, else max(128, 2 × features)
    capped at ``max_hidden`` (the networks' size grows with the square of the width)."""
    return settings.hidden or min(max(128, 2 * enc.n_features), settings.max_hidden)


def _concurrent_models(m: int, n_jobs: int, backend: str | None) -> int:
    """Models held in this machine's memory at once: the m models are trained stacked, in one
    group (``n_jobs=1``) or in groups that run side by side, so all m; on a dask cluster the
    models live on its workers, one group per job."""
    if backend == "dask":
        return 1 if n_jobs == -1 else -(-m // min(m, n_jobs))
    return m


def _memory_available(device: torch.device) -> int | None:
    """Bytes of memory of the device (the machine's RAM for the CPU); None if unknown."""
    if device.type == "cuda":
        return int(torch.cuda.get_device_properties(device).total_memory)
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (AttributeError, ValueError, OSError):
        return None


def memory_estimate(enc: Encoder, n_rows: int, hidden: int) -> int:
    """Rough bytes one imputation model needs: weights, gradients and Adam's two moments of
    both networks (float32), the encoded data and its copies, and one batch of forward passes
    when drawing."""
    f, d = enc.n_features, enc.n_columns
    n_numeric = sum(c.is_numeric for c in enc.columns)
    width_in = f + d
    params = (width_in * hidden + hidden * hidden + hidden * (f + n_numeric)  # generator
              + width_in * hidden + hidden * hidden + hidden * d)  # discriminator
    data = 3 * n_rows * width_in  # x and mask, the bootstrap copy, the copy drawn into
    forward = min(n_rows, 65_536) * (width_in + 2 * hidden + f + n_numeric)
    return 4 * (4 * params + data + 2 * forward)


def _size(n_bytes: float) -> str:
    return f"{n_bytes / 2**30:.1f} GiB" if n_bytes >= 2**30 else f"{n_bytes / 2**20:.0f} MiB"


def _check_size(enc: Encoder, n_rows: int, settings: GainSettings, device: torch.device,
                concurrent: int, stacklevel: int = 3) -> None:
    """Refuse, before training, data whose networks would not fit in memory; warn when the
    default width is capped. Many features usually come from identifiers or free-text columns
    (one feature per distinct value), so the message names the widest columns."""
    hidden = network_width(enc, settings)
    ids = [c.name for c in enc.columns
           if c.kind == "categorical" and c.width >= max(20, n_rows // 2)]
    if ids:
        warnings.warn(
            f"Column(s) {', '.join(repr(v) for v in ids)} have a level for every other row or "
            "more: they look like identifiers or free text, which give the networks one feature "
            "per value and nothing to learn from. Keep them out of the model with `idvars=` "
            "(they are copied into every completed dataset as they are) unless they are meant "
            "to be imputed.", UserWarning, stacklevel=stacklevel)
    widest = sorted(enc.columns, key=lambda c: -c.width)[:3]
    shown = ", ".join(f"{c.name!r} ({c.width} levels)" for c in widest if c.width > 1)
    if settings.hidden is None and 2 * enc.n_features > settings.max_hidden:
        warnings.warn(
            f"The data have {enc.n_features} encoded features (one per number, one per level of "
            f"each categorical{'; widest: ' + shown if shown else ''}); the networks' hidden "
            f"width is capped at {settings.max_hidden} instead of 2 × {enc.n_features}. Pass "
            "`hidden=` to choose it.", UserWarning, stacklevel=stacklevel)
    need = concurrent * memory_estimate(enc, n_rows, hidden)
    have = _memory_available(device)
    if have is not None and need > 0.8 * have:
        raise ValueError(
            f"Imputing these data needs about {_size(need)} for the GAIN networks "
            f"({enc.n_features} encoded features of {enc.n_columns} columns, hidden width "
            f"{hidden}, {concurrent} model(s) at once), more than the "
            f"{_size(have)} of the {device.type.upper()}'s memory can hold. "
            + (f"The widest columns are {shown}; keep identifiers and free-text columns out "
               "of the model (`idvars=`), or recode categoricals with many levels. " if shown
               else "Impute fewer columns. ")
            + "A smaller `hidden`, fewer imputations at once (`m`) or fewer parallel jobs "
            "(`n_jobs`) also use less memory.")
