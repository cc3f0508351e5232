"""Data files by extension: CSV, Parquet (pyarrow), Stata ``.dta`` and SPSS ``.sav``/``.zsav``
(pyreadstat).

What crosses, and how
    CSV        numbers, text; integer columns with missing values stay integers (pandas'
               nullable dtypes); categories are written as their labels.
    Parquet    every pandas dtype, categories (ordered or not) included.
    Stata/SPSS value labels become categories on reading, in the order of their codes, when
               every observed value of the variable is labelled (codes that share a label
               keep a level each, the code in brackets, "no answer (8)", with a warning, so
               that writing them back keeps every code; a variable with only a few labelled
               codes, such as 99 = "refused", stays numeric); system and user-defined missing
               values (SPSS missing values, Stata's .a-.z) become missing, and codes whose
               labels say nonresponse ("refused", "don't know", "no answer") but which are
               not declared missing are read as values with a warning naming them (a negative
               code, or one of 7s, 8s and 9s above the column's other values); integer
               variables (Stata integer storage, SPSS formats with no decimals) holding whole
               numbers become integers; empty strings become missing; the file's value labels,
               codes included, are kept in ``DataFrame.attrs["value_labels"]``, its variable
               labels in ``attrs["variable_labels"]`` and its label in ``attrs["file_label"]``.
               On writing, a category column whose levels are all labels of that variable
               there gets their codes (a 0/1 ``female`` stays 0/1), with all its labels
               (numeric columns keep theirs too, such as 99 = "refused"); another category
               column is written as codes 1..k with its levels as value labels; variable and
               file labels are written back (cut to Stata's 80 or SPSS's 256 characters, with
               a warning). Not kept: SPSS measure levels, display formats
               and missing-value declarations (those values are missing in the data). Stata
               files are written as release 118 (Stata 14 and later).
"""

from __future__ import annotations

import importlib
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api import types as pdt

from .._core.encoding import ISO_DATE

from .._params import FilePath, Frame, Optional, Rule, Text, validate_params
from ._atomic import atomic_paths

FORMATS = {".csv": "CSV", ".parquet": "Parquet", ".dta": "Stata", ".sav": "SPSS",
           ".zsav": "compressed SPSS"}
_NEEDS = {".parquet": "pyarrow", ".dta": "pyreadstat", ".sav": "pyreadstat",
          ".zsav": "pyreadstat"}


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
        return _read_labelled(path, ".sav" if ext == ".zsav" else ext, encoding)
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
            if ext in (".dta", ".sav", ".zsav"):
                _check_names(data, ".sav" if ext == ".zsav" else ext, path)
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
        # a .zsav is an SPSS file with compressed data
        _write_labelled(data, path, ".sav" if ext == ".zsav" else ext, compress=ext == ".zsav")


# -- Stata and SPSS ---------------------------------------------------------------------------
_SPSS_WHOLE = re.compile(r"^[A-Z]+\d+$|^[A-Z]+\d+\.0$")  # F8, F8.0, N3: no decimals


