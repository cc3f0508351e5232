"""Calibration of small-area estimates to known totals by the logit shift.

Election officials publish the number of votes cast in the nation and in each state; a survey's
estimates can be made to add up to such a known total. Ghitza & Gelman (2013, "Deep interactions
with MRP: election turnout and voting patterns among small electoral subgroups", *American
Journal of Political Science* 57(3), 762-776, section "Adjusting to known totals") shift every
cell's predicted probability by the same amount on the logit scale,

    p_c(δ) = logit⁻¹(logit p_c + δ),      δ solving   Σ_c N_c p_c(δ) = T,

with N_c the population count of cell c and T the known total of the group of areas. The sum is
increasing in δ, so the solution is unique whenever 0 < T < Σ N_c. For an outcome that is not
binary the same idea on the identity link adds δ to every prediction (δ = (T − Σ N_c ŷ_c)/Σ N_c).

Here the shift is solved separately for every posterior draw (MRP, BART) or every imputation
(stacking), so the interval carries the calibration: each draw is a draw of the area means
*given* the known total. The units of the shift are each method's finest predictions: census
cells for MRP and BART; for GAIN stacking the census cells and rows behind each imputation's
expected area means (their logits, integrated over the area intercept's posterior; a row whose
outcome was drawn as 0/1 with the area as a network input counts as it was drawn); for the
Amelia-style method, whose imputations are values on the continuous scale, each imputation's
area means (the same shift applied one level up). The level matters: a common shift of every
person's log-odds (what nonresponse that favours voters does) is undone exactly by the same
shift of the units' logits, not by one of the area means, since the mean of logit⁻¹(η + δ) over
an area's people is not logit⁻¹(logit(mean) + δ) when their η differ.

When it is valid. The known total must count the same population as the census and the same
outcome (ballots counted among the census's adults, not, say, votes for one office among the
voting-eligible population), and be exact (an estimate with its own error is not a known total:
its error would not be in the intervals). The shift corrects a model error that is a common
shift of the log-odds within the group — the typical effect of voters answering surveys more
often than non-voters, which no covariate corrects — and leaves the differences between areas
within a group to the model; an error that differs between the areas of a group is not
corrected. With one total per area the estimates become the totals themselves and the
intervals have zero width.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from pandas.api import types as pdt
from scipy.special import expit

_MAX_NEWTON = 100


def logit_shift(eta: np.ndarray, weights: np.ndarray, total: float | np.ndarray, *,
                tol: float = 1e-12) -> np.ndarray:
    """The shift δ (one per column of ``eta``) with Σ_i w_i logit⁻¹(η_i + δ) = total.

    ``eta``: logits, units × draws (±inf allowed: probabilities 0 or 1, which no shift moves);
    ``weights``: nonnegative unit weights (population counts); ``total``: the target, a number
    or one per draw. Safeguarded Newton in a bracket that always holds the root, so it converges
    for any finite logits. Raises ``ValueError`` when no δ reaches the total.
    """
    eta = np.asarray(eta, dtype=float)
    if eta.ndim == 1:
        eta = eta[:, None]
    w = np.asarray(weights, dtype=float)
    n_draws = eta.shape[1]
    total = np.broadcast_to(np.asarray(total, dtype=float), (n_draws,)).copy()
    upper = np.isposinf(eta)
    fixed = upper | np.isneginf(eta)
    # units at probability 1 count fully whatever δ is; units at 0 never count
    target = total - (w[:, None] * upper).sum(0)
    free_w = (w[:, None] * ~fixed).sum(0)
    if np.any(target <= 0) or np.any(target >= free_w):
        raise ValueError("A known total cannot be reached by shifting the estimates: it must lie "
                         "strictly between 0 and the group's population (for a binary outcome), "
                         "and the group's units may not all be predicted as certain.")
    finite = np.where(fixed, np.nan, eta)
    lo_eta, hi_eta = np.nanmin(finite, axis=0), np.nanmax(finite, axis=0)
    share = target / free_w
    lg = np.log(share) - np.log1p(-share)
    lo, hi = lg - hi_eta, lg - lo_eta          # the root lies in [lo, hi]
    delta = np.clip(lg - np.nanmean(finite, axis=0), lo, hi)
    z = np.where(fixed, 0.0, eta)
    wf = np.where(fixed, 0.0, w[:, None])
    for _ in range(_MAX_NEWTON):
        p = expit(z + delta)
        f = (wf * p).sum(0) - target
        lo = np.where(f < 0, delta, lo)
        hi = np.where(f > 0, delta, hi)
        slope = (wf * p * (1.0 - p)).sum(0)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(slope > 0, f / slope, np.inf)
        new = delta - step
        outside = ~((new > lo) & (new < hi))
        new = np.where(outside, (lo + hi) / 2.0, new)
        done = np.abs(f) <= tol * np.maximum(1.0, np.abs(target))
        delta = np.where(done, delta, new)
        if done.all() or np.all(hi - lo <= 1e-14 * (1.0 + np.abs(delta))):
            break
    return delta


def additive_shift(values: np.ndarray, weights: np.ndarray, total) -> np.ndarray:
    """δ per column with Σ_i w_i (y_i + δ) = total (the identity-link analogue of the logit
    shift, for an outcome that is not binary)."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    w = np.asarray(weights, dtype=float)
    return (np.asarray(total, dtype=float) - w @ values) / w.sum()


