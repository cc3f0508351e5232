"""Data files by extension: CSV, Parquet (pyarrow), Stata ``.dta`` and SPSS ``.sav`` (pyreadstat).

What crosses, and how
    CSV        numbers, text; integer columns with missing values stay integers (pandas'
               nullable dtypes); categories are written as their labels.
    Parquet    every pandas dtype, categories (ordered or not) included.
    Stata/SPSS value labels become categories on reading, in the order of their codes, when
               every observed value of the variable is labelled (codes that share a label
               are one category, as ``haven::as_factor()`` makes them; a variable with only a few
               labelled codes, such as 99 = "refused", stays numeric); system and user-defined
               missing values become missing; integer variables (Stata integer storage, SPSS
               formats with no decimals) holding whole numbers become integers; empty strings
               become missing; the file's value labels, codes included, are kept in
               ``DataFrame.attrs["value_labels"]``. On writing, a category column whose
               levels are all labels of that variable there gets their codes (a 0/1 ``female``
               stays 0/1), with all its labels (numeric columns keep theirs too, such as
               99 = "refused"); another category column is written as codes 1..k with its
               levels as value labels.
"""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from .._core.encoding import ISO_DATE

from .._params import FilePath, Frame, Optional, Rule, Text, validate_params
from ._atomic import atomic_paths

FORMATS = {".csv": "CSV", ".parquet": "Parquet", ".dta": "Stata", ".sav": "SPSS"}
_NEEDS = {".parquet": "pyarrow", ".dta": "pyreadstat", ".sav": "pyreadstat"}


def _character(value, name: str) -> str:
    """A CSV file's separator or decimal mark: one character."""
    if not isinstance(value, str):
        raise TypeError(f"`{name}` must be one character (a string), got {value!r} "
                        f"({type(value).__name__}).")
    if len(value) != 1:
        raise ValueError(f"`{name}` must be one character, got {value!r}.")
    return value


def _items(value, name: str) -> list:
    """``write_tables``' list of (DataFrame, path) pairs, each checked as ``write_table``'s
    arguments are."""
    if isinstance(value, (str, bytes, pd.DataFrame)) or not hasattr(value, "__iter__"):
        raise TypeError(f"`{name}` must be a list of (DataFrame, path) pairs, got "
                        f"{type(value).__name__}.")
    out = []
    for k, item in enumerate(value):
        if not (isinstance(item, tuple | list) and len(item) == 2):
            raise TypeError(f"`{name}[{k}]` must be a (DataFrame, path) pair, got {item!r:.60}.")
        out.append((_DATA(item[0], f"{name}[{k}][0]"), _PATH(item[1], f"{name}[{k}][1]")))
    return out


_PATH = FilePath()
# any number of rows; unique column names (a file would repeat them, and reading it back refuses)
_DATA = Frame(min_rows=0, min_columns=0)
#: The CSV settings, declared once for every reader and writer.
CSV_CONSTRAINTS = {"sep": Rule(_character, "one character"),
                   "decimal": Rule(_character, "one character"),
                   "encoding": Optional(Text("None or the name of a text encoding"))}


@validate_params({"path": _PATH})
def format_of(path: str | os.PathLike) -> str:
    """The extension of ``path`` (lower case) if socgan reads and writes it, and its library
    installed; otherwise a ValueError (unknown extension) or ImportError (library missing)."""
    ext = Path(path).suffix.lower()
    if ext not in FORMATS:
        known = ", ".join(f"{e} ({name})" for e, name in FORMATS.items())
        raise ValueError(f"{os.fspath(path)!r}: unknown file type {ext or '(no extension)'!r}; "
                         f"socgan reads and writes {known}.")
    module = _NEEDS.get(ext)
    if module is not None:
        try:
            importlib.import_module(module)
        except ImportError:
            raise ImportError(f"{FORMATS[ext]} files ({ext}) need the {module} package: "
                              "pip install 'socgan[io]'.") from None
    return ext


