"""Issue 17, point 6: the Bayesian DP estimate of the DP-SGD steps (data-dependent, labelled)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from socgan.synth import synthesize
from socgan.synth._bayes_dp import ORDERS, bayesian_epsilon, step_costs


def test_constant_unit_distance_without_subsampling_is_the_gaussian_moments_accountant():
    sigma, steps, delta = 3.0, 50, 1e-5
    est = bayesian_epsilon([np.ones(8)] * steps, sampling_rate=1.0, noise_multiplier=sigma,
                           delta=delta)
    # Abadi et al. (2016): the Gaussian mechanism's log moment is l (l + 1) / (2 sigma^2)
    expected = min((steps * lam * (lam + 1) / (2 * sigma ** 2) - math.log(delta)) / lam
                   for lam in ORDERS)
    assert est["epsilon"] == pytest.approx(expected, rel=1e-9)


def test_in_distribution_gradients_cost_less_and_outliers_more():
    q, sigma = 0.05, 1.2
    close = bayesian_epsilon([np.full(16, 0.1)] * 200, sampling_rate=q, noise_multiplier=sigma,
                             delta=1e-5)["epsilon"]
    far = bayesian_epsilon([np.full(16, 4.0)] * 200, sampling_rate=q, noise_multiplier=sigma,
                           delta=1e-5)["epsilon"]
    assert close < far
    # a step with too few pairs takes the worst case
    assert np.allclose(step_costs(np.array([0.1]), q, sigma), step_costs(np.array([4.0, 4.0]), q, sigma))
    # spread in the distances raises the upper confidence bound above the plug-in mean
    rng = np.random.default_rng(0)
    spread = rng.uniform(0, 2, 16)
    plain = step_costs(np.full(16, spread.mean()), q, sigma)
    assert (step_costs(spread, q, sigma) > plain).all()


def test_release_reports_it_labelled_and_beside_epsilon():
    rng = np.random.default_rng(0)
    d = pd.DataFrame({"x": rng.uniform(0, 1, 300), "g": rng.choice(["a", "b"], 300)})
    rel = synthesize(d, epsilon=3.0, bounds={"x": (0.0, 1.0), "g": ["a", "b"]}, method="dpgan",
                     steps=20, batch_size=60, hidden=8, bayesian_dp=True, seed=1, progress=False)
    b = rel.curator_only["bayesian_dp"]
    assert b["data_dependent"] is True and "not (epsilon, delta)-DP" in b["notion"]
    assert "do not publish" in b["warning"]
    assert b["steps"] == 20 and np.isfinite(b["epsilon"]) and b["delta"] == rel.delta
    assert rel.epsilon <= 3.0  # the guarantee is unchanged
    plain = synthesize(d, epsilon=3.0, bounds={"x": (0.0, 1.0), "g": ["a", "b"]}, method="dpgan",
                       steps=5, batch_size=60, hidden=8, seed=1, progress=False)
    assert "bayesian_dp" not in plain.report and not plain.curator_only
    assert "bayesian_dp" not in rel.report
