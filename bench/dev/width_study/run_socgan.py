"""socgan (m=5, defaults) and complete-case analysis on the deleted samples; appends rows to results_socgan.csv."""
import json, os, sys, time, warnings, re
import numpy as np, pandas as pd, statsmodels.formula.api as smf
from scipy import stats
import socgan

D = "/tmp/width_study/data"
OUT = "/tmp/width_study/results_socgan.csv"
WLOG = "/tmp/width_study/warnings_socgan.log"
R = int(sys.argv[1]) if len(sys.argv) > 1 else 100
DATASETS = sys.argv[2].split(",") if len(sys.argv) > 2 else ["beps", "pbc", "slid"]
meta = json.load(open(f"{D}/meta.json"))

def canon(name):
    m = re.match(r"^(?:C\()?([A-Za-z_]\w*)\)?\[T\.(.+)\]$", name)
    return m.group(1) + m.group(2) if m else name

def load(name, r):
    mt = meta[name]
    d = pd.read_csv(f"{D}/{name}/rep{r:03d}.csv", dtype={c: str for c in mt["levels"]})
    for c, l in mt["levels"].items():
        d[c] = pd.Categorical(d[c], categories=l)
    for c in mt["integer_cols"]:
        d[c] = d[c].astype("Int64")
    return d

def rows(name, r, method, terms, est, se, df, lo, hi, secs, extra=None):
    truth = meta[name]["truth"]
    out = []
    for i, t in enumerate(terms):
        t = canon(t)
        out.append(dict(dataset=name, rep=r, method=method, term=t, truth=truth[t], estimate=est[i], se=se[i],
                        df=df[i], lo=lo[i], hi=hi[i], covers=int(lo[i] <= truth[t] <= hi[i]), width=hi[i] - lo[i],
                        fmi=(extra[i] if extra is not None else np.nan), seconds=secs))
    return out

done = set()
if os.path.exists(OUT):
    prev = pd.read_csv(OUT)
    done = set(zip(prev.dataset, prev.rep, prev.method))
for r in range(1, R + 1):
    for name in DATASETS:
        if (name, r, "socgan") in done:
            continue
        mt = meta[name]
        d = load(name, r)
        res = []
        # complete cases (statsmodels OLS; rows with any missing analysis variable dropped by patsy)
        t0 = time.time()
        cc = smf.ols(mt["formula"], d.astype({c: "float64" for c in mt["integer_cols"]})).fit()
        ci = cc.conf_int(0.05)
        res += rows(name, r, "cc", list(cc.params.index), cc.params.values, cc.bse.values,
                    [cc.df_resid] * len(cc.params), ci[0].values, ci[1].values, time.time() - t0)
        t0 = time.time()
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            imp = socgan.impute(d, m=5, seed=r, progress=False)
            p = imp.fit(mt["formula"]).table
        secs = time.time() - t0
        with open(WLOG, "a") as f:
            for x in w:
                if issubclass(x.category, ResourceWarning):
                    continue
                f.write(f"{name}\t{r}\t{x.category.__name__}\t{str(x.message)[:300]}\n")
        res += rows(name, r, "socgan", list(p.term), p.estimate.values, p["std.error"].values, p.df.values,
                    p["conf.low"].values, p["conf.high"].values, secs, p.fmi.values)
        pd.DataFrame(res).to_csv(OUT, mode="a", header=not os.path.exists(OUT), index=False)
        print(time.strftime("%H:%M:%S"), name, r, f"{secs:.1f}s", flush=True)
