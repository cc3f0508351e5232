"""Parallel imputations (joblib's loky processes, a dask cluster), the device option, and
row-batched forward passes: the same seed gives the same imputations however they are run."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import socgan
from socgan.datasets import seed_experiment
from socgan._core import gain as _gain
from socgan._core.torch_state import resolve_device

TINY = dict(m=3, seed=7, epochs=2, batch_size=32, progress=False)


@pytest.fixture(scope="module")
def data():
    # 80 rows: no model has 30 out-of-bag cells of X to calibrate its donors alone, so they borrow
    # the models' cells together (socgan._core.gain.borrow_calibration), across the jobs too
    return seed_experiment(80, seed=3)


@pytest.fixture(scope="module")
def serial(data):
    return socgan.impute(data, **TINY)


def assert_same(a, b):
    pd.testing.assert_frame_equal(a.long(), b.long())
    pd.testing.assert_frame_equal(a.diagnostics["loss_history"], b.diagnostics["loss_history"])


# -- results identical to the serial run -----------------------------------------------------
def test_loky_processes_give_the_serial_result(data, serial):
    assert_same(socgan.impute(data, n_jobs=2.0, **TINY), serial)  # whole-number float accepted


def test_dask_cluster_gives_the_serial_result(data, serial):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster):
        on_cluster = socgan.impute(data, n_jobs=-1, backend="dask", **TINY)
    assert_same(on_cluster, serial)


def test_progress_bar_with_parallel_jobs_runs(data, serial, capsys):
    shown = socgan.impute(data, n_jobs=2, **{**TINY, "progress": True})
    assert "imputation" in capsys.readouterr().err
    assert_same(shown, serial)


# -- argument errors ---------------------------------------------------------------------------
@pytest.mark.parametrize("bad, error", [(0, ValueError), (-2, ValueError), (1.5, ValueError),
                                        (float("nan"), ValueError), ("2", TypeError), (True, TypeError)])
def test_bad_n_jobs_is_named(data, bad, error):
    with pytest.raises(error, match="`n_jobs`"):
        socgan.impute(data, n_jobs=bad, **TINY)


def test_bad_backend_is_named(data):
    with pytest.raises(ValueError, match="`backend`"):
        socgan.impute(data, n_jobs=2, backend="spark", **TINY)


def test_dask_backend_without_client_says_how_to_start_one(data):
    distributed = pytest.importorskip("distributed")
    with pytest.raises(ValueError):
        distributed.get_client()  # no client is running in the test process
    with pytest.raises(ValueError, match=r"running dask.distributed Client.*Client\(\)"):
        socgan.impute(data, n_jobs=2, backend="dask", **TINY)


def test_dask_backend_with_one_job_is_refused(data):
    with pytest.raises(ValueError, match="n_jobs=-1"):
        socgan.impute(data, n_jobs=1, backend="dask", **TINY)


# -- device -----------------------------------------------------------------------------------
def test_cpu_device_is_recorded_and_gives_the_default_result(data, serial, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    on_cpu = socgan.impute(data, device="cpu", **TINY)
    assert on_cpu.options["device"] == "cpu"
    assert_same(on_cpu, socgan.impute(data, device="auto", **TINY))


def test_auto_device_picks_cuda_only_when_there_is_a_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")


def test_cuda_without_a_gpu_is_a_clear_error(data, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="`device='cuda'`.*no CUDA GPU"):
        socgan.impute(data, device="cuda", **TINY)


@pytest.mark.parametrize("bad", ["gpu", "CUDA", None, 0])
def test_bad_device_is_named(data, bad):
    with pytest.raises(ValueError, match="`device`"):
        socgan.impute(data, device=bad, **TINY)


# GAIN on a GPU itself: tests/imputation/test_gpu.py (`pytest -m gpu`, bench/gpu_check.sh).


# -- bounded memory: forward passes in row batches ----------------------------------------------
def test_residuals_and_draws_in_small_row_batches_match_one_pass(data, monkeypatch):
    from socgan._core.encoding import Encoder

    enc = Encoder.fit(data)
    x, mask = enc.transform(data)
    settings = _gain.GainSettings(epochs=2, batch_size=32)
    torch.manual_seed(0)
    model, _ = _gain.train_model(x, mask, enc, settings, torch.Generator().manual_seed(0))
    model.eval()
    rows = np.arange(len(data))
    whole = _gain.standardized_residuals(model, x, mask, rows)
    monkeypatch.setattr(_gain, "_BATCH_ROWS", 7)
    batched = _gain.standardized_residuals(model, x, mask, rows)
    assert whole.keys() == batched.keys()
    for j in whole:
        assert len(whole[j]) == int(mask[:, j].sum()) > 7
        np.testing.assert_allclose(batched[j], whole[j], rtol=1e-5, atol=1e-6)
    # Draws: every missing cell once, whatever the batch size.
    draws = _gain.draw_imputations(model, enc, x, mask, whole, np.random.default_rng(1))
    for j, values in draws.items():
        assert len(values) == int((mask[:, j] == 0).sum())
        assert np.isfinite(values).all()
