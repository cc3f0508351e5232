"""Sorted dot plot of area estimates with their intervals (matplotlib, no display needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._params import Unchecked, validate_params
from ._estimate import truth_series
from ._results import PLOT_CONSTRAINTS, AreaEstimates, Comparison


@validate_params({"estimates": Unchecked("a result of estimate or compare, or a DataFrame of "
                                         "area estimates (checked below)"),
                  **PLOT_CONSTRAINTS})
def plot(estimates, *, truth=None, path=None, title: str | None = None):
    """Plot area estimates as a sorted dot plot with their intervals.

    Parameters
    ----------
    estimates
        The result of :func:`socgan.sae.estimate` (:class:`AreaEstimates`) or of
        :func:`socgan.sae.compare` (:class:`Comparison`: one panel per method, areas in the
        same order in every panel); or a DataFrame with the columns ``area``, ``estimate``,
        ``conf_low`` and ``conf_high`` (and ``method`` for one panel per method), such as
        ``.table`` or ``.estimates`` of those results.
    truth
        True area values to overlay (a Series indexed by area, or a DataFrame with ``area`` and
        a value column, as in :func:`socgan.sae.compare`); a ``truth`` column of ``estimates``
        is used when this is ``None``.
    path
        Where to save the figure (format from the extension); ``None`` saves nothing.
    title
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
        Areas sorted by their estimate (by the first method's, with several), each with its
        interval (an area without respondents, ``n_survey`` 0, as an open marker: its estimate
        is the model's alone); the truth as open red circles where known.
    """
    from matplotlib.figure import Figure

    need = ["area", "estimate", "conf_low", "conf_high"]
    if isinstance(estimates, AreaEstimates):
        est, level = estimates.table, estimates.conf_level
        est.insert(0, "method", estimates.method)
    elif isinstance(estimates, Comparison):
        est, level = estimates.estimates, estimates.conf_level
    elif isinstance(estimates, pd.DataFrame) and all(c in estimates.columns for c in need):
        est, level = estimates.copy(), estimates.attrs.get("conf_level")
    else:
        raise ValueError(f"`estimates` must be the result of socgan.sae.estimate or compare, "
                         f"or a DataFrame with columns {need}.")
    est["area"] = est["area"].astype(object)
    if "method" not in est.columns:
        est.insert(0, "method", est.attrs.get("method", "estimate"))
    methods = list(dict.fromkeys(est["method"]))
    true = None
    if truth is not None:
        true = truth_series(truth)
    elif "truth" in est.columns:
        true = est.drop_duplicates("area").set_index("area")["truth"].astype(float)
    first = est[est["method"] == methods[0]].sort_values("estimate")
    order = list(first["area"])
    pos = {a: i for i, a in enumerate(order)}
    n = len(order)
    fig = Figure(figsize=(3.4 * len(methods) + 0.8, max(4.0, 0.16 * n + 1.2)))
    axes = fig.subplots(1, len(methods), sharey=True, squeeze=False)[0]
    for ax, meth in zip(axes, methods):
        e = est[est["method"] == meth]
        y = e["area"].map(pos).to_numpy(dtype=float)
        ax.hlines(y, e["conf_low"], e["conf_high"], color="0.55", linewidth=1.2)
        # areas without respondents (estimated from the model alone) as open markers
        none = (e["n_survey"] == 0).to_numpy() if "n_survey" in e.columns else np.zeros(len(e), bool)
        ax.plot(e["estimate"][~none], y[~none], "o", color="C0", markersize=3.5, label="estimate")
        if none.any():
            ax.plot(e["estimate"][none], y[none], "o", markerfacecolor="white",
                    markeredgecolor="C0", markersize=3.5, label="estimate, no respondents")
        if true is not None:
            t = true.reindex(order).to_numpy(dtype=float)
            ax.plot(t, np.arange(n), "o", markerfacecolor="none", markeredgecolor="C3",
                    markersize=4.5, label="truth")
        ax.set_title(str(meth))
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(np.arange(n))
    axes[0].set_yticklabels([str(a) for a in order], fontsize=max(4.0, min(8.0, 400 / max(n, 1))))
    axes[0].set_ylim(-1, n)
    axes[0].legend(loc="lower right", fontsize=7)
    fig.supxlabel("estimate" + (f" with {level:.0%} interval" if level else " with interval"))
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=150)
    return fig
