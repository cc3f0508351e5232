"""Issue 16: socgan.impute() must give bit-identical imputations before and after it became a
thin call of GainImputer. Run once per checkout, then compare:

    PYTHONPATH=/path/to/old python3 bench/dev/impute_identity.py save before.pkl
    PYTHONPATH=/path/to/new python3 bench/dev/impute_identity.py save after.pkl
    python3 bench/dev/impute_identity.py compare before.pkl after.pkl
"""

import pickle
import sys

import pandas as pd


def save(out):
    import socgan

    df = socgan.datasets.seed_experiment(300, seed=1)
    res = {s: socgan.impute(df, m=3, seed=s, epochs=5, progress=False) for s in (1, 7)}
    res["parallel"] = socgan.impute(df, m=3, seed=3, epochs=3, progress=False, n_jobs=2)
    with open(out, "wb") as f:
        pickle.dump({k: (v.datasets, v.diagnostics["loss_history"]) for k, v in res.items()}, f)
    print(socgan.__file__, "->", out)


def compare(a, b):
    with open(a, "rb") as f:
        before = pickle.load(f)
    with open(b, "rb") as f:
        after = pickle.load(f)
    for key, (datasets, loss) in before.items():
        for x, y in zip(datasets, after[key][0], strict=True):
            pd.testing.assert_frame_equal(x, y)
        pd.testing.assert_frame_equal(loss, after[key][1])
        print(f"{key}: {len(datasets)} datasets and the loss history identical")


if __name__ == "__main__":
    {"save": save, "compare": compare}[sys.argv[1]](*sys.argv[2:])
