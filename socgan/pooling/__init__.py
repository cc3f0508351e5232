"""Rubin's rules for pooling multiply imputed analyses, exactly as R's ``mice`` pools them.

:func:`pool` mirrors ``mice::pool`` and returns a :class:`Pooled` (R's ``mipo``) whose
``.summary()`` is ``summary(mice::pool(fit), conf.int = TRUE)`` and whose ``.table`` is a tidy
DataFrame under mice's column names; :func:`pool_scalar` mirrors ``mice::pool.scalar``; see
:mod:`socgan.pooling._rubin` for the formulas and the mice details they reproduce.
:func:`pool_wald` tests several parameters at once as ``mice::D1``/``D2`` do, and
:func:`pool_r_squared` pools R² as ``mice::pool.r.squared`` (:mod:`socgan.pooling._tests`).
"""

from ._result import TABLE_COLUMNS, Pooled, PooledScalar
from ._rubin import POOL_COLUMNS, barnard_rubin, pool, pool_scalar
from ._tests import TEST_COLUMNS, WaldTest, pool_r_squared, pool_wald

__all__ = ["pool", "pool_scalar", "pool_wald", "pool_r_squared", "Pooled", "PooledScalar",
           "WaldTest", "barnard_rubin", "TABLE_COLUMNS", "POOL_COLUMNS", "TEST_COLUMNS"]
