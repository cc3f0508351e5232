"""Issue 17, point 3: public candidates in PGB's pool (uniform over the public bounds)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from socgan.synth import synthesize
from socgan.synth._candidates import public_candidates, split_pool
from socgan.synth._schema import build_schema, decode


def table(n: int = 400, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"x": rng.uniform(0, 10, n), "g": rng.choice(["a", "b"], n, p=[0.85, 0.15])})
    return d, {"x": (0.0, 10.0), "g": ["a", "b"]}


def test_public_candidates_are_uniform_over_the_bounds():
    d, bounds = table()
    cols = build_schema(d, bounds)
    x = public_candidates(cols, 4000, np.random.default_rng(1))
    assert x.shape == (4000, 3)
    assert x[:, 0].min() >= 0 and x[:, 0].max() <= 1
    assert (x[:, 1:].sum(1) == 1).all()
    out = decode(x, cols, d)
    assert abs((out["g"] == "a").mean() - 0.5) < 0.05
    assert split_pool(1000, 0.25, 3) == (250, 250)
    assert split_pool(1000, 1.0, 3) == (0, 1000)


def test_pgb_reweights_public_candidates_towards_the_real_margin():
    d, bounds = table()
    rel = synthesize(d, epsilon=20.0, method="pgb", bounds=bounds, steps=5, batch_size=100, hidden=8,
                     snapshots=2, candidates=2000, pgb_rounds=60, pgb_marginals=1,
                     pgb_public_share=1.0, seed=2, progress=False)
    assert rel.report["candidates_public"] == 2000
    share_a = float((rel.data["g"] == "a").mean())
    assert share_a > 0.7  # uniform candidates hold 50% "a"; the real share is 85%
    with pytest.raises(ValueError, match="pgb_public_share"):
        synthesize(d, epsilon=1.0, bounds=bounds, pgb_public_share=1.5, progress=False)
