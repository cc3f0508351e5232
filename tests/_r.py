"""A small bridge from the tests to R through rpy2.

R is started lazily (on the first call that needs it), never at import, so test modules can
import this freely. Typical use::

    from _r import r_eval, require_r_packages

    @pytest.mark.against_r
    def test_something():
        require_r_packages("mice")            # skips, with the reason, if R/rpy2/mice is missing
        res = r_eval("mice::pool.scalar(Q, U)$qbar", Q=np.array([1.0, 2.0]), U=np.ones(2))

Conversion, both ways, is deliberately plain and predictable:

* Python -> R (keyword arguments of :func:`r_eval`): ``None`` -> ``NULL``; bool/int/float/str
  -> a length-1 vector; numpy arrays and lists of scalars -> logical/integer/double/character
  vectors, with ``dim`` set for 2-d and higher arrays (filled in R's column-major order, so
  ``x[i, j]`` is the same element on both sides); ``dict`` -> named list; ``pandas.Series`` ->
  named vector; ``pandas.DataFrame`` -> ``data.frame`` (``check.names = FALSE``).
* R -> Python (the value of the last expression): ``NULL`` -> ``None``; ``data.frame`` ->
  ``pandas.DataFrame`` (factors as strings, character row names as the index, column names
  kept verbatim, e.g. ``"2.5 %"``); factor -> numpy array of ``str``; a named list -> ``dict``,
  an unnamed list -> ``list``; atomic vectors -> numpy arrays (``dim`` respected, names
  dropped: ask R for ``names(x)`` if you need them), except that an unnamed length-1 vector
  without ``dim`` becomes a Python scalar. R's ``NA`` is ``nan`` in doubles, ``None`` in
  character vectors and makes integer/logical vectors ``float``.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

__all__ = ["r_available", "r_unavailable_reason", "missing_r_packages", "require_r_packages",
           "r_eval"]


@functools.lru_cache(maxsize=None)
def _r_status() -> tuple[bool, str]:
    try:
        from socgan.r._session import _load  # starts the embedded R, restoring LD_LIBRARY_PATH

        ro, _ = _load()
        ro.r("invisible(NULL)")
    except Exception as exc:  # ImportError, missing libR, R failing to start, ...
        return False, f"R via rpy2 is not available ({type(exc).__name__}: {exc})"
    return True, ""


def r_available() -> bool:
    """True if rpy2 imports and the embedded R starts."""
    return _r_status()[0]


def r_unavailable_reason() -> str | None:
    """Why R cannot be used, or ``None`` when it can."""
    ok, why = _r_status()
    return None if ok else why


@functools.lru_cache(maxsize=None)
def _has_r_package(pkg: str) -> bool:
    import rpy2.robjects as ro
    f = ro.r("function(p) isTRUE(suppressMessages(suppressWarnings("
             "requireNamespace(p, quietly = TRUE))))")
    return bool(f(pkg)[0])


def missing_r_packages(*pkgs: str) -> list[str]:
    """The R packages among ``pkgs`` that cannot be loaded (all of them if R is unavailable)."""
    if not r_available():
        return list(pkgs)
    return [p for p in pkgs if not _has_r_package(p)]


def require_r_packages(*pkgs: str) -> None:
    """``pytest.skip`` with a clear reason unless R, rpy2 and every R package in ``pkgs`` load."""
    why = r_unavailable_reason()
    if why is not None:
        pytest.skip(why)
    missing = missing_r_packages(*pkgs)
    if missing:
        pytest.skip(f"R package(s) not installed: {', '.join(missing)}")


# ---------------------------------------------------------------------------------------------
# Python -> R
# ---------------------------------------------------------------------------------------------

def _vector(arr: np.ndarray):
    import rpy2.robjects as ro
    flat = arr.ravel(order="F")
    if arr.dtype == bool:
        vec = ro.BoolVector(flat.tolist())
    elif np.issubdtype(arr.dtype, np.integer):
        vec = ro.IntVector(flat.tolist())
    elif np.issubdtype(arr.dtype, np.floating):
        vec = ro.FloatVector(flat.tolist())
    elif arr.dtype.kind in "US" or arr.dtype == object:
        vec = ro.StrVector([ro.NA_Character if v is None else str(v) for v in flat.tolist()])
    else:
        raise TypeError(f"cannot send a numpy array of dtype {arr.dtype} to R")
    if arr.ndim >= 2:
        vec.do_slot_assign("dim", ro.IntVector(list(arr.shape)))
    return vec


def to_r(value):
    """Convert a Python value to an R object (see the module docstring)."""
    import rpy2.robjects as ro
    if value is None:
        return ro.NULL
    if isinstance(value, pd.DataFrame):
        cols = {str(c): to_r(value[c].to_numpy()) for c in value.columns}
        make = ro.r("function(cols) as.data.frame(cols, check.names = FALSE, "
                    "stringsAsFactors = FALSE)")
        return make(ro.ListVector(cols))
    if isinstance(value, pd.Series):
        vec = _vector(value.to_numpy())
        vec.names = ro.StrVector([str(i) for i in value.index])
        return vec
    if isinstance(value, dict):
        return ro.ListVector({str(k): to_r(v) for k, v in value.items()})
    if isinstance(value, (bool, np.bool_, int, np.integer, float, np.floating, str)):
        return _vector(np.asarray([value]))
    if isinstance(value, (list, tuple, np.ndarray)):
        return _vector(np.asarray(value))
    raise TypeError(f"cannot send {type(value).__name__} to R")


# ---------------------------------------------------------------------------------------------
# R -> Python
# ---------------------------------------------------------------------------------------------

def _atomic(x):
    import rpy2.rinterface as ri
    import rpy2.robjects as ro
    if isinstance(x, ro.vectors.FactorVector):
        levels = list(x.levels)
        codes = list(ri.IntSexpVector(x))
        return np.array([None if v == ri.NA_Integer else levels[v - 1] for v in codes],
                        dtype=object)
    vals = list(x)
    if isinstance(x, ri.FloatSexpVector):
        arr = np.array(vals, dtype=float)
    elif isinstance(x, ri.IntSexpVector):
        na = [v == ri.NA_Integer for v in vals]
        arr = (np.array([np.nan if n else v for v, n in zip(vals, na)], dtype=float) if any(na)
               else np.array(vals, dtype=np.int64))
    elif isinstance(x, ri.BoolSexpVector):
        na = [v is ri.NA_Logical for v in vals]
        arr = (np.array([np.nan if n else bool(v) for v, n in zip(vals, na)], dtype=float)
               if any(na) else np.array([bool(v) for v in vals], dtype=bool))
    elif isinstance(x, ri.StrSexpVector):
        arr = np.array([None if v is ri.NA_Character else str(v) for v in vals], dtype=object)
    else:
        raise TypeError(f"cannot convert an R object of class {tuple(x.rclass)}")
    dim = x.do_slot("dim") if "dim" in list(x.list_attrs()) else None
    if dim is not None:
        return arr.reshape(tuple(dim), order="F")
    has_names = x.names is not ri.NULL and not isinstance(x.names, type(ri.NULL))
    if arr.shape == (1,) and not has_names:
        return arr[0].item() if hasattr(arr[0], "item") else arr[0]
    return arr


def from_r(x):
    """Convert an R object to a Python value (see the module docstring)."""
    import rpy2.rinterface as ri
    import rpy2.robjects as ro
    if x is None or x is ri.NULL or isinstance(x, type(ri.NULL)):
        return None
    if isinstance(x, ro.DataFrame):
        cols = {}
        for name, col in zip(list(x.names), list(x)):
            v = from_r(col)
            cols[name] = np.atleast_1d(np.asarray(v))
        df = pd.DataFrame(cols)
        rn = ro.r("function(d) if (is.character(attr(d, 'row.names'))) rownames(d) else NULL")(x)
        if rn is not ri.NULL and not isinstance(rn, type(ri.NULL)):
            df.index = list(rn)
        return df
    if isinstance(x, ri.ListSexpVector):
        items = [from_r(v) for v in x]
        names = x.names
        if names is not ri.NULL and not isinstance(names, type(ri.NULL)) and all(list(names)):
            return dict(zip(list(names), items))
        return items
    return _atomic(x)


_EVAL = None


def r_eval(code: str, **inputs):
    """Evaluate R ``code`` with ``inputs`` bound as R variables; return its value in Python.

    The code runs in a fresh environment whose parent is R's global environment, so runs do
    not see each other's variables. R errors raise ``rpy2.rinterface_lib.embedded.RRuntimeError``.
    Call :func:`require_r_packages` first so that a missing R skips instead of failing.
    """
    global _EVAL
    import rpy2.robjects as ro
    if _EVAL is None:
        _EVAL = ro.r("function(code, env) eval(parse(text = code), envir = env)")
    env = ro.r("new.env(parent = globalenv())")
    for name, value in inputs.items():
        env[name] = to_r(value)
    return from_r(_EVAL(code, env))
