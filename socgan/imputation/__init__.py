"""GAIN multiple imputation (Yoon, Jordon & van der Schaar 2018), made proper.

``impute`` (and torch with it) is loaded on first use; inside an R process its torch work runs
in a worker process, away from R's reference BLAS (see :mod:`socgan._runtime`).
"""

from ._imputations import Imputations

__all__ = ["impute", "GainImputer", "Imputations"]


def __getattr__(name: str):
    if name == "impute":
        from .._runtime import isolating, outside_host_blas, prepare

        if isolating():  # the worker starts (and imports torch) while this process does too
            prepare(f"{__name__}._impute")
        from ._impute import impute as in_process

        # backend="dask" runs on the caller's cluster Client, which a worker process lacks.
        value = outside_host_blas(needed=lambda a: a.get("backend") != "dask")(in_process)
    elif name == "GainImputer":  # a fitted imputer holds its models in this process
        from ._imputer import GainImputer as value
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
