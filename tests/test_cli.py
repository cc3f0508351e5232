"""``socgan impute INPUT --out OUTPUT``: formats, exit codes, one-line errors, progress, atomic output."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from socgan import io as sio
from socgan.__main__ import main
from socgan.io import _tables

pytest.importorskip("pyreadstat")
pytest.importorskip("pyarrow")

FAST = ["--m", "2", "--epochs", "1", "--seed", "4"]
N = 40


def survey(n=N, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    df = pd.DataFrame({
        "age": pd.array(rng.integers(18, 90, n), dtype="Int64"),
        "income": np.round(3000 + 500 * x + rng.normal(0, 100, n), 2),
        "party": pd.Categorical(rng.choice(["dem", "rep", "ind"], n), categories=["dem", "rep", "ind"]),
        "region": pd.Series(rng.choice(["north", "south"], n), dtype=object),
    })
    for j, col in enumerate(df.columns):
        df.loc[rng.random(n) < 0.2, col] = None
    return df


@pytest.fixture
def folder(tmp_path):
    return tmp_path


def run(args, capsys):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, expected_code=1):
    assert code == expected_code
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("socgan: error: "), err
    assert "Traceback" not in err


# -- round trips through every format ----------------------------------------------------------
@pytest.mark.parametrize("ext", [".csv", ".parquet", ".dta", ".sav"])
def test_impute_file_to_long_format(folder, capsys, ext):
    data = survey()
    sio.write_table(data, folder / f"in{ext}")
    code, out, err = run(["impute", folder / f"in{ext}", "--out", folder / f"out{ext}", "--quiet", *FAST], capsys)
    assert (code, out, err) == (0, "", "")
    back = sio.read_table(folder / f"out{ext}")
    imp_col, id_col = (".imp", ".id") if ext in (".csv", ".parquet") else ("Imputation_", "id_")
    assert back[imp_col].astype(int).tolist() == [0] * N + [1] * N + [2] * N
    assert back[id_col].astype(int).tolist() == list(range(1, N + 1)) * 3
    original = back[back[imp_col] == 0].reset_index(drop=True)
    pd.testing.assert_frame_equal(original[list(data.columns)].isna(), data.isna())
    for k in (1, 2):
        completed = back[back[imp_col] == k].reset_index(drop=True)
        assert completed[list(data.columns)].notna().all().all()
        observed = data["income"].notna()
        np.testing.assert_allclose(completed.loc[observed, "income"].astype(float),
                                   data.loc[observed, "income"].astype(float))
        if ext != ".csv":  # CSV has no categories; the others keep them
            assert list(completed["party"].cat.categories) == ["dem", "rep", "ind"]
    assert sorted(os.listdir(folder)) == sorted([f"in{ext}", f"out{ext}"])


def test_formats_convert_and_split_writes_one_file_each(folder, capsys):
    sio.write_table(survey(), folder / "in.sav")
    code, _, _ = run(["impute", folder / "in.sav", "--out", folder / "imp.dta", "--split", "--quiet", *FAST],
                     capsys)
    assert code == 0
    assert sorted(os.listdir(folder)) == ["imp_1.dta", "imp_2.dta", "in.sav"]
    completed = sio.read_table(folder / "imp_2.dta")
    assert list(completed.columns) == list(survey().columns) and completed.notna().all().all()
    assert list(completed["party"].cat.categories) == ["dem", "rep", "ind"]


def test_same_seed_gives_the_same_file(folder, capsys):
    sio.write_table(survey(), folder / "in.csv")
    for name in ("a.csv", "b.csv"):
        assert run(["impute", folder / "in.csv", "--out", folder / name, "--quiet", *FAST], capsys)[0] == 0
    assert (folder / "a.csv").read_bytes() == (folder / "b.csv").read_bytes()


def test_progress_bar_and_summary_unless_quiet(folder, capsys):
    sio.write_table(survey(), folder / "in.csv")
    code, out, err = run(["impute", folder / "in.csv", "--out", folder / "o.parquet", "--m", "2",
                          "--epochs", "1"], capsys)
    assert code == 0 and out == ""
    assert "GAIN imputation" in err and "socgan: wrote" in err
    assert "--seed" in err  # no seed given: how to repeat the run


def test_warnings_are_single_lines(folder, capsys):
    data = survey()
    data.iloc[3] = None  # a row with every value missing
    sio.write_table(data, folder / "in.csv")
    code, _, err = run(["impute", folder / "in.csv", "--out", folder / "o.csv", "--quiet", *FAST], capsys)
    assert code == 0
    assert err.startswith("socgan: warning: 1 row(s)") and len(err.strip().splitlines()) == 1


# -- failures: exit code and one line ----------------------------------------------------------
def test_unknown_output_extension_fails_before_imputing(folder, capsys):
    sio.write_table(survey(), folder / "in.csv")
    code, _, err = run(["impute", folder / "in.csv", "--out", folder / "out.xlsx", *FAST], capsys)
    assert_one_line_error(code, err)
    assert "unknown file type '.xlsx'" in err and "GAIN imputation" not in err


def test_a_file_the_format_cannot_hold_fails_before_imputing(folder, capsys):
    sio.write_table(survey().rename(columns={"region": "home region"}), folder / "in.csv")
    code, _, err = run(["impute", folder / "in.csv", "--out", folder / "out.dta", *FAST], capsys)
    assert_one_line_error(code, err)
    assert "column 'home region' cannot be a Stata variable name" in err
    assert repr(str(folder / "out.dta")) in err and "GAIN imputation" not in err
    assert sorted(os.listdir(folder)) == ["in.csv"]


@pytest.mark.parametrize("problem, message", [
    ("missing input", "no such file"),
    ("missing folder", "does not exist"),
    ("overwrite input", "overwrite the input"),
    ("bad m", "`m` must be at least 1"),
    ("all missing column", "every value missing"),
    ("unknown input type", "unknown file type '.txt'"),
])
def test_failures_exit_1_with_one_line(folder, capsys, problem, message):
    data = survey()
    if problem == "all missing column":
        data["empty"] = np.nan
    sio.write_table(data, folder / "in.csv")
    (folder / "in.txt").write_text("a,b\n1,2\n")
    args = {"missing input": [folder / "absent.csv", "--out", folder / "o.csv"],
            "missing folder": [folder / "in.csv", "--out", folder / "no" / "o.csv"],
            "overwrite input": [folder / "in.csv", "--out", folder / "in.csv"],
            "bad m": [folder / "in.csv", "--out", folder / "o.csv", "--m", "0"],
            "all missing column": [folder / "in.csv", "--out", folder / "o.csv"],
            "unknown input type": [folder / "in.txt", "--out", folder / "o.csv"]}[problem]
    code, _, err = run(["impute", *args, "--epochs", "1", "--quiet"], capsys)
    assert_one_line_error(code, err)
    assert message in err
    assert not (folder / "o.csv").exists()


def test_usage_error_exits_2_with_one_line(folder, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["impute", str(folder / "in.csv"), "--out", str(folder / "o.csv"), "--m", "five"])
    assert stop.value.code == 2
    assert_one_line_error(2, capsys.readouterr().err, expected_code=2)


def test_console_script_exit_code_and_no_traceback(folder):
    result = subprocess.run([sys.executable, "-m", "socgan", "impute", str(folder / "absent.sav"),
                             "--out", str(folder / "o.sav")], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [f"socgan: error: '{folder / 'absent.sav'}': no such file."]


# -- atomic output -------------------------------------------------------------------------------
@pytest.mark.parametrize("exc, code", [(RuntimeError("disk quota exceeded"), 1), (KeyboardInterrupt(), 130)])
def test_failure_while_writing_leaves_no_output(folder, capsys, monkeypatch, exc, code):
    sio.write_table(survey(), folder / "in.csv")

    real = _tables._write

    def write_half_then_fail(data, path, ext, **csv):
        if ".check" in path.name:  # the dry run before imputing succeeds; the real write fails
            return real(data, path, ext, **csv)
        with open(path, "w") as fh:
            fh.write(".imp,.id,age\n0,1,")
        raise exc

    monkeypatch.setattr(_tables, "_write", write_half_then_fail)
    got, _, err = run(["impute", folder / "in.csv", "--out", folder / "o.csv", "--quiet", *FAST], capsys)
    assert got == code and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert sorted(os.listdir(folder)) == ["in.csv"]


def test_split_failure_on_a_later_file_leaves_none(folder, capsys, monkeypatch):
    sio.write_table(survey(), folder / "in.csv")
    real, calls = _tables._write, []

    def second_fails(data, path, ext, **csv):
        calls.append(path)
        if len(calls) == 3:  # calls: the dry run before imputing, then imp_1, imp_2
            raise OSError("No space left on device")
        real(data, path, ext, **csv)

    monkeypatch.setattr(_tables, "_write", second_fails)
    code, _, err = run(["impute", folder / "in.csv", "--out", folder / "o.parquet", "--split", "--quiet",
                        *FAST], capsys)
    assert_one_line_error(code, err)
    assert sorted(os.listdir(folder)) == ["in.csv"]


# -- a dask scheduler, and the demo command --------------------------------------------------------
def test_scheduler_option_runs_on_a_dask_cluster(folder, capsys):
    distributed = pytest.importorskip("distributed")
    sio.write_table(survey(), folder / "in.csv")
    run(["impute", folder / "in.csv", "--out", folder / "serial.csv", "--quiet", *FAST], capsys)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        code, _, err = run(["impute", folder / "in.csv", "--out", folder / "dask.csv", "--quiet",
                            "--scheduler", cluster.scheduler_address, *FAST], capsys)
    assert code == 0, err
    assert (folder / "dask.csv").read_bytes() == (folder / "serial.csv").read_bytes()
    with pytest.raises(ValueError):
        distributed.get_client()  # the command closed its client


def test_demo_still_runs(folder, capsys):
    code, out, _ = run(["demo", "--n-rows", "60", "--m", "2", "--out", folder / "demo", "--quiet"], capsys)
    assert code == 0 and "pooled with Rubin's rules" in out
    assert {"densities.png", "losses.png", "pooled.csv"} <= set(os.listdir(folder / "demo"))


# -- hardening (issue 14): files, dialects, early checks, Ctrl-C ----------------------------------
def test_a_replaced_output_keeps_its_permissions(folder, capsys):
    sio.write_table(survey(), folder / "in.csv")
    out = folder / "o.csv"
    out.write_text("old\n")
    os.chmod(out, 0o640)  # confidential microdata: not readable by others
    assert run(["impute", folder / "in.csv", "--out", out, "--quiet", *FAST], capsys)[0] == 0
    assert out.stat().st_mode & 0o777 == 0o640 and out.read_text() != "old\n"


def test_a_symlinked_out_writes_its_target(folder, capsys):
    sio.write_table(survey(), folder / "in.csv")
    (folder / "store").mkdir()
    target = folder / "store" / "imputed.parquet"
    link = folder / "latest.parquet"
    link.symlink_to(target)
    assert run(["impute", folder / "in.csv", "--out", link, "--quiet", *FAST], capsys)[0] == 0
    assert link.is_symlink() and target.is_file()
    assert len(sio.read_table(link)) == 3 * N


@pytest.mark.parametrize("problem, message", [
    ("folder as out", "is a folder; name a file"),
    ("column named .imp", "column named '.imp'"),
    ("folder as input", "is a folder, not a data file"),
])
def test_file_problems_are_found_before_imputing(folder, capsys, monkeypatch, problem, message):
    from socgan.imputation import _impute

    monkeypatch.setattr(_impute, "fit_gain", lambda *a, **k: pytest.fail("training started"))
    data = survey().rename(columns={"age": ".imp"}) if problem == "column named .imp" else survey()
    sio.write_table(data, folder / "in.csv")
    (folder / "out.csv").mkdir()
    args = {"folder as out": [folder / "in.csv", "--out", folder / "out.csv"],
            "column named .imp": [folder / "in.csv", "--out", folder / "o.csv"],
            "folder as input": [folder / "out.csv", "--out", folder / "o.csv"]}[problem]
    code, _, err = run(["impute", *args, "--quiet", *FAST], capsys)
    assert_one_line_error(code, err)
    assert message in err


def test_float32_parquet_columns_are_imputed(folder, capsys):
    # They crashed after all models had trained (a lossy setitem pandas refuses).
    data = survey().astype({"income": "float32"})
    sio.write_table(data, folder / "in.parquet")
    code, _, err = run(["impute", folder / "in.parquet", "--out", folder / "o.parquet", "--quiet",
                        *FAST], capsys)
    assert code == 0, err
    back = sio.read_table(folder / "o.parquet")
    assert back["income"].dtype == "float32" and back.loc[back[".imp"] > 0, "income"].notna().all()


def test_european_csv_is_refused_with_advice_and_read_with_sep_and_decimal(folder, capsys):
    rng = np.random.default_rng(1)
    lines = ["age;income"] + [f"{a};{'' if k % 5 == 0 else f'{x:.2f}'.replace('.', ',')}"
                              for k, (a, x) in enumerate(zip(rng.integers(18, 80, N),
                                                             rng.normal(3000, 400, N)))]
    (folder / "eu.csv").write_text("\n".join(lines) + "\n")
    code, _, err = run(["impute", folder / "eu.csv", "--out", folder / "o.csv", *FAST], capsys)
    assert_one_line_error(code, err)
    assert "one column named 'age;income'" in err and "--sep ';' --decimal ','" in err
    assert "GAIN imputation" not in err and not (folder / "o.csv").exists()
    code, _, err = run(["impute", folder / "eu.csv", "--out", folder / "o.csv", "--sep", ";",
                        "--decimal", ",", "--quiet", *FAST], capsys)
    assert code == 0, err
    written = (folder / "o.csv").read_text().splitlines()
    assert written[0] == ".imp;.id;age;income" and "," in written[1 + N + 0].split(";")[3]
    back = sio.read_table(folder / "o.csv", sep=";", decimal=",")
    assert back["income"].dtype.kind == "f" and back.loc[back[".imp"] > 0, "income"].notna().all()


def test_latin1_csv_error_names_the_file_and_encoding_option_reads_it(folder, capsys):
    text = "town,size\n" + "".join(f"{t},{s}\n" for t, s in
                                    zip(["Münster", "Köln", "Jülich", ""] * 10, [3, "", 5, 6] * 10))
    (folder / "latin.csv").write_bytes(text.encode("latin-1"))
    code, _, err = run(["impute", folder / "latin.csv", "--out", folder / "o.csv", *FAST], capsys)
    assert_one_line_error(code, err)
    assert f"'{folder / 'latin.csv'}' is not utf-8 text" in err and "--encoding latin-1" in err
    code, _, err = run(["impute", folder / "latin.csv", "--out", folder / "o.csv", "--encoding",
                        "latin-1", "--quiet", *FAST], capsys)
    assert code == 0, err
    assert "Münster" in (folder / "o.csv").read_bytes().decode("latin-1")


# The subprocess imports the socgan these tests import (the checkout under test).
_ENV = {**os.environ, "PYTHONPATH": os.path.dirname(os.path.dirname(os.path.dirname(sio.__file__)))}

_INTERRUPT_TORCH_IMPORT = """
import runpy, sys
class Interrupt:  # Ctrl-C while torch is being imported
    def find_spec(self, name, path=None, target=None):
        if name == "torch":
            raise KeyboardInterrupt
