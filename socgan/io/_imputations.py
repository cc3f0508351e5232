"""Imputations to files: mice's long format in one file, or one file per completed dataset."""

from __future__ import annotations

import os
from pathlib import Path

from ._tables import format_of, write_tables

# Stata and SPSS names cannot start with a dot: mice's .imp and .id are renamed there.
# SPSS reads a variable named Imputation_ as the marker of multiply imputed data.
_LONG_NAMES = {".dta": {".imp": "Imputation_", ".id": "id_"},
               ".sav": {".imp": "Imputation_", ".id": "id_"}}


def imputation_paths(path: str | os.PathLike, m: int) -> list[Path]:
    """The files ``write_imputations(..., split=True)`` writes: ``name_1.ext`` .. ``name_m.ext``."""
    path = Path(path)
    return [path.with_name(f"{path.stem}_{k}{path.suffix}") for k in range(1, m + 1)]


def write_imputations(imputations, path: str | os.PathLike, *, split: bool = False) -> list[Path]:
    """Write ``imputations`` (a :class:`socgan.Imputations`) to ``path``, atomically.

    By default one file in mice's long format: ``.imp`` (0 = the incomplete data, 1..m the
    completed ones), ``.id`` (the row), then the data columns; in Stata and SPSS files the
    first two are named ``Imputation_`` and ``id_``. With ``split=True``, each completed dataset
    goes to its own file, ``name_1.ext`` .. ``name_m.ext``. Either every file is written or none
    is. Returns the paths written.
    """
    ext = format_of(path)
    if split:
        paths = imputation_paths(path, imputations.m)
        frames = list(imputations.datasets)
    else:
        paths = [Path(path)]
        long = imputations.long()
        names = _LONG_NAMES.get(ext, {})
        clash = [new for new in names.values() if new in long.columns]
        if clash:
            raise ValueError(f"The data have a column named {clash[0]!r}, the name the long format "
                             f"uses in {ext} files for {'.imp' if clash[0] == names['.imp'] else '.id'}; "
                             "rename it, or write one file per imputation.")
        frames = [long.rename(columns=names)]
    write_tables(list(zip(frames, paths)))
    return paths
