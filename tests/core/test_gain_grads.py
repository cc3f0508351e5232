"""The hand-written gradients of GAIN's reconstruction loss (``GainModels.reconstruction_step``)
against autograd on the same loss (``GainModels.reconstruction_loss``), for every column kind,
with and without covariate-shift weights, and where the log-sd head is clamped."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from socgan._core.encoding import Encoder
from socgan._core.gain import GainModels, GainSettings, train_models


def _mixed(n=90, seed=0):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "age": rng.normal(45, 12, n),
        "kids": rng.integers(0, 4, n),
        "vote": rng.integers(0, 2, n).astype(float),
        "party": pd.Categorical(rng.choice(["L", "C", "G"], n)),
        "edu": pd.Categorical(rng.choice(["lo", "mid", "hi"], n), categories=["lo", "mid", "hi"],
                              ordered=True),
    })
    for c in df:
        df.loc[rng.random(n) < 0.2, c] = np.nan
    return df


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("blow_up", [False, True])
def test_hand_written_gradients_equal_autograd(weighted, blow_up):
    enc = Encoder.fit(_mixed())
    x, mask = enc.transform(_mixed())
    k, rows = 3, 40
    gens = [torch.Generator().manual_seed(s) for s in (1, 2, 3)]
    models = GainModels(enc, 16, gens)
    if blow_up:  # large outputs: some log-sd heads beyond the clamp, whose gradient is zero
        with torch.no_grad():
            models.generator.params[4].mul_(40.0)
    g = torch.Generator().manual_seed(7)
    idx = torch.randint(0, len(x), (k, rows), generator=g)
    xb, mb = torch.from_numpy(x)[idx], torch.from_numpy(mask)[idx]
    given = mb * (torch.rand(mb.shape, generator=g) > 0.5).to(mb.dtype)
    held = mb - given
    noise = 0.01 * torch.rand(xb.shape, generator=g)
    weight = torch.rand(held.shape, generator=g) * 2 if weighted else None
    alpha = 10.0

    loss, grads = models.reconstruction_step(xb, given, held, noise, alpha, weight=weight)
    ref = models.reconstruction_loss(models.generate(xb, given, noise), xb, held, weight=weight)
    (alpha * ref).sum().backward()
    torch.testing.assert_close(loss, ref.detach(), rtol=1e-5, atol=1e-6)
    for p, got in zip(models.generator.params, grads):
        torch.testing.assert_close(got, p.grad, rtol=1e-4, atol=1e-6)
        p.grad = None
    if blow_up:
        raw = models.generate(xb, given, noise)[..., -2:]
        assert ((raw < -7) | (raw > 4)).any(), "the test should reach the clamp"


def _autograd_step(self, x, given, held_out, noise, alpha, weight=None):
    """The step as it was before the hand-written gradients: autograd on reconstruction_loss."""
    with torch.enable_grad():
        loss = self.reconstruction_loss(self.generate(x, given, noise), x, held_out, weight=weight)
        grads = torch.autograd.grad((alpha * loss).sum(), self.generator.params)
    return loss.detach(), list(grads)


def test_training_with_the_hand_written_step_follows_the_autograd_step(monkeypatch):
    """The whole training loop (batches, Adam, schedule) with the hand-written step and with
    autograd's ends at nearly the same weights: the same optimisation, rounding aside."""
    df = _mixed(120, seed=3)
    enc = Encoder.fit(df)
    x, mask = enc.transform(df)
    rows = [np.arange(len(x)), np.arange(len(x))[::-1].copy()]
    settings = GainSettings(epochs=5, batch_size=32)
    manual, hist = train_models(x, mask, enc, settings, rows, [None, None], [5, 6])
    monkeypatch.setattr(GainModels, "reconstruction_step", _autograd_step)
    auto, hist_auto = train_models(x, mask, enc, settings, rows, [None, None], [5, 6])
    for a, b in zip(manual.generator.params, auto.generator.params):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=2e-3)  # Adam magnifies rounding where gradients are ~0
    np.testing.assert_allclose(np.array(hist, dtype=float), np.array(hist_auto, dtype=float),
                               rtol=1e-4, atol=1e-5)
