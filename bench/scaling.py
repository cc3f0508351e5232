"""Scaling: wall time and peak memory of m imputations for growing n, socgan against R's mice and Amelia.

Data: a simulated survey of 10 mixed-type columns (4 continuous, 2 integer, 2 binary, 1 unordered and
1 ordered categorical) with about 25% of cells missing at random given two always-observed columns.
Each (method, n) runs in its own fresh Python process, so that its peak resident memory (max RSS, R
included for mice and Amelia, which run embedded through rpy2) is its own; the time measured is the
imputation call only (data generation excluded; for R, conversion to and from R included).

    python bench/scaling.py --sizes 1000,10000,100000,1000000 --methods socgan,mice,amelia \\
        --m 5 --timeout 900 [--write-results]

A method that exceeds ``--timeout`` at some n is not run at larger n.

``hyperimpute`` (van der Schaar lab's GAIN, ``Imputers().get("gain")`` with its defaults) runs in
its own virtual environment, given by ``--hyperimpute-python``: its full requirements add ~100
packages (TensorFlow, Jupyter, ...), of which its GAIN needs only torch, pandas, scikit-learn,
loguru and optuna. Set it up with::

    python -m venv /work/venvs/hi && /work/venvs/hi/bin/pip install torch==2.13.0
    /work/venvs/hi/bin/pip install --no-deps hyperimpute==0.1.17
    /work/venvs/hi/bin/pip install pandas scikit-learn loguru scipy pydantic psutil optuna

It imputes numbers only, so categorical columns go in as their integer codes (NaN when missing);
it gives one imputation per fit, so m imputations are m fits with seeds 1..m (its own bootstrap-free
way to get several draws).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def make_survey(n: int, seed: int = 1):
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, n)
    female = rng.integers(0, 2, n)
    educ = rng.choice(3, n, p=[0.3, 0.45, 0.25])
    income = np.exp(9.5 + 0.3 * educ + 0.01 * (age - 50) + rng.normal(0, 0.5, n))
    hours = np.clip(np.round(40 + 5 * (educ - 1) - 8 * female + rng.normal(0, 8, n)), 0, 80)
    trust = 0.3 * educ + 0.01 * age + rng.normal(0, 1, n)
    left = 0.5 * female - 0.2 * (income / income.mean()) + rng.normal(0, 1, n)
    kids = rng.poisson(np.clip(1.5 - 0.3 * educ + 0.5 * female, 0.1, None))
    voted = (rng.random(n) < 1 / (1 + np.exp(-(-1 + 0.03 * (age - 50) + 0.5 * educ + 0.3 * trust)))).astype(int)
    region = rng.choice(["north", "south", "east", "west"], n)
    df = pd.DataFrame({
        "age": pd.array(age, dtype="Int64"), "female": pd.array(female, dtype="Int64"),
        "income": income, "hours": hours.astype(float), "trust": trust, "left": left,
        "kids": pd.array(kids, dtype="Int64"), "voted": pd.array(voted, dtype="Int64"),
        "region": pd.Categorical(region),
        "educ": pd.Categorical.from_codes(educ, ["low", "mid", "high"], ordered=True),
    })
    z = (df["age"].to_numpy(float) - 50) / 20 + 0.5 * df["female"].to_numpy(float)
    for col in ["income", "hours", "trust", "left", "kids", "voted", "region", "educ"]:
        p = 1 / (1 + np.exp(-(-1.2 + 0.5 * z)))  # ~25% missing, MAR given age and sex
        df.loc[rng.random(n) < p, col] = None
    return df


def run_job(method: str, n: int, m: int) -> dict:
    """In a fresh process: impute, and report the seconds taken and cells imputed."""
    df = make_survey(n)
    t0 = time.perf_counter()
    if method == "socgan":
        import socgan

        out = socgan.impute(df, m=m, seed=1, progress=False).datasets
    elif method == "mice":
        from socgan.r import run_mice

        out = run_mice(df, m=m, seed=1, maxit=5)
    elif method == "amelia":
        from socgan.r import run_amelia

        out = run_amelia(df, m=m, seed=1, noms=["region", "female", "voted"], ords=["educ"])
    elif method == "hyperimpute":
        import numpy as np
        import torch
        from hyperimpute.plugins.imputers import Imputers

        # One thread, like the other jobs: with torch's default two threads on this loaded 2-core
        # machine one fit took 149 s instead of 3 s (thread oversubscription).
        torch.set_num_threads(1)

        x = df.copy()
        for c in ("region", "educ"):
            x[c] = x[c].cat.codes.astype(float).where(x[c].notna())
        x = x.astype(float)
        t0 = time.perf_counter()  # the encoding above is not the imputer's work
        out = [Imputers().get("gain", random_state=k).fit_transform(x) for k in range(1, m + 1)]
        assert all(np.isfinite(o.to_numpy()).all() for o in out)
    else:
        raise ValueError(method)
    seconds = time.perf_counter() - t0
    left = int(sum(d.isna().sum().sum() for d in out))
    return {"seconds": seconds, "missing_left": left, "cells_missing": int(df.isna().sum().sum())}


def measure(method: str, n: int, m: int, timeout: float, python: str = sys.executable) -> dict:
    cmd = [python, __file__, "--job", method, str(n), str(m)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return {"method": method, "n": n, "status": f"timeout > {timeout:.0f} s"}
    # The child reports its own peak RSS (ru_maxrss of RUSAGE_SELF) in its JSON line.
    if proc.returncode != 0:
        return {"method": method, "n": n, "status": "failed: " + err.strip().splitlines()[-1][:120]}
    res = json.loads(out.strip().splitlines()[-1])
    res.update(method=method, n=n, status="ok")
    return res


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000,10000,100000,1000000")
    p.add_argument("--methods", default="socgan,mice,amelia")
    p.add_argument("--m", type=int, default=5)
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--write-results", action="store_true")
    p.add_argument("--hyperimpute-python", default="/work/venvs/hi/bin/python",
                   help="python of the environment with hyperimpute (see the module docstring)")
    p.add_argument("--job", nargs=3, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.job:
        res = run_job(a.job[0], int(a.job[1]), int(a.job[2]))
        res["peak_rss_gib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
        print(json.dumps(res))
        return 0

    import pandas as pd

    started = dt.datetime.now()
    sizes = [int(s) for s in a.sizes.split(",")]
    rows = []
    for method in a.methods.split(","):
        for n in sizes:
            python = a.hyperimpute_python if method == "hyperimpute" else sys.executable
            r = measure(method, n, a.m, a.timeout, python)
            rows.append(r)
            print(json.dumps(r), flush=True)
            if r["status"] != "ok":
                break
    res = pd.DataFrame(rows)
    ok = res[res["status"] == "ok"]
    table = res.pivot(index="n", columns="method", values="seconds") if len(ok) else None
    lines = ["| method | n | status | seconds | peak RSS (GiB) | ratio to socgan |", "|---|---:|---|---:|---:|---:|"]
    base = ok[ok["method"] == "socgan"].set_index("n")["seconds"] if len(ok) else {}
    for r in rows:
        sec = r.get("seconds")
        ratio = (sec / base[r["n"]]) if sec is not None and r["n"] in getattr(base, "index", []) else None
        rss = r.get("peak_rss_gib")
        cells = ["" if v is None else f"{v:{fmt}}" for v, fmt in ((sec, ".1f"), (rss, ".2f"), (ratio, ".2f"))]
        lines.append(f"| {r['method']} | {r['n']:,} | {r['status']} | " + " | ".join(cells) + " |")
    md = "\n".join(lines)
    print(md)
    if table is not None:
        from matplotlib.figure import Figure

        fig = Figure(figsize=(5, 3.6))
        ax = fig.subplots()
        for method in table.columns:
            s = table[method].dropna()
            ax.plot(s.index, s.to_numpy(), marker="o", label=method)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("rows (n)")
        ax.set_ylabel(f"seconds for m = {a.m} imputations")
        ax.legend(frameon=False)
        fig.tight_layout()
        (BENCH / "results").mkdir(exist_ok=True)
        fig.savefig(BENCH / "results" / "scaling.png", dpi=120)
    if a.write_results:
        cmd = "python bench/scaling.py " + " ".join(argv if argv is not None else sys.argv[1:])
        cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
        from _common import append_results

        append_results(f"\n## Scaling, {started:%Y-%m-%d %H:%M}\n\nCommand: `{cmd}`\n\n"
                       f"Machine: {os.cpu_count()} cores, {cpu}. Each run in a fresh process; seconds = "
                       "the imputation call only; peak RSS of that process (R included for mice and "
                       f"Amelia). Plot: `bench/results/scaling.png`.\n\n{md}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
