"""Speed targets of issue 19, side by side: socgan against mice, and socgan from R against Python.

One command measures every target (or a subset) on this machine, each measurement in a fresh
process (its peak memory is its own, nothing is warm that a user's first call would not have):

    python bench/speed.py                                   # everything (about 20-30 min, quiet machine)
    python bench/speed.py --targets seed,r --reps 3         # a subset
    python bench/speed.py --quick                           # every target at toy sizes (checks the script)
    python bench/speed.py --write-results                   # also append the table to bench/RESULTS.md

Targets (issue 19, point 5):

``seed``
    The seed experiment (``socgan.datasets.seed_experiment``, n = 1,000), m = 5: ``socgan.impute``
    + ``.fit("Y ~ X * Bin")`` against ``mice(m = 5, maxit = 5)`` + ``lm`` + ``pool`` exactly as in
    ``bench/seed_experiment.py``; median of ``--reps`` data sets. Target: socgan <= 2x mice.
``scaling``
    The 10-column table of ``bench/scaling.py`` at n = 100,000, m = 5, against ``mice(maxit = 5)``
    (``socgan.r.run_mice``, conversion included). Target: <= 0.25x mice.
``mixed``
    The 20,000-row, 8-column table of issue 19 (age, a 4-level education, log-normal income, a
    3-level party, a 0/1 vote, two normals, a 0/1 sex; 20% of each column missing completely at
    random), m = 5, against ``mice(maxit = 5)``. Target: <= 1x mice.
``million``
    The scaling table at 1,000,000 rows, m = 5: wall time and peak resident memory of the
    process. Target: <= 60 s and 2 GiB.
``r``
    ``gain_impute(data, m = 5, seed = 1)`` in R (reticulate, R's own BLAS, the default ``mids``
    output) against ``socgan.impute(data, m = 5, seed = 1)`` in Python, on ``mice::nhanes2``,
    ``mice::boys`` and the 20,000-row table, the same data frame (R's conversion of it) on both
    sides. Each process first makes a tiny call (``nhanes2``, 1 epoch), reported as the first-call
    cost (starting Python and its worker process in R; importing torch in both); the ratio
    compares the calls after it. Target: R <= 1.25x Python. Needs R with the socgan R package
    installed (``R CMD INSTALL r-bridge``; ``--r-lib`` adds a library folder).

``import``
    Issue 19 point 8 / issue 16: ``import socgan`` (``python -X importtime``, cumulative, and the
    wall time of ``python -c "import socgan"``), ``socgan --help``, and in a fresh R session
    ``library(socgan)``, the first ``pool_rubin()`` (starts Python) and the first small
    ``gain_impute()`` after it (imports torch; in R also starts the worker). Minimum of 3 runs
    each. ``--repo`` measures another checkout's Python package (e.g. the code before a change).

Coverage on the seed experiment (issue 19's last target) is ``bench/seed_experiment.py --reps
200 --methods gain``. ``--gain-opt key=value`` passes settings to ``socgan.impute`` (Python
jobs; R jobs pass them to ``gain_impute``). Results: ``bench/out/speed.csv`` (one row per
measurement) and a table of the targets on stdout.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
TARGETS = ("seed", "scaling", "mixed", "million", "r", "import")
R_DATA = ("nhanes2", "boys", "mixed20k")


def make_mixed(n: int, seed: int = 1):
    """Issue 19's mixed table: 8 columns of the kinds surveys have, 20% of each missing (MCAR)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    age = rng.integers(18, 91, n)
    sex = rng.integers(0, 2, n)
    educ = np.clip(np.round(1.5 + 0.01 * (50 - age) + rng.normal(0, 1, n)), 0, 3).astype(int)
    income = np.exp(9.8 + 0.25 * educ + 0.004 * (age - 50) - 0.2 * sex + rng.normal(0, 0.6, n))
    z1 = 0.3 * educ + rng.normal(0, 1, n)
    z2 = 0.5 * z1 - 0.01 * (age - 50) + rng.normal(0, 1, n)
    utility = np.stack([np.zeros(n), 0.4 * z1 - 0.2 * sex, -0.4 * z1 + 0.01 * (age - 50)], axis=1)
    utility += rng.gumbel(size=(n, 3))
    party = utility.argmax(1)
    vote = (rng.random(n) < 1 / (1 + np.exp(-(-0.5 + 0.02 * (age - 50) + 0.4 * educ)))).astype(int)
    df = pd.DataFrame({
        "age": age.astype(float),
        "educ": pd.Categorical.from_codes(educ, ["none", "school", "college", "degree"]),
        "income": income,
        "party": pd.Categorical.from_codes(party, ["left", "centre", "right"]),
        "vote": vote.astype(float),
        "z1": z1, "z2": z2,
        "sex": sex.astype(float),
    })
    for col in df.columns:
        df.loc[rng.random(n) < 0.2, col] = None
    return df


