"""Noisy two-way marginals, a tree model fitted to them, and raking: the ``"marginals"`` method.

Measure, then post-process (issue 17, point 3: a DP marginal-based model whose samples are
reweighted towards measured queries, every part accounted):

1. **Cells.** A discrete column's cells are its levels; an integer column with at most ``bins``
   whole numbers gets one cell per number; any other numeric column gets ``bins`` intervals
   holding about equal shares of its rows. To place them, each such column's histogram on a fine
   grid of its public bounds (``FINE_BINS`` equal-width intervals and a cell for the values
   exactly at each bound -- zero incomes, top codes -- or one per whole number) is
   measured by a first Gaussian mechanism, with ``EDGE_SHARE`` of the budget (each row changes
   each histogram by one in one cell: L2 sensitivity sqrt(columns measured)), and the intervals
   are cut at the noisy quantiles, on that grid. Equal-width intervals of public bounds that are
   much wider than the data (a codebook's (-6, 6) for a standard normal) would put nearly all rows
   in two or three cells and lose every relation of that column.
2. **One Gaussian measurement of every two-way table** (every pair of columns; a one-column table
   measures its one-way table). Adding or removing a row changes each of the P tables by one in
   one cell, so the vector of all P tables has L2 sensitivity sqrt(P); each cell gets
   N(0, (z2 sqrt(P))^2) noise. The two Gaussian mechanisms, of noise multipliers
   z1 = z / sqrt(EDGE_SHARE) and z2 = z / sqrt(1 - EDGE_SHARE) (z2 = z when no column needs
   intervals), compose, also adaptively, to exactly one Gaussian mechanism of multiplier z
   (1/z^2 = 1/z1^2 + 1/z2^2; Dong, Roth & Su 2022, Gaussian differential privacy), the z that
   ``socgan.synth._accounting`` calibrates to the budget. Steps 1 and 2 are the only ones that
   read the data.
3. **Post-processing** (Dwork & Roth 2014, Prop. 2.1), from the noisy tables alone:
   what the noise alone explains taken back to independence (:func:`shrunk`: each column's
   consensus margin shrunk toward flat by an empirical-Bayes factor; a two-way table whose
   deviation from independence passes a chi-squared test of the noise replaced by the
   independence table); the tables projected onto non-negative tables with their totals
   (:func:`projected`); one-way margins as the mean of a column's tables' margins; a maximum spanning tree on the tables' mutual information (Chow & Liu 1968), as
   MST (McKenna, Miklau & Sheldon 2021) and PrivBayes (Zhang et al. 2017) use a tree or network
   of noisy marginals; ``pool`` candidate rows drawn from the tree (the root from its margin,
   each other column from its noisy table given its parent's cell); numeric values uniform
   within their cell.
4. **Raking** of the candidates' weights to *every* noisy two-way table (iterative proportional
   fitting, Deming & Stephan 1940; multiplicative weights over a candidate set as in MWEM and
   Post-GAN Boosting, with every query measured once instead of chosen round by round). The
   tree keeps d - 1 of the pairs; raking puts back the others (e.g. wage on experience *and* on
   education) as far as two-way tables describe them. The release is drawn from the candidates
   with these weights.

What it cannot keep: relations that only three-way or higher tables show (an interaction), and
the shape of a numeric column within one cell (uniform there). At small n or epsilon the noise
swamps the tables (``noise_to_signal`` in the report; a ``LowSignalWarning``), and the release
then comes close to independent columns spread over their bounds -- never piled on a bound.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import chi2

from ._schema import Column, _numeric_values, _unit

#: Bins of a numeric column when the release chooses them: an average cell of a numeric x numeric
#: table should hold at least ``_CELL_NOISE`` times the noise's standard deviation (from the noisy
#: row count), within these limits. Fewer bins blur a relation, more bins drown it in noise; the
#: factor 4 gives the bins where the simulated survey of the tests (5,000 rows, 11 bins) and
#: CPS 1988 (22,524 rows, 17) kept their relations best at epsilon 1 with equal-width cells
#: (bench/RESULTS.md, issue 17); a factor of 2, set first, gave 16 and 25 bins and worse
#: coefficients on both. Not re-chosen for the quantile cells that replaced them (on CPS 1988 at
#: epsilon 3, 17 bins did better than the rule's 28).
MIN_BINS, MAX_BINS = 4, 32
_CELL_NOISE = 4.0
#: Candidates per released row (at least ``candidates``) and raking sweeps over all tables.
POOL_PER_ROW = 5
MAX_POOL = 1_000_000
#: The fine grid of a numeric column's one-way histogram, from which the cells of the two-way
#: tables are cut at (noisy) quantiles, and the share of the Gaussian mechanisms' budget (in
#: zero-concentrated DP, rho) that these histograms get.
FINE_BINS = 100
EDGE_SHARE = 0.1
RAKING_SWEEPS = 30
#: ``noise_to_signal`` above which a release warns that the tables are mostly noise.
LOW_SIGNAL = 1.0


@dataclass(frozen=True)
class Cells:
    """Cells of each column: their number; for a numeric column whether they are whole numbers
    (one per integer from ``low``) or intervals of the unit scale, whose ``edges`` (K + 1 values
    from 0 to 1) are then given."""

    sizes: list[int]
    per_integer: list[bool]
    edges: list[np.ndarray | None]
    #: per interval column cut from a histogram: (its fine grid, the histogram as a distribution),
    #: from which values are drawn within a cell
    fine: list[tuple[np.ndarray, np.ndarray] | None] | None = None


def _equal_edges(k: int) -> np.ndarray:
    return np.linspace(0.0, 1.0, k + 1)


def cells(cols: list[Column], bins: int, margins: dict[int, np.ndarray] | None = None,
          margin_sd: float | None = None) -> Cells:
    """The cells of each column. A numeric column with more whole numbers (or values) than
    ``bins`` gets ``bins`` intervals: equal-width over its public bounds, or, given its (noisy,
    noise sd ``margin_sd``) histogram on the :func:`fine_edges` grid in ``margins``, intervals
    of that grid holding about equal shares of it (:func:`quantile_edges` of
    :func:`support_trimmed`)."""
    sizes, per_integer, edges, fine = [], [], [], []
    for k, c in enumerate(cols):
        fine.append(None)
        if c.kind != "numeric":
            sizes.append(c.width)
            per_integer.append(False)
            edges.append(None)
            continue
        n_int = int(math.floor(c.high) - math.ceil(c.low)) + 1 if c.integer else None
        if n_int is not None and n_int <= bins:
            sizes.append(n_int)
            per_integer.append(True)
            edges.append(None)
            continue
        if margins is not None and k in margins:
            grid = fine_edges(c)
            dist = support_trimmed(margins[k], margin_sd)
            e = quantile_edges(dist, grid, bins)
            fine[k] = (grid, within_cell_weights(margins[k], dist, margin_sd))
        else:
            e = _equal_edges(int(bins))
        sizes.append(len(e) - 1)
        per_integer.append(False)
        edges.append(e)
    return Cells(sizes, per_integer, edges, fine)


def fine_edges(c: Column) -> np.ndarray:
    """The fine grid of a numeric column's one-way histogram (unit scale): one interval around
    each whole number of an integer column that has at most ``FINE_BINS``; otherwise
    ``FINE_BINS`` equal-width intervals between two cells of width 0 that hold the values
    exactly at the public bounds (:func:`fine_bin`). Zero incomes or hours, and top codes, are
    spikes at a bound: inside the first of 100 intervals they were spread over it (a user's
    trial: 45% of incomes were 0, none in the release, and the sign of a coefficient flipped).
    Each row is in one cell either way, so the sensitivity is unchanged."""
    if c.integer:
        lo, hi = math.ceil(c.low), math.floor(c.high)
        if hi - lo + 1 <= FINE_BINS:
            mids = np.arange(lo, hi + 2) - 0.5
            return np.clip(_unit(mids.astype(float), c), 0.0, 1.0)
    inner = _equal_edges(FINE_BINS)
    return np.concatenate([[0.0], inner, [1.0]])


def fine_bin(u: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """The fine-grid cell of each unit value: :func:`_interval`, except that a value exactly at
    a bound is in the cell of width 0 there, if the grid has one (:func:`fine_edges`)."""
    out = _interval(u, edges)
    if len(edges) > 2 and edges[1] == edges[0]:
        out = np.where(u <= edges[0], 0, out)
    if len(edges) > 2 and edges[-1] == edges[-2]:
        out = np.where(u >= edges[-1], len(edges) - 2, out)
    return out


def fine_cells(cols: list[Column]) -> Cells:
    """The fine grid of every numeric column (discrete columns keep their levels)."""
    sizes, per_integer, edges = [], [], []
    for c in cols:
        if c.kind != "numeric":
            sizes.append(c.width)
            edges.append(None)
        else:
            e = fine_edges(c)
            sizes.append(len(e) - 1)
            edges.append(e)
        per_integer.append(False)
    return Cells(sizes, per_integer, edges)


def quantile_edges(hist: np.ndarray, grid: np.ndarray, bins: int) -> np.ndarray:
    """Edges of at most ``bins`` intervals of ``grid`` (unit-scale edges of the histogram's
    cells) holding about equal shares of ``hist`` (projected to a distribution first): each cut
    at the first grid edge where the cumulative share reaches j / bins."""
    p = projected({(0,): np.asarray(hist, dtype=float)})[(0,)]
    cum = np.cumsum(p)
    cuts = np.searchsorted(cum, np.arange(1, bins) / bins - 1e-12, side="left") + 1
    cuts = np.unique(np.clip(cuts, 1, len(p) - 1))
    out = np.concatenate([[grid[0]], grid[cuts], [grid[-1]]])
    out = np.unique(out)
    out[0], out[-1] = 0.0, 1.0
    return out


def codes(x: np.ndarray, cols: list[Column], spec: Cells) -> np.ndarray:
    """Each encoded row's cell in each column, an ``(n, columns)`` integer array."""
    out = np.empty((len(x), len(cols)), dtype=np.int64)
    for k, c in enumerate(cols):
        if c.kind != "numeric":
            out[:, k] = x[:, c.start:c.stop].argmax(axis=1)
            continue
        v = _numeric_values(x[:, c.start], c).astype(float)
        if spec.per_integer[k]:
            out[:, k] = np.clip(np.round(v) - math.ceil(c.low), 0, spec.sizes[k] - 1)
        else:
            out[:, k] = _interval(_unit(v, c), spec.edges[k])
    return out