class Calibration:
    """Known totals, checked against the census and turned into groups of areas.

    ``group_of_area``: for each census area (category order) the index of its group, −1 for an
    area whose group has no known total; ``totals``: the known total of each group;
    ``area_size``: census rows per area; ``binary``: logit shift (True) or additive (False).
    """

    def __init__(self, group_of_area: np.ndarray, totals: np.ndarray, labels: list,
                 by: str | None, area_size: np.ndarray, binary: bool):
        self.group_of_area = group_of_area
        self.totals = totals
        self.labels = labels
        self.by = by
        self.area_size = area_size
        self.binary = binary

    def describe(self) -> dict:
        """Plain-type record of the totals (for ``.attrs``)."""
        return {"by": self.by, "totals": {str(k): float(v) for k, v in
                                         zip(self.labels, self.totals)}}

    def conditioned_noise(self, noise: np.ndarray, var: np.ndarray,
                          codes: np.ndarray) -> np.ndarray:
        """Finite-population noise of area means (areas × draws, variances ``var``; the rows
        are the census areas of category codes ``codes``) given the known totals: within each
        group the rows' count noise N_a e_a must sum to 0 (the group's total is known), so it
        is conditioned on that (Gaussian conditioning: minus each area's share, N_a² v_a, of
        the sum). An area that is its own group gets none; areas without a total keep theirs."""
        out = np.array(noise, dtype=float, copy=True)
        groups = self.group_of_area[codes]
        size = self.area_size[codes].astype(float)[:, None]
        for g in range(len(self.totals)):
            rows = np.flatnonzero(groups == g)
            if rows.size == 0:
                continue
            v = size[rows] ** 2 * var[rows]
            eps = size[rows] * out[rows]
            total = v.sum(0)
            share = np.divide(eps.sum(0), total, out=np.zeros_like(total), where=total > 0)
            out[rows] = (eps - v * share[None, :]) / size[rows]
        return out

    def _shift(self, eta: np.ndarray, w: np.ndarray, total: float, g: int) -> np.ndarray:
        """:func:`logit_shift` for group ``g``; its failure names the group and why."""
        try:
            return logit_shift(eta, w, total)
        except ValueError:
            group = "the whole census" if self.by is None else f"{self.by} = {self.labels[g]!r}"
            certain = np.isinf(eta).all(axis=0).any()
            ones = (w[:, None] * np.isposinf(eta)).sum(0)
            top = ones + (w[:, None] * np.isfinite(eta)).sum(0)
            worst = int(np.argmax((total <= ones) | (total >= top)))
            fixed = ("the estimates fixed at exactly 0 or 1 (Amelia-style area means clipped to "
                     "[0, 1], which an area with a few respondents who all answered alike "
                     "reaches; GAIN's census rows drawn as 0/1 when the area is a network input "
                     "and a covariate is missing), which no shift moves, leave it reachable only "
                     f"strictly between {ones[worst]:g} and {top[worst]:g} in some imputation "
                     "or draw.")
            raise ValueError(
                f"The known total of {group} ({total:g} of {w.sum():g} census rows) cannot be "
                "reached by shifting the estimates: "
                + ("in some imputation or draw every area of the group is estimated at 0 or "
                   "1 exactly, and no shift moves such an estimate (the Amelia-style method "
                   "clips each imputation's area means to [0, 1], which an area with a few "
                   "respondents who all answered alike reaches; MRP's and BART's draws and "
                   "GAIN's expected means are probabilities)." if certain else
                   fixed if np.isinf(eta).any() and 0 < total < w.sum() else
                   "a total must lie strictly between 0 and the group's census rows.")) from None

    def conditioned_variance(self, var: np.ndarray) -> np.ndarray:
        """The areas' variances (``var``: (..., areas in census order), independent across
        areas) given that each group's total Σ_a N_a mean_a is known: Gaussian conditioning,
        v_a − N_a² v_a² / Σ_b N_b² v_b over the group's areas (0 for an area that is its own
        group); areas without a total keep theirs. As :meth:`conditioned_noise`, for
        variances."""
        var = np.asarray(var, dtype=float)
        out = var.copy()
        for g in range(len(self.totals)):
            rows = np.flatnonzero(self.group_of_area == g)
            if rows.size == 0:
                continue
            n2 = self.area_size[rows].astype(float) ** 2
            v = var[..., rows]
            total = (n2 * v).sum(-1, keepdims=True)
            out[..., rows] = v - np.divide(n2 * v * v, total, out=np.zeros_like(v),
                                           where=total > 0)
        return np.clip(out, 0.0, None)

    def area_means(self, means: np.ndarray) -> np.ndarray:
        """Calibrate area means (areas × draws; rows in census-area order) so that each group's
        Σ_a N_a mean_a equals its total: the shift on the means themselves."""
        means = np.array(means, dtype=float, copy=True)
        squeeze = means.ndim == 1
        if squeeze:
            means = means[:, None]
        for g, total in enumerate(self.totals):
            rows = np.flatnonzero(self.group_of_area == g)
            if rows.size == 0:
                continue
            w = self.area_size[rows]
            block = means[rows]
            if self.binary:
                with np.errstate(divide="ignore"):
                    eta = np.log(block) - np.log1p(-block)
                delta = self._shift(eta, w, total, g)
                means[rows] = expit(eta + delta[None, :])
            else:
                means[rows] = block + additive_shift(block, w, total)[None, :]
        return means[:, 0] if squeeze else means

    def cell_shift(self, eta: np.ndarray, cell_area: np.ndarray,
                   cell_weight: np.ndarray) -> np.ndarray:
        """Shift cell predictions (cells × draws: logits when binary, else means) in place and
        return them: ``cell_area`` the census area (category code) of each cell,
        ``cell_weight`` its population weight (census rows it stands for)."""
        for g, total in enumerate(self.totals):
            cells = np.flatnonzero(self.group_of_area[cell_area] == g)
            if cells.size == 0:
                continue
            w = cell_weight[cells]
            if self.binary:
                delta = self._shift(eta[cells], w, total, g)
            else:
                delta = additive_shift(eta[cells], w, total)
            eta[cells] += delta[None, :]
        return eta


