"""Fit the ``ctgan`` package's CTGAN (Xu et al. 2019) and write its synthetic table (helper of
``bench/ctgan_compare.py``).

Runs in a separate venv that has ``ctgan`` (0.12.1; it pins its own ``rdt`` and pandas 2, which
the main environment does not carry), one fit per call::

    /tmp/ctv/bin/python bench/_ctgan_runner.py --train train.csv --seed 1 \\
        --discrete ethnicity,smsa,region,parttime --integer-columns education,experience \\
        --out-csv ctgan_seed1.csv --out-json ctgan_seed1.json

Everything is the library's default (300 epochs, batch 500, generator and discriminator of two
256-unit layers, PAC 10, mode-specific normalisation by a variational Gaussian mixture with at
most 10 modes, training by sampling with conditional vectors); ``--epochs`` overrides the
epochs. Integer columns are rounded after sampling. The JSON holds the seconds of ``fit`` and
``sample`` and the library's version.
"""

from __future__ import annotations

import argparse
import json
import random
import time

import numpy as np
import pandas as pd


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--discrete", required=True)
    ap.add_argument("--integer-columns", default="")
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--out-csv", required=True)
    ap.add_argument("--out-json", required=True)
    a = ap.parse_args()

    import ctgan
    import torch
    from ctgan import CTGAN

    random.seed(a.seed)
    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    train = pd.read_csv(a.train)
    discrete = [c for c in a.discrete.split(",") if c]
    for c in discrete:
        train[c] = train[c].astype(str)
    model = CTGAN(**({} if a.epochs is None else {"epochs": a.epochs}))
    model.set_random_state(a.seed)
    t0 = time.time()
    model.fit(train, discrete)
    t1 = time.time()
    synth = model.sample(len(train))
    t2 = time.time()
    for c in [c for c in a.integer_columns.split(",") if c]:
        synth[c] = np.round(synth[c].astype(float)).astype(int)
    synth = synth[list(train.columns)]
    synth.to_csv(a.out_csv, index=False)
    with open(a.out_json, "w") as f:
        json.dump({"method": "ctgan", "seed": a.seed, "fit_seconds": t1 - t0,
                   "sample_seconds": t2 - t1, "epochs": model._epochs,
                   "ctgan_version": ctgan.__version__, "torch_threads": torch.get_num_threads()},
                  f, indent=1)


if __name__ == "__main__":
    main()
