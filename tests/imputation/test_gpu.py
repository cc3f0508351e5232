"""GAIN on a CUDA GPU (`pytest -m gpu`; skipped without one). bench/gpu_check.sh runs these and
times 1,000,000 rows on the CPU and the GPU (issue 19, point 6)."""

import numpy as np
import pandas as pd
import pytest

import socgan

pytestmark = pytest.mark.gpu

TINY = dict(m=2, seed=5, epochs=3, progress=False)


@pytest.fixture(scope="module")
def data():
    return socgan.datasets.seed_experiment(300, seed=11)


def test_cuda_imputations_are_complete_and_keep_observed_cells(data):
    # The generator's own draws use the GPU's RNG, so values differ from the CPU run's.
    on_gpu = socgan.impute(data, device="cuda", **TINY)
    assert on_gpu.options["device"] == "cuda"
    assert np.isfinite(on_gpu.diagnostics["loss_history"][["d_loss", "g_reconstruction"]].to_numpy()).all()
    observed = data.notna()
    for d in on_gpu.datasets:
        assert not d.isna().any().any()
        pd.testing.assert_frame_equal(d[observed], data[observed])


def test_cuda_same_seed_same_imputations(data):
    first = socgan.impute(data, device="cuda", **TINY)
    again = socgan.impute(data, device="cuda", **TINY)
    for a, b in zip(first.datasets, again.datasets, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_cuda_in_worker_processes_matches_the_serial_run(data):
    # loky's workers are fresh processes (CUDA cannot be used after a fork).
    serial = socgan.impute(data, device="cuda", **TINY)
    parallel = socgan.impute(data, device="cuda", n_jobs=2, **TINY)
    for a, b in zip(serial.datasets, parallel.datasets, strict=True):
        pd.testing.assert_frame_equal(a, b)


def test_cuda_pooled_estimates_agree_with_the_cpu_run():
    """Same method on another device: pooled coefficients within a few standard errors."""
    df = socgan.datasets.seed_experiment(1000, seed=3)
    settings = dict(m=5, seed=3, progress=False)
    cpu = socgan.impute(df, device="cpu", **settings).fit("Y ~ X * Bin").table.set_index("term")
    gpu = socgan.impute(df, device="cuda", **settings).fit("Y ~ X * Bin").table.set_index("term")
    gap = (cpu["estimate"] - gpu["estimate"]).abs()
    assert (gap < 3 * np.hypot(cpu["std.error"], gpu["std.error"])).all(), pd.concat(
        {"cpu": cpu["estimate"], "gpu": gpu["estimate"]}, axis=1)
