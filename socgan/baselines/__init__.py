"""Baseline multiple imputers to compare socgan's GAIN imputations with.

- :func:`emb_impute` — EM with bootstrapping under a multivariate normal (Amelia II's EMB;
  Honaker, King & Blackwell 2011), checked against R's ``Amelia::amelia``.
"""

from ._emb import emb_impute

__all__ = ["emb_impute"]
