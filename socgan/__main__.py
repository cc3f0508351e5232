"""Command line for socgan's main jobs.

``socgan impute INPUT --out OUTPUT``: multiply impute a data file (CSV, Parquet, Stata .dta,
SPSS .sav or .zsav) and write the imputations (mice's long format, or one file per imputation).
``socgan demo``: the main job on built-in data, with the pooled table and plots.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from pathlib import Path


_MICE_DEMO = r"""
args <- commandArgs(TRUE)
suppressPackageStartupMessages(library(mice))
d <- read.csv(args[1])
d$Bin <- factor(d$Bin, levels = c(0, 1))
d$Categ <- factor(d$Categ)
imp <- mice(d, m = as.integer(args[3]), seed = as.integer(args[4]), printFlag = FALSE)
reg <- summary(pool(with(imp, lm(Y ~ X * Bin))), conf.int = TRUE)
mx <- summary(pool(with(imp, lm(X ~ 1))), conf.int = TRUE)
out <- rbind(data.frame(term = c("Intercept", "X", "Bin", "X:Bin"), estimate = reg$estimate,
                        conf_low = reg[["2.5 %"]], conf_high = reg[["97.5 %"]]),
             data.frame(term = "mean of X", estimate = mx$estimate, conf_low = mx[["2.5 %"]],
                        conf_high = mx[["97.5 %"]]))
