"""socgan._core.torch_state: torch's threads, global RNG and device, set for a block and restored."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from socgan._core.torch_state import (resolve_device, search_threads, seeded_torch, share_threads,
                                     single_threaded)


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


def test_the_donor_search_keeps_the_callers_threads_inside_a_single_threaded_block(two_threads):
    """The nearest-donor search gives the same neighbours on any number of threads, so it may use
    the threads the caller had (a million rows: 12 s of the draws on one thread), shared among a
    pool's threads; it reads, never sets, torch's count. Each thread has its own caller."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    assert search_threads() == two_threads
    with single_threaded():
        with single_threaded():  # nested: still the outermost caller's count
            assert search_threads() == two_threads
        with ThreadPoolExecutor(2, initializer=share_threads,
                                initargs=(2, search_threads())) as pool:
            assert list(pool.map(lambda _: search_threads(), range(2))) == [1, 1]
        # another thread at one torch thread, inside its own block, sees its own caller
        seen = []

        def other():
            torch.set_num_threads(1)
            with single_threaded():
                seen.append(search_threads())

        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert seen == [1]
        assert search_threads() == two_threads
    torch.set_num_threads(1)
    assert search_threads() == 1


def test_the_draws_search_donors_on_the_callers_threads_with_the_same_imputations(
        two_threads, monkeypatch):
    """GAIN's draws run inside single_threaded(), yet the donor search gets the caller's two
    threads (one each in a pool of two), and the imputations are those of a one-thread caller."""
    from scipy.spatial import cKDTree

    from socgan._core import gain
    from socgan.datasets import seed_experiment
    from socgan.imputation import impute

    asked = []

    class Spy(cKDTree):
        def query(self, *args, **kwargs):
            asked.append(kwargs.get("workers", 1))
            return super().query(*args, **kwargs)

    monkeypatch.setattr(gain, "cKDTree", Spy)
    data = seed_experiment(300, seed=2)
    kw = dict(m=2, seed=3, epochs=2, progress=False)
    two = impute(data, **kw)
    assert asked and set(asked) == {2}
    asked.clear()
    pooled = impute(data, n_jobs=2, **kw)
    assert asked and set(asked) == {1}
    asked.clear()
    torch.set_num_threads(1)
    one = impute(data, **kw)
    assert set(asked) == {1}
    for a, b, c in zip(two.datasets, pooled.datasets, one.datasets):
        pd.testing.assert_frame_equal(a, c)
        pd.testing.assert_frame_equal(b, c)


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
