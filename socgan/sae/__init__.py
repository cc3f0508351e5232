"""Small-area estimation: survey/census stacking by multiple (over)imputation, MRP and baselines.

:func:`estimate` gives one row per area of the census (estimate, standard error, interval);
:func:`compare` runs several methods on the same data side by side (against the truth where it
is known, as in :func:`socgan.datasets.turnout`); :func:`plot` draws the area estimates.
"""

from ._estimate import METHODS, compare, estimate
from ._plot import plot

__all__ = ["estimate", "compare", "plot", "METHODS"]
