"""How much of GAIN's fit on the seed experiment a cheaper training keeps (issue 19 point 5).

For data sets ``seed_experiment(1000, seed=s, mar_strength=MECH)``, s = START .. START+N-1, imputes
with ``socgan.impute(m=5, seed=s, **OPTIONS)``, pools ``Y ~ X * Bin`` and prints, per coefficient,
the mean difference of the pooled estimate from the estimate on the complete data (with its
standard error over the data sets), and the imputation time per data set:

    OMP_NUM_THREADS=1 PYTHONPATH=. python bench/dev/training_length_check.py '{"max_steps": 1500}' 12 strong

The difference from the complete-data estimate isolates what the imputations add (the sampling
error of the complete data cancels); the seed experiment's coverage runs need |bias| < 0.05.
"""

import json
import sys
import time

import numpy as np
import statsmodels.formula.api as smf
import torch

import socgan
from socgan.datasets import seed_experiment

TERMS = ["Intercept", "X", "Bin", "X:Bin"]


def main(options: dict, n_sets: int, mechanism: str, start: int = 300) -> None:
    torch.set_num_threads(1)
    diffs, seconds = [], 0.0
    for s in range(start, start + n_sets):
        full = seed_experiment(1000, seed=s, missing=False, mar_strength=mechanism)
        data = seed_experiment(1000, seed=s, mar_strength=mechanism)
        ref = smf.ols("Y ~ X * Bin", data=full.astype({"Bin": float})).fit().params.to_numpy()
        t0 = time.time()
        imp = socgan.impute(data, m=5, seed=s, progress=False, **options)
        seconds += time.time() - t0
        diffs.append(imp.fit("Y ~ X * Bin").table["estimate"].to_numpy() - ref)
    d = np.array(diffs)
    cells = " ".join(f"{t} {mu:+.3f}({se:.3f})"
                     for t, mu, se in zip(TERMS, d.mean(0), d.std(0) / np.sqrt(n_sets)))
    print(json.dumps(options), mechanism, f"n={n_sets}", cells, f"time/set {seconds / n_sets:.1f}",
          flush=True)


if __name__ == "__main__":
    main(json.loads(sys.argv[1]), int(sys.argv[2]), sys.argv[3],
         *(int(a) for a in sys.argv[4:5]))