def check_known_totals(known_totals, raw_census: pd.DataFrame, census: pd.DataFrame, *,
                       area: str, binary: bool) -> Calibration | None:
    """Check ``known_totals`` (see ``socgan.sae.estimate``) against the census; ``None`` if not
    given. ``raw_census`` is the caller's census (for a grouping column that is not a
    covariate), ``census`` the prepared one (its area is a Categorical)."""
    if known_totals is None:
        return None
    areas = census[area].cat.categories
    codes = census[area].cat.codes.to_numpy()
    size = np.bincount(codes, minlength=len(areas)).astype(float)
    if isinstance(known_totals, (bool, np.bool_)):
        raise TypeError("`known_totals` must be a number, a Series or a DataFrame, got a bool.")
    if isinstance(known_totals, (int, float, np.integer, np.floating)):
        totals = np.array([float(known_totals)])
        group_of_area, labels, by = np.zeros(len(areas), dtype=np.int64), ["(all)"], None
    elif isinstance(known_totals, (pd.Series, pd.DataFrame)):
        by, labels, totals = _by_group(known_totals, raw_census, area)
        group_of_area = _group_of_area(raw_census, census, by, labels, area)
    else:
        raise TypeError("`known_totals` must be a number (the total of the outcome over the whole "
                        "census), a Series of totals indexed by group (its index named after a "
                        "census column such as the region or the area), or a DataFrame with that "
                        f"column and a 'total' column; got {type(known_totals).__name__}.")
    if not np.all(np.isfinite(totals)):
        raise ValueError("`known_totals` must be finite numbers.")
    for g, (label, total) in enumerate(zip(labels, totals)):
        n = size[group_of_area == g].sum()
        if binary and 0 < total < 1 <= n - 1:
            where = "the whole census" if by is None else f"group {label!r} of {by!r}"
            raise ValueError(f"`known_totals` for {where} is {total:g}, a share rather than a "
                             f"count: it counts census rows with the outcome's larger value; for "
                             f"a share of {total:g} give {total:g} x {int(n)} rows = "
                             f"{total * n:.0f}.")
        if binary and not 0 < total < n:
            where = "the whole census" if by is None else f"group {label!r} of {by!r}"
            raise ValueError(f"`known_totals` for {where} is {total:g}; with a binary outcome it "
                             f"counts the census rows with the outcome's larger value (the 1s of a "
                             f"0/1 outcome, the 2s of a 1/2 one), so it must lie strictly "
                             f"between 0 and that group's {int(n)} census rows.")
    return Calibration(group_of_area, totals, labels, by, size, binary)