def _read_labelled(path: Path, ext: str, encoding: str | None = None) -> pd.DataFrame:
    import pyreadstat

    reader = pyreadstat.read_dta if ext == ".dta" else pyreadstat.read_sav
    data, meta = reader(path, user_missing=False, encoding=encoding)
    # The file's value labels, codes included, so that writing the data (or their imputations)
    # back gives each label its code again (a 0/1 `female` stays 0/1, not 1/2) and keeps the
    # labels of values no row has (99 = "refused").
    stored = {name: dict(labels) for name, labels in meta.variable_value_labels.items()
              if name in data.columns}
    data.attrs["value_labels"] = stored
    # variable and file labels, which writing the data back keeps
    data.attrs["variable_labels"] = {name: label for name, label
                                     in (meta.column_names_to_labels or {}).items()
                                     if label and name in data.columns}
    if meta.file_label:
        data.attrs["file_label"] = meta.file_label
    shared, missing_codes = [], []
    for name in data.columns:
        s = data[name]
        if meta.readstat_variable_types.get(name) == "string":
            data[name] = s.where(s.astype(object).map(lambda v: v != ""), None)
            continue
        if pdt.is_object_dtype(s.dtype):  # integer storage with missing values: ints and NaN
            s = _to_number(s)
        labels = stored.get(name)
        if labels:
            # Stata's extended missing values (.a "refused") are read as missing; their labels
            # have letters as codes, which no value of the column holds
            labels = {c: v for c, v in labels.items() if isinstance(c, (int, float, np.number))}
            stored[name] = labels
        if labels and pdt.is_numeric_dtype(s.dtype):
            obs = s.dropna()
            flagged = _nonresponse_codes(labels, obs)
            if flagged:
                missing_codes.append((name, flagged, int(obs.isin([c for c, _ in flagged]).sum())))
            if len(obs) and obs.isin(list(labels)).all():
                codes = sorted(labels)
                texts = [str(labels[c]) for c in codes]
                twice = {t for t in texts if texts.count(t) > 1}
                if twice:
                    # Codes that share a label keep a level each ("no answer (8)", "no answer
                    # (9)"): one level would be written back as one code, changing observed
                    # values. The stored labels follow, so writing gives each its code.
                    texts = [f"{t} ({_code(c)})" if t in twice else t for c, t in zip(codes, texts)]
                    stored[name] = dict(zip(codes, texts))
                    shared.append((name, sorted(twice)))
                index = np.arange(len(codes)).tolist() + [-1]
                where = pd.Index(codes).get_indexer(s)
                data[name] = pd.Categorical.from_codes(np.array(index)[where], categories=texts)
                continue
        if pdt.is_float_dtype(s.dtype) and _integer_variable(meta, name, ext):
            obs = s.dropna().to_numpy()
            if np.array_equal(obs, np.round(obs)):
                s = s.astype("Int64")
        data[name] = s
    where = os.fspath(path)
    if shared:
        listed = "; ".join(f"{n!r}: {', '.join(map(repr, t))}" for n, t in shared)
        warnings.warn(f"{where!r}: some codes share a value label ({listed}); each code is read "
                      "as a level of its own, its code in brackets (\"no answer (8)\"), so that "
                      "writing the data back keeps every observed code.", UserWarning,
                      stacklevel=_callers_level())
    if missing_codes:
        listed = "; ".join(
            f"{n!r} ({', '.join(f'{_code(c)} = {v!r}' for c, v in f)}: {rows} rows)"
            for n, f, rows in missing_codes)
        warnings.warn(
            f"{where!r}: codes labelled as missing answers are read as values, not as missing: "
            f"{listed}. Imputed and analysed as they are, a -9 is a number and 'refused' a "
            "level. If they are nonresponse, declare them missing in the file (SPSS missing "
            "values; Stata .a-.z) or set them to missing before imputing.", UserWarning,
            stacklevel=_callers_level())
    return data


# value labels that mark nonresponse ("refused", "don't know", "no answer", "not applicable"...)
_MISSING_LABEL = re.compile(
    r"refus|don.?t know|do not know|\bdk\b|no answer|not answered|not applicable|\binap|"
    r"\bn/?a\b|missing|not asked|prefer not|no response|nonresponse|skipped", re.IGNORECASE)


def _nonresponse_codes(labels: dict, obs: pd.Series) -> list:
    """The (code, label) pairs of ``labels`` that mark nonresponse and occur in ``obs``: a label
    such as "refused" or "DK" on a code where surveys put such codes: a negative one (-9, -8), or
    one of 7s, 8s and 9s (8, 9, 98, 999) above every other value and code of the column. A
    country "DK" (Denmark) among other countries' codes, or "Skipped breakfast" as one answer of
    several, is not one."""
    words = [(c, v) for c, v in labels.items() if _MISSING_LABEL.search(str(v))]
    if not words:
        return []
    codes = [c for c, _ in words]
    rest = [c for c in labels if c not in codes] + obs[~obs.isin(codes)].tolist()
    top = max(rest) if rest else None
    def coded(c) -> bool:
        if c < 0:
            return True
        return (float(c).is_integer() and re.fullmatch(r"[789]+", str(int(c))) is not None
                and (top is None or c > top))

    return [(c, v) for c, v in words if (obs == c).any() and coded(c)]