@validate_params({"path": _PATH, **CSV_CONSTRAINTS})
def read_table(path: str | os.PathLike, *, sep: str = ",", decimal: str = ".",
               encoding: str | None = None) -> pd.DataFrame:
    """Read a data file, its format given by the extension (see the module docstring).

    ``sep`` and ``decimal`` are the field separator and decimal mark of a CSV file (``";"``
    and ``","`` for the CSV that spreadsheets write in much of Europe); ``encoding`` is the text
    encoding of a CSV file (default UTF-8) or of the strings of a Stata/SPSS file (default:
    as the file says). A CSV that was evidently read with the wrong separator or decimal
    mark (one column whose name holds semicolons, or text columns of numbers with decimal
    commas) is refused with advice rather than imputed as text.
    """
    ext = format_of(path)
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"{os.fspath(path)!r} is a folder, not a data file.")
    if not path.is_file():
        raise FileNotFoundError(f"{os.fspath(path)!r}: no such file.")
    if ext != ".csv" and (sep != "," or decimal != "."):
        raise ValueError(f"{os.fspath(path)!r}: a separator and decimal mark apply to CSV files "
                         f"only, not to {FORMATS[ext]} files.")
    if ext == ".csv":
        _check_csv_dialect(sep, decimal)
    try:
        if ext == ".csv":
            return _read_csv(path, sep=sep, decimal=decimal, encoding=encoding or "utf-8")
        if ext == ".parquet":
            if encoding is not None:
                raise ValueError(f"{os.fspath(path)!r}: Parquet files are always UTF-8; an "
                                 "encoding applies to CSV, Stata and SPSS files.")
            return pd.read_parquet(path)
        return _read_labelled(path, ext, encoding)
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{os.fspath(path)!r} is not {exc.encoding} text (byte 0x{exc.object[exc.start]:02x} "
            f"at position {exc.start}); give its encoding, e.g. --encoding latin-1 (or "
            "cp1252, the Windows default in Western Europe).") from None
    except LookupError as exc:  # an unknown encoding name
        raise ValueError(f"{os.fspath(path)!r}: {exc}.") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ValueError(f"{os.fspath(path)!r}: cannot read it as a CSV file "
                         f"({' '.join(str(exc).split())}).") from None
    except (ValueError, OSError):
        raise
    except Exception as exc:  # the readers' own error types (pyreadstat's, pyarrow's) as one message
        raise ValueError(f"{os.fspath(path)!r}: cannot read it as a {FORMATS[ext]} file ({exc}).") from exc


def _check_csv_dialect(sep: str, decimal: str) -> None:
    """The rule that ties ``sep`` and ``decimal`` (each one character, by the table)."""
    if sep == decimal:
        raise ValueError(f"The separator and the decimal mark are both {sep!r}; give different "
                         "ones (e.g. --sep ';' --decimal ',').")


# ISO 8601 dates and date-times, as R's write.csv and pandas' to_csv write them: "2021-04-18",
# "2021-04-18 12:30:00", "2021-04-18T12:30:00+02:00".
_ISO_DATE = ISO_DATE
# Numbers written with a decimal comma (or commas between thousands): "3,14", "-1.234,5".
_COMMA_NUMBER = re.compile(r"\s*[-+]?\d[\d. ]*(,\d+)?\s*")


def _read_csv(path: Path, *, sep: str, decimal: str, encoding: str) -> pd.DataFrame:
    header = pd.read_csv(path, sep=sep, encoding=encoding, header=None, nrows=1, dtype=str,
                         keep_default_na=False).iloc[0].tolist() if path.stat().st_size else []
    dup = sorted({h for h in header if header.count(h) > 1})
    if dup:
        raise ValueError(f"{os.fspath(path)!r}: the header names column(s) {dup} more than once; "
                         "give every column its own name (pandas would rename the copies "
                         "'name.1', silently).")
    hint = f"(read with separator {sep!r} and decimal mark {decimal!r})"
    if len(header) == 1:  # one column whose name holds another separator: the wrong one
        name = str(header[0])
        for other, label in ((";", "semicolons"), ("\t", "tabs"), ("|", "'|'")):
            if other != sep and other in name:
                raise ValueError(
                    f"{os.fspath(path)!r} {hint} came out as one column named {name[:60]!r}: its "
                    f"fields look separated by {label}. Give the separator, e.g. --sep "
                    f"{other!r}" + (" --decimal ','" if other == ";" else "") + ".")
    data = pd.read_csv(path, sep=sep, decimal=decimal, encoding=encoding,
                       dtype_backend="numpy_nullable")
    for col in data.columns:  # ISO dates as dates (a CSV has no types), not as text levels
        s = data[col]
        if pdt.is_object_dtype(s.dtype) or pdt.is_string_dtype(s.dtype):
            obs = s.dropna().astype(str)
            if len(obs) and obs.str.fullmatch(_ISO_DATE).all():
                try:
                    data[col] = pd.to_datetime(s.astype(object).where(s.notna(), None),
                                               format="ISO8601")
                except (ValueError, TypeError):  # not real dates (2021-13-45): left as text
                    pass
    if decimal != ",":
        for col in data.columns:
            s = data[col]
            if pdt.is_object_dtype(s.dtype) or pdt.is_string_dtype(s.dtype):
                obs = s.dropna().astype(str)
                commas = obs[obs.str.contains(",", regex=False)]
                if len(commas) and obs.str.fullmatch(_COMMA_NUMBER).all():
                    raise ValueError(
                        f"{os.fspath(path)!r} {hint}: column {col!r} holds numbers written with "
                        f"commas (e.g. {commas.iloc[0]!r}), which would be imputed as text. If the "
                        "comma is the decimal mark, give --decimal ',' (with --sep ';' for a "
                        "semicolon-separated file); if it separates thousands, remove it.")
    return data


