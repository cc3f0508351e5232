"""socgan.io: data files by extension (CSV, Parquet, Stata, SPSS), value labels as categories,
and atomic output (no half-written file when writing fails or is interrupted)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest

import socgan
from socgan import io as sio
from socgan.io import _tables

pyreadstat = pytest.importorskip("pyreadstat")
pytest.importorskip("pyarrow")

FORMATS = [".csv", ".parquet", ".dta", ".sav"]


def survey(n=12, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "age": pd.array(rng.integers(18, 90, n), dtype="Int64"),
        "income": np.round(rng.normal(3000, 500, n), 2),
        "voted": pd.array(rng.random(n) < 0.5, dtype="boolean"),
        "party": pd.Categorical(rng.choice(["dem", "rep", "ind"], n), categories=["dem", "rep", "ind"]),
        "educ": pd.Categorical(rng.choice(["low", "mid", "high"], n), categories=["low", "mid", "high"],
                               ordered=True),
        "region": pd.Series(rng.choice(["north", "south"], n), dtype=object),
    })
    for j, col in enumerate(df.columns):
        df.loc[[j, j + 3], col] = None
    return df


def as_text(s: pd.Series) -> list:
    """Values as comparable text, missing as None (dtypes differ between formats)."""
    return [None if pd.isna(v) else str(int(v) if isinstance(v, (bool, np.bool_)) else v)
            for v in s.astype(object)]


def files_in(folder) -> list[str]:
    return sorted(os.listdir(folder))


# -- round trips --------------------------------------------------------------------------------
@pytest.mark.parametrize("ext", FORMATS)
def test_round_trip_keeps_values_and_missing_cells(tmp_path, ext):
    df = survey()
    path = tmp_path / f"data{ext}"
    sio.write_table(df, path)
    back = sio.read_table(path)
    assert list(back.columns) == list(df.columns) and len(back) == len(df)
    pd.testing.assert_frame_equal(back.isna(), df.isna())
    for col in ["age", "party", "educ", "region"]:
        assert as_text(back[col]) == as_text(df[col]), col
    np.testing.assert_allclose(back["income"].astype(float), df["income"].astype(float))
    assert pd.api.types.is_integer_dtype(back["age"].dtype)
    assert files_in(tmp_path) == [path.name]  # no temporary file left


@pytest.mark.parametrize("ext", [".parquet", ".dta", ".sav"])
def test_categories_come_back_as_categories_in_level_order(tmp_path, ext):
    df = survey()
    sio.write_table(df, tmp_path / f"d{ext}")
    back = sio.read_table(tmp_path / f"d{ext}")
    for col in ["party", "educ"]:
        assert isinstance(back[col].dtype, pd.CategoricalDtype)
        assert list(back[col].cat.categories) == list(df[col].cat.categories)
    assert back["educ"].cat.ordered == (ext == ".parquet")  # Stata and SPSS have no ordered labels


def test_csv_iso_dates_are_read_as_dates(tmp_path):
    """A CSV has no types: ISO dates were read as text, and `socgan impute` filled a missing date
    with a random observed date string. Now they are dates (a missing one is refused by name by
    the imputation); text that only looks like dates stays text."""
    import socgan

    path = tmp_path / "d.csv"
    path.write_text("when,x,y,odd\n2021-04-18,1.5,1,2021-13-45\n2021-04-19,,2,2021-01-01\n"
                    "2021-04-20,2.0,3,x\n2021-04-21,2.5,4,y\n")
    data = sio.read_table(path)
    assert pd.api.types.is_datetime64_any_dtype(data["when"].dtype)
    assert not pd.api.types.is_datetime64_any_dtype(data["odd"].dtype)
    sio.write_table(data, tmp_path / "back.csv")
    assert (tmp_path / "back.csv").read_text().splitlines()[1].startswith("2021-04-18,1.5")
    data.loc[2, "when"] = pd.NaT
    with pytest.raises(ValueError, match="'when' holds dates/times"):
        socgan.impute(data[["when", "x", "y"]], m=2, epochs=2, progress=False)


@pytest.mark.parametrize("ext", [".parquet", ".dta", ".sav"])
def test_dates_are_written_as_dates(tmp_path, ext):
    """Stata and SPSS files got a date column as text ('2021-04-18 00:00:00'); a time zone's
    times are written as UTC there (the formats have no zones)."""
    df = pd.DataFrame({"when": pd.date_range("2021-04-18", periods=3, freq="D"),
                       "stamp": pd.date_range("2021-04-18 12:00", periods=3, freq="h",
                                              tz="Europe/Berlin"),
                       "x": [1.5, np.nan, 2.0]})
    sio.write_table(df, tmp_path / f"d{ext}")
    back = sio.read_table(tmp_path / f"d{ext}")
    assert pd.api.types.is_datetime64_any_dtype(back["when"].dtype)
    assert (back["when"].dt.tz_localize(None) if back["when"].dt.tz else back["when"]).tolist() \
        == df["when"].tolist()
    utc = back["stamp"].dt.tz_convert("UTC") if back["stamp"].dt.tz else \
        back["stamp"].dt.tz_localize("UTC")
    assert utc.tolist() == df["stamp"].dt.tz_convert("UTC").tolist()


@pytest.mark.parametrize("ext", [".dta", ".sav"])
def test_categories_are_written_as_value_labels(tmp_path, ext):
    sio.write_table(survey(), tmp_path / f"d{ext}")
    reader = pyreadstat.read_dta if ext == ".dta" else pyreadstat.read_sav
    raw, meta = reader(tmp_path / f"d{ext}")
    assert {int(k): v for k, v in meta.variable_value_labels["educ"].items()} == {1: "low", 2: "mid", 3: "high"}
    assert set(raw["educ"].dropna().astype(int)) <= {1, 2, 3}


@pytest.mark.parametrize("ext", [".dta", ".sav"])
def test_value_labels_become_categories_only_when_every_value_is_labelled(tmp_path, ext):
    raw = pd.DataFrame({
        "trust": [1.0, 3.0, np.nan, 2.0, 1.0],    # every value labelled: a categorical
        "hours": [40.0, 99.0, 38.0, np.nan, 20.0],  # only 99 labelled: stays a number
        "name": ["a", "", "c", "d", "e"],          # empty string = missing
    })
    labels = {"trust": {1: "none", 2: "some", 3: "a lot"}, "hours": {99: "refused"}}
    path = tmp_path / f"labelled{ext}"
    (pyreadstat.write_dta if ext == ".dta" else pyreadstat.write_sav)(
        raw, path, variable_value_labels=labels)
    back = sio.read_table(path)
    assert list(back["trust"].cat.categories) == ["none", "some", "a lot"]
    assert as_text(back["trust"]) == ["none", "a lot", None, "some", "none"]
    assert not isinstance(back["hours"].dtype, pd.CategoricalDtype)
    assert back["hours"].tolist()[:3] == [40, 99, 38]
    assert as_text(back["name"]) == ["a", None, "c", "d", "e"]


@pytest.mark.parametrize("ext", [".dta", ".sav"])
def test_a_files_value_label_codes_come_back_in_the_imputations(tmp_path, ext):
    rng = np.random.default_rng(0)
    n = 80
    raw = pd.DataFrame({"female": rng.integers(0, 2, n).astype(float),
                        "party": rng.choice([1.0, 2.0, 5.0], n),
                        "hours": np.round(rng.normal(38, 5, n)),
                        "age": rng.integers(18, 80, n).astype(float)})
    raw.loc[rng.random(n) < 0.2, "female"] = np.nan
    raw.loc[:3, "hours"] = 99.0
    raw.loc[rng.random(n) < 0.2, "hours"] = np.nan
    labels = {"female": {0: "male", 1: "female"},
              "party": {1: "left", 2: "centre", 5: "right", 9: "none"}, "hours": {99: "refused"}}
    (pyreadstat.write_dta if ext == ".dta" else pyreadstat.write_sav)(
        raw, tmp_path / f"in{ext}", variable_value_labels=labels)
    data = sio.read_table(tmp_path / f"in{ext}")
    assert list(data["female"].cat.categories) == ["male", "female"]
    imp = socgan.impute(data, m=2, seed=1, epochs=2, progress=False)
    sio.write_imputations(imp, tmp_path / f"out{ext}")
    reader = pyreadstat.read_dta if ext == ".dta" else pyreadstat.read_sav
    back, meta = reader(tmp_path / f"out{ext}")
    assert set(back["female"].dropna()) == {0, 1}  # not renumbered 1, 2
    assert set(back["party"].dropna()) <= {1, 2, 5}
    written = {k: {int(c): v for c, v in meta.variable_value_labels[k].items()} for k in labels}
    assert written == labels  # unused labels (9 = none) and a numeric column's kept
    imputed = back[back["Imputation_"] == 1]
    assert imputed["female"].notna().all()
    # data made in Python (no file's codes): categories are codes 1..k, as before
    sio.write_table(data.assign(female=data["female"].cat.rename_categories(["m", "f"])),
                    tmp_path / f"py{ext}")
    assert set(reader(tmp_path / f"py{ext}")[0]["female"].dropna()) == {1, 2}


@pytest.mark.parametrize("ext", [".dta", ".sav"])
def test_codes_that_share_a_label_keep_a_level_each_and_their_codes(tmp_path, ext):
    """A user's trial: 8 and 9 both "no answer" were read as one level and written back as 9,
    changing observed values without imputing anything."""
    raw = pd.DataFrame({"answer": [1.0, 2.0, 8.0, 9.0, np.nan, 1.0]})
    labels = {"answer": {1: "yes", 2: "no", 8: "no answer", 9: "no answer"}}
    (pyreadstat.write_dta if ext == ".dta" else pyreadstat.write_sav)(
        raw, tmp_path / f"d{ext}", variable_value_labels=labels)
    with pytest.warns(UserWarning, match=r"share a value label \('answer': 'no answer'\)"):
        back = sio.read_table(tmp_path / f"d{ext}")
    assert list(back["answer"].cat.categories) == ["yes", "no", "no answer (8)", "no answer (9)"]
    assert as_text(back["answer"]) == ["yes", "no", "no answer (8)", "no answer (9)", None, "yes"]
    sio.write_table(back, tmp_path / f"again{ext}")
    again, meta = (pyreadstat.read_dta if ext == ".dta" else pyreadstat.read_sav)(
        tmp_path / f"again{ext}")
    np.testing.assert_array_equal(again["answer"].to_numpy(dtype=float), raw["answer"].to_numpy())
    assert meta.variable_value_labels["answer"][8] == "no answer (8)"


@pytest.mark.parametrize("ext", [".dta", ".sav"])
def test_codes_labelled_as_nonresponse_but_not_missing_warn(tmp_path, ext):
    raw = pd.DataFrame({"educ": [12.0, -9.0, 16.0, -8.0, 10.0],
                        "trust": [1.0, 2.0, 99.0, 1.0, 2.0], "ok": [1.0, 2.0, 1.0, 2.0, 1.0]})
    labels = {"educ": {-9: "refused", -8: "don't know"},
              "trust": {1: "low", 2: "high", 99: "Refusal"}, "ok": {1: "yes", 2: "no"}}
    (pyreadstat.write_dta if ext == ".dta" else pyreadstat.write_sav)(
        raw, tmp_path / f"d{ext}", variable_value_labels=labels)
    with pytest.warns(UserWarning, match="codes labelled as missing answers") as rec:
        back = sio.read_table(tmp_path / f"d{ext}")
    text = str(rec[0].message)
    assert "'educ' (-9 = 'refused', -8 = \"don't know\": 2 rows)" in text
    assert "'trust' (99 = 'Refusal': 1 rows)" in text and "'ok'" not in text
    assert back["educ"].tolist()[:2] == [12, -9]  # read as values, as the warning says
    if ext == ".sav":  # declared missing, the codes are missing and nothing warns
        pyreadstat.write_sav(raw, tmp_path / "m.sav", variable_value_labels=labels,
                             missing_ranges={"educ": [-9, -8], "trust": [99]})
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert sio.read_table(tmp_path / "m.sav")["educ"].isna().sum() == 2


def test_stata_extended_missing_values_with_labels_are_missing(tmp_path):
    """A user's trial: labels of .a ("refused") made reading fail (a str code beside ints)."""
    raw = pd.DataFrame({"x": [1.0, 2.0, 1.0, 2.0]})
    pyreadstat.write_dta(raw, tmp_path / "t.dta", variable_value_labels={"x": {1: "yes", 2: "no"}})
    data, meta = pyreadstat.read_dta(tmp_path / "t.dta")

    class Meta:  # what pyreadstat gives for labels of Stata's .a: a letter as a code
        def __getattr__(self, name):
            return getattr(meta, name)
        variable_value_labels = {"x": {1: "yes", 2: "no", "a": "refused"}}

    real = pyreadstat.read_dta
    try:
        pyreadstat.read_dta = lambda *a, **k: (data.assign(x=[1.0, np.nan, 2.0, 1.0]), Meta())
        back = sio.read_table(tmp_path / "t.dta")
    finally:
        pyreadstat.read_dta = real
    assert as_text(back["x"]) == ["yes", None, "no", "yes"]
    assert back.attrs["value_labels"]["x"] == {1: "yes", 2: "no"}


