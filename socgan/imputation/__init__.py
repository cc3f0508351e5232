"""GAIN multiple imputation (Yoon, Jordon & van der Schaar 2018), made proper."""

from ._imputations import Imputations
from ._impute import impute
from ._imputer import GainImputer

__all__ = ["impute", "GainImputer", "Imputations"]
