"""Overimputation: does the imputation model fit the data? (Amelia's ``overimpute``.)

A share of the observed values of each numeric column is hidden, the m models are fitted to the
data with those values missing, and each hidden value is drawn ``draws`` times (by the models in
turn) given the rest of its row, as an imputation would draw it. If the model is right, a
prediction interval made from the draws covers the real value as often as its level says
(Honaker, King & Blackwell 2011, "Amelia II", *J. Stat. Softw.* 45(7), section 4.7.2; Abayomi,
Gelman & Levy 2008). An interval that covers too rarely, or real values far from the draws'
means in a region, say where the model is wrong: a relation it misses, a tail it cuts, a
subgroup it pulls toward the rest. Intervals that cover clearly more often than they should say
that the imputations are more spread out than the data need, which widens the pooled intervals.

Why held out: Amelia checks the values the model was fitted to, which a model of a few means and
covariances can afford. A network predicts its own training rows too well, so socgan hides the
values before fitting, as a missing value is hidden. (Checking the training values with the
models whose bootstrap samples left their rows out is no answer either: the imputations' noise
is set for m models' spread, and one or two models carry only part of it; on ``mice::boys`` that
check gave 0.83-0.86 where the in-sample check gave 0.93-0.98.)

The intervals are the draws' order statistics k and draws + 1 - k, with
k = floor((draws + 1)(1 - conf_level) / 2): for a value drawn from the same distribution as the
draws, such an interval covers it with probability exactly (draws + 1 - 2k) / (draws + 1), the
``expected`` coverage reported beside the measured one (0.905 for 20 draws at 0.90). Draws that
tie (a whole-number column with few values) cover a little more often than that.

Under MAR the distribution of a column given the others is the same where it is observed and
where it is missing, so what the check finds for observed values holds for imputed ones; it cannot
check the MAR assumption itself. The values are hidden completely at random, so the check weighs
the rows as the observed data do, not as the missing ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

# fewer held-out values of a column than this: its coverage is not worth reading (a warning)
_FEW_CELLS = 20


@dataclass(frozen=True)
class Overimputation:
    """The result of :meth:`socgan.GainImputer.overimpute`: one row per hidden value.

    Attributes
    ----------
    table : DataFrame
        ``column``, ``row`` (the row's index label), ``observed`` (the hidden value),
        ``mean`` (of the draws),
        ``lower``, ``upper`` (the prediction interval), ``covered`` (``lower <= observed <=
        upper``) and ``missing_in_row`` (how many of the row's other modelled cells were missing).
    coverage : DataFrame
        Per column: ``column``, ``n`` (cells checked), ``coverage`` (share covered) and its
        binomial standard error ``coverage_se``, ``expected`` (what a right model gives),
        ``mean_width``, ``rmse`` (of the draws' means against the real values),
        ``rmse_no_model`` (of the observed values' mean: what a model that learned nothing
        predicts) and ``correlation`` (of means and real values).
    conf_level : float
    draws : int
    holdout : float
        The share of each column's observed values that was hidden.
    """

    table: pd.DataFrame
    coverage: pd.DataFrame
    conf_level: float
    draws: int
    holdout: float

    def summary(self) -> str:
        """The coverage table as text, with what to look for."""
        lines = [f"Overimputation: {self.holdout:.0%} of each column's observed values hidden "
                 "(at most `max_cells`; `n` below), the models fitted without them, each drawn "
                 f"{self.draws} times given the rest of its row; {self.conf_level:.0%} prediction "
                 "intervals.",
                 self.coverage.to_string(index=False, float_format=lambda v: f"{v:.3g}"),
                 "A right model covers about `expected` (give or take 2 coverage_se); clearly "
                 "less says where it misses (plot() shows which values). Coverage alone cannot "
                 "tell a model that learned nothing (its draws spread like the column itself): "
                 "rmse well below rmse_no_model (the error of guessing the column's mean) and a "
                 "clear correlation say the model predicts."]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    def plot(self, columns=None, *, path=None):
        """Observed values (x) against the draws' means and intervals (y), a panel per column,
        with the line y = x; intervals that miss it in red (a matplotlib Figure)."""
        from ._plot import _figure

        table = self.table
        names = list(dict.fromkeys(table["column"])) if columns is None else list(columns)
        absent = [c for c in names if c not in set(table["column"])]
        if absent:
            raise ValueError(f"`columns`: no overimputation of {absent}; checked: "
                             f"{list(dict.fromkeys(table['column']))}.")
        if not names:
            raise ValueError("Nothing was overimputed: there is nothing to plot.")
        fig, axes = _figure(len(names), width=3.8, height=3.4)
        for ax, col in zip(axes, names):
            t = table[table["column"] == col]
            cov = self.coverage.set_index("column").loc[col]
            for hit, color in ((True, "0.6"), (False, "tab:red")):
                s = t[t["covered"] == hit]
                ax.vlines(s["observed"], s["lower"], s["upper"], colors=color, lw=0.6,
                          alpha=0.7)
                ax.plot(s["observed"], s["mean"], "o", ms=2, color=color)
            lo = float(min(t["observed"].min(), t["lower"].min()))
            hi = float(max(t["observed"].max(), t["upper"].max()))
            ax.plot([lo, hi], [lo, hi], color="black", lw=0.8)
            ax.set_xlim(lo, hi)
            ax.set_ylim(lo, hi)
            ax.set_title(f"{col}: {cov['coverage']:.2f} covered (expected {cov['expected']:.2f})",
                         fontsize="medium")
            ax.set_xlabel("observed value")
            ax.set_ylabel("overimputed (mean, interval)")
        fig.tight_layout()
        if path is not None:
            fig.savefig(path, dpi=120)
        return fig


def order_statistic(draws: int, conf_level: float) -> int:
    """k of the interval (x_(k), x_(draws+1-k)); an error when ``draws`` are too few for
    ``conf_level`` (k would be 0)."""
    k = math.floor((draws + 1) * (1 - conf_level) / 2 + 1e-9)
    if k < 1:
        need = math.ceil(2 / (1 - conf_level) - 1 - 1e-9)
        raise ValueError(f"`draws` = {draws} are too few for a {conf_level:.0%} interval: it needs "
                         f"at least {need} draws (or a lower `conf_level`).")
    return k


def overimpute(params: dict, data: pd.DataFrame, *, columns, holdout: float,
               max_cells: int | None, draws: int, conf_level: float,
               progress: bool) -> Overimputation:
    """See :meth:`socgan.GainImputer.overimpute`; ``params``: the imputer's settings (a plain
    dict, so that the check can run in the worker process of :mod:`socgan._runtime`)."""
    from ._imputer import GainImputer

    from tqdm.auto import tqdm
    from pandas.api import types as pdt

    from .._core.encoding import Encoder
    from .._core.torch_state import single_threaded
    from .._params import idvar_positions
    from ._fit import draw_gain

    k = order_statistic(draws, conf_level)
    expected = (draws + 1 - 2 * k) / (draws + 1)
    # the formulas of derived columns play no part in the models (they fill a derived column's
    # missing cells afterwards), and checked on the data with values hidden they would warn
    # of parts missing where the user's data have none
    clone = GainImputer(**{**params, "progress": progress, "derived": None})
    derived = set(GainImputer(**params)._derived_formulas())
    clone._derived_names = derived  # not warned of as duplicated columns
    original = data.copy(deep=True)
    names = list(original.columns)
    ids = idvar_positions(original, clone._idvars(), clone._bounds())
    where = original.isna()
    modelled = [j for j in range(original.shape[1]) if j not in ids and (
                where.iloc[:, j].any() or original.iloc[:, j].nunique(dropna=True) > 1)]
    kinds = Encoder.fit(original.iloc[:, modelled]).columns  # the fit's own errors, if any
    # a derived column's imputations are its formula, not the model's draws: nothing to check
    numeric = [p for p, c in zip(modelled, kinds) if c.is_numeric and names[p] not in derived]
    if columns is None:
        chosen = [p for p in numeric if where.iloc[:, p].any()] or numeric
        chosen = [p for p in chosen if original.iloc[:, p].notna().sum() >= 3]
        if not chosen:
            raise ValueError("`data` has no numeric column with three observed values to check.")
    else:
        chosen = []
        for col in columns:
            hits = [p for p, name in enumerate(names) if name == col]
            if not hits:
                raise ValueError(f"`columns`: `data` has no column {col!r}.")
            p = hits[0]
            if p not in modelled:
                raise ValueError(f"`columns`: {col!r} is not modelled (it is in `idvars`, or "
                                 "complete with one value), so it cannot be checked.")
            if col in derived:
                raise ValueError(f"`columns`: {col!r} is in `derived`: its imputations come from "
                                 "its formula, not from the model's draws, so there is nothing "
                                 "to check.")
            if p not in numeric:
                raise ValueError(f"`columns`: {col!r} is {kinds[modelled.index(p)].kind}; "
                                 "overimputation checks numeric columns (a discrete column's "
                                 "levels have no interval).")
            if original.iloc[:, p].notna().sum() < 3:
                raise ValueError(f"`columns`: {col!r} has fewer than three observed values.")
            chosen.append(p)

    seeds = np.random.SeedSequence(clone.seed)
    pick, *streams = (np.random.default_rng(s) for s in seeds.spawn(1 + draws))
    masked = original.copy(deep=True)
    hidden = {}
    for p in chosen:
        col = masked.iloc[:, p]
        obs = np.flatnonzero(col.notna().to_numpy())
        size = min(max(1, round(holdout * len(obs))), len(obs) - 2)
        if max_cells is not None:
            size = min(size, max_cells)
        rows = np.sort(pick.choice(obs, size=size, replace=False))
        hidden[p] = rows
        if pdt.is_integer_dtype(col.dtype) and not pdt.is_extension_array_dtype(col.dtype):
            col = col.astype("Int64")  # room for a missing value, still whole numbers
        hide = np.zeros(len(col), dtype=bool)
        hide[rows] = True
        masked.isetitem(p, col.mask(hide))
    # warnings of the fit point at the user's call: _fit < overimpute < the method < its check
    _, _, x, mask, _, _ = clone._fit(masked, stacklevel=5)
    enc, fitted = clone.encoder_, clone.fitted_
    values = {p: np.empty((len(rows), draws)) for p, rows in hidden.items()}
    with single_threaded(), tqdm(total=draws, disable=not progress, desc="overimputation",
                                 unit="draw") as bar:
        for r in range(draws):
            d = draw_gain(fitted, x, mask, r % fitted.k, streams[r])
            for p, rows in hidden.items():
                j = clone.positions_.index(p)
                take = np.searchsorted(np.flatnonzero(mask[:, j] == 0), rows)
                values[p][:, r] = enc.decode_column(j, d[j][take], original.iloc[rows, p]
                                                    ).to_numpy(dtype=float)
            bar.update()
    missing_in_row = (mask == 0).sum(1) - 1  # besides the hidden cell itself
    parts = []
    for p, rows in hidden.items():
        v = values[p]
        ordered = np.sort(v, axis=1)
        observed = original.iloc[rows, p].to_numpy(dtype=float, na_value=np.nan)
        lower, upper = ordered[:, k - 1], ordered[:, draws - k]
        parts.append(pd.DataFrame({
            "column": [names[p]] * len(rows), "row": original.index[rows],
            "observed": observed, "mean": v.mean(1), "lower": lower, "upper": upper,
            "covered": (lower <= observed) & (observed <= upper),
            "missing_in_row": missing_in_row[rows]}))
    table = pd.concat(parts, ignore_index=True)
    table_rows = {names[p]: rows for p, rows in hidden.items()}
    summary = []
    for col, t in table.groupby("column", sort=False):
        corr = (float(np.corrcoef(t["observed"], t["mean"])[0, 1])
                if len(t) > 2 and t["observed"].std() > 0 and t["mean"].std() > 0 else np.nan)
        p = float(t["covered"].mean())
        # what predicting every hidden value by the observed values' mean gives: a model that
        # learned nothing (its draws from the column's distribution cover as well)
        col_obs = original[col].to_numpy(dtype=float, na_value=np.nan)
        col_mean = float(np.nanmean(np.delete(col_obs, table_rows[col])))
        summary.append({"column": col, "n": len(t), "coverage": p,
                        "coverage_se": float(np.sqrt(p * (1 - p) / len(t))),
                        "expected": expected,
                        "mean_width": float((t["upper"] - t["lower"]).mean()),
                        "rmse": float(np.sqrt(((t["mean"] - t["observed"]) ** 2).mean())),
                        "rmse_no_model": float(np.sqrt(((t["observed"] - col_mean) ** 2).mean())),
                        "correlation": corr})
    few = [(row["column"], row["n"]) for row in summary if row["n"] < _FEW_CELLS]
    if few:
        import warnings

        shown = ", ".join(f"{c!r} ({n})" for c, n in few)
        warnings.warn(f"Overimputation held out fewer than {_FEW_CELLS} values of {shown}: their "
                      "coverage rests on too few values to judge the model (a coverage of 1 from "
                      f"a few values has a binomial standard error of 0, while {expected:.3f} is "
                      "due). More values need a larger `holdout` (at most 0.5) or `max_cells`, "
                      "or more data; the pooled analysis can be checked instead.",
                      UserWarning, stacklevel=4)
    return Overimputation(table=table, coverage=pd.DataFrame(summary), conf_level=conf_level,
                          draws=draws, holdout=holdout)
