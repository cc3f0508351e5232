"""Seed-experiment benchmark: complete cases, socgan's GAIN MI, R's mice (default, CART), Amelia.

Design (``socgan.datasets.seed_experiment``): Y = X + 2·Bin + 3·Bin·X + e, MAR missingness on
Y of about 30% in X, Bin, Bimod and Categ. Replication r analyses
``seed_experiment(n, seed=seed + r)`` with every method, fitting ``Y ~ X * Bin``; over the
replications the script reports, per method and coefficient, bias, RMSE, coverage of the 95%
interval (with its Monte Carlo standard error), mean interval width, failures and time.

    python bench/seed_experiment.py --reps 200 --n 1000 --m 5 \\
        --methods cc,mice,mice_cart,amelia,gain --n-jobs 2 --seed 20261123 \\
        [--write-results] [--gain-opt epochs=2000 ...]

Raw per-replication results go to ``bench/out/seed_experiment_<timestamp>.csv``;
``--write-results`` appends the tables to ``bench/RESULTS.md``. R choices (Bin as a factor,
Amelia ``noms``) are documented in ``bench/_r_baselines.py``.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import math
import os
import platform
import shlex
import subprocess
import sys
import time
import traceback
from pathlib import Path

import numpy as np
import pandas as pd

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
if str(BENCH_DIR) not in sys.path:  # run from elsewhere, or imported by bench/dev scripts
    sys.path.insert(0, str(BENCH_DIR))
from _common import machine_info, markdown  # noqa: E402
FORMULA = "Y ~ X * Bin"
TERMS = ["Intercept", "X", "Bin", "X:Bin"]
ALL_METHODS = ["cc", "mice", "mice_cart", "amelia", "gain", "hyperimpute"]
R_METHODS = {"mice", "mice_cart", "amelia"}
COVERAGE_TARGET = (0.93, 0.97)


# --------------------------------------------------------------------------- methods
def _fit_cc(df: pd.DataFrame, cfg: dict) -> pd.DataFrame:
    """Complete-case OLS with statsmodels, 95% t-intervals on the residual df."""
    import statsmodels.formula.api as smf

    d = df[["Y", "X", "Bin"]].dropna().astype({"Bin": float})
    fit = smf.ols(FORMULA, data=d).fit()
    ci = fit.conf_int(0.05)
    return pd.DataFrame({
        "term": fit.params.index, "estimate": fit.params.to_numpy(),
        "std_error": fit.bse.to_numpy(), "df": float(fit.df_resid),
        "conf_low": ci[0].to_numpy(), "conf_high": ci[1].to_numpy(), "fmi": np.nan,
    })


def _fit_mice(df, cfg, method=None):
    import _r_baselines as rb
    return rb.fit_mice(df, FORMULA, m=cfg["m"], maxit=cfg["maxit"], seed=cfg["rep_seed"],
                       method=method)


def _fit_amelia(df, cfg):
    import _r_baselines as rb
    return rb.fit_amelia(df, FORMULA, m=cfg["m"], seed=cfg["rep_seed"])


def _fit_gain(df, cfg):
    import socgan

    imp = socgan.impute(df, m=cfg["m"], seed=cfg["rep_seed"], progress=False,
                        **cfg["gain_opts"])
    tab = imp.fit(FORMULA, method="ols").table  # mice's column names
    tab = tab.rename(columns={"std.error": "std_error", "conf.low": "conf_low", "conf.high": "conf_high"})
    return tab[["term", "estimate", "std_error", "df", "conf_low", "conf_high", "fmi"]]


# hyperimpute's GAIN runs in its own minimal venv (see bench/scaling.py's docstring for the setup).
_HYPERIMPUTE_CHILD = r"""
import sys, pandas as pd, torch
from hyperimpute.plugins.imputers import Imputers
torch.set_num_threads(1)
x = pd.read_csv(sys.argv[1])
seed, m = int(sys.argv[3]), int(sys.argv[4])
outs = [Imputers().get("gain", random_state=seed * 100 + k).fit_transform(x)
        .set_axis(x.columns, axis=1).assign(imp=k) for k in range(m)]
pd.concat(outs).to_csv(sys.argv[2], index=False)
"""


def _fit_hyperimpute(df, cfg):
    """hyperimpute's GAIN with its defaults, m fits with different seeds, pooled by Rubin's rules.

    This is how a published GAN imputer is used for MI: m runs of one imputer, each a single
    trained network, no bootstrap. Categ goes in as its integer code; Bin and Categ imputations
    are rounded to the nearest valid value, as the original GAIN code rounds discrete columns.
    """
    import tempfile

    import statsmodels.formula.api as smf
    from socgan import pool

    x = df.copy()
    x["Categ"] = x["Categ"].cat.codes.astype(float).where(x["Categ"].notna())
    x = x.astype(float)
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp, "in.csv"), Path(tmp, "out.csv")
        x.to_csv(src, index=False)
        subprocess.run([cfg["hyperimpute_python"], "-c", _HYPERIMPUTE_CHILD, str(src), str(dst),
                        str(cfg["rep_seed"]), str(cfg["m"])], check=True, capture_output=True,
                       env={**os.environ, "OMP_NUM_THREADS": "1"})
        done = pd.read_csv(dst)
    est, var = [], []
    for _, d in done.groupby("imp"):
        d = d.assign(Bin=d["Bin"].round().clip(0, 1))
        fit = smf.ols(FORMULA, data=d).fit()
        est.append(fit.params)
        var.append(fit.bse ** 2)
    res = pool(est, var, dfcom=len(df) - 4).table
    return res[["term", "estimate", "std.error", "df", "conf.low", "conf.high", "fmi"]].rename(
        columns={"std.error": "std_error", "conf.low": "conf_low", "conf.high": "conf_high"})


FITTERS = {
    "hyperimpute": _fit_hyperimpute,
    "cc": _fit_cc,
    "mice": lambda df, cfg: _fit_mice(df, cfg, None),
    "mice_cart": lambda df, cfg: _fit_mice(df, cfg, "cart"),
    "amelia": _fit_amelia,
    "gain": _fit_gain,
}


_WARM: dict = {}


def _warm_up(methods) -> None:
    """Import statsmodels and start R once per worker, outside the timed sections."""
    import statsmodels.formula.api  # noqa: F401

    if "gain" in methods and not _WARM.get("torch"):
        try:  # one torch thread per worker: the workers already fill the cores
            import torch
            torch.set_num_threads(1)
        except ImportError:
            pass
        _WARM["torch"] = True
    if R_METHODS & set(methods):
        try:
            import _r_baselines as rb
            rb._r()
        except Exception:  # noqa: BLE001 - the method itself will fail and say why
            pass


def run_replication(rep: int, cfg: dict) -> list[dict]:
    """Simulate replication ``rep`` and analyse it with every method; one row per term."""
    if str(BENCH_DIR) not in sys.path:  # loky workers: make _r_baselines importable
        sys.path.insert(0, str(BENCH_DIR))
    from socgan.datasets import SEED_EXPERIMENT_TRUTH, seed_experiment

    _warm_up(cfg["methods"])
    rep_seed = cfg["seed"] + rep
    cfg = {**cfg, "rep_seed": rep_seed}
    df = seed_experiment(cfg["n"], seed=rep_seed, mar_strength=cfg.get("mar_strength", "mild"))
    rows = []
    for method in cfg["methods"]:
        t0 = time.perf_counter()
        try:
            res = FITTERS[method](df.copy(), cfg)
            err, note = "", str(res.attrs.get("note", ""))
        except Exception as exc:  # noqa: BLE001 - a failed replication is a result
            res, note = None, ""
            err = f"{type(exc).__name__}: {exc}".strip().replace("\n", " ")[:500]
            if cfg.get("traceback"):
                traceback.print_exc()
        secs = time.perf_counter() - t0
        base = {"rep": rep, "seed": rep_seed, "method": method, "time_s": secs,
                "error": err, "note": note}
        if res is None or not set(TERMS) <= set(res["term"]):
            if res is not None:
                base["error"] = f"missing terms, got {list(res['term'])}"
            rows.append({**base, "term": None})
            continue
        for _, r in res.set_index("term").loc[TERMS].reset_index().iterrows():
            truth = SEED_EXPERIMENT_TRUTH[r["term"]]
            rows.append({**base, "term": r["term"], "truth": truth,
                         "estimate": r["estimate"], "std_error": r["std_error"],
                         "df": r["df"], "conf_low": r["conf_low"], "conf_high": r["conf_high"],
                         "fmi": r["fmi"],
                         "covered": bool(r["conf_low"] <= truth <= r["conf_high"]),
                         "width": r["conf_high"] - r["conf_low"]})
    return rows


# --------------------------------------------------------------------------- summaries
def summarise(raw: pd.DataFrame, methods: list[str], reps: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per method x term: bias, RMSE, coverage, MCSEs, width; per method: failures, time."""
    ok = raw[raw["error"].eq("") & raw["term"].notna()]
    coef_rows, meth_rows = [], []
    for method in methods:
        per_rep = raw[raw["method"] == method].drop_duplicates("rep")
        failed = int((per_rep["error"] != "").sum())
        first_err = next((e for e in per_rep["error"] if e), "")
        meth_rows.append({"method": method, "reps_ok": len(per_rep) - failed, "failed": failed,
                          "time_per_rep_s": per_rep["time_s"].mean(),
                          "first_error": first_err[:120]})
        for term in TERMS:
            d = ok[(ok["method"] == method) & (ok["term"] == term)]
            k = len(d)
            err = d["estimate"] - d["truth"]
            cov = d["covered"].astype(float).mean() if k else math.nan
            coef_rows.append({
                "method": method, "term": term, "R": k,
                "bias": err.mean() if k else math.nan,
                "bias_mcse": err.std(ddof=1) / math.sqrt(k) if k > 1 else math.nan,
                "rmse": math.sqrt((err ** 2).mean()) if k else math.nan,
                "coverage": cov,
                "coverage_mcse": math.sqrt(cov * (1 - cov) / k) if k else math.nan,
                "width": d["width"].mean() if k else math.nan,
                "mean_se": d["std_error"].mean() if k else math.nan,
                "emp_sd": d["estimate"].std(ddof=1) if k > 1 else math.nan,
                "fmi": d["fmi"].mean() if k else math.nan,
            })
    return pd.DataFrame(coef_rows), pd.DataFrame(meth_rows)


