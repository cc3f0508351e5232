"""Code the benchmarks share: where things are, the machine and commit a run was made on, tables.

Importable by every script in ``bench/`` (Python puts a script's folder on ``sys.path``) and in
``bench/dev/`` (those put ``bench/`` there first). Not part of the socgan package and not used
by the test suite.
"""

from __future__ import annotations

import math
import os
import platform
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "RESULTS.md"


def git_state() -> dict:
    """The commit the run used and whether ``socgan/`` had uncommitted changes."""
    def git(*args):
        try:
            return subprocess.run(["git", *args], cwd=REPO, capture_output=True,
                                  text=True).stdout.strip()
        except OSError:
            return ""
    return {"commit": git("rev-parse", "HEAD"),
            "socgan_dirty": bool(git("status", "--porcelain", "socgan"))}


def machine_info() -> dict[str, str]:
    """Cores, CPU model and platform, to record beside a timing (the machine may be shared)."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    except OSError:
        nproc = str(os.cpu_count())
    return {"nproc": nproc, "cpu": cpu, "platform": platform.platform()}


def _fmt(x, nd=3):
    if isinstance(x, (float, np.floating)):
        return "" if math.isnan(x) else f"{x:.{nd}f}"
    return str(x)


def markdown(df: pd.DataFrame, digits: dict | None = None) -> str:
    """``df`` as a Markdown table: numbers right-aligned with 3 decimals (``digits`` per column
    overrides), NaN as an empty cell."""
    digits = digits or {}
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |",
             "|" + "|".join("---:" if pd.api.types.is_numeric_dtype(df[c]) else "---"
                            for c in cols) + "|"]
    for _, r in df.iterrows():
        lines.append("| " + " | ".join(_fmt(r[c], digits.get(c, 3)) for c in cols) + " |")
    return "\n".join(lines)


def tvd(a: pd.Series, b: pd.Series) -> float:
    """Total variation distance of two distributions given as shares indexed by cell."""
    return 0.5 * float(np.abs(a.sub(b, fill_value=0)).sum())


def append_results(text: str) -> None:
    """Add a section at the end of bench/RESULTS.md (sections are only ever appended)."""
    with open(RESULTS, "a") as f:
        f.write(text if text.endswith("\n") else text + "\n")
