"""Issue 16 (structure): the restructuring must change no result. Saves what the moved and split
code computes, on a checkout, and compares two such files value for value (exact equality):

* private releases of every method with ``insecure_seed`` (so that the privacy noise repeats),
  with ``pgb_marginals``, ``pgb_public_share``, ``bayesian_dp``, a given ``delta`` and ``n_rows``,
  and the non-private ones: the synthetic rows, every ``report`` item **in order**, the
  curator-only part, epsilon, delta and ``repr``;
* ``socgan.impute``, a fitted ``GainImputer`` on new rows and ``transform``, ``emb_impute``;
* ``sae.estimate`` with GAIN and Amelia-style stacking; and torch's thread count afterwards.

    PYTHONPATH=/path/to/old python3 bench/dev/structure_identity.py save before.pkl
    PYTHONPATH=/path/to/new python3 bench/dev/structure_identity.py save after.pkl
    python3 bench/dev/structure_identity.py compare before.pkl after.pkl
"""

import pickle
import sys
import warnings

import numpy as np
import pandas as pd


def save(out):
    import torch

    import socgan
    from socgan.baselines import emb_impute
    from socgan.sae import estimate
    from socgan.synth import synthesize

    warnings.simplefilter("ignore")
    res = {}
    rng = np.random.default_rng(0)
    n = 90
    df = pd.DataFrame({"age": rng.integers(18, 90, n), "income": rng.normal(3000, 800, n).clip(0, 9000).round(2),
                       "region": pd.Categorical(rng.choice(["n", "s"], n))})
    B = {"age": (18, 99), "income": (0, 10_000), "region": ["n", "s", "e"]}
    FAST = dict(steps=12, batch_size=10, snapshots=3, candidates=60, pgb_rounds=6, hidden=8, progress=False)
    cases = {
     "pgb": dict(epsilon=1.0, bounds=B, insecure_seed=11, seed=4),
     "pgb_noseed": dict(epsilon=1.0, bounds=B, insecure_seed=11),
     "dpgan": dict(epsilon=1.0, method="dpgan", bounds=B, insecure_seed=11, seed=4, n_rows=50),
     "pgb_marg": dict(epsilon=2.0, bounds=B, insecure_seed=3, seed=1, pgb_marginals=2, pgb_bins=4, pgb_public_share=0.3, critic_steps=2, generator_average=0.9, discriminator_hidden=4, delta=1e-5),
     "pgb_bayes": dict(epsilon=1.0, bounds=B, insecure_seed=5, seed=2, bayesian_dp=True),
     "gan": dict(epsilon=None, method="gan", seed=3),
     "pgbnp": dict(epsilon=None, method="pgb-nonprivate", seed=3, n_rows=30),
    }
    for k, kw in cases.items():
        r = synthesize(df, **{**FAST, **kw})
        res["synth_" + k] = (r.data, list(r.report.items()), r.curator_only, r.epsilon, r.delta, repr(r))
    d = socgan.datasets.seed_experiment(200, seed=1)
    imp = socgan.impute(d, m=2, seed=1, epochs=3, progress=False)
    res["impute"] = (imp.datasets, imp.loss_history)
    gi = socgan.GainImputer(m=2, seed=1, epochs=3, progress=False).fit(d.iloc[:150])
    res["imputer"] = (gi.impute(d.iloc[150:], seed=2).datasets, gi.transform(d.iloc[150:]))
    res["emb"] = emb_impute(d, m=2, seed=1).datasets
    sim = socgan.datasets.turnout(n_census=6_000, n_survey=1_500, seed=11)
    for meth, opt in [("gain", {"max_steps": 100, "epochs": 5}), ("amelia", {})]:
        res["sae_" + meth] = estimate(sim["survey"], sim["census"], outcome="voted", area="state", method=meth, m=2, seed=1, progress=False, options=opt)
    res["threads"] = torch.get_num_threads()
    with open(out, "wb") as f:
        pickle.dump(res, f)
    print(socgan.__file__, "->", out)


def same(x, y):
    if isinstance(x, pd.DataFrame):
        pd.testing.assert_frame_equal(x, y, check_exact=True); return True
    if isinstance(x, pd.Series):
        pd.testing.assert_series_equal(x, y, check_exact=True); return True
    if isinstance(x, (list, tuple)):
        assert type(x) == type(y) and len(x) == len(y), (x, y)
        return all(same(u, v) for u, v in zip(x, y))
    if isinstance(x, dict):
        assert list(x) == list(y), (list(x), list(y))
        return all(same(x[k], y[k]) for k in x)
    if isinstance(x, np.ndarray):
        np.testing.assert_array_equal(x, y); return True
    if isinstance(x, float) and np.isnan(x):
        return np.isnan(y)
    assert x == y, (x, y); return True

def compare(before, after):
    with open(before, "rb") as f:
        a = pickle.load(f)
    with open(after, "rb") as f:
        b = pickle.load(f)
    bad = []
    for k in a:
        try:
            same(a[k], b[k])
        except AssertionError as e:
            bad.append((k, str(e)[:300]))
    print("keys", sorted(a) == sorted(b), "differ:", bad if bad else "none")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit({"save": save, "compare": compare}[sys.argv[1]](*sys.argv[2:]))
