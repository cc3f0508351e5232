import numpy as np, pandas as pd, socgan, subprocess, warnings
warnings.simplefilter("ignore")
from socgan.imputation._fit import draw_gain
subprocess.run(["Rscript", "-e", "write.csv(airquality, '/tmp/s16/air.csv', row.names=FALSE)"], check=True)
air = pd.read_csv("/tmp/s16/air.csv")
rows = []
for seed in (1, 2, 3, 4):
    rng = np.random.default_rng(seed)
    obs = np.flatnonzero(air.Ozone.notna())
    hide = np.sort(rng.choice(obs, 23, replace=False))
    d = air.copy(); d.loc[hide, "Ozone"] = np.nan
    for m_ in (5,):
        imp = socgan.GainImputer(m=m_, seed=seed, progress=False).fit(d)
        enc, pos = imp.encoder_, imp.positions_
        x, mask = enc.transform(d.iloc[:, pos]); j = [c.name for c in enc.columns].index("Ozone")
        miss = np.flatnonzero(mask[:, j] == 0); take = np.searchsorted(miss, hide)
        truth = air.Ozone.to_numpy()[hide]
        mus, sds = [], []
        for ell in range(imp.m_):
            v = np.stack([enc.decode_column(j, draw_gain(imp.fitted_, x, mask, ell, np.random.default_rng(100*ell+r))[j][take], d.Ozone.iloc[hide]).to_numpy(float) for r in range(40)], 1)
            mus.append(v.mean(1)); sds.append(v.std(1))
        mus, sds = np.array(mus), np.array(sds)
        err1 = np.mean((truth[None] - mus) ** 2)        # single model's mean error
        noise = np.mean(sds ** 2)                       # within-model draw variance
        between = np.mean(mus.var(0, ddof=1))           # between-model variance of means
        errbar = np.mean((truth - mus.mean(0)) ** 2)
        rows.append(dict(seed=seed, single_model_mse=err1, within_var=noise, between_var=between, pooled_mean_mse=errbar,
                         predictive_var=noise + between))
print(pd.DataFrame(rows).round(1).to_string(index=False))
print(pd.DataFrame(rows).mean().round(1))
