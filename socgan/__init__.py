"""socgan: proper GAN-based multiple imputation for survey data, pooled with Rubin's rules.

The public surface:

- :func:`impute` — GAIN multiple imputation (each imputation from its own bootstrap model);
- :class:`GainImputer` — the same, fitted once: impute new waves, ``transform``, save/load;
- :class:`Imputations` — its result: ``.datasets``, ``.long()``, ``.fit()``, ``.analyze()``, ``.plot()``;
- :func:`pool`, :func:`pool_scalar` — Rubin's rules exactly as R's ``mice::pool``;
- :mod:`datasets` — simulated data that ship with the package;
- :mod:`baselines` — comparison imputers (``emb_impute``: Amelia's EM with bootstrapping);
- :mod:`synth` — differentially private synthetic data (DP-GAN, Private Post-GAN Boosting);
- :mod:`r` — the rpy2 bridge to R (imported on use; needs R and rpy2).
"""

import importlib

__all__ = ["impute", "GainImputer", "Imputations", "pool", "pool_scalar", "datasets", "sae", "synth", "baselines"]
__version__ = "0.1.0"

# Imported on first use (PEP 562), so that `import socgan` and the command line start without
# loading torch: Ctrl-C while torch loads then reaches the command's one-line handling.
_FROM = {"impute": ".imputation", "GainImputer": ".imputation", "Imputations": ".imputation", "pool": ".pooling",
         "pool_scalar": ".pooling"}
_SUBPACKAGES = ("datasets", "sae", "synth", "baselines")


def __getattr__(name: str):
    if name in _FROM:
        value = getattr(importlib.import_module(_FROM[name], __name__), name)
    elif name in _SUBPACKAGES:
        value = importlib.import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module 'socgan' has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
