"""socgan's public API convention, and the one place where arguments are checked.

The convention (also in the README, "Conventions"): the data come first and are the only
positional arguments (with a model's formula, in ``Imputations.fit``); every option after them is
keyword-only. The same names mean the same thing everywhere: ``m`` (the number of imputations),
``seed`` (an ``int`` or ``None``), ``progress`` (a tqdm bar, ``True`` by default everywhere),
``method`` (which method), ``n_rows`` (a number of rows to make), ``conf_level``. A function that
is one method takes that method's settings as flat keywords (``impute``, ``emb_impute``,
``synthesize``); a function that runs several methods takes them as ``options=`` (a dict by
setting, or by method for ``sae.compare``).

Each public function declares its arguments once, in a table of constraints (scikit-learn's
``_parameter_constraints``, checked by ``validate_params``): :func:`validate_params` checks
and casts every argument before the function runs, so the body receives clean values (R's ``5``
arrives through reticulate as ``5.0``: counts accept whole-number floats and become ``int``).
Rules that tie several arguments together stay in the function, using the same checkers.
:func:`check_frame` is the one data-frame validator.

Old names and positions keep working for a while: ``validate_params(..., renamed=..., positional=...)``
maps them to the new ones with a ``FutureWarning`` (shown to end users, unlike
``DeprecationWarning``) that says what to write instead.
"""

from __future__ import annotations

import abc
import difflib
import functools
import inspect
import math
import numbers
import os
import warnings
from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

# -- constraints -----------------------------------------------------------------------------


class Constraint(abc.ABC):
    """One argument's rule: called with (value, name), returns the value cast, or raises a
    TypeError/ValueError naming the argument. Abstract: each kind of rule is a subclass."""

    what = "a value"

    @abc.abstractmethod
    def __call__(self, value, name: str):
        """The value checked and cast, or a TypeError/ValueError naming ``name``."""

    def __repr__(self) -> str:
        return self.what


class Count(Constraint):
    """A whole number (``int``, or a whole-number float such as R's ``5``) in [minimum, maximum]."""

    def __init__(self, minimum: int = 1, maximum: int | None = None):
        self.minimum, self.maximum = minimum, maximum
        self.what = (f"a whole number >= {minimum}" if maximum is None
                     else f"a whole number in [{minimum}, {maximum}]")

    def __call__(self, value, name):
        out = as_count(value, name, minimum=self.minimum)
        if self.maximum is not None and out > self.maximum:
            raise ValueError(f"`{name}` must be at most {self.maximum}, got {out}.")
        return out


class Real(Constraint):
    """A finite number in an interval; ``closed`` is "neither", "left", "right" or "both"."""

    def __init__(self, low: float = 0.0, high: float = 1.0, closed: str = "neither"):
        if closed not in ("neither", "left", "right", "both"):
            raise ValueError(f"closed={closed!r}")
        self.low, self.high, self.closed = low, high, closed
        lb = "[" if closed in ("left", "both") else "("
        rb = "]" if closed in ("right", "both") else ")"
        self.what = f"a number in {lb}{low}, {high}{rb}"

    def __call__(self, value, name):
        return as_real(value, name, low=self.low, high=self.high,
                       closed_low=self.closed in ("left", "both"),
                       closed_high=self.closed in ("right", "both"))


class Flag(Constraint):
    what = "True or False"

    def __call__(self, value, name):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"`{name}` must be True or False, got {value!r}.")
        return bool(value)


class Seed(Constraint):
    what = "None or a whole number >= 0"

    def __call__(self, value, name):
        return as_seed(value, name)


class OneOf(Constraint):
    """One of a few strings (a method's name, a policy)."""

    def __init__(self, *values: str):
        self.values = values
        self.what = "one of " + ", ".join(map(repr, values))

    def __call__(self, value, name):
        if not (isinstance(value, str) and value in self.values):
            raise ValueError(f"`{name}` must be {self.what}, got {value!r}.")
        return value


