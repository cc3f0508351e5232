"""Summarise seed-experiment CSVs written so far (``bench/seed_experiment.py`` writes its raw
results after every replication), e.g. a study stopped before its end:

    python bench/summarise_partial.py bench/out/seed_experiment_A.csv [B.csv ...]
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from seed_experiment import markdown, summarise  # noqa: E402

if __name__ == "__main__":
    raw = pd.concat([pd.read_csv(p) for p in sys.argv[1:]], ignore_index=True)
    raw["error"] = raw["error"].fillna("")
    raw["note"] = raw["note"].fillna("")
    methods = list(dict.fromkeys(raw["method"]))
    coef, meth = summarise(raw, methods, raw["rep"].nunique())
    print(markdown(coef[["method", "term", "R", "bias", "bias_mcse", "coverage", "coverage_mcse",
                         "width", "mean_se", "emp_sd", "fmi"]], {"R": 0}))
    print()
    print(markdown(meth, {"time_per_rep_s": 1}))
