"""socgan: proper GAN-based multiple imputation for survey data, pooled with Rubin's rules.

The public surface:

- :func:`impute` — GAIN multiple imputation (each imputation from its own bootstrap model);
- :class:`Imputations` — its result: ``.datasets``, ``.long()``, ``.fit()``, ``.analyze()``, ``.plot()``;
- :func:`pool`, :func:`pool_scalar` — Rubin's rules exactly as R's ``mice::pool``;
- :mod:`datasets` — simulated data that ship with the package;
- :mod:`baselines` — comparison imputers (``emb_impute``: Amelia's EM with bootstrapping);
- :mod:`synth` — differentially private synthetic data (DP-GAN, Private Post-GAN Boosting);
- :mod:`r` — the rpy2 bridge to R (imported on use; needs R and rpy2).
"""

from . import baselines, datasets, sae, synth
from .imputation import Imputations, impute
from .pooling import pool, pool_scalar

__all__ = ["impute", "Imputations", "pool", "pool_scalar", "datasets", "sae", "synth", "baselines"]
__version__ = "0.1.0"