@pytest.mark.parametrize("ext", [".dta", ".sav", ".zsav"])
def test_variable_and_file_labels_survive_reading_imputing_and_writing(tmp_path, ext):
    raw = pd.DataFrame({"age": [30.0, 40.0, np.nan, 50.0, 60.0, 35.0, 45.0, 55.0],
                        "inc": [1.0, 2.0, 3.0, np.nan, 5.0, 2.5, 3.5, 4.5]})
    write = pyreadstat.write_dta if ext == ".dta" else pyreadstat.write_sav
    write(raw, tmp_path / f"in{ext.replace('z', '')}", file_label="Wave 1",
          column_labels={"age": "Age in years", "inc": "Income (1000s)"})
    data = sio.read_table(tmp_path / f"in{ext.replace('z', '')}")
    assert data.attrs["variable_labels"] == {"age": "Age in years", "inc": "Income (1000s)"}
    imp = socgan.impute(data, m=2, seed=1, epochs=2, progress=False)
    sio.write_imputations(imp, tmp_path / f"out{ext}")
    read = pyreadstat.read_dta if ext == ".dta" else pyreadstat.read_sav
    _, meta = read(tmp_path / f"out{ext}")
    assert meta.column_names_to_labels["age"] == "Age in years"
    assert meta.file_label == "Wave 1"
    if ext == ".dta":
        with open(tmp_path / f"out{ext}", "rb") as f:
            assert b"<release>118</release>" in f.read(100)  # readable by Stata 14 and later
    back = sio.read_table(tmp_path / f"out{ext}")
    assert back.loc[back["Imputation_"] > 0, "age"].notna().all()