def _code(c) -> str:
    """A value label's code as written in a file (8, not 8.0)."""
    return f"{c:g}" if isinstance(c, (float, np.floating)) else str(c)


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


# Variable names each format holds (Unicode letters included: Stata 14's release 118, SPSS).
_STATA_NAME = re.compile(r"[^\W\d]\w{0,31}")
_STATA_RESERVED = {"_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int",
                   "long", "_n", "_N", "_pi", "_pred", "_rc", "_skip", "strL", "using", "with"}
_SPSS_NAME = re.compile(r"[^\W\d_][\w.$#@]*")
_SPSS_RESERVED = {"ALL", "AND", "BY", "EQ", "GE", "GT", "LE", "LT", "NE", "NOT", "OR", "TO", "WITH"}
#: The longest variable and file label each format holds (longer ones are cut, with a warning).
_LABEL_LIMIT = {".dta": 80, ".sav": 256}


def _check_names(data: pd.DataFrame, ext: str, path) -> None:
    """Column names the format cannot hold, named (pyreadstat's own message names none)."""
    for name in data.columns:
        text = str(name)
        if ext == ".dta" and (not _STATA_NAME.fullmatch(text) or text in _STATA_RESERVED
                              or re.fullmatch(r"str\d+", text)):
            raise ValueError(f"{os.fspath(path)!r}: column {text!r} cannot be a Stata variable name "
                             "(at most 32 letters, digits or underscores, not starting with a "
                             "digit, not a reserved word such as _n, in or byte); rename it, or "
                             "write another format.")
        if ext == ".sav" and (len(text.encode("utf-8")) > 64 or not _SPSS_NAME.fullmatch(text)
                              or text.upper() in _SPSS_RESERVED):
            raise ValueError(f"{os.fspath(path)!r}: column {text!r} cannot be an SPSS variable name "
                             "(at most 64 bytes of letters, digits, '.', '_', '$', '#' or '@', "
                             "starting with a letter, not a reserved word such as ALL or TO); "
                             "rename it, or write another format.")


def _callers_level() -> int:
    """The ``stacklevel`` that points a warning raised by this function's caller at the first
    frame outside socgan (the user's line, however deep the call came through socgan)."""
    import sys

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep
    frame, level = sys._getframe(1), 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(root):
        frame, level = frame.f_back, level + 1
    return level


def _labels_for(data: pd.DataFrame, columns, ext: str) -> tuple[dict, str]:
    """The variable and file labels to write, cut to what the format holds (with a warning
    naming the columns)."""
    limit = _LABEL_LIMIT[ext]
    labels = {name: str(label) for name, label
              in (data.attrs.get("variable_labels") or {}).items() if name in columns}
    file_label = str(data.attrs.get("file_label") or "")
    long = [name for name, label in labels.items() if len(label) > limit]
    if long or len(file_label) > limit:
        what = ", ".join(map(repr, long)) + (" and the file label" if len(file_label) > limit
                                             else "")
        warnings.warn(f"{FORMATS[ext]} labels hold at most {limit} characters: the labels of "
                      f"{what.lstrip(', ')} are cut to {limit}.", UserWarning,
                      stacklevel=_callers_level())
    return ({name: label[:limit] for name, label in labels.items()}, file_label[:limit])


def _write_labelled(data: pd.DataFrame, path: Path, ext: str, compress: bool = False) -> None:
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
    # variable and file labels read from a file (socgan.io.read_table) are written back
    column_labels, file_label = _labels_for(data, out.columns, ext)
    if ext == ".dta":
        # release 118 (Stata 14 and later; pyreadstat's default, 119, is for Stata 15 and later
        # and only needed beyond 32,767 variables)
        pyreadstat.write_dta(out, path, variable_value_labels=value_labels,
                             column_labels=column_labels or None, file_label=file_label,
                             version=14)
    else:
        pyreadstat.write_sav(out, path, compress=compress,
                             variable_value_labels=value_labels, variable_format=formats,
                             column_labels=column_labels or None, file_label=file_label)


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
