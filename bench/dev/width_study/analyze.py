"""Summaries over replications completed by all three methods (same deleted data):
bias (MCSE), coverage (MCSE), mean width, socgan/mice width ratio (MCSE of the mean per-rep ratio),
mean SE / empirical SD of the estimates (calibration; relative MCSE about 1/sqrt(2(R-1))), RMSE."""
import sys
import numpy as np, pandas as pd
s = pd.read_csv("/tmp/width_study/results_socgan.csv")
m = pd.read_csv("/tmp/width_study/results_mice.csv")
f = pd.read_csv("/tmp/width_study/results_full.csv")
a = pd.concat([s, m])
reps = a.groupby(["dataset", "rep"]).method.nunique()
ok = reps[reps == 3].reset_index()[["dataset", "rep"]]
a = pd.concat([a, f]).merge(ok, on=["dataset", "rep"])
K = ["socgan", "mice", "cc", "full"]
for ds, g in a.groupby("dataset", sort=False):
    R = g.rep.nunique()
    print(f"\n### {ds}: R = {R} replications; coverage MCSE at 0.95 = {np.sqrt(.95*.05/R):.3f}\n")
    print("| term | truth | bias S / M / CC (MCSE) | coverage S / M / CC / Full | mean width S / M / CC / Full | width S/M (MCSE) | emp. SD S / M / Full | SE/SD S / M / Full | RMSE S / M / CC |")
    print("|---|---|---|---|---|---|---|---|---|")
    for t, h in g.groupby("term", sort=False):
        r = {k: h[h.method == k].sort_values("rep") for k in K}
        tr = h.truth.iloc[0]
        bias = [r[k].estimate.mean() - tr for k in K[:3]]
        bse = [r[k].estimate.std() / np.sqrt(R) for k in K[:3]]
        cov = [r[k].covers.mean() for k in K]
        wid = [r[k].width.mean() for k in K]
        ratio = r["socgan"].width.values / r["mice"].width.values
        sd = [r[k].estimate.std() for k in ["socgan", "mice", "full"]]
        cal = [r[k].se.mean() / r[k].estimate.std() for k in ["socgan", "mice", "full"]]
        rmse = [np.sqrt(((r[k].estimate - tr) ** 2).mean()) for k in K[:3]]
        f3 = lambda x: f"{x:.3g}"
        print(f"| {t} | {tr:.3g} | " + " / ".join(f"{b:+.3g}" for b in bias) + f" (±{max(bse):.2g}) | "
              + " / ".join(f"{c:.2f}" for c in cov) + " | " + " / ".join(map(f3, wid))
              + f" | {ratio.mean():.2f} ({ratio.std()/np.sqrt(R):.2f}) | " + " / ".join(map(f3, sd)) + " | "
              + " / ".join(f"{c:.2f}" for c in cal) + " | " + " / ".join(map(f3, rmse)) + " |")
    nt = g[g.term != "Intercept"]
    cv = nt.groupby("method").covers.mean()
    print(f"\nmean coverage over non-intercept terms: " + ", ".join(f"{k} {cv[k]:.3f}" for k in K))
    fm = nt.groupby("method").fmi.mean()
    print(f"mean FMI (non-intercept): socgan {fm['socgan']:.2f}, mice {fm['mice']:.2f}")
    print(f"seconds per imputation run (mean): socgan {g[g.method=='socgan'].groupby('rep').seconds.first().mean():.1f}, "
          f"mice {g[g.method=='mice'].groupby('rep').seconds.first().mean():.1f}")
