"""Run every Python code block of the vignettes, in order, in a fresh folder."""

from __future__ import annotations

import os
import re
from pathlib import Path

import matplotlib
import pytest

VIGNETTES = sorted((Path(__file__).resolve().parent.parent / "vignettes").glob("*.md"))


@pytest.mark.slow
@pytest.mark.parametrize("path", VIGNETTES, ids=lambda p: p.name)
def test_vignette_runs(path, tmp_path, monkeypatch):
    matplotlib.use("Agg")
    blocks = re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S)
    assert blocks, f"{path.name} has no python code blocks"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"vignette_{path.stem}"}
    for i, code in enumerate(blocks, start=1):
        try:
            exec(compile(code, f"{path.name}[block {i}]", "exec"), namespace)
        except Exception as exc:  # name the failing block
            raise AssertionError(f"{path.name}, code block {i} failed: {exc!r}") from exc