def target_check(coef: pd.DataFrame, methods: list[str]) -> pd.DataFrame:
    """The issue's target: coverage in [0.93, 0.97] for every term, |bias| <= mice's."""
    lo, hi = COVERAGE_TARGET
    mice = coef[coef["method"] == "mice"].set_index("term")
    rows = []
    for method in methods:
        c = coef[coef["method"] == method].set_index("term").loc[TERMS]
        cov_ok = bool(c["coverage"].between(lo, hi).all())
        row = {"method": method, "coverage_in_target": "yes" if cov_ok else "no",
               "min_cov": c["coverage"].min(), "max_cov": c["coverage"].max()}
        if len(mice) and method != "mice":
            le = (c["bias"].abs() <= mice.loc[TERMS, "bias"].abs() + 1e-12)
            row["abs_bias_le_mice"] = f"{int(le.sum())}/{len(TERMS)}"
        else:
            row["abs_bias_le_mice"] = "-"
        rows.append(row)
    return pd.DataFrame(rows)


def report_tables(coef, meth, check) -> str:
    show = coef[["method", "term", "R", "bias", "bias_mcse", "rmse", "coverage",
                 "coverage_mcse", "width", "mean_se", "emp_sd"]]
    return "\n\n".join([
        "Coefficients of `Y ~ X * Bin` (truth: Intercept 0, X 1, Bin 2, X:Bin 3); coverage of "
        "95% intervals, `*_mcse` = Monte Carlo standard error, `mean_se` = mean reported "
        "standard error, `emp_sd` = empirical SD of the estimates.",
        markdown(show, {"R": 0}),
        "Per method: replications, failures, mean wall time per replication (one worker).",
        markdown(meth, {"time_per_rep_s": 2}),
        f"Target: coverage in [{COVERAGE_TARGET[0]}, {COVERAGE_TARGET[1]}] for every "
        "coefficient; |bias| no larger than mice's (terms where it holds).",
        markdown(check),
    ])


