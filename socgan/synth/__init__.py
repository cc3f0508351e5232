"""Differentially private synthetic data: noisy two-way marginals (the default), DP-GAN and Private
Post-GAN Boosting, and their evaluation.

- :func:`synthesize` — a synthetic copy of a table under (epsilon, delta)-DP: from every two-way
  table measured once with Gaussian noise, a tree and raking (``method="marginals"``), or from a
  DP-GAN improved by Private Post-GAN Boosting (``"pgb"``; Neunhoeffer, Wu & Dwork 2021; Abadi et
  al. 2016); or without privacy for comparison;
- :class:`Release` — its result: ``.data``, ``.epsilon``, ``.delta``, the report's figures
  ``.numbers`` (a dataclass) and descriptions ``.text``, both as one plain dict in
  ``.report``, and ``.summary()`` to read;
- :func:`evaluate` — utility and privacy checks of synthetic against real data, as a tidy DataFrame;
- :class:`LowSignalWarning` — raised by ``synthesize`` when the privacy noise swamps the signal
  (the two-way tables' noise against their cell counts; DP-SGD's noise against its batch).

Each is loaded on first use (torch, dp-accounting and statsmodels are heavy to import); inside
an R process :func:`synthesize` trains in a worker process (see :mod:`socgan._runtime`).
"""

__all__ = ["synthesize", "Release", "evaluate", "LowSignalWarning"]


def __getattr__(name: str):
    if name == "synthesize":
        from .._runtime import isolating, outside_host_blas, prepare

        if isolating():  # the worker starts (and imports torch) while this process does too
            prepare(f"{__name__}._release")
        from ._release import synthesize as in_process

        value = outside_host_blas()(in_process)
    elif name == "Release":
        from ._release import Release as value
    elif name == "evaluate":
        from ._evaluate import evaluate as value
    elif name == "LowSignalWarning":
        from ._dpgan import LowSignalWarning as value
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