sys.meta_path.insert(0, Interrupt())
sys.argv = ["socgan", *sys.argv[1:]]
runpy.run_module("socgan", run_name="__main__", alter_sys=True)
"""


def test_ctrl_c_while_torch_loads_gives_one_line_and_status_130(folder):
    sio.write_table(survey(), folder / "in.csv")
    result = subprocess.run([sys.executable, "-c", _INTERRUPT_TORCH_IMPORT, "impute",
                             str(folder / "in.csv"), "--out", str(folder / "o.csv")],
                            capture_output=True, text=True, env=_ENV)
    assert result.returncode == 130, result.stderr
    assert result.stderr.strip().splitlines() == [
        "socgan: interrupted (no partly written output file is left)."]
    assert sorted(os.listdir(folder)) == ["in.csv"]


def test_a_real_sigint_during_start_up_gives_status_130(folder):
    import signal
    import time

    sio.write_table(survey(), folder / "in.csv")
    # How long python takes to reach socgan's main on this machine now (on a loaded machine
    # more than a second): the signal must come after that, while pandas and torch are imported.
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import socgan.__main__"], env=_ENV, check=True)
    reach = time.perf_counter() - start
    proc = subprocess.Popen([sys.executable, "-m", "socgan", "impute", str(folder / "in.csv"),
                             "--out", str(folder / "o.csv"), *FAST],
                            stderr=subprocess.PIPE, text=True,
                            env=_ENV)
    time.sleep(max(1.0, 1.5 * reach))  # python is running, importing pandas and torch (several seconds)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines()[-1].startswith("socgan: interrupted")
    assert not (folder / "o.csv").exists()


# A Ctrl-C raised inside code that a compiled module runs with PyRun_String (as torch's import
# does) leaves a flag in CPython that turns `python -m`'s clean exit into death by SIGINT.
_SITECUSTOMIZE_INTERRUPT_IN_PYRUN_STRING = """
import ctypes, sys
class Interrupt:
    def find_spec(self, name, path=None, target=None):
        if name == "torch":
            run = ctypes.pythonapi.PyRun_String
            run.restype = ctypes.py_object
            run.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.py_object, ctypes.py_object]
            run(b"raise KeyboardInterrupt", 257, {}, {})