@pytest.mark.parametrize("ext, words", [(".dta", "cannot be a Stata variable name"),
                                        (".sav", "cannot be an SPSS variable name")])
def test_names_a_format_cannot_hold_are_named_with_the_target_file(tmp_path, ext, words):
    from socgan.io._imputations import check_writable

    data = pd.DataFrame({"x y": [1.0, np.nan, 3.0], "z": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match=words) as err:
        check_writable(data, tmp_path / f"out{ext}", m=2)
    assert repr(os.fspath(tmp_path / f"out{ext}")) in str(err.value) and "check" not in str(err.value)


def test_spss_value_labels_of_a_string_variable_survive_a_round_trip(tmp_path):
    """SPSS labels the values of string variables too ('a' = 'Alpha'); they were lost on
    writing (Stata has no such labels, so its file keeps the strings alone)."""
    raw = pd.DataFrame({"s": ["a", "b", None, "a"], "n": [1.0, 2.0, 1.0, None]})
    pyreadstat.write_sav(raw, tmp_path / "s.sav",
                         variable_value_labels={"s": {"a": "Alpha", "b": "Beta"}})
    back = sio.read_table(tmp_path / "s.sav")
    assert back["s"].tolist()[:2] == ["a", "b"]
    sio.write_table(back, tmp_path / "again.sav")
    _, meta = pyreadstat.read_sav(tmp_path / "again.sav")
    assert meta.variable_value_labels["s"] == {"a": "Alpha", "b": "Beta"}
    sio.write_table(back, tmp_path / "again.dta")
    _, meta = pyreadstat.read_dta(tmp_path / "again.dta")
    assert "s" not in meta.variable_value_labels


def test_spss_user_defined_missing_values_become_missing(tmp_path):
    raw = pd.DataFrame({"score": [1.0, 2.0, 9.0, 3.0]})
    path = tmp_path / "um.sav"
    pyreadstat.write_sav(raw, path, missing_ranges={"score": [9]})
    assert sio.read_table(path)["score"].isna().tolist() == [False, False, True, False]


def test_stata_integer_storage_with_missing_values_reads_as_integers(tmp_path):
    raw = pd.DataFrame({"kids": pd.Series([1, None, 3], dtype=object)})  # pyreadstat: int storage
    pyreadstat.write_dta(raw, tmp_path / "i.dta")
    back = sio.read_table(tmp_path / "i.dta")
    assert str(back["kids"].dtype) == "Int64" and back["kids"].isna().tolist() == [False, True, False]


def test_read_data_can_be_imputed(tmp_path):
    for ext in FORMATS:
        sio.write_table(survey(40), tmp_path / f"d{ext}")
        imp = socgan.impute(sio.read_table(tmp_path / f"d{ext}"), m=1, seed=1, epochs=1, progress=False)
        assert not imp.datasets[0].isna().any().any(), ext


# -- errors -------------------------------------------------------------------------------------
def test_unknown_extension_names_the_supported_ones(tmp_path):
    with pytest.raises(ValueError, match=r"unknown file type '\.xlsx'.*\.csv.*\.parquet.*\.dta.*\.sav"):
        sio.read_table(tmp_path / "data.xlsx")
    with pytest.raises(ValueError, match="no extension"):
        sio.write_table(survey(), tmp_path / "data")
    assert files_in(tmp_path) == []


def test_missing_input_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        sio.read_table(tmp_path / "absent.csv")


def test_missing_library_says_what_to_install(monkeypatch):
    real = _tables.importlib.import_module

    def without_pyreadstat(name, *args):
        if name == "pyreadstat":
            raise ImportError(name)
        return real(name, *args)

    monkeypatch.setattr(_tables.importlib, "import_module", without_pyreadstat)
    with pytest.raises(ImportError, match=r"pyreadstat.*socgan\[io\]"):
        sio.format_of("survey.sav")


def test_corrupt_file_is_a_value_error_naming_it(tmp_path):
    bad = tmp_path / "broken.sav"
    bad.write_bytes(b"not an SPSS file")
    with pytest.raises(ValueError, match="broken.sav.*SPSS"):
        sio.read_table(bad)


# -- atomic output ------------------------------------------------------------------------------
def failing_writer(exc):
    def write(data, path, ext, **csv):
        with open(path, "w") as fh:
            fh.write("half a fi")  # something is on disk when the failure comes
        raise exc
    return write


@pytest.mark.parametrize("exc", [RuntimeError("disk full"), KeyboardInterrupt()])
def test_failed_write_leaves_no_file(tmp_path, monkeypatch, exc):
    monkeypatch.setattr(_tables, "_write", failing_writer(exc))
    with pytest.raises(type(exc) if isinstance(exc, KeyboardInterrupt) else ValueError):
        sio.write_table(survey(), tmp_path / "out.csv")
    assert files_in(tmp_path) == []


def test_failed_write_keeps_the_previous_file(tmp_path, monkeypatch):
    target = tmp_path / "out.parquet"
    sio.write_table(survey(), target)
    before = target.read_bytes()
    monkeypatch.setattr(_tables, "_write", failing_writer(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        sio.write_table(survey(seed=5), target)
    assert target.read_bytes() == before and files_in(tmp_path) == ["out.parquet"]


def test_several_files_are_written_all_or_none(tmp_path, monkeypatch):
    real = _tables._write

    def second_fails(data, path, ext, **csv):
        if ext == ".sav":
            raise OSError("no space left on device")
        real(data, path, ext, **csv)

    monkeypatch.setattr(_tables, "_write", second_fails)
    with pytest.raises(OSError, match="no space"):
        sio.write_tables([(survey(), tmp_path / "a.csv"), (survey(), tmp_path / "b.sav")])
    assert files_in(tmp_path) == []


def test_output_gets_ordinary_file_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        sio.write_table(survey(), tmp_path / "p.csv")
    finally:
        os.umask(old)
    assert (tmp_path / "p.csv").stat().st_mode & 0o777 == 0o644


# -- imputations to files -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_imp():
    return socgan.impute(survey(30), m=2, seed=3, epochs=1, progress=False)


@pytest.mark.parametrize("ext, imp_col, id_col", [(".csv", ".imp", ".id"), (".parquet", ".imp", ".id"),
                                                  (".dta", "Imputation_", "id_"),
                                                  (".sav", "Imputation_", "id_")])
def test_long_format_file(tmp_path, small_imp, ext, imp_col, id_col):
    paths = sio.write_imputations(small_imp, tmp_path / f"long{ext}")
    back = sio.read_table(paths[0])
    assert list(back.columns[:2]) == [imp_col, id_col]
    assert back[imp_col].astype(int).tolist() == [0] * 30 + [1] * 30 + [2] * 30
    assert back.loc[back[imp_col] > 0].drop(columns=[imp_col, id_col]).notna().all().all()
    pd.testing.assert_frame_equal(back.loc[back[imp_col] == 0, list(small_imp.data.columns)].isna()
                                  .reset_index(drop=True), small_imp.data.isna().reset_index(drop=True))


def test_split_writes_one_file_per_imputation(tmp_path, small_imp):
    paths = sio.write_imputations(small_imp, tmp_path / "imp.parquet", split=True)
    assert [p.name for p in paths] == ["imp_1.parquet", "imp_2.parquet"] == files_in(tmp_path)
    for path, completed in zip(paths, small_imp.datasets):
        pd.testing.assert_frame_equal(sio.read_table(path), completed.reset_index(drop=True),
                                      check_dtype=False)  # object strings come back as str


def test_long_format_name_clash_in_stata(tmp_path):
    df = survey(30).rename(columns={"region": "Imputation_"})
    imp = socgan.impute(df, m=1, seed=1, epochs=1, progress=False)
    with pytest.raises(ValueError, match="Imputation_.*rename it"):
        sio.write_imputations(imp, tmp_path / "x.dta")
    assert files_in(tmp_path) == []


# -- hardening (issue 14): dialects, encodings, damaged files, permissions, links -----------------
EUROPEAN = "name;income;share\nanna;1234,5;0,25\nbert;;0,5\ncarl;987,25;\ndora;1500;0,75\n"


def test_semicolons_and_decimal_commas_are_read_with_sep_and_decimal(tmp_path):
    path = tmp_path / "eu.csv"
    path.write_text(EUROPEAN)
    back = sio.read_table(path, sep=";", decimal=",")
    assert list(back.columns) == ["name", "income", "share"]
    assert back["income"].tolist()[0] == 1234.5 and pd.isna(back["income"][1])
    sio.write_table(back, tmp_path / "out.csv", sep=";", decimal=",")
    assert (tmp_path / "out.csv").read_text().splitlines()[1] == "anna;1234,5;0,25"


def test_a_european_csv_read_with_defaults_is_refused_with_advice(tmp_path):
    # It used to come out as one text column, imputed as a categorical with exit status 0.
    path = tmp_path / "eu.csv"
    path.write_text(EUROPEAN)
    with pytest.raises(ValueError, match=r"one column named 'name;income;share'.*--sep ';' "
                                         r"--decimal ','"):
        sio.read_table(path)
    with pytest.raises(ValueError, match=r"column 'income' holds numbers written with commas "
                                         r"\(e.g. '1234,5'\).*--decimal ','"):
        sio.read_table(path, sep=";")


def test_other_encodings_and_a_decode_error_naming_the_file(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("town,size\nMünster,3\nKöln,4\n".encode("latin-1"))
    with pytest.raises(ValueError, match=r"latin.csv' is not utf-8 text \(byte 0xfc.*--encoding "
                                         r"latin-1"):
        sio.read_table(path)
    assert sio.read_table(path, encoding="latin-1")["town"].tolist() == ["Münster", "Köln"]
    with pytest.raises(ValueError, match="unknown encoding"):
        sio.read_table(path, encoding="no-such-codec")


def test_damaged_and_odd_inputs_name_the_file(tmp_path):
    (tmp_path / "dup.csv").write_text("a,b,a\n1,2,3\n")
    with pytest.raises(ValueError, match=r"dup.csv'.*names column\(s\) \['a'\] more than once"):
        sio.read_table(tmp_path / "dup.csv")
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(IsADirectoryError, match="folder.csv' is a folder"):
        sio.read_table(tmp_path / "folder.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(ValueError, match="empty.csv': cannot read it as a CSV file"):
        sio.read_table(tmp_path / "empty.csv")
    with pytest.raises(ValueError, match="CSV files only"):
        sio.read_table(_parquet(tmp_path), sep=";")
    with pytest.raises(ValueError, match="both ','"):
        sio.read_table(tmp_path / "dup.csv", decimal=",")


def _parquet(folder):
    sio.write_table(survey(), folder / "p.parquet")
    return folder / "p.parquet"


def test_a_replaced_file_keeps_its_permissions(tmp_path):
    target = tmp_path / "confidential.csv"
    sio.write_table(survey(), target)
    os.chmod(target, 0o640)
    sio.write_table(survey(seed=2), target)
    assert target.stat().st_mode & 0o777 == 0o640


def test_a_symlinked_output_writes_the_file_it_names(tmp_path):
    real = tmp_path / "store" / "data.parquet"
    real.parent.mkdir()
    sio.write_table(survey(), real)
    link = tmp_path / "current.parquet"
    link.symlink_to(real)
    sio.write_table(survey(seed=9), link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    pd.testing.assert_frame_equal(sio.read_table(real), sio.read_table(link))
    np.testing.assert_allclose(sio.read_table(real)["income"].astype(float),
                               survey(seed=9)["income"].astype(float))
    dangling = tmp_path / "new.csv"
    dangling.symlink_to(tmp_path / "store" / "new-target.csv")
    sio.write_table(survey(), dangling)
    assert dangling.is_symlink() and (tmp_path / "store" / "new-target.csv").is_file()


# -- the declared tables of the readers and writers (issue 16, point 2) ------------------------

def test_readers_and_writers_check_their_arguments_by_their_tables(tmp_path, small_imp):
    for func in (sio.read_table, sio.write_table, sio.write_tables, sio.write_imputations,
                 sio.imputation_paths, sio.check_writable, sio.format_of):
        assert func._parameter_constraints, func.__name__
    data = survey()
    with pytest.raises(TypeError, match=r"`path` must be a file path \(a string or "
                                        r"pathlib.Path\), got 3 \(int\)"):
        sio.write_table(data, 3)
    with pytest.raises(TypeError, match=r"`path` must be a file path.*got None"):
        sio.read_table(None)
    with pytest.raises(TypeError, match="`data` must be a pandas DataFrame, got dict"):
        sio.write_table({"a": [1]}, tmp_path / "a.csv")
    with pytest.raises(ValueError, match=r"`data` has duplicate column names: \['a'\]"):
        sio.write_table(pd.DataFrame([[1, 2]], columns=["a", "a"]), tmp_path / "a.csv")
    assert not (tmp_path / "a.csv").exists()
    with pytest.raises(TypeError, match="`sep` must be one character .*got 0 "):
        sio.write_table(data, tmp_path / "a.csv", sep=0)
    with pytest.raises(ValueError, match="`decimal` must be one character, got ',,'"):
        sio.read_table(tmp_path / "a.csv", decimal=",,")
    with pytest.raises(TypeError, match=r"`items\[0\]` must be a \(DataFrame, path\) pair"):
        sio.write_tables([data])
    with pytest.raises(TypeError, match=r"`items\[0\]\[1\]` must be a file path"):
        sio.write_tables([(data, 1.5)])
    with pytest.raises(TypeError, match="`imputations` must be a socgan.Imputations"):
        sio.write_imputations(data, tmp_path / "imp.csv")
    with pytest.raises(TypeError, match="`split` must be True or False"):
        sio.write_imputations(small_imp, tmp_path / "imp.csv", split="yes")
    # an empty table may be written (any number of rows), as before
    sio.write_table(data.iloc[:0], tmp_path / "empty.parquet")
    assert sio.read_table(tmp_path / "empty.parquet").shape == (0, data.shape[1])


def test_imputation_paths_takes_m_by_keyword_and_whole_number_floats():
    from pathlib import Path

    assert sio.imputation_paths("out/imp.csv", m=2.0) == [Path("out/imp_1.csv"),
                                                           Path("out/imp_2.csv")]
    with pytest.warns(FutureWarning, match="Passing `m` by position to imputation_paths"):
        assert len(sio.imputation_paths("imp.csv", 3)) == 3
    with pytest.raises(ValueError, match="`m` must be at least 1, got 0"):
        sio.imputation_paths("imp.csv", m=0)


def test_nonresponse_labels_on_ordinary_codes_do_not_warn(tmp_path):
    """A review: a country "DK" (Denmark) or "NA" (Namibia) among other countries, or the answer
    "Skipped breakfast", are not nonresponse; GSS's 8 = "DK", 9 = "NA" on a 1-5 scale are."""
    raw = pd.DataFrame({"country": [1.0, 2, 3, 2], "snack": [1.0, 2, 1, 2], "gss": [1.0, 5, 8, 9]})
    pyreadstat.write_sav(raw, tmp_path / "fp.sav", variable_value_labels={
        "country": {1: "AT", 2: "DK", 3: "NA"}, "snack": {1: "Skipped breakfast", 2: "Ate"},
        "gss": {1: "low", 5: "high", 8: "DK", 9: "NA"}})
    with pytest.warns(UserWarning, match="codes labelled as missing answers") as rec:
        sio.read_table(tmp_path / "fp.sav")
    text = " ".join(str(r.message) for r in rec)
    assert "'gss' (8 = 'DK', 9 = 'NA': 2 rows)" in text
    assert "'country'" not in text and "'snack'" not in text
    assert all(r.filename == __file__ for r in rec)


def test_long_labels_are_cut_with_a_warning_and_unicode_names_are_written(tmp_path):
    data = pd.DataFrame({"größe": [1.0, 2.0, np.nan], "q1": [1.0, 2.0, 3.0]})
    question = "How satisfied are you with the way democracy works in your country, all things considered?"
    data.attrs["variable_labels"] = {"q1": question}
    with pytest.warns(UserWarning, match="Stata labels hold at most 80 characters: the labels of "
                                         "'q1' are cut") as rec:
        sio.write_table(data, tmp_path / "u.dta")
    assert rec[0].filename == __file__
    back = sio.read_table(tmp_path / "u.dta")
    assert list(back.columns) == ["größe", "q1"]
    assert back.attrs["variable_labels"]["q1"] == question[:80]
    sio.write_table(data, tmp_path / "u.sav")  # SPSS holds it whole
    assert sio.read_table(tmp_path / "u.sav").attrs["variable_labels"]["q1"] == question


@pytest.mark.parametrize("name, ext", [("_n", ".dta"), ("in", ".dta"), ("byte", ".dta"),
                                       ("_x", ".sav"), ("a-b", ".sav"), ("TO", ".sav")])
def test_reserved_and_illegal_names_are_named(tmp_path, name, ext):
    with pytest.raises(ValueError, match=f"column {name!r} cannot be"):
        sio.write_table(pd.DataFrame({name: [1.0, 2.0]}), tmp_path / f"n{ext}")
