"""Command line for socgan's main jobs.

``socgan impute INPUT --out OUTPUT``: multiply impute a data file (CSV, Parquet, Stata .dta,
SPSS .sav) and write the imputations (mice's long format, or one file per imputation).
``socgan demo``: the main job on built-in data, with the pooled table and plots.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings
from pathlib import Path


def _demo(args: argparse.Namespace) -> int:
    import pandas as pd
    import statsmodels.formula.api as smf

    import socgan
    from socgan.datasets import SEED_EXPERIMENT_TRUTH, seed_experiment

    if args.m < 2:
        raise ValueError("`--m` must be at least 2 to pool with Rubin's rules.")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = seed_experiment(args.n, seed=args.seed)
    print(f"Seed experiment: n = {len(data)}, Y = X + 2·Bin + 3·Bin·X + e; missing values per column:")
    print(data.isna().sum().to_string(), end="\n\n")
    imp = socgan.impute(data, m=args.m, seed=args.seed, progress=not args.quiet)
    pooled = imp.fit("Y ~ X * Bin")
    pooled.insert(1, "truth", pooled["term"].map(SEED_EXPERIMENT_TRUTH))
    cc = smf.ols("Y ~ X * Bin", data.dropna(subset=["X", "Bin"])).fit()
    with pd.option_context("display.width", 160, "display.max_columns", 20, "display.precision", 3):
        print(f"GAIN multiple imputation (m = {imp.m}), pooled with Rubin's rules:")
        print(pooled.to_string(index=False), end="\n\n")
        print("Complete-case analysis, for comparison:")
        cc_table = pd.DataFrame({"estimate": cc.params, "std_error": cc.bse,
                                 "conf_low": cc.conf_int()[0], "conf_high": cc.conf_int()[1]})
        print(cc_table.to_string(), end="\n\n")
    imp.plot(path=out / "densities.png")
    imp.plot_losses(path=out / "losses.png")
    pooled.to_csv(out / "pooled.csv", index=False)
    print(f"Wrote {out / 'densities.png'} (observed vs imputed), {out / 'losses.png'} and {out / 'pooled.csv'}.")
    return 0


def _impute(args: argparse.Namespace) -> int:
    import pandas as pd

    import socgan
    from socgan.io import check_writable, format_of, imputation_paths, read_table, write_imputations

    # Every check that can fail is made before the (long) imputation starts: the files here,
    # the data's columns and the size of the networks in socgan.impute before it trains.
    in_ext = format_of(args.input)
    out = Path(args.out)
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
    targets = imputation_paths(out, args.m) if args.split else [out]
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
                            device=args.device)
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
    parser = _Parser(prog="socgan", description=__doc__,
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    imp = sub.add_parser("impute", help="multiply impute a data file (.csv, .parquet, .dta, .sav)",
                         description="GAIN multiple imputation of a data file. The file types are "
                         "told by the extensions: .csv, .parquet, .dta (Stata), .sav (SPSS); value "
                         "labels become categories, and categories are written as value labels.")
    imp.add_argument("input", help="the data with missing values")
    imp.add_argument("--out", required=True,
                     help="output file; by default mice's long format (.imp 0 = the input, 1..m "
                          "the imputations; .id = row number), named Imputation_ and id_ in .dta/.sav")
    imp.add_argument("--m", type=int, default=5, help="imputations (default 5)")
    imp.add_argument("--seed", type=int, default=None, help="seed; the same seed repeats the result")
    imp.add_argument("--epochs", type=int, default=200, help="training epochs per model (default 200)")
    imp.add_argument("--split", action="store_true",
                     help="one file per imputation instead: OUT_1.ext .. OUT_m.ext")
    imp.add_argument("--n-jobs", type=int, default=1, dest="n_jobs",
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
    demo = sub.add_parser("demo", help="GAIN multiple imputation of the seed experiment, pooled table and plots")
    demo.add_argument("--n", type=int, default=1000, help="rows (default 1000)")
    demo.add_argument("--m", type=int, default=5, help="imputations (default 5)")
    demo.add_argument("--seed", type=int, default=2020, help="seed (default 2020)")
    demo.add_argument("--out", default="socgan-demo-output", help="folder for plots and the table")
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(func=_demo)
    try:
        args = parser.parse_args(argv)
    except KeyboardInterrupt:
        print("socgan: interrupted.", file=sys.stderr)
        return 130
    try:
        # Ctrl-C at any point after this, the imports of pandas and torch included, ends in
        # the one-line message and exit status 130 below.
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


if __name__ == "__main__":
    sys.exit(main())