write.csv(out, args[2], row.names = FALSE)
"""


def _mice_default(data, m: int, seed: int):
    """mice's default imputation of the demo data, pooled in R (None, and why, if R or mice
    cannot be run here)."""
    import shutil
    import subprocess
    import tempfile

    import pandas as pd

    if shutil.which("Rscript") is None:
        return None, "Rscript not found"
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp, "demo.csv"), Path(tmp, "mice.csv")
        data.astype({"Bin": "float"}).to_csv(src, index=False)
        try:
            subprocess.run(["Rscript", "-e", _MICE_DEMO, str(src), str(dst), str(m), str(seed)],
                           check=True, capture_output=True, text=True, timeout=600)
        except (subprocess.SubprocessError, OSError) as exc:
            return None, f"mice failed ({_one_line(exc)})"
        return pd.read_csv(dst).set_index("term"), ""


def _demo(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd
    import statsmodels.formula.api as smf

    import socgan
    from socgan.datasets import seed_experiment

    if args.m < 2:
        raise ValueError("`--m` must be at least 2 to pool with Rubin's rules.")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # The strong mechanism: high-Y rows lose X, low-Y rows lose Bin, so the rows that stay
    # complete are not like the others (under the mild mechanism complete cases are fine).
    data = seed_experiment(args.n_rows, seed=args.seed, mar_strength="strong")
    full = seed_experiment(args.n_rows, seed=args.seed, missing=False).astype({"Bin": float})
    print(f"Seed experiment: n = {len(data)}, Y = X + 2·Bin + 3·Bin·X + e. Missing values per "
          "column (more X where Y is high, more Bin where Y is low; MAR given Y):")
    print(data.isna().sum().to_string(), end="\n\n")
    imp = socgan.impute(data, m=args.m, seed=args.seed, progress=not args.quiet)
    terms = ["Intercept", "X", "Bin", "X:Bin"]

    def row(est, low, high):
        return f"{est:7.3f} [{low:6.3f}, {high:6.3f}]"

    table = {}
    fit_full = smf.ols("Y ~ X * Bin", full).fit()
    table["complete data (before deletion)"] = {t: f"{v:7.3f}" for t, v in zip(terms, fit_full.params)}
    table["complete data (before deletion)"]["mean of X"] = f"{full['X'].mean():7.3f}"
    cc = smf.ols("Y ~ X * Bin", data.dropna(subset=["X", "Bin"]).astype({"Bin": float})).fit()
    ci = cc.conf_int().to_numpy()
    table["complete cases"] = {t: row(e, *c) for t, e, c in zip(terms, cc.params, ci)}
    xs = data["X"].dropna()
    half = 1.96 * xs.std() / np.sqrt(len(xs))
    table["complete cases"]["mean of X"] = row(xs.mean(), xs.mean() - half, xs.mean() + half)
    pooled = imp.fit("Y ~ X * Bin").table.set_index("term").loc[terms]
    mean_x = imp.fit("X ~ 1").table.iloc[0]
    table[f"socgan (m = {imp.m})"] = {
        **{t: row(r["estimate"], r["conf.low"], r["conf.high"]) for t, r in pooled.iterrows()},
        "mean of X": row(mean_x["estimate"], mean_x["conf.low"], mean_x["conf.high"])}
    mice, why = _mice_default(data, args.m, args.seed) if not args.no_r else (None, "--no-r")
    if mice is not None:
        table[f"mice default (m = {args.m})"] = {t: row(r["estimate"], r["conf_low"], r["conf_high"])
                                                for t, r in mice.iterrows()}
    shown = pd.DataFrame(table).loc[terms + ["mean of X"]]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print("Estimates [95% interval], multiple imputations pooled with Rubin's rules; truth: "
              "Intercept 0, X 1, Bin 2, X:Bin 3, mean of X = the "
              "complete data's:")
        print(shown.to_string(), end="\n\n")
    if mice is None:
        print(f"(mice not run: {why}.)\n")
    imp.plot(path=out / "densities.png")
    imp.plot_losses(path=out / "losses.png")
    pooled.reset_index().to_csv(out / "pooled.csv", index=False)
    shown.to_csv(out / "comparison.csv")
    print(f"Wrote {out / 'densities.png'} (observed vs imputed), {out / 'losses.png'}, "
          f"{out / 'pooled.csv'} and {out / 'comparison.csv'}.")
    return 0


def _impute(args: argparse.Namespace) -> int:
    import pandas as pd

    import socgan
    from socgan.io import check_writable, format_of, imputation_paths, read_table, write_imputations

    # Every check that can fail is made before the (long) imputation starts: the files here,
    # the data's columns and the size of the networks in socgan.impute before it trains.
    in_ext = format_of(args.input)
    out = Path(args.out)
    if out.is_dir():
        raise IsADirectoryError(f"--out {os.fspath(out)!r} is a folder; name a file to write the "
                                "imputations to (e.g. imputed.csv).")
    out_ext = format_of(out)
    # --sep/--decimal concern whichever side is CSV; --encoding a CSV, Stata or SPSS input and
    # a CSV output.
    if ".csv" not in (in_ext, out_ext) and (args.sep != "," or args.decimal != "."):
        raise ValueError("--sep and --decimal apply to CSV files; neither the input nor --out is one.")
    if args.encoding is not None and in_ext == ".parquet" and out_ext != ".csv":
        raise ValueError("--encoding applies to a CSV, Stata or SPSS input and a CSV output; "
                         "Parquet files are always UTF-8.")
    if args.m < 1:
        raise ValueError(f"`m` must be at least 1, got {args.m}.")
    named = [column for column, _ in args.bounds]
    if len(set(named)) < len(named):
        raise ValueError("--bounds names a column twice.")
    named = [column for column, _ in args.derived]
    if len(set(named)) < len(named):
        raise ValueError("--derived names a column twice.")
    named = [column for column, _ in args.where]
    if len(set(named)) < len(named):
        raise ValueError("--where names a column twice.")
    targets = imputation_paths(out, m=args.m) if args.split else [out]
    if any(Path(args.input).resolve() == t.resolve() for t in targets):
        raise ValueError(f"--out {os.fspath(out)!r} would overwrite the input file; choose another name.")
    data = read_table(args.input, **({"sep": args.sep, "decimal": args.decimal}
                                     if in_ext == ".csv" else {}),
                      encoding=None if in_ext == ".parquet" else args.encoding)
    data.index = pd.RangeIndex(1, len(data) + 1)  # .id = row number in the input file, as in R
    csv = {"sep": args.sep, "decimal": args.decimal, "encoding": args.encoding}
    check_writable(data, out, split=args.split, m=args.m, **csv)
    with contextlib.ExitStack() as stack:
        backend, n_jobs = None, args.n_jobs
        if args.scheduler is not None:
            try:
                from distributed import Client
            except ImportError:
                raise ImportError("--scheduler needs dask.distributed: pip install 'socgan[dask]'.") from None
            # The client becomes the current one, which joblib's dask backend uses.
            stack.enter_context(Client(args.scheduler, timeout="30s"))
            backend, n_jobs = "dask", (-1 if n_jobs == 1 else n_jobs)
        imp = socgan.impute(data, m=args.m, seed=args.seed, epochs=args.epochs,
                            progress=not args.quiet, n_jobs=n_jobs, backend=backend,
                            device=args.device, bounds=dict(args.bounds) or None,
                            idvars=args.idvars or None, derived=dict(args.derived) or None,
                            where=dict(args.where) or None)
    written = write_imputations(imp, out, split=args.split, **csv)
    if not args.quiet:
        layout = "one file per imputation" if args.split else "long format: .imp 0 = the input, 1..m"
        where = os.fspath(written[0]) + (f" .. {os.fspath(written[-1])}" if len(written) > 1 else "")
        print(f"socgan: wrote {where} ({imp.m} imputations of {len(data)} rows on "
              f"{imp.options['device']}; {layout}).", file=sys.stderr)
        if args.seed is None:
            print(f"socgan: no --seed given; --seed {imp.options['entropy']} repeats this run.",
                  file=sys.stderr)
    return 0


def _count(text: str) -> int:
    """A whole number on the command line; ``5.0`` is 5 (as ``m=5.0`` in Python and R)."""
    try:
        return int(text)  # exact, also beyond 2**53 (seeds)
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if not value.is_integer():
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    return int(value)


def _bound(text: str) -> tuple[str, tuple[float | None, float | None]]:
    """``COLUMN=LOW:HIGH`` (either side may be empty: no bound) as (column, (low, high))."""
    column, eq, span = text.rpartition("=")
    low, colon, high = span.partition(":")
    if not eq or not column or not colon:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not COLUMN=LOW:HIGH (e.g. income=0: for no upper bound)")
    try:
        sides = tuple(float(v) if v.strip() else None for v in (low, high))
    except ValueError:
        sides = (float("nan"),)
    if any(v is not None and v != v for v in sides):
        raise argparse.ArgumentTypeError(
            f"{text!r}: the bounds must be numbers, or empty for no bound on that side")
    return column, sides


def _derived(text: str) -> tuple:
    """``COLUMN=FORMULA`` as (column, formula); the formula is checked when imputing."""
    column, eq, formula = text.partition("=")
    if not eq or not column.strip() or not formula.strip():
        raise argparse.ArgumentTypeError(
            f"{text!r} is not COLUMN=FORMULA (e.g. \"bmi=wgt / (hgt / 100)^2\")")
    return column.strip(), formula.strip()


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one line."""

    def error(self, message: str):
        self.exit(2, f"socgan: error: {message} (see `{self.prog} --help`)\n")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"socgan: warning: {_one_line(message if isinstance(message, Warning) else Warning(message))}",
          file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl-C while the parser is built (a loaded machine is slow there)
        print("socgan: interrupted.", file=sys.stderr)
        return 130


