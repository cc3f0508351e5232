"""socgan: proper GAN-based multiple imputation for survey data, pooled with Rubin's rules.

The public surface:

- :func:`impute` — GAIN multiple imputation (each imputation from its own bootstrap model);
- :class:`Imputations` — its result: ``.datasets``, ``.long()``, ``.fit()``, ``.analyze()``, ``.plot()``;
- :func:`pool`, :func:`pool_scalar` — Rubin's rules exactly as R's ``mice::pool``;
- :mod:`datasets` — simulated data that ship with the package.
"""

from . import datasets
from .imputation import Imputations, impute
from .pooling import pool, pool_scalar

__all__ = ["impute", "Imputations", "pool", "pool_scalar", "datasets"]
__version__ = "0.1.0"
