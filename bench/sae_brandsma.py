"""Small-area estimation on real data: the pupils of mice's ``brandsma`` data as the population.

Brandsma & Knuver (1989) measured 4,106 Dutch pupils in 216 schools (R package mice,
``mice::brandsma``). The pupils whose grade repetition is recorded (4,093) are taken as the whole
population; the outcome is whether a pupil repeated a grade (``rpg > 0``, 13%), the areas are the
schools (about 19 pupils each), and the truth is each school's share, computed from all its pupils.
Each replication draws a survey from this population — a simple random sample (``--design srs``)
or one whose response rises with the language pretest (``--design informative``: response odds
x1.5 per SD, ignorable given the covariates) — and runs ``socgan.sae.compare`` with the census of
all pupils' covariates: language and arithmetic pretests (0-49, 0-20), pupil SES (about -17 to
22), verbal IQ (about -8 to 7) and sex, with the missing values they have in the data.

    python bench/sae_brandsma.py --reps 0-9 --out bench/results/sae_brandsma.csv

Needs R with mice (the data are read through rpy2); nothing is downloaded. The same as
``python bench/sae_real.py --data brandsma`` (the machinery and the other real populations are
there); kept for the commands recorded in bench/RESULTS.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import sae_real  # noqa: E402


def main() -> None:
    argv = sys.argv[1:]
    if "--out" not in argv:
        argv += ["--out", "bench/results/sae_brandsma.csv"]
    sae_real.main(argv, data="brandsma")


if __name__ == "__main__":
    main()