def _main(argv: list[str] | None) -> int:
    from socgan._core.defaults import gain as gain_defaults

    parser = _Parser(prog="socgan", description=__doc__,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("impute", help="multiply impute a data file (.csv, .parquet, .dta, .sav, .zsav)",
                         description="GAIN multiple imputation of a data file. The file types are "
                         "told by the extensions: .csv, .parquet, .dta (Stata), .sav or .zsav (SPSS); value "
                         "labels become categories, and categories are written as value labels.")
    imp.add_argument("input", help="the data with missing values")
    imp.add_argument("--out", required=True,
                     help="output file; by default mice's long format (.imp 0 = the input, 1..m "
                          "the imputations; .id = row number), named Imputation_ and id_ in .dta/.sav")
    imp.add_argument("--m", type=_count, default=5, help="imputations (default 5)")
    imp.add_argument("--seed", type=_count, default=None, help="seed; the same seed repeats the result")
    # GAIN's default, read without importing torch (socgan._core.defaults)
    imp.add_argument("--epochs", type=_count, default=gain_defaults()["epochs"],
                     help="at most this many passes over the rows per model (default %(default)s; "
                          "at most 4,000 gradient steps in all)")
    imp.add_argument("--split", action="store_true",
                     help="one file per imputation instead: OUT_1.ext .. OUT_m.ext")
    imp.add_argument("--bounds", type=_bound, action="append", default=[], metavar="COL=LOW:HIGH",
                     help="the range of a numeric column's imputations (default: its observed "
                          "range; income=0: imputes income from 0 up without an upper bound); "
                          "once per column")
    imp.add_argument("--idvars", action="append", default=[], metavar="COL",
                     help="a column kept out of the model and copied as it is, missing values "
                          "included (respondent ids, free text; Amelia's idvars); once per column")
    imp.add_argument("--derived", type=_derived, action="append", default=[],
                     metavar="COL=FORMULA",
                     help="a column computed from others (mice's passive imputation): where "
                          "missing, it is its formula on the completed row, e.g. "
                          "\"bmi=wgt / (hgt / 100)^2\" (^ is a power); once per column, in the "
                          "order they are computed")
    imp.add_argument("--where", type=_derived, action="append", default=[],
                     metavar="COL=CONDITION",
                     help="impute COL only where CONDITION holds (a skip pattern; mice's where), "
                          "e.g. \"hours=employed == 1\": its other missing cells stay missing; "
                          "once per column")
    imp.add_argument("--n-jobs", type=_count, default=1, dest="n_jobs",
                     help="models trained at once (default 1; -1 = every core or cluster thread)")
    imp.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="run the models on this dask.distributed scheduler (e.g. tcp://host:8786)")
    imp.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto",
                     help="where the networks run (default auto: the GPU if torch finds one)")
    imp.add_argument("--sep", default=",", metavar="CHAR",
                     help="field separator of CSV files, input and output (default ','; "
                          "';' for the CSV of European spreadsheets)")
    imp.add_argument("--decimal", default=".", metavar="CHAR",
                     help="decimal mark of CSV files, input and output (default '.')")
    imp.add_argument("--encoding", default=None,
                     help="text encoding of a CSV file (default utf-8, also for the output) or "
                          "of a Stata/SPSS input (default: as the file says), e.g. latin-1")
    imp.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    imp.set_defaults(func=_impute)
    demo = sub.add_parser("demo", help="why impute: complete cases, socgan and mice on the seed "
                          "experiment under strong MAR, pooled table and plots")
    # --n-rows as n_rows in the Python API; --n, its old name, still works
    demo.add_argument("--n-rows", "--n", type=_count, default=1000, dest="n_rows",
                      help="rows (default 1000)")
    demo.add_argument("--m", type=_count, default=5, help="imputations (default 5)")
    demo.add_argument("--seed", type=_count, default=2020, help="seed (default 2020)")
    demo.add_argument("--out", default="socgan-demo-output", help="folder for plots and the table")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.add_argument("--no-r", action="store_true", dest="no_r",
                      help="do not run mice beside socgan (by default it runs when Rscript and mice are here)")
    demo.set_defaults(func=_demo)
    try:
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        print("socgan: interrupted.", file=sys.stderr)
        return 130
    try:
        # Ctrl-C at any point after this, the imports of pandas and torch included, ends in
        # the one-line message and exit status 130 below.
        _import_torch_deferring_ctrl_c()
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return args.func(args)
    except KeyboardInterrupt:
        print("socgan: interrupted (no partly written output file is left).", file=sys.stderr)
        return 130
    except (ValueError, TypeError, KeyError, OSError, FloatingPointError, ImportError) as exc:
        print(f"socgan: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # anything else still ends in one line, not a traceback
        print(f"socgan: error: {type(exc).__name__}: {_one_line(exc)}", file=sys.stderr)
        return 1


def _import_torch_deferring_ctrl_c() -> None:
    """Import torch with Ctrl-C held until the import is done, then raised as KeyboardInterrupt.

    A SIGINT that lands while torch's compiled (pybind11) start-up code runs becomes a C++
    exception that nothing catches: the process aborted with "terminate called after throwing
    an instance of 'pybind11::error_already_set'" and status -6 (a CI run of the Ctrl-C test).
    Only in the main thread, where Python handles signals."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return
    got: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: got.append(signum))
    try:
        import torch  # noqa: F401
    finally:
        signal.signal(signal.SIGINT, previous)
    if got:
        raise KeyboardInterrupt


def _exit(code: int) -> None:
    """End ``python -m socgan`` with ``code``.

    130 (interrupted) ends the process at once: CPython's ``-m`` start-up turns a clean exit into
    death by SIGINT when the Ctrl-C was raised inside code that a compiled module ran with
    ``PyRun_String`` (torch's import does) even though main caught it, so the status would
    depend on where the signal landed. Output is flushed first; output files are already
    cleaned up by then.
    """
    if code == 130:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(130)
    sys.exit(code)


if __name__ == "__main__":
    _exit(main())
