"""Data sets that socgan generates itself (nothing is downloaded)."""

from ._seed_experiment import SEED_EXPERIMENT_TRUTH, seed_experiment
from ._turnout import turnout

__all__ = ["seed_experiment", "SEED_EXPERIMENT_TRUTH", "turnout"]
