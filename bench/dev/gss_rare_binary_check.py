"""Spy on the draws of vocab in the GSSvocab check (bench/RESULTS.md, fourteenth session): the
network's predicted means for the foreign-born whose vocab is missing. Needs gss_full.pkl and
gss_mar.pkl from bench/dev/gss_prepare.py in /tmp/pytrial/.
Run: PYTHONPATH=. python bench/dev/gss_rare_binary_check.py '{}'"""
import sys, pandas as pd, numpy as np, socgan, torch
import socgan._core.gain as g
torch.set_num_threads(1)
m = pd.read_pickle("/tmp/pytrial/gss_mar.pkl").drop(columns=["ageGroup","educGroup"]); d = pd.read_pickle("/tmp/pytrial/gss_full.pkl").drop(columns=["ageGroup","educGroup"])
v = d.copy(); v["vocab"] = m["vocab"]
rec = []
orig = g._residual_draw
def spy(mu, sd, donors, c, rng, *a, **k):
    out = orig(mu, sd, donors, c, rng, *a, **k)
    rec.append((c, mu.copy(), sd.copy(), donors.copy(), out.copy()))
    return out
g._residual_draw = spy
fb = (v.nativeBorn == "no") & v.vocab.isna()
miss = v.vocab.isna().to_numpy()
fbm = fb.to_numpy()[miss]
import json
imp = socgan.impute(v, m=5, seed=1, progress=False, **json.loads(sys.argv[1]))
for c, mu, sd, donors, out in rec:
    if len(mu) != miss.sum(): continue
    sc = lambda z: z * c.scale + c.mean
    print("mu fb", sc(mu[fbm]).mean().round(2), "mu native", sc(mu[~fbm]).mean().round(2), "draw fb", sc(out[fbm]).mean().round(2), "sd fb", (sd[fbm]*c.scale).mean().round(2), "sd nat", (sd[~fbm]*c.scale).mean().round(2), "donor cols", donors.shape, "masses", getattr(c, "masses", None))
print("true fb", d.loc[fb,"vocab"].astype(float).mean(), "true native missing", d.loc[v.vocab.isna() & ~fb,"vocab"].astype(float).mean())
