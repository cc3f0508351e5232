"""Shared pytest set-up: the `gpu` marker (`pytest -m gpu`, run by bench/gpu_check.sh on a
machine with CUDA; skipped elsewhere), and `--cpu-durations N`, the tests that cost the most
CPU time, a steadier measure than `--durations` (wall time) on a shared, busy machine."""

import resource
import sys
from pathlib import Path

import pytest

# Test modules sit in one folder per package (tests/imputation/, tests/sae/, ...), without
# __init__.py; the helpers at the top of tests/ (``from _r import r_eval``) import from any of them.
_TESTS = str(Path(__file__).resolve().parent)
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)


def pytest_addoption(parser):
    parser.addoption("--cpu-durations", type=int, default=None, metavar="N",
                     help="list the N tests that used the most CPU time (setup, call and "
                          "teardown; this process and its finished child processes)")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "gpu: needs a CUDA GPU (skipped without one); bench/gpu_check.sh runs them")
    config._socgan_cpu = []


def pytest_collection_modifyitems(config, items):
    """Skip `gpu` tests, with the reason, where torch finds no CUDA GPU."""
    gpu_items = [item for item in items if "gpu" in item.keywords]
    if not gpu_items:
        return
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="no CUDA GPU on this machine (bench/gpu_check.sh runs these)")
    for item in gpu_items:
        item.add_marker(skip)


def _cpu_seconds() -> float:
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start = _cpu_seconds()
    yield
    item.config._socgan_cpu.append((_cpu_seconds() - start, item.nodeid))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    n = config.getoption("--cpu-durations")
    if n is None:
        return
    rows = sorted(config._socgan_cpu, reverse=True)
    terminalreporter.write_sep("=", f"CPU time of the {min(n, len(rows))} costliest tests "
                                    f"(all {len(rows)}: {sum(s for s, _ in rows):.0f} s)")
    for seconds, nodeid in rows[:n]:
        terminalreporter.write_line(f"{seconds:8.2f}s  {nodeid}")
