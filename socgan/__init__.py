"""socgan: proper GAN-based multiple imputation for survey data, pooled with Rubin's rules."""

from . import datasets

__all__ = ["datasets"]
__version__ = "0.1.0"