def _table(name: str, n: int, seed: int = 1):
    if name == "seed":
        from socgan.datasets import seed_experiment

        return seed_experiment(n, seed=seed)
    if name == "scaling":
        sys.path.insert(0, str(BENCH))
        from scaling import make_survey

        return make_survey(n, seed)
    if name == "mixed":
        return make_mixed(n, seed)
    raise ValueError(name)


def _peak_mib() -> float:
    """Peak resident memory of this process and of its finished children, in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


# ---------------------------------------------------------------- jobs (each in a fresh process)

def job_python(spec: dict) -> dict:
    """socgan (or mice through rpy2) on one table, timed in this fresh process."""
    import numpy as np
    import pandas as pd

    method, table, n, m, seed = spec["method"], spec["table"], spec["n"], spec["m"], spec["seed"]
    opts = spec.get("gain_opts", {})
    if table in R_DATA:
        df = pd.read_pickle(spec["pickle"])
    else:
        df = _table(table, n, seed)
    out: dict = {}
    if method == "socgan":
        import socgan

        if spec.get("warm_up"):  # the first call's cost apart (torch import), as the R job does
            small = pd.read_pickle(spec["warm_up"])
            t0 = time.perf_counter()
            socgan.impute(small, m=2, seed=1, epochs=1, progress=False)
            out["first_call_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        imp = socgan.impute(df, m=m, seed=seed, progress=False, **opts)
        if table == "seed":
            imp.fit("Y ~ X * Bin")
        out["seconds"] = time.perf_counter() - t0
        left = sum(int(d.isna().sum().sum()) for d in imp.datasets)
    elif method == "mice" and table == "seed":
        sys.path.insert(0, str(BENCH))
        import _r_baselines as rb

        rb._r()  # R started and mice loaded before timing
        t0 = time.perf_counter()
        rb.fit_mice(df, m=m, maxit=5, seed=seed)
        out["seconds"] = time.perf_counter() - t0
        left = 0
    elif method == "mice":
        from socgan.r import run_mice
        from socgan.r._session import r_session

        ro, _ = r_session("mice")  # R started and mice loaded before timing
        ro.r("invisible(loadNamespace(\"mice\"))")
        t0 = time.perf_counter()
        done = run_mice(df, m=m, seed=seed, maxit=5)
        out["seconds"] = time.perf_counter() - t0
        left = sum(int(d.isna().sum().sum()) for d in done)
    else:
        raise ValueError(method)
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        out["gpu_peak_mib"] = torch.cuda.max_memory_allocated() / 2**20
    out.update(peak_mib=_peak_mib(), missing_left=left, cells_missing=int(np.asarray(df.isna()).sum()))
    return out


def job_prepare_r_data(spec: dict) -> dict:
    """Through R (reticulate): each R data set as R hands it to Python, pickled, and the
    20,000-row table as an .rds file for R."""
    folder = Path(spec["folder"])
    mixed = make_mixed(spec["n_mixed"], 1)
    mixed.to_pickle(folder / "mixed20k.input.pkl")
    code = f"""
      suppressMessages(library(socgan))
      pd <- reticulate::import("pandas", convert = FALSE)
      mixed <- socgan:::frame_from_python(pd$read_pickle({json.dumps(str(folder / 'mixed20k.input.pkl'))}))
      saveRDS(mixed, {json.dumps(str(folder / 'mixed20k.rds'))})
      for (name in c("nhanes2", "boys", "mixed20k")) {{
        d <- if (name == "mixed20k") mixed else getExportedValue("mice", name)
        socgan:::frame_to_python(d)$to_pickle(file.path({json.dumps(str(folder))}, paste0(name, ".pkl")))
      }}
    """
    _rscript(code, spec)
    return {"files": sorted(p.name for p in folder.iterdir())}


def _rscript(code: str, spec: dict) -> str:
    env = dict(os.environ, RETICULATE_PYTHON=sys.executable,
               PYTHONPATH=spec.get("pythonpath") or os.pathsep.join(
                   [str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    if spec.get("r_lib"):
        env["R_LIBS"] = os.pathsep.join([spec["r_lib"]] + [p for p in [os.environ.get("R_LIBS")] if p])
    proc = subprocess.run(["Rscript", "--vanilla", "-e", code], capture_output=True, text=True,
                          env=env, timeout=spec.get("timeout", 3600))
    if proc.returncode != 0:
        raise RuntimeError(f"Rscript failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")
    return proc.stdout


def job_r(spec: dict) -> dict:
    """gain_impute() in a fresh R session: a tiny first call, then the timed one."""
    folder, table, m, seed = spec["folder"], spec["table"], spec["m"], spec["seed"]
    opts = "".join(f", {k} = {_r_value(v)}" for k, v in spec.get("gain_opts", {}).items())
    data = (f"readRDS({json.dumps(str(Path(folder) / 'mixed20k.rds'))})" if table == "mixed20k"
            else f"mice::{table}")
    code = f"""
      suppressMessages(library(socgan))
      d <- {data}
      t0 <- proc.time()[["elapsed"]]
      invisible(gain_impute(mice::nhanes2, m = 2, seed = 1, epochs = 1))
      t1 <- proc.time()[["elapsed"]]
      imp <- gain_impute(d, m = {m}, seed = {seed}{opts})
      t2 <- proc.time()[["elapsed"]]
      stopifnot(inherits(imp, "mids"))
      cat(sprintf("SPEEDJSON {{\\"first_call_s\\": %.3f, \\"seconds\\": %.3f}}\\n", t1 - t0, t2 - t1))
    """
    out = _rscript(code, spec)
    line = [x for x in out.splitlines() if x.startswith("SPEEDJSON ")][-1]
    return json.loads(line[len("SPEEDJSON "):])


def _r_value(v) -> str:
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if v is None:
        return "NULL"
    return json.dumps(v) if isinstance(v, str) else repr(v)


def job_import(spec: dict) -> dict:
    """Import and first-call times of the socgan Python package in ``spec["repo"]``."""
    repo = spec["repo"]
    env = dict(os.environ, PYTHONPATH=repo)

    def wall(cmd, **kw):
        t0 = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True, **kw)
        return time.perf_counter() - t0

    def importtime():
        err = subprocess.run([sys.executable, "-X", "importtime", "-c", "import socgan"], env=env,
                             capture_output=True, text=True, check=True).stderr
        line = [x for x in err.splitlines() if x.rstrip().endswith("| socgan")][-1]
        return int(line.split("|")[1]) / 1e6

    out = {"import_cumulative_s": min(importtime() for _ in range(3)),
           "python_import_wall_s": min(wall([sys.executable, "-c", "import socgan"]) for _ in range(3)),
           "python_bare_wall_s": min(wall([sys.executable, "-c", "pass"]) for _ in range(3)),
           "cli_help_s": min(wall([sys.executable, "-m", "socgan", "--help"]) for _ in range(3))}
    code = """
      t0 <- proc.time()[["elapsed"]]; suppressMessages(library(socgan)); t1 <- proc.time()[["elapsed"]]
      invisible(pool_rubin(c(10.2, 10.5, 9.9), c(0.30, 0.28, 0.31), dfcom = 99)); t2 <- proc.time()[["elapsed"]]
      invisible(gain_impute(mice::nhanes2, m = 2, seed = 1, epochs = 1)); t3 <- proc.time()[["elapsed"]]
      cat(sprintf("SPEEDJSON [%.3f, %.3f, %.3f]\n", t1 - t0, t2 - t1, t3 - t2))
    """
    runs = []
    for _ in range(3):
        text = _rscript(code, {**spec, "pythonpath": repo})
        runs.append(json.loads([x for x in text.splitlines() if x.startswith("SPEEDJSON ")][-1][9:]))
    out.update(r_library_s=min(r[0] for r in runs), r_first_pool_s=min(r[1] for r in runs),
               r_first_gain_s=min(r[2] for r in runs))
    return out


JOBS = {"python": job_python, "r": job_r, "prepare_r_data": job_prepare_r_data,
        "import": job_import}


def run_job(kind: str, spec: dict, timeout: float) -> dict:
    """``kind`` in a fresh Python process; its JSON result, or the failure."""
    cmd = [sys.executable, __file__, "--job", kind, json.dumps(spec)]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"status": f"timeout > {timeout:.0f} s"}
    lines = [x for x in proc.stdout.splitlines() if x.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"status": "failed: " + " ".join(proc.stderr.strip().splitlines()[-3:])[:400]}
    return {"status": "ok", **json.loads(lines[-1])}


# ---------------------------------------------------------------- the plan and its table

def plan(args) -> list[tuple[str, str, dict]]:
    """(target, label, spec) of every measurement, in order."""
    q = args.quick
    # --quick checks the script, not socgan: a few epochs unless told otherwise
    base = {"m": args.m, "gain_opts": ({"epochs": 3} | args.gain_opts) if q else args.gain_opts}
    steps = []
    if "seed" in args.targets:
        for r in range(args.reps):
            for method in ("socgan", "mice"):
                steps.append(("seed", method, {**base, "kind": "python", "method": method,
                                               "table": "seed", "n": 200 if q else 1000,
                                               "seed": args.seed + r}))
    for target, table, n, quick_n in (("scaling", "scaling", 100_000, 2_000),
                                      ("mixed", "mixed", 20_000, 1_000)):
        if target in args.targets:
            for method in ("socgan", "mice"):
                steps.append((target, method, {**base, "kind": "python", "method": method,
                                               "table": table, "n": quick_n if q else n,
                                               "seed": args.seed}))
    if "million" in args.targets:
        steps.append(("million", "socgan", {**base, "kind": "python", "method": "socgan",
                                            "table": "scaling", "n": 5_000 if q else 1_000_000,
                                            "seed": args.seed}))
    if "r" in args.targets:
        folder = str(args.out.parent / "speed_r_data")
        steps.append(("r", "prepare", {"kind": "prepare_r_data", "folder": folder,
                                       "n_mixed": 1_000 if q else 20_000, "r_lib": args.r_lib}))
        for table in R_DATA:
            common = {**base, "table": table, "seed": args.seed, "folder": folder, "n": 0}
            steps.append(("r", f"{table}: Python", {**common, "kind": "python", "method": "socgan",
                                                     "pickle": f"{folder}/{table}.pkl",
                                                     "warm_up": f"{folder}/nhanes2.pkl"}))
            steps.append(("r", f"{table}: R", {**common, "kind": "r", "r_lib": args.r_lib}))
    if "import" in args.targets:
        steps.append(("import", "socgan", {"kind": "import", "repo": str(args.repo),
                                           "r_lib": args.r_lib}))
    return steps


def summarise(rows: list[dict]) -> list[dict]:
    """One line per target: socgan's and the reference's time, their ratio, the target."""
    def med(target, label):
        xs = [r["seconds"] for r in rows if r["target"] == target and r["label"] == label
              and r["status"] == "ok"]
        return statistics.median(xs) if xs else None

    out = []
    for target, ref, goal in (("seed", "mice", 2.0), ("scaling", "mice", 0.25), ("mixed", "mice", 1.0)):
        a, b = med(target, "socgan"), med(target, ref)
        if a is not None or b is not None:
            out.append({"target": target, "socgan_s": a, "reference": f"{ref} {b:.1f} s" if b else ref,
                        "ratio": a / b if a and b else None, "goal": f"<= {goal}x"})
    mill = [r for r in rows if r["target"] == "million" and r["status"] == "ok"]
    if mill:
        r = mill[0]
        out.append({"target": "million", "socgan_s": r["seconds"],
                    "reference": f"peak {r['peak_mib'] / 1024:.2f} GiB", "ratio": None,
                    "goal": "<= 60 s, <= 2 GiB"})
    for table in R_DATA:
        py, rr = med("r", f"{table}: Python"), med("r", f"{table}: R")
        if py is not None or rr is not None:
            firsts = {side: next((x.get("first_call_s") for x in rows if x["label"] == f"{table}: {side}"
                                  and x["status"] == "ok"), None) for side in ("Python", "R")}
            out.append({"target": f"r {table}", "socgan_s": rr,
                        "reference": f"Python {py:.1f} s" if py else "Python",
                        "ratio": rr / py if rr and py else None, "goal": "<= 1.25x",
                        "first_call": f"R {_fmt(firsts['R'])} s / Python {_fmt(firsts['Python'])} s"})
    imp = [r for r in rows if r["target"] == "import" and r["status"] == "ok"]
    if imp:
        r = imp[0]
        out.append({"target": "import", "socgan_s": r["import_cumulative_s"],
                    "reference": (f"python -c 'import socgan' {r['python_import_wall_s']:.2f} s "
                                  f"(bare python {r['python_bare_wall_s']:.2f} s); socgan --help "
                                  f"{r['cli_help_s']:.2f} s; R: library() {r['r_library_s']:.2f} s, "
                                  f"first pool_rubin() {r['r_first_pool_s']:.2f} s, first "
                                  f"gain_impute() {r['r_first_gain_s']:.2f} s"),
                    "ratio": None, "goal": "fast (torch on first use)"})
    return out


def _fmt(x, digits=1):
    return "" if x is None else f"{x:.{digits}f}"


def markdown(summary: list[dict], rows: list[dict]) -> str:
    lines = ["| target | socgan (s) | reference | ratio | goal | first call (R / Python) |",
             "|---|---|---|---|---|---|"]
    for s in summary:
        lines.append(f"| {s['target']} | {_fmt(s['socgan_s'])} | {s['reference']} | "
                     f"{_fmt(s['ratio'], 2)} | {s['goal']} | {s.get('first_call', '')} |")
    failed = [r for r in rows if r["status"] != "ok"]
    for r in failed:
        lines.append(f"\n{r['target']} / {r['label']}: {r['status']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--targets", default=",".join(TARGETS),
                   help=f"comma-separated subset of {','.join(TARGETS)} (default: all)")
    p.add_argument("--reps", type=int, default=3, help="seed-experiment data sets (default 3)")
    p.add_argument("--m", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--quick", action="store_true", help="toy sizes, to check the script")
    p.add_argument("--timeout", type=float, default=1800, help="seconds per measurement")
    p.add_argument("--gain-opt", action="append", default=[], metavar="KEY=VALUE",
                   help="setting passed to socgan.impute / gain_impute (repeatable)")
    p.add_argument("--r-lib", default=None, help="R library folder with the socgan R package")
    p.add_argument("--repo", type=Path, default=ROOT,
                   help="socgan checkout whose import the `import` target measures (default: this one)")
    p.add_argument("--out", type=Path, default=BENCH / "out" / "speed.csv")
    p.add_argument("--write-results", action="store_true", help="append the table to bench/RESULTS.md")
    p.add_argument("--job", nargs=2, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.job:
        print(json.dumps(JOBS[args.job[0]](json.loads(args.job[1]))), flush=True)
        return 0
    args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    unknown = sorted(set(args.targets) - set(TARGETS))
    if unknown:
        p.error(f"unknown targets {unknown}; choose from {', '.join(TARGETS)}")
    sys.path.insert(0, str(BENCH))
    from seed_experiment import parse_value

    args.gain_opts = dict((k, parse_value(v)) for k, v in (o.split("=", 1) for o in args.gain_opt))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    (args.out.parent / "speed_r_data").mkdir(exist_ok=True)

    rows = []
    started = time.perf_counter()
    for target, label, spec in plan(args):
        kind = spec.pop("kind")
        t0 = time.perf_counter()
        res = run_job(kind, spec, args.timeout)
        row = {"target": target, "label": label, "n": spec.get("n"), "m": spec.get("m"),
               "seed": spec.get("seed"), **{k: res.get(k) for k in
                                            ("status", "seconds", "first_call_s", "peak_mib")},
               "wall_s": time.perf_counter() - t0}
        if kind == "import" and res.get("status") == "ok":
            row.update({k: v for k, v in res.items() if k != "status"})
        rows.append(row)
        print(f"{target:8s} {label:22s} {res.get('status')} "
              f"{_fmt(res.get('seconds'), 2)} s  peak {_fmt(res.get('peak_mib'), 0)} MiB", flush=True)
    with open(args.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=sorted({k for r in rows for k in r},
                                                key=lambda k: list(rows[0]).index(k)
                                                if k in rows[0] else 99))
        w.writeheader()
        w.writerows(rows)
    table = markdown(summarise(rows), rows)
    print("\n" + table + f"\n\n(raw rows: {args.out}; {time.perf_counter() - started:.0f} s in all)")
    if args.write_results:
        cmd = "python bench/speed.py " + " ".join(argv if argv is not None else sys.argv[1:])
        note = (f"\n\n### Speed targets ({dt.date.today()}, `{cmd.replace(' --write-results', '')}`)\n\n"
                f"Machine: {platform.node()}, {os.cpu_count()} cores, Python "
                f"{platform.python_version()}; load average at the end "
                f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}.\n\n{table}\n")
        from _common import append_results

        append_results(note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
