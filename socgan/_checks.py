"""Argument checks shared by socgan's public functions.

R users reach socgan through reticulate, where R's ``5`` arrives as the float ``5.0``;
counts therefore accept whole-number floats and are cast to ``int`` here, once.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd


def as_count(value, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as an ``int`` count, accepting whole-number floats (R's ``5`` is ``5.0``)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a whole number, got {value!r} ({type(value).__name__}).")
    if not isinstance(value, numbers.Integral) and (not np.isfinite(value) or float(value) != int(value)):
        raise ValueError(f"`{name}` must be a whole number, got {value!r}.")
    out = int(value)
    if out < minimum:
        raise ValueError(f"`{name}` must be at least {minimum}, got {out}.")
    return out


def as_real(value, name: str, *, low: float = 0.0, high: float = 1.0,
                   closed_low: bool = False, closed_high: bool = False) -> float:
    """Return ``value`` as a float strictly (or, if closed, weakly) inside ``(low, high)``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a number, got {value!r} ({type(value).__name__}).")
    v = float(value)
    ok_low = v >= low if closed_low else v > low
    ok_high = v <= high if closed_high else v < high
    if not (np.isfinite(v) and ok_low and ok_high):
        lb = "[" if closed_low else "("
        rb = "]" if closed_high else ")"
        raise ValueError(f"`{name}` must lie in {lb}{low}, {high}{rb}, got {value!r}.")
    return v


def as_seed(seed, name: str = "seed") -> int | None:
    """Return ``seed`` as ``int`` or ``None``; whole-number floats are accepted."""
    if seed is None:
        return None
    return as_count(seed, name, minimum=0)


def check_frame(data) -> None:
    """``data`` must be a DataFrame with columns, at least 2 rows and unique column names."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"`data` must be a pandas DataFrame, got {type(data).__name__}; "
            "convert it with pandas.DataFrame(...) first."
        )
    if data.shape[1] == 0:
        raise ValueError("`data` has no columns.")
    if len(data) < 2:
        raise ValueError(f"`data` must have at least 2 rows, got {len(data)}.")
    dup = data.columns[data.columns.duplicated()].unique().tolist()
    if dup:
        raise ValueError(f"`data` has duplicate column names: {dup}; give every column its own name.")
