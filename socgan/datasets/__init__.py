"""Data sets that socgan generates itself (nothing is downloaded)."""

from ._seed_experiment import SEED_EXPERIMENT_TRUTH, seed_experiment

__all__ = ["seed_experiment", "SEED_EXPERIMENT_TRUTH"]
