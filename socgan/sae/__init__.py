"""Small-area estimation: survey/census stacking by multiple (over)imputation, MRP and baselines.

:func:`estimate` gives one row per area of the census (estimate, standard error, interval) as
:class:`AreaEstimates` (``.table``, ``.settings``, ``.plot()``); :func:`compare` runs several
methods on the same data side by side (against the truth where it is known, as in
:func:`socgan.datasets.turnout`) and returns a :class:`Comparison`; :func:`plot` draws the area
estimates.
With GAIN, inside an R process, the work runs in a worker process (see :mod:`socgan._runtime`).
"""

from .._runtime import outside_host_blas
from . import _estimate
from ._estimate import METHODS
from ._plot import plot
from ._results import AreaEstimates, Comparison

# Only GAIN stacking uses torch; the other methods stay in this process.
estimate = outside_host_blas(needed=lambda a: a["method"] == "gain")(_estimate.estimate)
compare = outside_host_blas(needed=lambda a: "gain" in list(a["methods"]))(_estimate.compare)

__all__ = ["estimate", "compare", "plot", "AreaEstimates", "Comparison", "METHODS"]
