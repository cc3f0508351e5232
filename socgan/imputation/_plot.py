"""Diagnostic plots for imputations (matplotlib, no display needed)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pandas.api import types as pdt


def _figure(n_panels: int, width: float = 3.6, height: float = 2.8):
    """A grid of axes on a plain matplotlib Figure: no pyplot, so the caller's backend and
    open figures are left alone (in Jupyter the returned Figure displays itself)."""
    from matplotlib.figure import Figure

    ncol = min(3, n_panels)
    nrow = math.ceil(n_panels / ncol)
    fig = Figure(figsize=(width * ncol, height * nrow))
    axes = fig.subplots(nrow, ncol, squeeze=False)
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n_panels])


def _sorted_levels(values) -> list:
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def _is_numeric(s: pd.Series) -> bool:
    return (pdt.is_numeric_dtype(s.dtype) and not pdt.is_bool_dtype(s.dtype)
            and s.dropna().nunique() > 2)


def plot_densities(imp, *, columns=None, path=None):
    where = imp.imputed  # the columns in `idvars` keep their missing values
    if columns is None:
        columns = [c for c in imp.data.columns if where[c].any()]
    else:
        missing = [c for c in columns if c not in imp.data.columns]
        if missing:
            raise KeyError(f"`columns` names columns not in the data: {missing}.")
        complete = [c for c in columns if not where[c].any()]
        if complete:
            raise ValueError(f"`columns` names columns with nothing imputed: {complete}.")
    if not columns:
        raise ValueError("No column has missing values: there are no imputations to plot.")
    fig, axes = _figure(len(columns))
    for ax, col in zip(axes, columns):
        obs = imp.data[col].dropna()
        imputed = pd.concat([d.loc[where[col], col] for d in imp.datasets]).dropna()
        if _is_numeric(imp.data[col]):
            from scipy.stats import gaussian_kde

            lo = min(obs.min(), imputed.min())
            hi = max(obs.max(), imputed.max())
            grid = np.linspace(lo, hi, 200)
            for values, label, color in ((obs, "observed", "tab:blue"),
                                         (imputed, f"imputed (m = {imp.m})", "tab:red")):
                v = values.to_numpy(dtype=float)
                if np.ptp(v) > 0 and len(v) > 1:
                    ax.plot(grid, gaussian_kde(v)(grid), color=color, label=label)
            ax.set_ylabel("density")
        else:
            col_dtype = imp.data[col].dtype
            if isinstance(col_dtype, pd.CategoricalDtype):
                levels = list(col_dtype.categories)
            else:
                levels = _sorted_levels(pd.unique(pd.concat([obs, imputed]).astype(object)))
            p_obs = obs.astype(object).value_counts(normalize=True).reindex(levels, fill_value=0)
            p_imp = imputed.astype(object).value_counts(normalize=True).reindex(levels, fill_value=0)
            pos = np.arange(len(levels))
            ax.bar(pos - 0.2, p_obs.to_numpy(), width=0.4, color="tab:blue", label="observed")
            ax.bar(pos + 0.2, p_imp.to_numpy(), width=0.4, color="tab:red",
                   label=f"imputed (m = {imp.m})")
            ax.set_xticks(pos, [str(v) for v in levels])
            ax.set_ylabel("share")
        ax.set_title(f"{col}  ({int(where[col].sum())} imputed)")
        ax.legend(fontsize="small", frameon=False)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig


def plot_losses(history: pd.DataFrame, *, path=None):
    if history.empty:
        raise ValueError("There is no training history to plot (nothing was imputed).")
    panels = [("g_reconstruction", "reconstruction loss (training)")]
    if "validation" in history:
        panels.append(("validation", "out-of-bag loss"))
    if history["d_loss"].abs().sum() > 0:  # an adversarial term was used
        panels += [("d_loss", "discriminator loss"), ("g_adversarial", "generator: adversarial")]
    fig, axes = _figure(len(panels), width=3.8)
    for ax, (col, title) in zip(axes, panels):
        for k, h in history.groupby("imputation"):
            ax.plot(h["epoch"], h[col], lw=0.8, label=f"model {k}")
        ax.set_title(title)
        ax.set_xlabel("epoch")
    axes[0].legend(fontsize="small", frameon=False)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig
