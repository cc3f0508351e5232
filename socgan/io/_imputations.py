"""Imputations to files: mice's long format in one file, or one file per completed dataset."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from .._params import Count, Flag, Rule, validate_params
from ._tables import _DATA, _PATH, format_of, write_tables


def _imputations(value, name: str):
    """A :class:`socgan.Imputations` (anything with ``m``, ``datasets`` and ``long()``)."""
    if not (hasattr(value, "datasets") and hasattr(value, "m")
            and callable(getattr(value, "long", None))):
        raise TypeError(f"`{name}` must be a socgan.Imputations (the result of socgan.impute), "
                        f"got {type(value).__name__}.")
    return value

# Stata and SPSS names cannot start with a dot: mice's .imp and .id are renamed there.
# SPSS reads a variable named Imputation_ as the marker of multiply imputed data.
_LONG_NAMES = {".dta": {".imp": "Imputation_", ".id": "id_"},
               ".sav": {".imp": "Imputation_", ".id": "id_"},
               ".zsav": {".imp": "Imputation_", ".id": "id_"}}


@validate_params({"path": _PATH, "m": Count(1)}, positional=("m",))
def imputation_paths(path: str | os.PathLike, *, m: int) -> list[Path]:
    """The files ``write_imputations(..., split=True)`` writes: ``name_1.ext`` .. ``name_m.ext``."""
    path = Path(path)
    return [path.with_name(f"{path.stem}_{k}{path.suffix}") for k in range(1, m + 1)]


@validate_params({"imputations": Rule(_imputations, "a socgan.Imputations"), "path": _PATH,
                  "split": Flag()})
def write_imputations(imputations, path: str | os.PathLike, *, split: bool = False,
                      **csv) -> list[Path]:
    """Write ``imputations`` (a :class:`socgan.Imputations`) to ``path``, atomically.

    By default one file in mice's long format: ``.imp`` (0 = the incomplete data, 1..m the
    completed ones), ``.id`` (the row), then the data columns; in Stata and SPSS files the
    first two are named ``Imputation_`` and ``id_``. With ``split=True``, each completed dataset
    goes to its own file, ``name_1.ext`` .. ``name_m.ext``. Either every file is written or none
    is. Returns the paths written. ``csv``: ``sep``, ``decimal``, ``encoding`` of CSV files
    (see :func:`socgan.io.read_table`).
    """
    ext = format_of(path)
    if split:
        paths = imputation_paths(path, m=imputations.m)
        frames = list(imputations.datasets)
    else:
        paths = [Path(path)]
        frames = [_for_file(imputations.long(), ext)]
    write_tables(list(zip(frames, paths)), **csv)
    return paths


@validate_params({"data": _DATA, "path": _PATH, "split": Flag(), "m": Count(1)})
def check_writable(data: pd.DataFrame, path: str | os.PathLike, *, split: bool = False,
                   m: int = 1, **csv) -> None:
    """Raise the error that writing ``m`` imputations of ``data`` to ``path`` would raise
    (unknown type, missing folder, a folder in the file's place, no permission, names or
    values the format cannot hold), by writing the first rows to a temporary file beside
    ``path`` and removing it: a long run then does not fail only at its end."""
    ext = format_of(path)
    targets = imputation_paths(path, m=m) if split else [Path(path)]
    for target in targets:
        real = Path(os.path.realpath(target))  # a symbolic link: the file it names is written
        if real.is_dir():
            raise IsADirectoryError(f"{os.fspath(target)!r} is a folder; name a file to write "
                                    "the imputations to.")
        if not real.parent.is_dir():
            raise FileNotFoundError(f"{os.fspath(target)!r}: the folder "
                                    f"{os.fspath(real.parent)!r} does not exist.")
    real = Path(os.path.realpath(targets[0]))
    # The first rows, and each column's first observed value (a column missing in the first
    # rows is written with values once imputed: a value-labelled Stata column of only missing
    # values fails where one with values does not, and the other way round).
    seen = data.notna().to_numpy()
    rows = np.unique(np.concatenate([np.arange(min(5, len(data))), seen.argmax(0)[seen.any(0)]]))
    head = data.iloc[rows].reset_index(drop=True)
    if not split:
        clash = [c for c in (".imp", ".id") if c in head.columns]
        if clash:
            raise ValueError(f"The data have a column named {clash[0]!r}, which mice's long "
                             "format uses for its own column; rename it, or write one file per "
                             "imputation (--split).")
        head.insert(0, ".id", np.arange(1, len(head) + 1))
        head.insert(0, ".imp", 0)
        head = _for_file(head, ext)
    fd, name = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=f".check{ext}")
    os.close(fd)
    try:
        write_tables([(head, name)], **csv)
    except (ValueError, OSError) as exc:  # the message names the file to write, not this one
        text = str(exc).replace(repr(name), repr(os.fspath(targets[0]))).replace(
            name, os.fspath(targets[0]))
        raise type(exc)(text) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)


def _for_file(long: pd.DataFrame, ext: str) -> pd.DataFrame:
    """The long format with .imp and .id named as the file type allows."""
    names = _LONG_NAMES.get(ext, {})
    clash = [new for new in names.values() if new in long.columns]
    if clash:
        raise ValueError(f"The data have a column named {clash[0]!r}, the name the long format "
                         f"uses in {ext} files for {'.imp' if clash[0] == names['.imp'] else '.id'}; "
                         "rename it, or write one file per imputation.")
    return long.rename(columns=names)