@validate_params({"data": _DATA, "path": _PATH, **CSV_CONSTRAINTS})
def write_table(data: pd.DataFrame, path: str | os.PathLike, *, sep: str = ",",
                decimal: str = ".", encoding: str | None = None) -> None:
    """Write ``data`` to ``path`` atomically, the format given by the extension (``sep``,
    ``decimal`` and ``encoding`` as in :func:`read_table`, for CSV files)."""
    write_tables([(data, path)], sep=sep, decimal=decimal, encoding=encoding)


@validate_params({"items": Rule(_items, "a list of (DataFrame, path) pairs"), **CSV_CONSTRAINTS})
def write_tables(items: list[tuple[pd.DataFrame, str | os.PathLike]], *, sep: str = ",",
                 decimal: str = ".", encoding: str | None = None) -> None:
    """Write several DataFrames, all or none: every file is written to a temporary file first,
    and the targets are replaced only when all of them were written."""
    exts = [format_of(path) for _, path in items]
    if ".csv" in exts:
        _check_csv_dialect(sep, decimal)
    with atomic_paths([path for _, path in items]) as temps:
        for (data, path), ext, tmp in zip(items, exts, temps):
            try:
                _write(data, tmp, ext, sep=sep, decimal=decimal, encoding=encoding)
            except UnicodeEncodeError as exc:
                raise ValueError(f"{os.fspath(path)!r}: the text {exc.object[exc.start:exc.end]!r} "
                                 f"cannot be written in {exc.encoding}; choose another "
                                 "encoding (e.g. utf-8).") from None
            except (ValueError, OSError):
                raise
            except Exception as exc:
                raise ValueError(f"{os.fspath(path)!r}: cannot write it as a {FORMATS[ext]} file "
                                 f"({exc}).") from exc


def _write(data: pd.DataFrame, path: Path, ext: str, *, sep: str = ",", decimal: str = ".",
           encoding: str | None = None) -> None:
    if ext == ".csv":
        data.to_csv(path, index=False, sep=sep, decimal=decimal, encoding=encoding or "utf-8")
    elif ext == ".parquet":
        data.to_parquet(path, index=False)
    else:
        _write_labelled(data, path, ext)


# -- Stata and SPSS ---------------------------------------------------------------------------
_SPSS_WHOLE = re.compile(r"^[A-Z]+\d+$|^[A-Z]+\d+\.0$")  # F8, F8.0, N3: no decimals


def _read_labelled(path: Path, ext: str, encoding: str | None = None) -> pd.DataFrame:
    import pyreadstat

    reader = pyreadstat.read_dta if ext == ".dta" else pyreadstat.read_sav
    data, meta = reader(path, user_missing=False, encoding=encoding)
    # The file's value labels, codes included, so that writing the data (or their imputations)
    # back gives each label its code again (a 0/1 `female` stays 0/1, not 1/2) and keeps the
    # labels of values no row has (99 = "refused").
    data.attrs["value_labels"] = {name: dict(labels) for name, labels
                                  in meta.variable_value_labels.items() if name in data.columns}
    for name in data.columns:
        s = data[name]
        if meta.readstat_variable_types.get(name) == "string":
            data[name] = s.where(s.astype(object).map(lambda v: v != ""), None)
            continue
        if pdt.is_object_dtype(s.dtype):  # integer storage with missing values: ints and NaN
            s = _to_number(s)
        labels = meta.variable_value_labels.get(name)
        if labels and pdt.is_numeric_dtype(s.dtype):
            obs = s.dropna()
            if len(obs) and obs.isin(list(labels)).all():
                codes = sorted(labels)
                # codes that share a label are one category (as haven::as_factor() makes them)
                names = list(dict.fromkeys(str(labels[c]) for c in codes))
                index = np.array([names.index(str(labels[c])) for c in codes] + [-1])
                where = pd.Index(codes).get_indexer(s)
                data[name] = pd.Categorical.from_codes(index[where], categories=names)
                continue
        if pdt.is_float_dtype(s.dtype) and _integer_variable(meta, name, ext):
            obs = s.dropna().to_numpy()
            if np.array_equal(obs, np.round(obs)):
                s = s.astype("Int64")
        data[name] = s
    return data


