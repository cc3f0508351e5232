"""Mixed-type encoding of a survey DataFrame for the GAIN networks, and its inverse.

Every column is given one *kind*, decided once from its dtype and observed values:

============== ========================================== =======================================
kind           which columns                              network representation
============== ========================================== =======================================
continuous     float columns                              standardised value; Gaussian head
integer        integer columns, or floats that are all     standardised value; draws are rounded
               whole numbers (more than two values)       to the nearest observed value
binary         bool/boolean, numbers with two values      one 0/1 feature; Bernoulli head
categorical    unordered categoricals and strings         one-hot block; softmax head
ordered        ordered categoricals                       one-hot block; softmax head
============== ========================================== =======================================

Only *observed* levels enter a one-hot block, so a level that never occurs is never imputed.
An integer column keeps its observed values (up to ``_MAX_SUPPORT`` of them) as ``levels``: a
draw is rounded to the nearest of them, so codes such as 1/5/9 or income brackets are imputed as
codes and brackets (as predictive mean matching imputes observed values), and a draw counts for
the lowest (highest) value within half the gap to its neighbour below (above) it as well as
above (below), so the end values are as likely as the model says and not half as likely (a
1-6 item's 1s were imputed half as often as they occur when draws were confined to [1, 6]).
Ordered categoricals keep their order in the output dtype; the network treats their levels as a
multinomial (no proportional-odds restriction), which costs a few parameters and assumes nothing.

All input problems are raised here, before torch sees the data, with the column named.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from pandas.api import types as pdt

# ISO 8601 dates and date-times as text, as R's write.csv and pandas' to_csv write them: the
# command line reads such columns as dates (socgan.io), impute() warns of them.
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?")



@dataclass
class ColumnSpec:
    """How one column is encoded: its kind, its feature slice and what is needed to decode it."""

    name: object
    kind: str
    dtype: object
    start: int  # first feature of this column in the encoded matrix
    width: int  # number of features (1, or the number of observed levels)
    mean: float = 0.0
    scale: float = 1.0
    low: float = -np.inf  # observed range (continuous/integer): imputations stay inside it
    high: float = np.inf
    # observed levels (binary: the two values; integer: its observed values, if few enough)
    levels: list = field(default_factory=list)
    # point masses of a numeric column: observed values that many cells share (the zeros of
    # earnings, hours or amounts spent; a top code; for a column with a kept support, spikes
    # above their neighbours); imputations reproduce them exactly (``_point_masses``)
    masses: list = field(default_factory=list)

    @property
    def stop(self) -> int:
        return self.start + self.width

    @property
    def is_numeric(self) -> bool:
        return self.kind in ("continuous", "integer")

    def snap(self, values: np.ndarray) -> np.ndarray:
        """Drawn values (data scale) of an integer column as the values it can hold: the
        nearest observed value (or whole number, without a known support), within the range."""
        out = _nearest(values, self.levels) if self.levels else np.round(values)
        if self.levels:  # beyond half a gap past the observed ends (bounds wider than the
            # observed range, ``impute(bounds=)``): whole numbers, not the end values
            lo, hi = self._support_ends()
            out = np.where((values > hi) | (values < lo), np.round(values), out)
        return np.clip(out, self.low, self.high) + 0.0  # + 0.0: no -0.0 (written "-0.0")

    def draw_range(self) -> tuple[float, float]:
        """The range (data scale) within which a drawn value is accepted: the observed range
        (or the bounds given), widened for an integer column by half the gap from its lowest
        (highest) observed value to the next (1 without a known support), the draws that
        decoding turns into the end values."""
        if self.kind != "integer":
            return self.low, self.high
        if not self.levels:
            return self.low - 0.5, self.high + 0.5
        lo, hi = self._support_ends()
        return (lo if self.low >= self.levels[0] else self.low,
                hi if self.high <= self.levels[-1] else self.high)

    def _support_ends(self) -> tuple[float, float]:
        """Half a gap below the lowest observed value and above the highest (integer column
        with a kept support)."""
        support = np.asarray(self.levels, dtype=float)
        below = support[1] - support[0] if len(support) > 1 else 1.0
        above = support[-1] - support[-2] if len(support) > 1 else 1.0
        return support[0] - below / 2, support[-1] + above / 2

    def on_masses(self, values: np.ndarray) -> np.ndarray:
        """Decoded values (data scale) that lie within a rounding error of a point mass, as
        that value: a draw at a mass is the mass standardised and back, which need not give
        the same floating-point number (0 can come back as 1e-16)."""
        out = np.asarray(values, dtype=float)
        for v in self.masses:
            out = np.where(np.abs(out - v) <= 1e-9 * self.scale, v, out)
        return out


# Integers above this are not all representable as float64 (2**53 + 1 is not).
_EXACT_INTEGERS = 2.0 ** 53
# An integer column with at most this many distinct observed values keeps them (its ``levels``),
# and imputations take the nearest of them; beyond it, draws are rounded to whole numbers.
_MAX_SUPPORT = 1000
# A value shared by at least this share of a numeric column's observed cells, and by at least
# _MASS_CELLS of them, is a point mass (when the column keeps no support, above): a spike of
# zeros (earnings, hours, amounts spent), a top or bottom code, a heap of reported round
# numbers. A continuous distribution puts such a share on one value with probability zero.
_MASS_SHARE = 0.05
_MASS_CELLS = 5


# A whole-number column that keeps its support is drawn onto it (``snap``); there a mass is a
# *spike*: a value that also holds at least this many times the cells of each neighbouring value
# of the support (the 0 hours of people who do not work beside 12 and 15 hours; a heap at 20
# cigarettes a day), not an ordinary level of a Likert item or a count.
_SPIKE_RATIO = 10


def _point_masses(values: np.ndarray, support: bool = False) -> list[float]:
    """The point masses (sorted) among the observed ``values`` of a numeric column; with
    ``support`` (a whole-number column that keeps its observed values) only the spikes."""
    uniq, counts = np.unique(values, return_counts=True)
    keep = (counts >= _MASS_CELLS) & (counts >= _MASS_SHARE * len(values))
    if support and len(uniq) > 1:
        left = np.concatenate([[0], counts[:-1]])
        right = np.concatenate([counts[1:], [0]])
        keep &= counts >= _SPIKE_RATIO * np.maximum(left, right)
    return uniq[keep].tolist()


def _location_scale(values: np.ndarray) -> tuple[float, float]:
    """Mean and sd of ``values``. For magnitudes above ~1e154 the squares in ``std`` overflow
    to inf (and standardised values become 0 or NaN); there the moments are computed on
    values divided by their largest magnitude and scaled back."""
    with np.errstate(over="ignore", invalid="ignore"):
        mean, scale = float(values.mean()), float(values.std())
    if np.isfinite(mean) and np.isfinite(scale) and scale > 0:
        return mean, scale
    top = float(np.abs(values).max())
    scaled = values / top
    return float(scaled.mean()) * top, float(scaled.std()) * top


def _plain(value):
    """A numpy scalar as the Python number it holds, for messages (``3``, not ``np.int64(3)``)."""
    return value.item() if isinstance(value, np.generic) else value


def _describe(values: list, k: int = 5) -> str:
    shown = ", ".join(repr(_plain(v)) for v in values[:k])
    return shown + (", ..." if len(values) > k else "")


def _python_dates(s: pd.Series) -> bool:
    """An object column of ``datetime.date``/``datetime`` values (what pandas makes of a
    Parquet ``date32``, the type R's arrow writes for a ``Date``)."""
    if not pdt.is_object_dtype(s.dtype):
        return False
    kinds = {type(v) for v in s.dropna()}
    return bool(kinds) and all(issubclass(k, _dt.date) for k in kinds)


def is_time(s) -> bool:
    """Whether a column (or a dtype) holds dates and times (datetime64, with or without a time
    zone; an object column of ``datetime.date`` values) or durations (timedelta64)."""
    dtype = s.dtype if isinstance(s, pd.Series) else s
    return (pdt.is_datetime64_any_dtype(dtype) or pdt.is_timedelta64_dtype(dtype)
            or (isinstance(s, pd.Series) and _python_dates(s)))


def time_as_days(s: pd.Series) -> np.ndarray:
    """A date/time column as days since 1970-01-01 (UTC; durations: as days), NaT as NaN: the
    number the networks see, as R's ``as.numeric()`` of a Date does (the R package sends
    complete dates as these days). Computed in the column's own unit, so dates that
    nanoseconds cannot hold (before 1677 or after 2262, in seconds or days) work too."""
    if _python_dates(s):
        s = pd.Series(np.array([np.datetime64(v, "s") if v is not None else np.datetime64("NaT")
                                for v in s.astype(object).where(s.notna(), None)],
                               dtype="datetime64[s]"), index=s.index)
    elif pdt.is_datetime64_any_dtype(s.dtype) and getattr(s.dtype, "tz", None) is not None:
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    arr = s.to_numpy()
    unit, count = np.datetime_data(arr.dtype)
    per_day = np.timedelta64(1, "D") / np.timedelta64(count, unit)
    out = arr.view("int64").astype(float) / per_day
    out[np.isnat(arr)] = np.nan
    return out


def _refuse_missing_times(name, s: pd.Series) -> None:
    missing = int(s.isna().sum())
    if missing:
        raise ValueError(
            f"Column {name!r} holds dates/times ({s.dtype}) with {missing} missing value(s); "
            "socgan does not impute dates and times. Convert it to a number first (e.g. days "
            "since a date, and back after imputing), or keep it out of the model with `idvars=` "
            "(CLI: --idvars; an interview date is copied as it is, missing values included). "
            "Complete date/time columns are fine: they inform the model and come back unchanged.")


def _column_kind(name, s: pd.Series) -> tuple[str, list]:
    """Decide the kind of column ``s`` and, for discrete kinds, its observed levels."""
    obs = s.dropna()
    dtype = s.dtype
    if is_time(s):  # complete (checked by the caller): a number of days, never imputed
        return "continuous", []
    if isinstance(dtype, pd.CategoricalDtype):
        present = np.zeros(len(dtype.categories), dtype=bool)
        present[np.unique(obs.cat.codes.to_numpy())] = True
        levels = [lv for lv, p in zip(dtype.categories, present) if p]
        return ("ordered" if dtype.ordered else "categorical"), levels
    if pdt.is_bool_dtype(dtype):
        return "binary", [False, True]
    if pdt.is_numeric_dtype(dtype):
        if pdt.is_complex_dtype(dtype):
            raise TypeError(f"Column {name!r} is complex-valued; socgan imputes real numbers only.")
        values = obs.to_numpy(dtype=float)
        if pdt.is_integer_dtype(dtype) and len(values) and np.abs(values).max() > _EXACT_INTEGERS \
                and s.isna().any():
            # The networks work in floating point: beyond 2**53 neighbouring integers are the
            # same number, and a drawn value could not be turned back into the integer dtype.
            raise ValueError(
                f"Column {name!r} holds integers beyond ±2**53 (e.g. {int(obs.abs().max())}), "
                "which floating-point arithmetic cannot tell apart; it looks like an identifier "
                "(drop it) or needs rescaling (e.g. divide by 1,000) before imputing."
            )
        if not np.isfinite(values).all():
            bad = int((~np.isfinite(values)).sum())
            raise ValueError(
                f"Column {name!r} contains {bad} infinite value(s); replace them with NaN "
                "(missing) or a finite value before imputing."
            )
        uniq = np.unique(values)
        if len(uniq) == 2:
            # Two values (0/1, or 1/2 as in mice::nhanes' hyp): binary, imputed as those values.
            return "binary", uniq.tolist()
        # Whole numbers stored as floats (pandas stores an integer column with NaN as float)
        # are imputed as whole numbers too.
        whole = pdt.is_integer_dtype(dtype) or bool(np.all(values == np.round(values)))
        return ("integer" if whole else "continuous"), []
    if pdt.is_object_dtype(dtype) or pdt.is_string_dtype(dtype):
        kinds = {type(v) for v in obs}
        if kinds and kinds <= {bool, np.bool_}:
            return "binary", [False, True]
        if kinds and all(issubclass(k, (int, float, np.number)) for k in kinds):
            raise TypeError(
                f"Column {name!r} holds numbers stored as Python objects; convert it with "
                "pandas.to_numeric() (or .astype(float)) before imputing."
            )
        if not kinds <= {str}:
            numbers = [v for v in obs if not isinstance(v, str)][:3]
            raise TypeError(
                f"Column {name!r} mixes strings with other values (e.g. {_describe(numbers)}); "
                "convert it to one type (numbers, or strings/categories) before imputing."
            )
        return "categorical", sorted(set(obs))
    raise TypeError(
        f"Column {name!r} has dtype {dtype}, which socgan cannot impute; supported are "
        "numbers, booleans, categoricals and strings (and complete dates/times, which "
        "inform the model and are not imputed)."
    )


def _column_spec(name, s: pd.Series, start: int) -> ColumnSpec:
    """The encoding of column ``name`` (values ``s``), its features from ``start``; a column
    that cannot be imputed is a TypeError or ValueError naming it."""
    if s.notna().sum() == 0:
        raise ValueError(
            f"Column {name!r} has every value missing; there is nothing to learn its "
            "distribution from. Drop it before imputing."
        )
    if is_time(s):
        _refuse_missing_times(name, s)
    kind, levels = _column_kind(name, s)
    if kind in ("categorical", "ordered") and len(levels) < 2:
        raise ValueError(
            f"Column {name!r} has only one observed level ({_describe(levels)}); a "
            "categorical needs at least two to be imputed. Drop or recode it."
        )
    if kind == "binary" and s.dropna().nunique() < 2:
        raise ValueError(
            f"Column {name!r} has only one observed value ({_plain(s.dropna().iloc[0])!r}); "
            "there is no variation to model. Drop it or fill it before imputing."
        )
    spec = ColumnSpec(name=name, kind=kind, dtype=s.dtype, start=start, width=1,
                      levels=list(levels))
    if kind in ("categorical", "ordered"):
        spec.width = len(levels)
    elif kind in ("continuous", "integer"):
        values = time_as_days(s) if is_time(s) else s.dropna().to_numpy(dtype=float)
        with np.errstate(over="ignore"):  # ±1.8e308: the range overflows, to inf
            spread = np.ptp(values)
        if spread == 0 and s.nunique(dropna=True) > 1:
            raise ValueError(
                f"Column {name!r} has {s.nunique(dropna=True)} distinct values that are "
                "all the same floating-point number (they differ only beyond 16 "
                "significant digits), so there is no variation to model; rescale or "
                "drop it before imputing."
            )
        if spread == 0:
            raise ValueError(
                f"Column {name!r} has only one observed value ({_plain(values[0])!r}); there is "
                "no variation to model. Drop it or fill it before imputing."
            )
        spec.mean, spec.scale = _location_scale(values)
        spec.low, spec.high = float(values.min()), float(values.max())
        if kind == "integer":
            support = np.unique(values)
            spec.levels = support.tolist() if len(support) <= _MAX_SUPPORT else []
        spec.masses = _point_masses(values, support=bool(spec.levels))
    return spec


@dataclass
class Encoder:
    """Encoding of a DataFrame's columns to a float matrix for the networks (fitted once)."""

    columns: list[ColumnSpec]
    n_features: int

    @classmethod
    def fit(cls, data: pd.DataFrame) -> "Encoder":
        specs: list[ColumnSpec] = []
        start = 0
        problems: list[Exception] = []
        for name in data.columns:
            try:
                spec = _column_spec(name, data[name], start)
            except (TypeError, ValueError) as exc:  # every column's problem, in one error
                problems.append(exc)
                continue
            specs.append(spec)
            start += spec.width
        if len(problems) == 1:
            raise problems[0]
        if problems:
            kind = TypeError if all(isinstance(e, TypeError) for e in problems) else ValueError
            raise kind(f"{len(problems)} columns cannot be imputed as they are:\n" +
                       "\n".join(f"  - {e}" for e in problems))
        return cls(columns=specs, n_features=start)

    @property
    def n_columns(self) -> int:
        return len(self.columns)

    def feature_owner(self) -> np.ndarray:
        """Index of the column each feature belongs to."""
        return np.concatenate([np.full(c.width, j) for j, c in enumerate(self.columns)])

    def transform(self, data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Encode ``data`` to ``(x, mask)``: features (0 where missing) and column mask (1 = observed)."""
        n = len(data)
        x = np.zeros((n, self.n_features), dtype=np.float32)
        mask = np.zeros((n, self.n_columns), dtype=np.float32)
        for j, c in enumerate(self.columns):
            s = data.iloc[:, j]
            obs = s.notna().to_numpy()
            mask[:, j] = obs
            if c.is_numeric:
                if is_time(s):  # complete when fitted; new data must be complete too
                    _refuse_missing_times(c.name, s)
                v = (time_as_days(s) if is_time(s)
                     else s.to_numpy(dtype=float, na_value=np.nan))[obs]
                with np.errstate(over="ignore", invalid="ignore"):
                    z = (v - c.mean) / c.scale
                if not np.isfinite(z).all():  # near ±1.8e308 the difference itself overflows
                    z = v / c.scale - c.mean / c.scale
                x[obs, c.start] = z
            elif c.kind == "binary":
                v = s[obs].astype(float).to_numpy()
                x[obs, c.start] = v == float(c.levels[1])
            else:
                codes = pd.Index(c.levels).get_indexer(s.astype(object).where(s.notna(), None))
                rows = np.flatnonzero(codes >= 0)
                x[rows, c.start + codes[rows]] = 1.0
        return x, mask

    def decode_column(self, j: int, values: np.ndarray, like: pd.Series) -> pd.Series:
        """Turn drawn values of column ``j`` (numeric scale, or level indices) into ``like``'s dtype."""
        c = self.columns[j]
        if c.is_numeric:
            with np.errstate(over="ignore"):  # an overflow to ±inf is clipped to the range below
                out = values * c.scale + c.mean
            out = c.snap(out) if c.kind == "integer" else c.on_masses(np.clip(out, c.low, c.high))
        elif c.kind == "binary":
            out = np.asarray(c.levels)[np.asarray(values).astype(int)]
            if pdt.is_integer_dtype(c.dtype):
                out = out.astype(np.int64)
        else:
            out = np.asarray(c.levels, dtype=object)[np.asarray(values, dtype=int)]
        return pd.Series(out, index=like.index)


def _nearest(values: np.ndarray, support: list) -> np.ndarray:
    """Each of ``values`` replaced by the nearest value of the sorted ``support`` (a tie goes to
    the lower one; NaN stays NaN)."""
    grid = np.asarray(support, dtype=float)
    values = np.asarray(values, dtype=float)
    right = np.clip(np.searchsorted(grid, values), 1, len(grid) - 1) if len(grid) > 1 else \
        np.zeros(values.shape, dtype=np.intp)
    if len(grid) == 1:
        return np.where(np.isnan(values), np.nan, grid[0])
    left = right - 1
    pick = np.where(values - grid[left] <= grid[right] - values, left, right)
    return np.where(np.isnan(values), np.nan, grid[pick])
