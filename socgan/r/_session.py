"""Lazy access to R through rpy2, with errors that say what to install.

rpy2 is imported on first use, never when ``socgan.r`` is imported, so socgan works without R.
rpy2 3.6 needs R >= 4.5; with Debian's R 4.2 use rpy2 3.5.x (hence the pin in the messages).
"""

from __future__ import annotations

import functools
import os

MIN_R_VERSION = (4, 0)

_INSTALL_RPY2 = 'pip install "rpy2>=3.5,<3.6"'
_INSTALL_R = "apt-get install r-base-core r-cran-mice"
_R_PACKAGES_APT = {"mice": "r-cran-mice", "Amelia": "r-cran-amelia"}


class RUnavailableError(ImportError):
    """R, rpy2 or an R package that a socgan.r function needs is missing or too old."""


@functools.cache
def _load():
    try:
        import rpy2  # noqa: F401
    except ImportError as err:
        raise RUnavailableError(
            f"socgan.r needs the Python package rpy2 to talk to R; install it with `{_INSTALL_RPY2}` "
            f"(and R itself with `{_INSTALL_R}`)."
        ) from err
    # Starting R through rpy2 writes R's library path into os.environ["LD_LIBRARY_PATH"]; a
    # Python subprocess started later (joblib/loky workers, tests) then loads the system
    # libpython and cannot import its packages. The loaded R no longer needs it: put it back.
    old_ld = os.environ.get("LD_LIBRARY_PATH")
    try:
        import rpy2.rinterface as ri
        import rpy2.robjects as ro
    except Exception as err:  # rpy2 raises OSError, RuntimeError, ... when R cannot be found
        raise RUnavailableError(
            f"rpy2 is installed but could not start R ({type(err).__name__}: {err}). "
            f"Install R with `{_INSTALL_R}`, or set R_HOME to the R installation."
        ) from err
    finally:
        if old_ld is None:
            os.environ.pop("LD_LIBRARY_PATH", None)
        else:
            os.environ["LD_LIBRARY_PATH"] = old_ld
    major, minor = (int(ro.r("R.version$major")[0]), float(ro.r("R.version$minor")[0]))
    if (major, int(minor)) < MIN_R_VERSION:
        raise RUnavailableError(
            f"socgan.r needs R >= {MIN_R_VERSION[0]}.{MIN_R_VERSION[1]}, found {major}.{minor}; "
            f"install a newer R (`{_INSTALL_R}`)."
        )
    return ro, ri


def r_session(*packages: str):
    """``(rpy2.robjects, rpy2.rinterface)`` once R is up and the R ``packages`` are installed."""
    ro, ri = _load()
    for pkg in packages:
        if not _has_package(pkg):
            apt = _R_PACKAGES_APT.get(pkg, f"r-cran-{pkg.lower()}")
            raise RUnavailableError(
                f"The R package {pkg} is not installed; install it with `apt-get install {apt}` "
                f'or, in R, `install.packages("{pkg}")`.'
            )
    return ro, ri


@functools.cache
def _has_package(pkg: str) -> bool:
    ro, _ = _load()
    return bool(ro.r["requireNamespace"](pkg, quietly=True)[0])


def r_available(*packages: str) -> bool:
    """Whether R (through rpy2) and the given R packages can be used; never raises."""
    try:
        r_session(*packages)
    except RUnavailableError:
        return False
    return True
