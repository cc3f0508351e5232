"""Noisy two-way marginals, a tree model fitted to them, and raking: the ``"marginals"`` method.

Measure, then post-process (issue 17, point 3: a DP marginal-based model whose samples are
reweighted towards measured queries, every part accounted):

1. **Cells, from the public metadata only.** A discrete column's cells are its levels; a
   numeric column's are ``bins`` equal-width intervals of its public ``(low, high)``, or one cell
   per whole number when an integer column has at most ``bins`` of them.
2. **One Gaussian measurement of every two-way table** (every pair of columns; a one-column table
   measures its one-way table). Adding or removing a row changes each of the P tables by one in
   one cell, so the vector of all P tables has L2 sensitivity sqrt(P); each cell gets
   N(0, (z sqrt(P))^2) noise, z the noise multiplier that ``socgan.synth._accounting`` calibrates
   to the budget (a Gaussian mechanism with sensitivity 1 and noise multiplier z). This is the
   only step that reads the data.
3. **Post-processing** (Dwork & Roth 2014, Prop. 2.1), from the noisy tables alone:
   the tables clipped at 0 and normalised; one-way margins as the mean of a column's tables'
   margins; a maximum spanning tree on the tables' mutual information (Chow & Liu 1968), as
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

from ._schema import Column, _numeric_values, _unit

#: Bins of a numeric column when the release chooses them: an average cell of a numeric x numeric
#: table should hold at least ``_CELL_NOISE`` times the noise's standard deviation (from the noisy
#: row count), within these limits. Fewer bins blur a relation, more bins drown it in noise; the
#: factor 4 gives the bins where the simulated survey of the tests (5,000 rows, 11 bins) and
#: CPS 1988 (22,524 rows, 17) kept their relations best at epsilon 1 (bench/RESULTS.md, issue
#: 17); a factor of 2, set first, gave 16 and 25 bins and worse coefficients on both.
MIN_BINS, MAX_BINS = 4, 32
_CELL_NOISE = 4.0
#: Candidates per released row (at least ``candidates``) and raking sweeps over all tables.
POOL_PER_ROW = 5
MAX_POOL = 1_000_000
RAKING_SWEEPS = 30
#: ``noise_to_signal`` above which a release warns that the tables are mostly noise.
LOW_SIGNAL = 1.0


@dataclass(frozen=True)
class Cells:
    """Cells of each column: their number, and for a numeric column whether they are whole
    numbers (one per integer from ``low``) or equal-width intervals of the unit scale."""

    sizes: list[int]
    per_integer: list[bool]


def cells(cols: list[Column], bins: int) -> Cells:
    sizes, per_integer = [], []
    for c in cols:
        if c.kind != "numeric":
            sizes.append(c.width)
            per_integer.append(False)
            continue
        n_int = int(math.floor(c.high) - math.ceil(c.low)) + 1 if c.integer else None
        if n_int is not None and n_int <= bins:
            sizes.append(n_int)
            per_integer.append(True)
        else:
            sizes.append(int(bins))
            per_integer.append(False)
    return Cells(sizes, per_integer)


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
            out[:, k] = np.clip(np.floor(_unit(v, c) * spec.sizes[k]), 0, spec.sizes[k] - 1)
    return out


def rows_from_codes(cell: np.ndarray, cols: list[Column], spec: Cells,
                    rng: np.random.Generator) -> np.ndarray:
    """Encoded rows for cells: a level's one-hot; a numeric value uniform within its interval,
    or the cell's whole number."""
    x = np.zeros((len(cell), cols[-1].stop), dtype=np.float32)
    for k, c in enumerate(cols):
        if c.kind != "numeric":
            x[np.arange(len(cell)), c.start + cell[:, k]] = 1.0
        elif spec.per_integer[k]:
            x[:, c.start] = _unit(math.ceil(c.low) + cell[:, k].astype(float), c)
        elif c.integer:  # a whole number drawn uniformly among those of the cell
            x[:, c.start] = _whole_numbers_in_cells(cell[:, k], c, spec.sizes[k], rng)
        else:
            x[:, c.start] = (cell[:, k] + rng.random(len(cell))) / spec.sizes[k]
    return x


def _whole_numbers_in_cells(cell: np.ndarray, c: Column, bins: int,
                            rng: np.random.Generator) -> np.ndarray:
    """Unit-scale values of whole numbers drawn uniformly among those whose cell is ``cell``
    (every cell holds one when the column has more whole numbers than cells)."""
    values = np.arange(math.ceil(c.low), math.floor(c.high) + 1, dtype=float)
    home = np.clip(np.floor(_unit(values, c) * bins), 0, bins - 1).astype(np.int64)
    first = np.searchsorted(home, np.arange(bins), side="left")
    count = np.searchsorted(home, np.arange(bins), side="right") - first
    pick = first[cell] + np.floor(rng.random(len(cell)) * np.maximum(count[cell], 1)).astype(np.int64)
    return _unit(values[np.minimum(pick, len(values) - 1)], c)


def pairs(n_columns: int) -> list[tuple[int, ...]]:
    """The tables measured: every pair of columns, or the one column of a one-column table."""
    return list(itertools.combinations(range(n_columns), 2)) if n_columns > 1 else [(0,)]


def choose_bins(size: int, noise_multiplier: float, n_columns: int) -> int:
    """Bins of the numeric columns from the noisy row count ``size`` (post-processing): the
    largest number in [MIN_BINS, MAX_BINS] whose numeric x numeric table has cells of average
    count at least ``_CELL_NOISE`` noise standard deviations."""
    sd = noise_multiplier * math.sqrt(len(pairs(n_columns)))
    k = math.floor(math.sqrt(max(size, 0) / (_CELL_NOISE * sd))) if sd > 0 else MAX_BINS
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


def noise_to_signal(noise_sd: float, size: int, spec: Cells) -> float:
    """The noise's standard deviation over the average cell count of the largest table, from the
    noisy row count: above about 1 the tables are mostly noise."""
    d = len(spec.sizes)
    largest = max(int(np.prod([spec.sizes[j] for j in p])) for p in pairs(d))
    return float(noise_sd / (max(size, 1) / largest))