def _by_group(known_totals, raw_census: pd.DataFrame, area: str):
    if isinstance(known_totals, pd.Series):
        by = known_totals.index.name
        labels, values = list(known_totals.index), known_totals.to_numpy()
        if by is None:
            raise ValueError("A Series of `known_totals` needs its index named after the census "
                             "column that forms the groups (e.g. `totals.rename_axis('region')`).")
    else:
        cols = [c for c in known_totals.columns if c != "total"]
        if "total" not in known_totals.columns or len(cols) != 1:
            raise ValueError("A DataFrame of `known_totals` must have two columns: the census "
                             "column that forms the groups (e.g. 'region') and 'total'; it has "
                             f"{list(known_totals.columns)}.")
        by = cols[0]
        labels, values = list(known_totals[by]), known_totals["total"].to_numpy()
    if by not in raw_census.columns:
        raise ValueError(f"`known_totals` is by {by!r}, which is not a column of `census`.")
    if not pdt.is_numeric_dtype(np.asarray(values).dtype) or pdt.is_bool_dtype(
            np.asarray(values).dtype):
        raise TypeError("The totals in `known_totals` must be numbers.")
    if any(pd.isna(v) for v in labels):
        raise ValueError(f"`known_totals` has a missing {by!r} label.")
    dup = sorted({str(v) for v in labels if labels.count(v) > 1})
    if dup:
        raise ValueError(f"`known_totals` lists {by!r} values more than once: {dup}.")
    return by, labels, np.asarray(values, dtype=float)


def _group_of_area(raw_census, census, by: str, labels: list, area: str) -> np.ndarray:
    areas = census[area].cat.categories
    codes = census[area].cat.codes.to_numpy()
    col = raw_census[by].reset_index(drop=True)
    if by == area:
        per_area = pd.Series(list(areas), index=range(len(areas)), dtype=object)
    else:
        if col.isna().any():
            raise ValueError(f"The grouping column {by!r} of `known_totals` has missing values in "
                             "`census`; every census row needs its group.")
        distinct = pd.DataFrame({"a": codes, "g": col.astype(object)}).drop_duplicates()
        split = distinct["a"][distinct["a"].duplicated()].unique()
        if split.size:
            raise ValueError(f"The grouping column {by!r} of `known_totals` takes several values "
                             f"within area(s) {[str(areas[k]) for k in split[:6]]}; a group must "
                             "be a set of whole areas (e.g. the region of each state).")
        per_area = pd.Series(distinct["g"].to_numpy(), index=distinct["a"].to_numpy())
    present = set(per_area.tolist())
    unknown = [v for v in labels if v not in present]
    if unknown:
        raise ValueError(f"`known_totals` has {by!r} value(s) {unknown[:6]} that no census row "
                         "has.")
    index = {v: g for g, v in enumerate(labels)}
    out = np.full(len(areas), -1, dtype=np.int64)
    for a, v in per_area.items():
        out[int(a)] = index.get(v, -1)
    return out
