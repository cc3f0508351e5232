"""socgan: proper GAN-based multiple imputation for survey data, pooled with Rubin's rules.

The public surface:

- :func:`impute` — GAIN multiple imputation (each imputation from its own bootstrap model);
- :class:`GainImputer` — the same, fitted once: impute new waves, ``transform``, save/load;
- :class:`Imputations` — its result: ``.datasets``, ``.long()``, ``.fit()``, ``.analyze()``, ``.plot()``;
- :func:`pool`, :func:`pool_scalar` — Rubin's rules exactly as R's ``mice::pool``, giving a
  :class:`Pooled` (``.table``, ``.summary()`` with mice's column names); :func:`pool_wald`
  (``mice::D1``/``D2``, a :class:`WaldTest`) and :func:`pool_r_squared` (``pool.r.squared``);
- :mod:`datasets` — simulated data that ship with the package;
- :mod:`baselines` — comparison imputers (``emb_impute``: Amelia's EM with bootstrapping);
- :mod:`sae` — small-area estimation (stacking by multiple imputation, MRP, trees);
- :mod:`synth` — differentially private synthetic data (DP-GAN, Private Post-GAN Boosting);
- :mod:`io` — reading and writing survey data files;
- :mod:`r` — the rpy2 bridge to R (imported on use; needs R and rpy2).

Names are loaded on first use (module ``__getattr__``, PEP 562, as pyfixest does), so that
``import socgan`` is fast: torch, statsmodels and dp-accounting are imported only by the
functions that need them. R users pay for ``library(socgan)``'s first call into Python.
"""

from importlib import import_module as _import_module

__version__ = "0.1.0"

# public name -> the subpackage that defines it
_FROM = {"impute": "imputation", "GainImputer": "imputation", "Imputations": "imputation", "pool": "pooling",
         "pool_scalar": "pooling", "Pooled": "pooling", "pool_wald": "pooling",
         "pool_r_squared": "pooling", "WaldTest": "pooling"}
_SUBPACKAGES = ("baselines", "datasets", "imputation", "io", "pooling", "r", "sae", "synth")

__all__ = ["impute", "GainImputer", "Imputations", "pool", "pool_scalar", "pool_wald", "pool_r_squared",
           "Pooled", "WaldTest", "datasets", "sae", "synth", "baselines"]


def __getattr__(name: str):
    if name in _FROM:
        value = getattr(_import_module(f".{_FROM[name]}", __name__), name)
    elif name in _SUBPACKAGES:
        value = _import_module(f".{name}", __name__)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # later lookups are plain attribute reads
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__) | set(_SUBPACKAGES))