class Text(Constraint):
    """A string (a column name, a formula, a path's title)."""

    def __init__(self, what: str = "a string"):
        self.what = what

    def __call__(self, value, name):
        if not isinstance(value, str):
            raise TypeError(f"`{name}` must be {self.what}, got {value!r} "
                            f"({type(value).__name__}).")
        return value


class Instance(Constraint):
    """An instance of one of ``types`` (checked; not cast)."""

    def __init__(self, *types: type, what: str):
        self.types, self.what = types, what

    def __call__(self, value, name):
        if not isinstance(value, self.types):
            raise TypeError(f"`{name}` must be {self.what}, got {type(value).__name__}.")
        return value


class FilePath(Constraint):
    """A file's path: a string or an ``os.PathLike`` (``pathlib.Path``), returned unchanged.
    ``file_object=True`` also allows an open binary file (anything with ``write``), as
    matplotlib's ``savefig`` does."""

    def __init__(self, *, file_object: bool = False):
        self.file_object = file_object
        self.what = ("a file path (a string or pathlib.Path) or a file opened for writing"
                     if file_object else "a file path (a string or pathlib.Path)")

    def __call__(self, value, name):
        if isinstance(value, (str, os.PathLike)):
            return value
        if self.file_object and callable(getattr(value, "write", None)):
            return value
        raise TypeError(f"`{name}` must be {self.what}, got {value!r} ({type(value).__name__}).")


class Frame(Constraint):
    """A pandas DataFrame, checked by :func:`check_frame` with these settings."""

    def __init__(self, *, min_rows: int = 2, complete: str | None = None, private: bool = False,
                 min_columns: int = 1):
        self.min_rows, self.complete, self.private = min_rows, complete, private
        self.min_columns = min_columns
        self.what = "a pandas DataFrame"

    def __call__(self, value, name):
        check_frame(value, name, min_rows=self.min_rows, complete=self.complete,
                    private=self.private, min_columns=self.min_columns)
        return value


class Optional(Constraint):
    """``None``, or what ``inner`` allows."""

    def __init__(self, inner: Constraint):
        self.inner = inner
        self.what = f"None or {inner.what}"

    def __call__(self, value, name):
        return None if value is None else self.inner(value, name)


class Rule(Constraint):
    """A check written as a function ``(value, name) -> value``, for an argument of its own kind
    (a mapping of bounds, a list of columns); declared here like the others."""

    def __init__(self, check: Callable, what: str):
        self.check, self.what = check, what

    def __call__(self, value, name):
        return self.check(value, name)


class Unchecked(Constraint):
    """Declared, and deliberately left to the function (e.g. a value the function hands on to
    another library that checks it, or one checked together with other arguments)."""

    def __init__(self, what: str):
        self.what = what

    def __call__(self, value, name):
        return value


# -- the checkers the constraints use (also for rules that tie arguments together) ---------


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


def _listed(values, k: int = 5) -> str:
    values = list(values)
    return "[" + ", ".join(repr(v) for v in values[:k]) + (", ...]" if len(values) > k else "]")


