"""Rubin's rules for pooling multiply imputed analyses, exactly as R's ``mice`` pools them.

:func:`pool` mirrors ``mice::pool`` and returns a :class:`Pooled` (R's ``mipo``) whose
``.summary()`` is ``summary(mice::pool(fit), conf.int = TRUE)`` and whose ``.table`` is a tidy
DataFrame under mice's column names; :func:`pool_scalar` mirrors ``mice::pool.scalar``; see
:mod:`socgan.pooling._rubin` for the formulas and the mice details they reproduce.
"""

from ._result import TABLE_COLUMNS, Pooled, PooledScalar
from ._rubin import POOL_COLUMNS, barnard_rubin, pool, pool_scalar

__all__ = ["pool", "pool_scalar", "Pooled", "PooledScalar", "barnard_rubin", "TABLE_COLUMNS",
           "POOL_COLUMNS"]
