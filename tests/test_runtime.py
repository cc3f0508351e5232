"""``import socgan`` is light (issue 16/19), and torch's work leaves a process whose BLAS would
serve torch's matrix products (R's; issue 19, socgan/_runtime.py)."""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import socgan
from socgan import _runtime

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str, **env) -> str:
    """Run ``code`` in a fresh Python with this checkout's socgan; its stdout."""
    full = dict(os.environ, PYTHONPATH=str(ROOT), **env)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_import_socgan_loads_neither_torch_nor_the_heavy_libraries():
    out = _python(
        "import sys, socgan\n"
        "heavy = ['torch', 'statsmodels', 'dp_accounting', 'scipy', 'matplotlib', 'pandas']\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "socgan.pool, socgan.datasets, socgan.sae, socgan.Imputations\n"  # none needs torch
        "print('torch' in sys.modules)\n")
    assert out.split("\n")[:2] == ["[]", "False"]


def test_lazy_names_resolve_and_dir_lists_them():
    for name in socgan.__all__:
        assert getattr(socgan, name) is not None
    assert set(socgan.__all__) <= set(dir(socgan))
    assert socgan.impute is socgan.imputation.impute
    assert socgan.Imputations is socgan.imputation.Imputations
    assert {"synthesize", "Release", "evaluate"} <= set(dir(socgan.synth))
    assert socgan.synth.Release.__name__ == "Release"
    from socgan import pool_scalar, sae  # noqa: F401  (from-imports go through __getattr__)
    with pytest.raises(AttributeError, match="no attribute 'imputee'"):
        socgan.imputee  # noqa: B018
    with pytest.raises(AttributeError):
        socgan.synth.synthesise  # noqa: B018


def test_plain_python_keeps_torch_in_process_and_the_functions_unwrapped():
    pytest.importorskip("torch")
    assert _runtime.host_blas() is None
    assert not _runtime.isolating()
    from socgan.imputation import _impute

    assert socgan.impute is _impute.impute  # not wrapped for a worker process
    # and its warnings point at the caller's line, above its argument checks
    data = socgan.datasets.seed_experiment(60, seed=1)
    data.iloc[0, :] = np.nan
    with pytest.warns(UserWarning, match="every value missing") as caught:
        socgan.impute(data, m=1, seed=1, epochs=1, progress=False)
    assert caught[0].filename == __file__


def test_isolate_setting_is_checked(monkeypatch):
    monkeypatch.setenv(_runtime.ENV, "sometimes")
    with pytest.raises(ValueError, match="SOCGAN_ISOLATE"):
        _runtime.isolating()
    monkeypatch.setenv(_runtime.ENV, "always")
    assert _runtime.isolating()
    monkeypatch.setenv(_runtime.ENV, "0")
    assert not _runtime.isolating()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="symbol interposition is Linux's")
def test_a_global_blas_is_detected_as_in_r():
    """R loads libblas.so.3 into the global scope before Python starts; a library loaded with
    RTLD_GLOBAL before torch stands in for it here."""
    import ctypes.util

    name = ctypes.util.find_library("blas")
    if name is None:
        pytest.skip("no system BLAS (libblas.so) to load")
    out = _python(
        "import ctypes, os\n"
        f"ctypes.CDLL({name!r}, mode=os.RTLD_GLOBAL | os.RTLD_NOW)\n"
        "from socgan import _runtime\n"
        "print(_runtime.host_blas())\n"
        "print(_runtime.isolating())\n")
    blas, isolating = out.split("\n")[:2]
    assert "blas" in blas and isolating == "True"


def test_the_worker_gives_the_same_imputations_warnings_and_errors(monkeypatch):
    """The isolated path (what R gets): identical imputations, warnings raised again with the
    caller's line, errors with their own type and message."""
    from socgan.imputation._impute import impute as in_process

    data = socgan.datasets.seed_experiment(120, seed=2)
    data.iloc[0, :] = np.nan  # -> a warning from the worker
    settings = dict(m=2, seed=4, epochs=2, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        here = in_process(data, **settings)
    monkeypatch.setenv(_runtime.ENV, "always")
    isolated = _runtime.outside_host_blas(needed=lambda a: a.get("backend") != "dask")(in_process)
    assert isolated.__wrapped__ is in_process and isolated.__doc__ == in_process.__doc__
    try:
        with pytest.warns(UserWarning, match="every value missing") as caught:
            there = isolated(data, **settings)
        assert caught[0].filename == __file__
        for a, b in zip(here.datasets, there.datasets, strict=True):
            assert a.equals(b)
        assert here.diagnostics["loss_history"].equals(there.diagnostics["loss_history"])
        with pytest.raises(ValueError, match="`m` must be at least 1"):
            isolated(data, m=0)
    finally:
        _runtime.shutdown()


def test_the_worker_exits_with_its_parent():
    """R exits without finalising Python (or is killed): the worker must not outlive it."""
    import time

    out = _python("import os\n"
                  "from socgan import _runtime\n"
                  "print(_runtime.run_in_worker(os.getpid), flush=True)\n"
                  "os._exit(0)\n")  # no atexit, no shutdown(): what R's exit does
    worker = int(out.split()[0])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(worker, 9)
    pytest.fail("the worker process outlived its parent")
