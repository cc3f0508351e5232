"""Issue 17, point 2: generator weight averaging (Polyak / EMA) in DP-GAN training."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from socgan.synth._dpgan import train_gan
from socgan.synth._schema import build_schema, encode


def test_generator_average_releases_the_moving_average():
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"x": rng.uniform(0, 1, 200), "g": rng.choice(["a", "b"], 200)})
    cols = build_schema(d, {"x": (0.0, 1.0), "g": ["a", "b"]})
    x = encode(d, cols)
    kw = dict(steps=40, sampling_rate=0.2, noise_multiplier=2.0, clip_norm=1.0, hidden=8, lr=1e-2,
              n_snapshots=2, seed=4, progress=False)
    last = train_gan(x, cols, **kw)
    avg = train_gan(x, cols, generator_average=0.9, **kw)
    # same training path (the average is post-processing), different released weights
    assert np.allclose(last.g_loss, avg.g_loss)
    w_last = torch.cat([p.flatten() for p in last.generator.parameters()])
    w_avg = torch.cat([p.flatten() for p in avg.generator.parameters()])
    assert not torch.allclose(w_last, w_avg)
    # the last snapshot holds the averaged generator
    snap = avg.snapshots[-1][0]
    for k, v in avg.generator.state_dict().items():
        assert torch.equal(snap[k], v)