def check_frame(data, name: str = "data", *, min_rows: int = 2, complete: str | None = None,
                private: bool = False, columns=None, like: str | None = None,
                min_columns: int = 1) -> None:
    """The one data-frame check of socgan's public functions.

    ``data`` must be a pandas DataFrame with at least ``min_columns`` column(s) (default 1),
    unique column names and at least ``min_rows`` rows; with ``columns``, it must have those columns (those of the argument
    named ``like``); with ``complete`` (the reason, said in the error), no missing value in them.

    ``private=True`` (a differentially private release's data) allows any number of rows, since
    refusing small data would make whether a release happens depend on one person, and its
    messages give column names, never a value or a count.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"`{name}` must be a pandas DataFrame, got {type(data).__name__}; "
                        "convert it with pandas.DataFrame(...) first.")
    if data.shape[1] < min_columns:
        raise ValueError(f"`{name}` has no columns.")
    if not private and len(data) < min_rows:
        raise ValueError(f"`{name}` has no rows." if min_rows == 1 else
                         f"`{name}` must have at least {min_rows} rows, got {len(data)}.")
    dup = data.columns[data.columns.duplicated()].unique().tolist()
    if dup:
        raise ValueError(f"`{name}` has duplicate column names: {_listed(dup)}; give every "
                         "column its own name.")
    if columns is not None:
        lacking = [c for c in columns if c not in data.columns]
        if lacking:
            raise ValueError(f"`{name}` lacks column(s) of `{like}`: {_listed(lacking)}.")
    if complete is not None:
        cols = data.columns if columns is None else list(columns)
        counts = {c: int(data[c].isna().sum()) for c in cols}
        na = {c: k for c, k in counts.items() if k}
        if na:
            first, *rest = na
            also = f"; so do {_listed(rest)}" if rest else ""
            # a private release's data: which columns, never how many (a count computed from
            # private data is not paid for by any accountant)
            how_many = "missing values" if private else f"{na[first]} missing value(s)"
            raise ValueError(f"Column {first!r} of `{name}` has {how_many}{also}; {complete}")


def check_idvars(value, name: str) -> list:
    """``idvars`` as a list of column names: one name (R's ``"id"`` arrives as a string) or a
    list of them, without repeats. Checked against the data when fitting (:func:`idvar_positions`)."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__") or isinstance(value, Mapping):
        value = [value]
    names = [v.item() if isinstance(v, np.generic) else v for v in value]
    for v in names:
        if not isinstance(v, (str, numbers.Real)) or isinstance(v, bool):
            raise TypeError(f"`{name}` must name columns (a column name or a list of them), "
                            f"got {v!r} ({type(v).__name__}).")
    twice = sorted({repr(v) for v in names if names.count(v) > 1})
    if twice:
        raise ValueError(f"`{name}` names {', '.join(twice)} more than once.")
    return names


def idvar_positions(data: pd.DataFrame, idvars: list, bounds: dict | None) -> list[int]:
    """The positions in ``data`` of the columns ``idvars`` names (Amelia's ``idvars``: kept in
    every completed dataset as they are, missing values included, and left out of the model);
    an error names a column that ``data`` lacks or holds twice, and one that ``bounds`` names."""
    out = []
    for col in idvars:
        hits = [j for j, name in enumerate(data.columns) if name == col]
        if not hits:
            raise ValueError(f"`idvars`: `data` has no column {col!r}.")
        if len(hits) > 1:
            raise ValueError(f"`idvars`: `data` has {len(hits)} columns named {col!r}.")
        if col in (bounds or {}):
            raise ValueError(f"`idvars` and `bounds` both name {col!r}: a column in `idvars` is "
                             "not imputed, so it has no bounds.")
        out.append(hits[0])
    if out and len(out) == data.shape[1]:
        raise ValueError("`idvars` names every column of `data`: nothing is left to impute.")
    return out


# -- one place where the table is checked ----------------------------------------------------


def check_params(constraints: Mapping[str, Constraint], values: Mapping, *,
                 where: str = "") -> dict:
    """Check and cast ``values`` by ``constraints``; returns the cast values (others unchanged).
    An argument with no constraint is an error: every argument must be declared."""
    undeclared = [k for k in values if k not in constraints]
    if undeclared:
        raise RuntimeError(f"{where}: argument(s) {undeclared} have no declared constraint.")
    return {k: constraints[k](v, k) for k, v in values.items()}


def _unknown_keyword(label: str, key: str, keywords: list[str]) -> str:
    """Python's message for an unexpected keyword argument, with the closest accepted name
    (``epoch`` -> ``epochs``) or, without one, the accepted names."""
    message = f"{label}() got an unexpected keyword argument {key!r}"
    close = difflib.get_close_matches(str(key), keywords, n=1)
    if close:
        return f"{message}. Did you mean {close[0]!r}?"
    return f"{message}; it accepts {', '.join(repr(k) for k in keywords)}."


def _future(message: str, stacklevel: int) -> None:
    warnings.warn(message, FutureWarning, stacklevel=stacklevel + 1)