sys.meta_path.insert(0, Interrupt())
"""


def test_ctrl_c_inside_compiled_start_up_code_still_gives_status_130(folder):
    sio.write_table(survey(), folder / "in.csv")
    (folder / "site").mkdir()
    (folder / "site" / "sitecustomize.py").write_text(_SITECUSTOMIZE_INTERRUPT_IN_PYRUN_STRING)
    env = {**_ENV, "PYTHONPATH": os.pathsep.join([str(folder / "site"), _ENV["PYTHONPATH"]])}
    result = subprocess.run([sys.executable, "-m", "socgan", "impute", str(folder / "in.csv"),
                             "--out", str(folder / "o.csv")], capture_output=True, text=True,
                            env=env)
    assert result.returncode == 130, result.stderr
    assert result.stderr.strip().splitlines() == [
        "socgan: interrupted (no partly written output file is left)."]
    assert not (folder / "o.csv").exists()


def test_dialect_options_apply_to_the_csv_side_only(folder, capsys):
    sio.write_table(survey(), folder / "in.sav")
    code, _, err = run(["impute", folder / "in.sav", "--out", folder / "o.csv", "--sep", ";",
                        "--decimal", ",", "--quiet", *FAST], capsys)
    assert code == 0, err
    assert (folder / "o.csv").read_text().splitlines()[0].startswith(".imp;.id;age;")
    code, _, err = run(["impute", folder / "in.sav", "--out", folder / "o.dta", "--sep", ";",
                        *FAST], capsys)
    assert_one_line_error(code, err)
    assert "neither the input nor --out is one" in err


def test_bounds_widen_the_range_of_imputations(folder, capsys):
    rng = np.random.default_rng(5)
    x = rng.normal(size=200)
    df = pd.DataFrame({"x": x, "y": x + 0.2 * rng.normal(size=200)})
    df.loc[(x > 1.0) & (rng.random(200) < 0.9), "y"] = np.nan
    sio.write_table(df, folder / "in.csv")
    code, _, err = run(["impute", folder / "in.csv", "--out", folder / "o.csv", "--quiet",
                        "--bounds", "y=:", "--m", "3.0", "--seed", "1", "--epochs", "40"], capsys)
    assert code == 0, err
    out = sio.read_table(folder / "o.csv")
    assert (out.loc[out[".imp"] > 0, "y"] > df["y"].max()).any()
    for args, words in [(["--bounds", "y=0:1"], "column 'y' has observed values outside [0, 1]"),
                        (["--bounds", "y=:", "--bounds", "y=0:"], "--bounds names a column twice"),
                        (["--bounds", "nope=0:"], "`data` has no column 'nope'")]:
        code, _, err = run(["impute", folder / "in.csv", "--out", folder / "p.csv", *FAST, *args],
                           capsys)
        assert_one_line_error(code, err)
        assert words in err and not (folder / "p.csv").exists()
    for bad, words in [("y=0", "is not COLUMN=LOW:HIGH"), ("y=a:b", "the bounds must be numbers"),
                       ("y=nan:", "or empty for no bound on that side")]:
        with pytest.raises(SystemExit) as stop:
            main(["impute", str(folder / "in.csv"), "--out", str(folder / "p.csv"), *FAST,
                  "--bounds", bad])
        err = capsys.readouterr().err
        assert_one_line_error(stop.value.code, err, expected_code=2)
        assert words in err


def test_idvars_are_kept_out_of_the_model_and_copied(folder, capsys):
    rng = np.random.default_rng(6)
    x = rng.normal(size=120)
    df = pd.DataFrame({"respid": [f"r{i:03d}" for i in range(120)], "x": x,
                       "y": x + 0.3 * rng.normal(size=120)})
    df.loc[rng.random(120) < 0.3, "y"] = np.nan
    df.loc[5, "respid"] = None
    sio.write_table(df, folder / "in.csv")
    code, _, err = run(["impute", folder / "in.csv", "--out", folder / "o.csv", *FAST,
                        "--idvars", "respid"], capsys)
    assert code == 0, err
    out = sio.read_table(folder / "o.csv")
    for k in (1, 2):
        part = out[out[".imp"] == k].reset_index(drop=True)
        assert part["y"].notna().all()
        assert part["respid"].isna().sum() == 1 and pd.isna(part.loc[5, "respid"])
        assert (part["respid"].dropna() == df["respid"].dropna().to_numpy()).all()
    code, _, err = run(["impute", folder / "in.csv", "--out", folder / "p.csv", *FAST,
                        "--idvars", "nope"], capsys)
    assert_one_line_error(code, err)
    assert "`idvars`: `data` has no column 'nope'" in err


def test_derived_columns_follow_their_formula(folder, capsys):
    rng = np.random.default_rng(7)
    hgt = rng.normal(170, 10, 120)
    wgt = rng.normal(70, 10, 120)
    df = pd.DataFrame({"hgt": hgt, "wgt": wgt, "bmi": wgt / (hgt / 100) ** 2})
    df.loc[rng.random(120) < 0.3, "hgt"] = np.nan
    df.loc[df["hgt"].isna() | (rng.random(120) < 0.1), "bmi"] = np.nan
    sio.write_table(df, folder / "in.csv")
    code, _, err = run(["impute", folder / "in.csv", "--out", folder / "o.csv", *FAST,
                        "--derived", "bmi=wgt / (hgt / 100)^2"], capsys)
    assert code == 0, err
    out = sio.read_table(folder / "o.csv")
    part = out[out[".imp"] == 1].reset_index(drop=True)
    np.testing.assert_allclose(part["bmi"], part["wgt"] / (part["hgt"] / 100) ** 2)
    code, _, err = run(["impute", folder / "in.csv", "--out", folder / "p.csv", *FAST,
                        "--derived", "bmi=hgtx"], capsys)
    assert_one_line_error(code, err)
    assert "could not be evaluated" in err and "hgtx" in err
    with pytest.raises(SystemExit) as stop:
        main(["impute", str(folder / "in.csv"), "--out", str(folder / "p.csv"), *FAST,
              "--derived", "bmi"])
    err = capsys.readouterr().err
    assert_one_line_error(stop.value.code, err, expected_code=2)
    assert "is not COLUMN=FORMULA" in err


def test_where_leaves_a_skip_patterns_cells_missing(folder, capsys):
    rng = np.random.default_rng(8)
    employed = (rng.random(150) < 0.6).astype(int)
    hours = np.where(employed == 1, rng.normal(35, 8, 150), np.nan)
    df = pd.DataFrame({"employed": employed, "educ": rng.normal(12, 2, 150), "hours": hours})
    df.loc[(employed == 1) & (rng.random(150) < 0.2), "hours"] = np.nan
    sio.write_table(df, folder / "in.csv")
    code, _, err = run(["impute", folder / "in.csv", "--out", folder / "o.csv", *FAST,
                        "--where", "hours=employed == 1"], capsys)
    assert code == 0, err
    out = sio.read_table(folder / "o.csv")
    part = out[out[".imp"] == 1].reset_index(drop=True)
    assert part.loc[employed == 0, "hours"].isna().all()
    assert part.loc[employed == 1, "hours"].notna().all()


def test_large_seeds_are_taken_exactly():
    from socgan.__main__ import _count

    assert _count("12345678901234567891") == 12345678901234567891
    assert _count("9007199254740993") == 9007199254740993 and _count("5.0") == 5


def test_counts_take_whole_number_floats_only(folder, capsys):
    sio.write_table(survey(), folder / "in.csv")
    with pytest.raises(SystemExit) as stop:
        main(["impute", str(folder / "in.csv"), "--out", str(folder / "o.csv"), "--m", "2.5"])
    err = capsys.readouterr().err
    assert_one_line_error(stop.value.code, err, expected_code=2)
    assert "argument --m: not a whole number: '2.5'" in err


def test_out_that_is_a_folder_is_named_as_one(folder, capsys):
    sio.write_table(survey(), folder / "in.csv")
    code, _, err = run(["impute", folder / "in.csv", "--out", folder, *FAST], capsys)
    assert_one_line_error(code, err)
    assert "is a folder; name a file" in err


def test_stata_output_whose_labelled_column_is_missing_in_the_first_rows(folder, capsys):
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=60),
                       "g": pd.Categorical(rng.choice(["no", "yes"], 60))})
    df.loc[:9, "g"] = np.nan
    sio.write_table(df, folder / "in.parquet")
    code, _, err = run(["impute", folder / "in.parquet", "--out", folder / "o.dta", "--quiet",
                        *FAST], capsys)
    assert code == 0, err
    back = sio.read_table(folder / "o.dta")
    imputed = back[back["Imputation_"] > 0]
    assert imputed["g"].notna().all() and set(imputed["g"]) <= {"no", "yes"}
