"""Shared pytest set-up: markers, and the GPU tests' selection (`pytest -m gpu`, run by
bench/gpu_check.sh on a machine with CUDA)."""

import pytest


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "gpu: needs a CUDA GPU (skipped without one); bench/gpu_check.sh runs them")


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