def _interval(u: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Index of the interval [edges[i], edges[i + 1]) holding each unit value (1 in the last)."""
    return np.clip(np.searchsorted(edges, u, side="right") - 1, 0, len(edges) - 2)


def rows_from_codes(cell: np.ndarray, cols: list[Column], spec: Cells,
                    rng: np.random.Generator) -> np.ndarray:
    """Encoded rows for cells: a level's one-hot; a numeric value uniform within its interval
    (a whole number drawn uniformly among those of the interval, for an integer column), or the
    cell's whole number."""
    x = np.zeros((len(cell), cols[-1].stop), dtype=np.float32)
    for k, c in enumerate(cols):
        if c.kind != "numeric":
            x[np.arange(len(cell)), c.start + cell[:, k]] = 1.0
        elif spec.per_integer[k]:
            x[:, c.start] = _unit(math.ceil(c.low) + cell[:, k].astype(float), c)
        else:
            e, sub = spec.edges[k], cell[:, k]
            if spec.fine is not None and spec.fine[k] is not None:
                # within its cell a value follows the fine histogram (smoothed where it is noisy):
                # the outer cells' values stay where the data are, not spread to the bounds
                e, sub = _fine_bins(sub, spec.edges[k], *spec.fine[k], rng)
            if c.integer:
                x[:, c.start] = _whole_numbers_in_cells(sub, c, e[:-1], e[1:], rng)
            else:
                lo, hi = e[sub], e[sub + 1]
                x[:, c.start] = lo + (hi - lo) * rng.random(len(cell))
    return x


def _fine_bins(cell: np.ndarray, edges: np.ndarray, grid: np.ndarray, prob: np.ndarray,
               rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """For rows in ``cell`` (intervals ``edges``, cut on ``grid``), a bin of the fine ``grid``
    within each row's cell drawn in proportion to ``prob`` (uniform where the cell's share is
    0); returns the grid and the bins."""
    home = _interval(0.5 * (grid[:-1] + grid[1:]), edges)  # each fine bin's cell
    out = np.empty(len(cell), dtype=np.int64)
    for j in np.unique(cell):
        rows = np.flatnonzero(cell == j)
        inside = np.flatnonzero(home == j)
        if len(inside) == 0:  # cannot happen for edges cut on the grid; the nearest bin then
            inside = np.array([np.abs(0.5 * (grid[:-1] + grid[1:]) - 0.5 * (edges[j] + edges[j + 1])).argmin()])
        w = prob[inside]
        w = w / w.sum() if w.sum() > 0 else np.full(len(inside), 1.0 / len(inside))
        out[rows] = inside[np.minimum(np.searchsorted(np.cumsum(w), rng.random(len(rows))),
                                      len(inside) - 1)]
    return grid, out


def _whole_numbers_in_cells(cell: np.ndarray, c: Column, starts: np.ndarray, stops: np.ndarray,
                            rng: np.random.Generator) -> np.ndarray:
    """Unit-scale values of whole numbers drawn uniformly among those in each row's interval
    [starts, stops) (the last one closed); an interval that holds none gives the whole number
    nearest its middle."""
    values = np.arange(math.ceil(c.low), math.floor(c.high) + 1, dtype=float)
    u = _unit(values, c)
    out = np.empty(len(cell))
    last = len(starts) - 1
    for j in np.unique(cell):
        rows = np.flatnonzero(cell == j)
        upper = (u <= stops[j]) if j == last else (u < stops[j])
        inside = np.flatnonzero((u >= starts[j]) & upper)
        if len(inside) == 0:
            inside = np.array([np.abs(u - 0.5 * (starts[j] + stops[j])).argmin()])
        out[rows] = u[inside[rng.integers(0, len(inside), size=len(rows))]]
    return out


def support_trimmed(hist: np.ndarray, noise_sd: float | None, share: float = 0.05,
                    z: float = 2.0) -> np.ndarray:
    """A noisy fine histogram as a distribution: its shrunk counts (:func:`shrunk_histogram`)
    projected onto non-negative cells with their total (:func:`projected`), then 0 outside the
    span where the data lie (post-processing). A fine grid over wide public bounds is mostly
    empty, and the positive noise of the empty cells beyond the data would otherwise place
    quantile cuts and values out there; inside the span the projected counts are kept as they
    are (setting every cell below the noise to 0 instead left a lumpy distribution where counts
    per cell are near the noise: 2,000 rows of ages 18-90).

    The span leaves out an end run of cells only if the noisy counts show it (nearly) empty as a
    whole (:func:`_empty_run`: its sum, plus ``z`` of its noise sds, is at most ``share`` of the
    noisy total, and its sum is within ``z`` noise sds of zero), and it always reaches the first
    and last cell whose shrunk count is above ``z`` noise sds. The span was once those cells
    alone: where the counts per cell are near the noise, a spike inside the data set it, the
    data beyond were dropped, and the rows of the coarse cell there piled onto its edge (users'
    trials: carData::Salaries at epsilon 3, 244 of 397 released years of service were 19 and
    none below; MASS::Aids2 at epsilon 1, nobody aged 50 or over against 11%; MASS::birthwt at
    epsilon 10, the mothers' weights cut to 118-128 lb). Where the noise is too large to show a
    run empty, nothing is cut, and nothing at all when the noisy total is within ``z`` noise sds
    of zero (pure noise: a dip would otherwise pass for an empty run)."""
    if noise_sd is None:
        return projected({(0,): np.asarray(hist, dtype=float)})[(0,)]
    h = np.asarray(hist, dtype=float)
    est = shrunk_histogram(h, noise_sd)
    p = projected({(0,): est})[(0,)]
    n = len(h)
    if n < 2 or not noise_sd > 0:
        return p
    total = float(h.sum())
    if not total > z * noise_sd * math.sqrt(n):  # no data shown at all: nothing to place a span by
        return p
    limit = share * total
    lo, top = _empty_run(h, noise_sd, z, limit), _empty_run(h[::-1], noise_sd, z, limit)
    strong = np.flatnonzero(est > z * noise_sd)
    if len(strong):  # a cell whose shrunk count is above z noise sds is data: kept
        lo, top = min(lo, int(strong[0])), min(top, n - 1 - int(strong[-1]))
    if lo + top >= n:
        return p
    out = np.zeros_like(p)
    out[lo:n - top] = p[lo:n - top]
    return out / out.sum() if out.sum() > 0 else p


def _empty_run(h: np.ndarray, noise_sd: float, z: float, limit: float) -> int:
    """The length of the longest run of the first noisy counts ``h`` that is (nearly) empty:
    whose sum plus ``z`` of its noise sds (sqrt(length) noise sds) is at most ``limit``, and
    whose sum is within ``z`` noise sds of zero (no significant data in it, and no noise dip
    deep enough to hide some); 0 if none is."""
    run = np.cumsum(h)
    sd = noise_sd * np.sqrt(np.arange(1, len(h) + 1))
    ok = np.flatnonzero((run + z * sd <= limit) & (np.abs(run) <= z * sd))
    return int(ok[-1]) + 1 if len(ok) else 0


def _signal_share(residual_ss: float, dims: int, noise_var: float) -> float:
    """The share of a noisy vector's deviation from a target that is signal: the empirical-Bayes
    (James-Stein type) shrinkage factor max(0, 1 - dims * noise_var / residual_ss), with
    ``dims`` the dimensions of the deviation (Efron & Morris 1973). About 1 when the deviation
    is far above the noise, 0 when it is what the noise alone gives."""
    if not residual_ss > 0 or dims <= 0:
        return 0.0
    return max(0.0, 1.0 - dims * noise_var / residual_ss)


def shrunk_histogram(hist: np.ndarray, noise_sd: float | None) -> np.ndarray:
    """A noisy histogram shrunk toward its flat version (the same total spread evenly over the
    public bounds' cells) by :func:`_signal_share`. Projected onto non-negative counts as it
    is, a histogram whose counts are below the noise keeps only the cells of the largest noise
    draws: the release then piles on a few random values. Shrunk, it comes out flat there, and
    is unchanged where the counts stand well above the noise. Post-processing."""
    h = np.asarray(hist, dtype=float)
    if noise_sd is None or h.size < 2:
        return h
    mean = h.mean()
    return mean + _signal_share(float(((h - mean) ** 2).sum()), h.size - 1, noise_sd ** 2) * (h - mean)


def shrunk(noisy: dict[tuple, np.ndarray], noise_sd: float | None,
           n_columns: int, independent: list | None = None) -> dict[tuple, np.ndarray]:
    """The noisy tables, with what the noise alone explains taken back to independence: every
    column's consensus margin (the inverse-variance mean of its tables' sums) is shrunk toward
    the flat margin (:func:`shrunk_histogram`'s factor), and a two-way table whose deviation
    from its total times the outer product of its two columns' margins is within what the
    noise gives (a chi-squared test at 5% with the table's cells - 1 degrees of freedom) is
    replaced by that independence table; a table with a detectable relation is kept as it is.

    Where the noise swamps the tables (small n or epsilon), projecting them onto non-negative
    cells kept only their largest noise draws, raking multiplied those zeros over all the
    tables, and whole columns came out as one value (users' trials: ``MASS::birthwt``, 189
    rows at epsilon 1, released every birth as "normal", every mother as a non-smoker, no black
    mother). Now such a release comes out close to independent columns with their margins.
    Exact tables (``noise_sd`` None) are returned as they are. Post-processing of the noisy
    tables. The pairs whose tables were replaced are appended to ``independent`` (if given)."""
    if noise_sd is None:
        return noisy
    var = noise_sd ** 2
    sums: list[list[tuple[np.ndarray, float]]] = [[] for _ in range(n_columns)]
    for p, t in noisy.items():
        if len(p) == 1:
            sums[p[0]].append((t, var))
        else:
            sums[p[0]].append((t.sum(1), var * t.shape[1]))
            sums[p[1]].append((t.sum(0), var * t.shape[0]))
    flat_margins = []
    for parts in sums:
        w = np.array([1.0 / v for _, v in parts])
        counts = sum(c * wt for (c, _), wt in zip(parts, w)) / w.sum()
        flat_margins.append(_normalised(shrunk_histogram(counts, math.sqrt(1.0 / w.sum()))))
    out = {}
    for p, t in noisy.items():
        if len(p) == 1:
            out[p] = flat_margins[p[0]] * t.sum()
            continue
        target = t.sum() * np.outer(flat_margins[p[0]], flat_margins[p[1]])
        dev = t - target
        # a pre-test (the chi-squared test of independence at 5%, from the noise alone): a
        # table whose deviation from independence the noise explains is replaced by the
        # independence table; one with a detectable relation is kept as measured. Shrinking
        # every table by its empirical-Bayes factor instead attenuated the relations that
        # were there (CPS 1988 at epsilon 1: the wage equation's coefficient RMSE 0.036 ->
        # 0.097, 3 seeds; bench/RESULTS.md, thirteenth session)
        swamped = float((dev ** 2).sum()) <= chi2.ppf(0.95, t.size - 1) * var
        out[p] = target if swamped else t
        if swamped and independent is not None:
            independent.append(p)
    return out


def within_cell_weights(hist: np.ndarray, dist: np.ndarray, noise_sd: float | None) -> np.ndarray:
    """Weights of the fine cells for drawing a value within its (coarse) cell: the projected
    counts plus one noise standard deviation each (additive smoothing: where a fine cell's count
    is well above the noise the weights follow the histogram, where it is near the noise they
    are close to uniform), 0 outside the span of :func:`support_trimmed`. Exact histograms
    (``noise_sd`` None) are followed as they are.

    Uniform draws within every cell blurred a skewed column (CPS 1988's log wage: the
    non-private wage equation's coefficient RMSE 0.009 -> 0.053); draws from the noisy histogram
    itself made the one-way margin noisy where counts per fine cell are near the noise (2,000
    rows of ages 18-90: TVD 0.03 -> 0.08)."""
    if noise_sd is None:
        return dist
    total = max(float(np.clip(hist, 0.0, None).sum()), 1.0)
    w = np.where(dist > 0, dist * total + noise_sd, 0.0)
    return w / w.sum() if w.sum() > 0 else dist


def fine_columns(cols: list[Column]) -> list[int]:
    """The numeric columns whose cells may be intervals (all but integer columns with at most
    ``MIN_BINS`` whole numbers, which always get one cell per number): those whose one-way
    histogram is measured to place the intervals."""
    out = []
    for k, c in enumerate(cols):
        if c.kind != "numeric":
            continue
        if c.integer and int(math.floor(c.high) - math.ceil(c.low)) + 1 <= MIN_BINS:
            continue
        out.append(k)
    return out


def measure_fine(x: np.ndarray, cols: list[Column], noise_sd: float | None,
                 rng: np.random.Generator | None) -> dict[int, np.ndarray]:
    """The histogram of each of the :func:`fine_columns` on its fine grid, plus
    N(0, noise_sd^2) per cell (``None``: exact). Adding or removing a row changes each of these
    histograms by one in one cell: their L2 sensitivity together is sqrt(their number)."""
    out = {}
    for k in fine_columns(cols):
        c = cols[k]
        e = fine_edges(c)
        u = _unit(_numeric_values(x[:, c.start], c).astype(float), c)
        h = np.bincount(fine_bin(u, e), minlength=len(e) - 1).astype(float)
        if noise_sd is not None:
            h = h + rng.normal(0.0, noise_sd, size=h.shape)
        out[k] = h
    return out


def pairs(n_columns: int) -> list[tuple[int, ...]]:
    """The tables measured: every pair of columns, or the one column of a one-column table."""
    return list(itertools.combinations(range(n_columns), 2)) if n_columns > 1 else [(0,)]


def choose_bins(size: int, noise_multiplier: float, n_columns: int) -> int:
    """Bins of the numeric columns from the (noisy) row count ``size`` (post-processing): the
    largest number in [MIN_BINS, MAX_BINS] whose numeric x numeric table has cells of average
    count c at least ``_CELL_NOISE`` times the larger of the two noises of a cell: the Gaussian
    mechanism's sd (0 for exact tables) and the count's own sampling noise, sqrt(c). The
    sampling part matters where the mechanism's noise is small: with exact tables (the
    non-private method, which took 32 bins at any size) a 154-row table had two-way tables
    of up to 32 x 24 cells, and raking to them left the weights on a few dozen candidates
    (effective size 39 of 10,000) whose one-way margins were off by a total variation of 0.17
    on average; at 4 bins they match (0.000, effective size 1,175)."""
    sd = noise_multiplier * math.sqrt(len(pairs(n_columns)))
    least = max(_CELL_NOISE * sd, _CELL_NOISE ** 2)  # c >= C sd and c >= C sqrt(c)
    k = math.floor(math.sqrt(max(size, 0) / least))
    return int(min(MAX_BINS, max(MIN_BINS, k)))


def measure(cell: np.ndarray, spec: Cells, noise_sd: float | None,
            rng: np.random.Generator | None) -> dict[tuple, np.ndarray]:
    """The tables of :func:`pairs`, each cell count plus N(0, noise_sd^2) (``None``: exact)."""
    out = {}
    for p in pairs(cell.shape[1]):
        shape = tuple(spec.sizes[j] for j in p)
        flat = np.ravel_multi_index(tuple(cell[:, j] for j in p), shape)
        table = np.bincount(flat, minlength=int(np.prod(shape))).astype(float).reshape(shape)
        if noise_sd is not None:
            table = table + rng.normal(0.0, noise_sd, size=shape)
        out[p] = table
    return out


def projected(tables: dict[tuple, np.ndarray]) -> dict[tuple, np.ndarray]:
    """Each noisy table as the nearest (Euclidean) table of non-negative cells with the same
    total, normalised to sum 1 (the projection onto the simplex: Duchi et al. 2008).

    Clipping negative cells at 0 instead would keep the positive half of the noise in every
    empty cell and spread a uniform background over the table (at n = 5,000 and epsilon 1,
    about a tenth of the mass, which cut a correlation of 0.70 to 0.51); subtracting one common
    threshold before clipping removes it. Post-processing of the noisy tables."""
    out = {}
    for p, t in tables.items():
        v = t.ravel()
        total = v.sum()
        if not total > 0:
            out[p] = np.full(t.shape, 1.0 / t.size)
            continue
        u = np.sort(v)[::-1]
        css = np.cumsum(u) - total
        k = np.flatnonzero(u - css / np.arange(1, len(u) + 1) > 0)[-1]
        tau = css[k] / (k + 1)
        w = np.maximum(v - tau, 0.0)
        out[p] = (w / w.sum()).reshape(t.shape)
    return out


def consensus_margins(noisy: dict[tuple, np.ndarray], n_columns: int) -> list[np.ndarray]:
    """Each column's one-way distribution from every noisy two-way table that holds it: the
    tables' sums over the other column (unbiased counts, the noise of a sum over c cells having
    variance c times a cell's), averaged with inverse-variance weights, negative counts set
    to 0 and normalised (not projected: the margins only give back what a table emptied, and
    the projection's common threshold would empty a rare level here too). Post-processing of
    the noisy tables."""
    acc = [[] for _ in range(n_columns)]
    for p, t in noisy.items():
        if len(p) == 1:
            acc[p[0]].append((t, 1.0))
        else:
            acc[p[0]].append((t.sum(1), 1.0 / t.shape[1]))
            acc[p[1]].append((t.sum(0), 1.0 / t.shape[0]))
    out = []
    for parts in acc:
        w = np.array([wt for _, wt in parts])
        mean = sum(v * wt for v, wt in parts) / w.sum()
        out.append(_normalised(mean))
    return out


def filled(tables: dict[tuple, np.ndarray], noisy: dict[tuple, np.ndarray],
           n_columns: int) -> dict[tuple, np.ndarray]:
    """The projected ``tables`` with every level (or cell) that one table emptied but the
    columns' consensus margins (:func:`consensus_margins`, from all the ``noisy`` tables) keep
    given back to that table, as the consensus share times the table's distribution of the
    other column, and the table renormalised. Raking to every table multiplies their zeros: a
    level emptied by any one of a column's tables vanished from the release, so that at high
    noise a column could come out as a single level (a user's trial: a 168-row survey at
    epsilon 1 released every smoker as "Never"). Tables that empty no level the consensus keeps
    are unchanged. Post-processing of the noisy tables."""
    consensus = consensus_margins(noisy, n_columns)
    out = {}
    for p, t in tables.items():
        if len(p) != 2:
            out[p] = t
            continue
        t = t.copy()
        changed = False
        for axis, j in ((1, p[0]), (0, p[1])):  # axis summed over: rows of p[0], columns of p[1]
            mass = t.sum(axis)
            empty = (mass <= 0) & (consensus[j] > 0)
            if not empty.any():
                continue
            other = _normalised(t.sum(1 - axis))
            fill = np.outer(consensus[j][empty], other)
            if axis == 1:
                t[empty, :] = fill
            else:
                t[:, empty] = fill.T
            changed = True
        out[p] = t / t.sum() if changed else t
    return out


def _normalised(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, None)
    s = t.sum()
    return t / s if s > 0 else np.full(t.shape, 1.0 / t.size)


def margins(tables: dict[tuple, np.ndarray], n_columns: int) -> list[np.ndarray]:
    """Each column's one-way distribution: the mean of its normalised tables' margins."""
    acc: list[list[np.ndarray]] = [[] for _ in range(n_columns)]
    for p, t in tables.items():
        q = _normalised(t)
        if len(p) == 1:
            acc[p[0]].append(q)
        else:
            acc[p[0]].append(q.sum(1))
            acc[p[1]].append(q.sum(0))
    return [_normalised(np.mean(a, axis=0)) for a in acc]


def chow_liu_tree(tables: dict[tuple, np.ndarray], n_columns: int) -> list[tuple[int, int]]:
    """(parent, child) edges of a maximum spanning tree on the tables' mutual information
    (Prim's algorithm from column 0), in an order where every parent comes before its child."""
    if n_columns < 2:
        return []
    mi = {}
    for (a, b), t in tables.items():
        q = _normalised(t)
        outer = q.sum(1, keepdims=True) * q.sum(0, keepdims=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            mi[(a, b)] = float(np.nansum(np.where(q > 0, q * np.log(q / outer), 0.0)))
    inside, edges = {0}, []
    while len(inside) < n_columns:
        a, b = max((e for e in mi if (e[0] in inside) != (e[1] in inside)), key=mi.get)
        parent, child = (a, b) if a in inside else (b, a)
        edges.append((parent, child))
        inside.add(child)
    return edges


def sample_tree(tables: dict[tuple, np.ndarray], spec: Cells, size: int,
                rng: np.random.Generator) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """``size`` rows of cells from the tree model of the (projected) tables, and its edges."""
    d = len(spec.sizes)
    one_way = margins(tables, d)
    edges = chow_liu_tree(tables, d)
    out = np.empty((size, d), dtype=np.int64)
    out[:, 0] = _draw(np.broadcast_to(one_way[0], (size, spec.sizes[0])), rng)
    for parent, child in edges:
        t = tables[(parent, child)] if parent < child else tables[(child, parent)].T
        joint = np.clip(t, 0.0, None)
        rows = joint.sum(1, keepdims=True)
        # a parent's cell whose noisy row is empty: the child's margin
        cond = np.where(rows > 0, joint / np.where(rows > 0, rows, 1.0), one_way[child][None, :])
        out[:, child] = _draw(cond[out[:, parent]], rng)
    return out, edges


def _draw(prob: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One index per row of ``prob`` (rows summing to 1)."""
    u = rng.random((len(prob), 1))
    return np.minimum((np.cumsum(prob, axis=1) < u * prob.sum(1, keepdims=True)).sum(1),
                      prob.shape[1] - 1)


def rake(cell: np.ndarray, tables: dict[tuple, np.ndarray], spec: Cells,
         sweeps: int = RAKING_SWEEPS, progress: bool = False) -> np.ndarray:
    """Weights (summing to 1) of the candidate rows ``cell`` that match the normalised noisy
    tables as well as iterative proportional fitting gets in ``sweeps`` passes over them. A
    table's cell that no candidate occupies cannot be matched and is left out of its scaling."""
    w = np.full(len(cell), 1.0 / len(cell))
    flats = {}
    for p in tables:
        shape = tuple(spec.sizes[j] for j in p)
        flats[p] = (np.ravel_multi_index(tuple(cell[:, j] for j in p), shape),
                    _normalised(tables[p]).ravel())
    from tqdm.auto import tqdm

    for _ in tqdm(range(sweeps), disable=not progress, desc="raking", unit="sweep"):
        for flat, target in flats.values():
            current = np.bincount(flat, weights=w, minlength=len(target))
            ratio = np.divide(target, current, out=np.ones_like(target), where=current > 0)
            w *= ratio[flat]
            total = w.sum()
            if not total > 0:  # every occupied cell has target 0: keep the previous weights
                w = np.full(len(cell), 1.0 / len(cell))
                continue
            w /= total
    return w


def resample(cell: np.ndarray, weights: np.ndarray, size: int, rng: np.random.Generator,
             order: list[int] | None = None) -> np.ndarray:
    """Indices of ``size`` candidates (rows of ``cell``) drawn with probabilities ``weights``, by
    systematic resampling over the candidates sorted by their cells (columns in ``order``,
    default 0, 1, ...): one uniform u, then the candidates at u/size, (u + 1)/size, ... of the
    cumulative weights; returned in random order.

    Each candidate appears floor or ceil of size × its weight times (so its expected count is
    what independent draws give), but the release's tables no longer add the multinomial noise
    of independent draws: the first column's counts are its weighted shares within one row,
    the next column's within one row in each of the first's cells, and so on. On a small table
    whose raked weights sit on a few dozen candidates, independent draws put a two-level
    column's split anywhere from 61/93 to 104/50 of 154 rows (``MASS::survey``, real 77/77).
    Post-processing of the weights with public randomness: no privacy cost."""
    keys = cell.T if order is None else cell[:, order].T
    sort = np.lexsort(keys[::-1])
    cum = np.cumsum(weights[sort], dtype=np.float64)
    cum /= cum[-1]
    points = np.minimum((rng.random() + np.arange(size)) / size, np.nextafter(1.0, 0.0))
    picked = sort[np.minimum(np.searchsorted(cum, points, side="right"), len(cum) - 1)]
    return rng.permutation(picked)


def noise_to_signal(noise_sd: float, size: int, spec: Cells) -> float:
    """The noise's standard deviation over the average cell count of the largest table, from the
    noisy row count: above about 1 the tables are mostly noise."""
    d = len(spec.sizes)
    largest = max(int(np.prod([spec.sizes[j] for j in p])) for p in pairs(d))
    return float(noise_sd / (max(size, 1) / largest))
