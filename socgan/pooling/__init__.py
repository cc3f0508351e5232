"""Rubin's rules for pooling multiply imputed analyses, exactly as R's ``mice`` pools them.

:func:`pool` mirrors ``summary(mice::pool(fit), conf.int = TRUE)`` and :func:`pool_scalar`
mirrors ``mice::pool.scalar``; see :mod:`socgan.pooling._rubin` for the formulas and the mice
details they reproduce.
"""

from ._rubin import POOL_COLUMNS, barnard_rubin, pool, pool_scalar

__all__ = ["pool", "pool_scalar", "barnard_rubin", "POOL_COLUMNS"]
