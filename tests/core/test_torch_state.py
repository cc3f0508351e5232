"""socgan._core.torch_state: torch's threads, global RNG and device, set for a block and restored."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from socgan._core.torch_state import resolve_device, seeded_torch, single_threaded


@pytest.fixture
def two_threads():
    """torch at two threads for the test (the suite may run at one), restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield 2
    torch.set_num_threads(before)


def test_single_threaded_restores_the_thread_count_also_after_an_error(two_threads):
    with single_threaded():
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == two_threads
    with pytest.raises(RuntimeError, match="inside"):
        with single_threaded():
            raise RuntimeError("inside")
    assert torch.get_num_threads() == two_threads


def test_a_joblib_job_gives_its_worker_back_its_thread_count(two_threads):
    """loky keeps its workers for the caller's later jobs: a GAIN fitting job there must not
    leave torch at one thread (issue 16). The job is run here, as loky runs it in a worker."""
    from socgan._core.encoding import Encoder
    from socgan._core.settings import gain_settings
    from socgan.datasets import seed_experiment
    from socgan.imputation._imputer import _fit_job

    data = seed_experiment(40, seed=1)
    enc = Encoder.fit(data)
    x, mask = enc.transform(data)
    settings = gain_settings(epochs=1, max_steps=5, batch_size=16, hint_rate=0.9, alpha=10.0,
                             hidden=8, learning_rate=1e-2, weight_decay=0.0)
    children = np.random.SeedSequence(1).spawn(1)
    indices, fitted = _fit_job([0], children, x, mask, enc, np.arange(len(data)), settings,
                               True, torch.device("cpu"))
    assert indices == [0] and fitted.k == 1
    assert torch.get_num_threads() == two_threads


def test_seeded_torch_repeats_its_seed_and_restores_the_global_generator():
    child = np.random.SeedSequence(7)
    state = torch.random.get_rng_state()
    with seeded_torch(child, torch.device("cpu")) as gen:
        first = torch.rand(3), torch.rand(3, generator=gen)
    assert torch.equal(torch.random.get_rng_state(), state)  # the caller's stream is untouched
    with seeded_torch(np.random.SeedSequence(7), torch.device("cpu")) as gen:
        again = torch.rand(3), torch.rand(3, generator=gen)
    assert all(torch.equal(a, b) for a, b in zip(first, again))


def test_resolve_device(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="no CUDA GPU"):
        resolve_device("cuda")
    with pytest.raises(ValueError, match="`device`"):
        resolve_device("gpu")
