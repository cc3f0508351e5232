"""Kept so that ``from socgan._checks import as_count`` keeps working: the checks now live in
:mod:`socgan._params`, with the tables of constraints and the one frame validator."""

from ._params import as_count, as_real, as_seed, check_frame

__all__ = ["as_count", "as_real", "as_seed", "check_frame"]
