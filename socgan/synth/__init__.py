"""Differentially private synthetic data: DP-GAN and Private Post-GAN Boosting, and their evaluation.

- :func:`synthesize` — a synthetic copy of a table under (epsilon, delta)-DP (Neunhoeffer, Wu &
  Dwork 2021; Abadi et al. 2016), or without privacy for comparison;
- :class:`Release` — its result: ``.data``, ``.epsilon``, ``.delta``, ``.report``;
- :func:`evaluate` — utility and privacy checks of synthetic against real data, as a tidy DataFrame;
- :class:`LowSignalWarning` — raised by ``synthesize`` when the DP-SGD noise leaves the
  discriminator too little to learn from.
"""

from ._dpgan import LowSignalWarning
from ._evaluate import evaluate
from ._release import Release, synthesize

__all__ = ["synthesize", "Release", "evaluate", "LowSignalWarning"]