def validate_params(constraints: Mapping[str, Constraint], *,
                    positional: tuple[str, ...] = (), renamed: Mapping[str, str] | None = None,
                    values_renamed: Mapping[str, Mapping] | None = None, check: bool = True):
    """Decorate a public function (or method) with its table of constraints.

    Every parameter of the function except ``self`` (``cls``) and ``**kwargs`` must be in ``constraints``
    (checked when the module is imported). On each call the arguments are bound, defaults
    filled in, every value checked and cast by its constraint, and the function called with
    the cast values. The table is ``func._parameter_constraints``.

    Deprecations, each with a FutureWarning naming the replacement:

    - ``positional``: keyword-only parameters that used to be positional, in their old order
      (``impute(data, 5)`` is ``impute(data, m=5)``);
    - ``renamed``: ``{old name: new name}`` (``seed_experiment(n=...)`` is ``n_rows=...``);
    - ``values_renamed``: ``{parameter: {old value: new value}}``.

    ``check=False`` applies only the deprecations (an estimator's ``__init__``, which stores its
    arguments and leaves their checks to ``fit``, as scikit-learn does).
    """
    renamed = dict(renamed or {})
    values_renamed = {k: dict(v) for k, v in (values_renamed or {}).items()}

    def decorate(func):
        sig = inspect.signature(func)
        params = sig.parameters
        declared = [p for p in params if p not in ("self", "cls")
                    and params[p].kind not in (inspect.Parameter.VAR_KEYWORD,
                                               inspect.Parameter.VAR_POSITIONAL)]
        missing = [p for p in declared if p not in constraints]
        extra = [p for p in constraints if p not in declared]
        if check and (missing or extra):
            raise RuntimeError(f"{func.__qualname__}: parameters without a constraint {missing}, "
                               f"constraints without a parameter {extra}.")
        n_positional = sum(p.kind in (inspect.Parameter.POSITIONAL_ONLY,
                                      inspect.Parameter.POSITIONAL_OR_KEYWORD)
                           for p in params.values())
        for name in positional:
            if params[name].kind is not inspect.Parameter.KEYWORD_ONLY:
                raise RuntimeError(f"{func.__qualname__}: {name!r} is not keyword-only.")
        checked_names = declared if check else []  # in the signature's order
        label = func.__qualname__.removesuffix(".__init__")
        open_keywords = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
        keywords = [p for p in declared if params[p].kind is not inspect.Parameter.POSITIONAL_ONLY]

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if len(args) > n_positional and len(args) - n_positional <= len(positional):
                moved = dict(zip(positional, args[n_positional:]))
                clash = [k for k in moved if k in kwargs]
                if clash:
                    raise TypeError(f"{label}() got multiple values for argument {clash[0]!r}")
                shown = ", ".join(f"{k}={v!r}" for k, v in moved.items())
                _future(f"Passing {', '.join(f'`{k}`' for k in moved)} by position to {label}() "
                        f"is deprecated and will stop working; write {shown}.", 2)
                args, kwargs = args[:n_positional], {**kwargs, **moved}
            for old, new in renamed.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{label}() got both `{old}` (its old name) and `{new}`; "
                                        f"give only `{new}`.")
                    _future(f"`{old}` of {label}() is now called `{new}`; `{old}` is deprecated "
                            "and will stop working.", 2)
                    kwargs[new] = kwargs.pop(old)
            if not open_keywords:
                for key in kwargs:
                    if key not in keywords:
                        raise TypeError(_unknown_keyword(label, key, keywords))
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            for name, table in values_renamed.items():
                value = bound.arguments.get(name)
                if isinstance(value, str) and value in table:
                    _future(f"{label}({name}={value!r}) is now {name}={table[value]!r}; the old "
                            "value is deprecated and will stop working.", 2)
                    bound.arguments[name] = table[value]
            for name in checked_names:
                bound.arguments[name] = constraints[name](bound.arguments[name], name)
            return func(*bound.args, **bound.kwargs)

        if check:
            wrapper._parameter_constraints = dict(constraints)
        wrapper._deprecated = {"positional": tuple(positional), "renamed": dict(renamed),
                               "values_renamed": values_renamed}
        return wrapper

    return decorate


POSITIVE = Real(0.0, math.inf)
NON_NEGATIVE = Real(0.0, math.inf, closed="left")
PROBABILITY = Real(0.0, 1.0)