def _to_number(s: pd.Series) -> pd.Series:
    """Numbers stored as objects (pyreadstat's integers with missing values) as floats; other
    objects (dates) as they are, for the imputation to report."""
    try:
        return pd.to_numeric(s)
    except (TypeError, ValueError):
        return s


def _integer_variable(meta, name, ext: str) -> bool:
    if ext == ".dta":
        return meta.readstat_variable_types.get(name, "") in ("int8", "int16", "int32")
    return bool(_SPSS_WHOLE.match(str(meta.original_variable_types.get(name, "")).upper()))


def _write_labelled(data: pd.DataFrame, path: Path, ext: str) -> None:
    import pyreadstat

    out = pd.DataFrame(index=range(len(data)))
    value_labels, formats = {}, {}
    stored = data.attrs.get("value_labels") or {}
    for name in data.columns:
        s = data[name].reset_index(drop=True)
        labels = _file_labels(stored.get(name), ext)
        if isinstance(s.dtype, pd.CategoricalDtype):
            codes = s.cat.codes.to_numpy()
            by_label = {str(v): k for k, v in (labels or {}).items()}
            levels = [str(level) for level in s.cat.categories]
            if labels and all(level in by_label for level in levels):  # the file's own codes
                value = np.array([by_label[level] for level in levels] + [np.nan], dtype=float)
                out[name] = _whole(pd.Series(value[np.where(codes < 0, len(levels), codes)]), ext)
                value_labels[name] = labels
            else:
                out[name] = _whole(pd.Series(np.where(codes < 0, np.nan, codes + 1.0)), ext)
                value_labels[name] = {k + 1: str(level) for k, level in enumerate(s.cat.categories)}
            formats[name] = "F8.0"
            continue
        if labels and pdt.is_numeric_dtype(s.dtype) and not pdt.is_bool_dtype(s.dtype):
            value_labels[name] = labels  # labels of some values of a numeric column (99 = refused)
        if pdt.is_bool_dtype(s.dtype) or pdt.is_integer_dtype(s.dtype):
            out[name] = _whole(s, ext)
            formats[name] = "F8.0"
        elif pdt.is_numeric_dtype(s.dtype):
            out[name] = s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        elif pdt.is_datetime64_any_dtype(s.dtype):
            # pyreadstat writes datetime64[ns] as a date-time variable (Stata %tc, SPSS
            # DATETIME); Timestamps as objects became strings. A time zone: the UTC time.
            if getattr(s.dtype, "tz", None) is not None:
                s = s.dt.tz_convert("UTC").dt.tz_localize(None)
            out[name] = s.astype("datetime64[ns]")
        else:
            out[name] = s.astype(object).where(s.notna(), None)
            if labels and all(isinstance(code, str) for code in labels):
                value_labels[name] = labels  # SPSS's labels of a string variable's values
    if ext == ".dta":
        pyreadstat.write_dta(out, path, variable_value_labels=value_labels)
    else:
        pyreadstat.write_sav(out, path, variable_value_labels=value_labels, variable_format=formats)


def _file_labels(labels: dict | None, ext: str) -> dict | None:
    """Value labels read from a file, as pyreadstat writes them: whole-number codes as ints;
    None if there are none, or (Stata) a code that is not a whole number."""
    if not labels:
        return None
    out = {}
    for code, label in labels.items():
        if isinstance(code, (int, float, np.integer, np.floating)) and float(code).is_integer():
            out[int(code)] = str(label)
        elif ext == ".sav" and isinstance(code, (float, np.floating)):
            out[float(code)] = str(label)
        elif ext == ".sav" and isinstance(code, str):  # SPSS labels values of string variables
            out[code] = str(label)
        else:
            return None
    return out


def _whole(s: pd.Series, ext: str):
    """Whole numbers for pyreadstat: Python ints and None for Stata (integer storage, which
    pyreadstat chooses for such columns), doubles for SPSS (which has no other numbers)."""
    values = s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    if ext == ".sav":
        return values
    return pd.Series([None if np.isnan(v) else int(v) for v in values], dtype=object)
