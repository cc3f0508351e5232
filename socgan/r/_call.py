"""How socgan's R package (r-bridge/) calls socgan: results, errors and warnings as plain data.

reticulate 1.28 turns a Python exception into an R error whose message is Python's traceback
text, and Python warnings are printed to the console, where R's ``tryCatch`` and
``suppressWarnings`` cannot reach them. :func:`call` therefore runs a socgan function and hands
back what happened as plain objects — the value, the exception's class and message, each
warning's class and message — and the R side raises them as R conditions in R's wording
(``r-bridge/R/python.R``).

:func:`signature` and :func:`imputations_for_r` let the R package take argument names,
defaults and results from the Python side, so that the two cannot drift apart.
"""

from __future__ import annotations

import inspect
import numbers
import warnings

import numpy as np

from .._params import Rule, Unchecked, validate_params
from ._wire import encode_frame, encode_frames


def _function(value, name: str):
    if not callable(value):
        raise TypeError(f"`{name}` must be a Python function, got {type(value).__name__}.")
    return value


def _imputations(value, name: str):
    if not (hasattr(value, "datasets") and hasattr(value, "options")
            and hasattr(value, "diagnostics")):
        raise TypeError(f"`{name}` must be a socgan.Imputations, got {type(value).__name__}.")
    return value

# Python's default filters hide these from users; so does the R bridge.
_HIDDEN = (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)


# A function that cannot be called fails inside, and comes back to R as data as any error does.
@validate_params({"function": Unchecked("a Python function (any failure is returned as data)")})
def call(function, *args, **kwargs) -> dict:
    """Run ``function(*args, **kwargs)`` and return ``{"value", "error", "warnings"}``.

    ``error`` is ``None`` or ``{"class", "classes", "message"}`` (``classes``: the exception's
    class and its bases, most specific first); ``warnings`` is a list of ``{"class", "message"}``
    in the order they were raised, each distinct warning once. Exceptions are caught here so
    that R can raise them as R errors; ``KeyboardInterrupt`` (R's interrupt) is not.
    """
    error = None
    value = None
    with warnings.catch_warnings(record=True) as caught:
        # "always": a warning given in an earlier call must be given again (Python's default
        # shows it once per code location and session).
        warnings.simplefilter("always")
        for category in _HIDDEN:
            warnings.filterwarnings("ignore", category=category)
        try:
            value = function(*args, **kwargs)
        except Exception as err:  # noqa: BLE001 - every failure goes back to R as an R error
            error = {"class": type(err).__name__,
                     "classes": [c.__name__ for c in type(err).__mro__
                                 if issubclass(c, BaseException)],
                     "message": str(err)}
    seen = []
    for w in caught:
        item = {"class": w.category.__name__, "message": str(w.message)}
        if item not in seen:
            seen.append(item)
    return {"value": value, "error": error, "warnings": seen}


@validate_params({"function": Rule(_function, "a Python function")})
def signature(function) -> list[dict]:
    """The parameters of ``function``: ``{"name", "default", "has_default", "keyword_only"}``.

    Defaults are given as plain values R understands (``None``, bools, numbers, strings) and
    as their ``repr`` otherwise.
    """
    out = []
    for p in inspect.signature(function).parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        has_default = p.default is not inspect.Parameter.empty
        out.append({"name": p.name, "default": _plain(p.default) if has_default else None,
                    "has_default": has_default, "keyword_only": p.kind == p.KEYWORD_ONLY})
    return out


@validate_params({"imputations": Rule(_imputations, "a socgan.Imputations")})
def imputations_for_r(imputations) -> dict:
    """An :class:`~socgan.imputation.Imputations` as the wire format's plain objects.

    ``datasets`` (the m completed frames), ``loss_history`` (a frame) and ``options`` (the
    settings used, with plain values; the seed's ``entropy``, a 128-bit number, as text).
    """
    options = {str(k): _plain(v) for k, v in imputations.options.items()}
    if "entropy" in imputations.options:
        options["entropy"] = str(imputations.options["entropy"])
    return {"datasets": encode_frames(imputations.datasets),
            "loss_history": encode_frame(
                imputations.diagnostics["loss_history"].reset_index(drop=True)),
            "options": options}


def _plain(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, dict):  # bounds: {column: (low, high)} -> list(column = c(low, high))
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):  # bounds' pairs; idvars: column names
        return [_plain(v) for v in value]
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value) if abs(int(value)) < 2**31 else float(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return repr(value)