# --------------------------------------------------------------------------- environment
def software_versions(methods) -> dict[str, str]:
    import statsmodels

    import socgan
    v = {"python": platform.python_version(), "numpy": np.__version__,
         "pandas": pd.__version__, "statsmodels": statsmodels.__version__,
         "socgan": getattr(socgan, "__version__", "?")}
    try:
        v["socgan_commit"] = subprocess.run(
            ["git", "-C", str(REPO_DIR), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    if "gain" in methods:
        try:
            import torch
            v["torch"] = torch.__version__
        except ImportError:
            pass
    if R_METHODS & set(methods):
        try:
            import _r_baselines as rb
            v.update(rb.r_versions())
        except Exception as exc:  # noqa: BLE001
            v["R"] = f"unavailable ({exc})"
    return v


# --------------------------------------------------------------------------- CLI
def parse_value(text: str):
    """``--gain-opt`` values: int, then float, then true/false/none, else the string."""
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    low = text.lower()
    if low in ("true", "false"):
        return low == "true"
    if low == "none":
        return None
    return text


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, default=200, help="replications (default 200)")
    p.add_argument("--n", type=int, default=1000, help="rows per data set (default 1000)")
    p.add_argument("--m", type=int, default=5, help="imputations per method (default 5)")
    p.add_argument("--maxit", type=int, default=5, help="mice iterations (default 5)")
    p.add_argument("--methods", default="cc,mice,mice_cart,amelia,gain",
                   help=f"comma-separated subset of {','.join(ALL_METHODS)}")
    p.add_argument("--n-jobs", type=int, default=2, help="parallel worker processes (loky)")
    p.add_argument("--seed", type=int, default=20261123,
                   help="base seed; replication r uses seed + r")
    p.add_argument("--mar-strength", default="mild", choices=["mild", "strong"],
                   help="missingness mechanism of seed_experiment (default mild)")
    p.add_argument("--rep-range", default=None, metavar="A-B",
                   help="run replications A..B-1 only (to split a study across jobs)")
    p.add_argument("--gain-opt", action="append", default=[], metavar="KEY=VALUE",
                   help="option passed to socgan.impute (repeatable)")
    p.add_argument("--hyperimpute-python", default="/work/venvs/hi/bin/python",
                   help="python of the venv with hyperimpute (method 'hyperimpute')")
    p.add_argument("--write-results", action="store_true",
                   help="append the tables to bench/RESULTS.md")
    p.add_argument("--results-file", default=str(BENCH_DIR / "RESULTS.md"))
    p.add_argument("--out-dir", default=str(BENCH_DIR / "out"))
    p.add_argument("--traceback", action="store_true", help="print tracebacks of failures")
    a = p.parse_args(argv)
    a.methods = [s.strip() for s in a.methods.split(",") if s.strip()]
    unknown = [s for s in a.methods if s not in ALL_METHODS]
    if unknown:
        p.error(f"unknown methods {unknown}; choose from {ALL_METHODS}")
    opts = {}
    for kv in a.gain_opt:
        if "=" not in kv:
            p.error(f"--gain-opt expects key=value, got {kv!r}")
        k, v = kv.split("=", 1)
        opts[k.strip()] = parse_value(v.strip())
    a.gain_opts = opts
    if a.reps < 1 or a.n_jobs < 1 or a.m < 2:
        p.error("--reps and --n-jobs must be >= 1, --m >= 2")
    return a


def available_methods(methods: list[str]) -> list[str]:
    keep = []
    for method in methods:
        if method == "gain":
            import socgan
            if not callable(getattr(socgan, "impute", None)):
                print("skipping gain: socgan.impute does not exist yet", file=sys.stderr)
                continue
        if method in R_METHODS:
            sys.path.insert(0, str(BENCH_DIR))
            import _r_baselines as rb
            ok, why = rb.r_available()
            if not ok:
                print(f"skipping {method}: R/rpy2/mice/Amelia unavailable ({why})",
                      file=sys.stderr)
                continue
        keep.append(method)
    return keep


def main(argv=None) -> int:
    args = parse_args(argv)
    from joblib import Parallel, delayed
    from tqdm.auto import tqdm

    methods = available_methods(args.methods)
    if not methods:
        print("no method to run", file=sys.stderr)
        return 1
    cfg = {"n": args.n, "m": args.m, "maxit": args.maxit, "seed": args.seed,
           "hyperimpute_python": args.hyperimpute_python,
           "methods": methods, "gain_opts": args.gain_opts, "traceback": args.traceback,
           "mar_strength": args.mar_strength}
    reps = range(args.reps)
    if args.rep_range:
        a, b = (int(v) for v in args.rep_range.split("-"))
        reps = range(a, b)
    command = "python bench/seed_experiment.py " + " ".join(
        shlex.quote(s) for s in (sys.argv[1:] if argv is None else argv))
    started = _dt.datetime.now()
    t0 = time.perf_counter()
    rows = []
    out_dir = Path(args.out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    csv = out_dir / f"seed_experiment_{started:%Y%m%d_%H%M%S}_{os.getpid()}.csv"
    if args.n_jobs == 1:
        # Written after every replication, so that a long study can be read while it runs.
        for rep in tqdm(reps, desc="replications"):
            rows.extend(run_replication(rep, cfg))
            pd.DataFrame(rows).to_csv(csv, index=False)
    else:
        # loky: separate processes, each with its own embedded R; one BLAS/OMP thread each.
        par = Parallel(n_jobs=args.n_jobs, backend="loky", return_as="generator_unordered",
                       inner_max_num_threads=1)
        gen = par(delayed(run_replication)(rep, cfg) for rep in reps)
        for res in tqdm(gen, total=len(reps), desc="replications"):
            rows.extend(res)
            pd.DataFrame(rows).to_csv(csv, index=False)
    elapsed = time.perf_counter() - t0

    raw = pd.DataFrame(rows).sort_values(["rep", "method"], kind="stable")
    raw.to_csv(csv, index=False)

    coef, meth = summarise(raw, methods, len(reps))
    check = target_check(coef, methods)
    tables = report_tables(coef, meth, check)
    print()
    print(tables)
    print(f"\n{args.reps} replications in {elapsed:.1f} s with {args.n_jobs} worker(s); "
          f"raw results: {csv}")
    noted = raw[raw["note"].fillna("") != ""].drop_duplicates(["rep", "method"])
    if len(noted):
        print("\nnotes (R warnings / mice logged events), by method:")
        for method, g in noted.groupby("method"):
            print(f"  {method}: {len(g)} replication(s), e.g. {g['note'].iloc[0][:150]!r}")

    if args.write_results:
        mach = machine_info()
        vers = software_versions(methods)
        res_path = Path(args.results_file)
        head = "" if res_path.exists() else (
            "# Benchmark results\n\nSections are appended by the bench scripts "
            "(`--write-results`); see `bench/README.md`.\n")
        section = "\n".join([
            head,
            f"## Seed experiment, {started:%Y-%m-%d %H:%M}",
            "",
            f"Command: `{command}`",
            "",
            f"Machine: {mach['nproc']} cores (`nproc`), {mach['cpu']}; {mach['platform']}. "
            f"Wall time {elapsed:.0f} s with {args.n_jobs} worker(s).",
            "",
            "Software: " + ", ".join(f"{k} {v}" for k, v in vers.items()) + ".",
            "",
            f"Settings: mechanism {args.mar_strength}, n = {args.n}, m = {args.m}, mice maxit = {args.maxit}, base seed "
            f"{args.seed} (replication r uses seed + r), GAIN options {args.gain_opts or '{}'}. "
            "R: Bin as a factor (mice: logreg), Categ a factor (polyreg); Amelia "
            "noms = Bin, Categ, p2s = 0; R methods pooled with `mice::pool` "
            "(Barnard-Rubin df).",
            "",
            tables,
            "",
        ])
        with res_path.open("a") as fh:
            fh.write(section)
        print(f"appended to {res_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
