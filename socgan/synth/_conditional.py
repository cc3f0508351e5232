"""The GAN's conditional encoding: numeric columns as cells, and conditional vectors (issue 17,
point 1: CTGAN's remedies, adapted so that nothing unaccounted is read).

CTGAN (Xu et al. 2019) keeps conditional relations with two devices, both adapted here:

1. **Mode-specific normalisation.** CTGAN fits a Gaussian mixture to each numeric column and
   gives the generator a discrete mode (one-hot) and a scalar within the mode. A mixture fitted to
   the private data would be an unaccounted release, so here a numeric column's "modes" are its
   *cells*: ``modes`` intervals holding about equal shares of the column, cut at the quantiles of
   its histogram on a fine grid of the public bounds (the cells of ``socgan.synth._marginals``);
   an integer column with at most ``modes`` whole numbers gets one cell per number. For a private
   release the histograms are measured by a Gaussian mechanism (:func:`one_way`), composed with
   DP-SGD by the accountant. The generator chooses a cell (a discrete block, like a level); the
   value within the cell is drawn from the column's fine histogram (post-processing, as the
   ``"marginals"`` method draws it). A scalar offset per column, as CTGAN has, was tried first
   and dropped: on CPS 1988 the generator's offsets bunched within cells, and a classifier told
   its log wages from real ones with AUC 0.95 on that column alone (bench/RESULTS.md, issue 17).
2. **A conditional generator.** Each generated row gets a *conditional vector*: one block (a
   discrete column or a numeric column's cells) chosen uniformly and one of its levels, drawn
   from the block's frequencies (the measured one-way histograms; exact ones without privacy). The
   generator sees the vector beside its noise and is penalised by the cross-entropy between its
   output for that block and the level asked for, so it must learn every column's conditional
   distribution given each level of every other; the discriminator sees the vector beside the row.
   CTGAN pairs each vector with a real row *of that level* (training by sampling, with
   log-frequencies against imbalance). Picking real rows by their values would break the Poisson
   sampling on which DP-SGD's accounting rests, so a real row here gets the vector of its *own*
   level on a block chosen uniformly (the choice is drawn from the privacy generator, independent
   of the data): real and generated vectors then follow the same distribution, and the
   discriminator judges whether a row fits its vector. What this gives up is CTGAN's
   oversampling of rare levels.

Everything here after :func:`one_way` is post-processing of the measured histograms (or exact,
for the non-private methods).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from . import _marginals
from ._marginals import (Cells, _interval, fine_bin, fine_edges, projected, support_trimmed,
                         within_cell_weights)
from ._schema import Column, _numeric_values, _unit, within_bounds

#: Share of the private GAN's budget (after the noisy count) that the one-way histograms get: the
#: Gaussian mechanism alone would spend this share; DP-SGD and PGB are calibrated to the rest
#: jointly with it.
ONE_WAY_SHARE = 0.1


def one_way(x: np.ndarray, cols: list[Column], noise_sd: float | None,
            rng: np.random.Generator | None) -> dict[int, np.ndarray]:
    """Every column's histogram, plus N(0, noise_sd^2) per cell (``None``: exact): a numeric
    column on its fine grid (``_marginals.fine_edges``), a discrete one over its levels. Adding or
    removing a row changes each histogram by one in one cell: L2 sensitivity sqrt(columns)."""
    out = {}
    for k, c in enumerate(cols):
        if c.kind == "numeric":
            e = fine_edges(c)
            u = _unit(_numeric_values(x[:, c.start], c).astype(float), c)
            h = np.bincount(fine_bin(u, e), minlength=len(e) - 1).astype(float)
        else:
            h = x[:, c.start:c.stop].sum(0).astype(float)
        if noise_sd is not None:
            h = h + rng.normal(0.0, noise_sd, size=h.shape)
        out[k] = h
    return out


@dataclass(frozen=True)
class Coding:
    """How the release's encoded rows map to the GAN's features and back, and the conditional
    vectors' blocks and frequencies.

    ``gan_cols`` are the GAN's columns (one discrete block of cells per schema column);
    ``cell_of[k]`` indexes schema column ``k``'s block in them; ``blocks`` the GAN columns that conditional vectors choose among (discrete, two or more
    levels), with their level probabilities ``freqs`` and their offsets ``cond_start`` in the
    vector of width ``cond_width``."""

    cols: list[Column]
    spec: Cells
    gan_cols: list[Column]
    cell_of: list[int]
    blocks: list[int]
    freqs: list[np.ndarray]
    cond_start: list[int]
    cond_width: int


def build(cols: list[Column], modes: int, hist: dict[int, np.ndarray],
          noise_sd: float | None) -> Coding:
    """The coding from the schema and the one-way histograms of :func:`one_way`."""
    numeric = {k: hist[k] for k, c in enumerate(cols) if c.kind == "numeric"}
    spec = _marginals.cells(cols, modes, margins=numeric, margin_sd=noise_sd)
    gan_cols: list[Column] = []
    cell_of, freqs_all = [], []
    start = 0
    for k, c in enumerate(cols):
        dist = projected({(0,): np.asarray(hist[k], dtype=float)})[(0,)]
        if c.kind == "numeric" and not spec.per_integer[k]:
            grid = fine_edges(c)
            home = _interval(0.5 * (grid[:-1] + grid[1:]), spec.edges[k])
            freq = np.bincount(home, weights=support_trimmed(hist[k], noise_sd),
                               minlength=spec.sizes[k])
        elif c.kind == "numeric":  # one cell per whole number: the fine grid is the same
            freq = dist[:spec.sizes[k]]
        else:
            freq = dist
        freq = freq / freq.sum() if freq.sum() > 0 else np.full(spec.sizes[k], 1.0 / spec.sizes[k])
        cell_of.append(len(gan_cols))
        gan_cols.append(Column((c.name, "cell"), "discrete", object, start, spec.sizes[k],
                               levels=list(range(spec.sizes[k]))))
        freqs_all.append(freq)
        start += spec.sizes[k]
    blocks, freqs, cond_start, w = [], [], [], 0
    for k in range(len(cols)):
        g = gan_cols[cell_of[k]]
        if g.width >= 2:
            blocks.append(cell_of[k])
            freqs.append(freqs_all[k])
            cond_start.append(w)
            w += g.width
    return Coding(cols, spec, gan_cols, cell_of, blocks, freqs, cond_start, w)


def to_gan(x: np.ndarray, coding: Coding) -> np.ndarray:
    """The release's encoded rows (numeric in [0, 1] of the bounds, one-hot levels) as the GAN's
    features: every column's cell, one-hot."""
    cells = _marginals.codes(x, coding.cols, coding.spec)
    out = np.zeros((len(x), coding.gan_cols[-1].stop), dtype=np.float32)
    rows = np.arange(len(x))
    for k in range(len(coding.cols)):
        out[rows, coding.gan_cols[coding.cell_of[k]].start + cells[:, k]] = 1.0
    return out


def from_gan(g: np.ndarray, coding: Coding, rng: np.random.Generator) -> np.ndarray:
    """The GAN's features back to the release's encoding: each column's cell (the argmax of its
    block), a numeric value drawn within its cell from the column's fine histogram
    (``_marginals.rows_from_codes``; public randomness ``rng``)."""
    cells = np.column_stack([g[:, b.start:b.stop].argmax(axis=1) for b in
                             (coding.gan_cols[j] for j in coding.cell_of)])
    return _marginals.rows_from_codes(cells, coding.cols, coding.spec, rng)


class Conditioner:
    """Draws conditional vectors: for generated rows from the blocks' frequencies (torch
    generator: public randomness, a fixed number of draws per call); for given rows their own
    level on a uniformly chosen block (numpy generator: the privacy generator for real rows)."""

    def __init__(self, coding: Coding):
        self.coding = coding
        self.width = coding.cond_width
        self._probs = [torch.as_tensor(f, dtype=torch.float32) for f in coding.freqs]

    def _blocks(self):
        return [self.coding.gan_cols[j] for j in self.coding.blocks]

    def generated(self, n: int, gen: torch.Generator):
        """``(cond, target, mask)``: vectors for ``n`` generated rows, the GAN feature each row
        is asked for, and a mask of the features of each row's block (for the cross-entropy)."""
        blocks = self._blocks()
        width = self.coding.gan_cols[-1].stop
        cond = torch.zeros(n, self.width)
        target = torch.zeros(n, dtype=torch.long)
        mask = torch.zeros(n, width, dtype=torch.bool)
        if not blocks:
            return cond, target, mask
        choice = torch.randint(len(blocks), (n,), generator=gen)
        for b, (blk, p, cs) in enumerate(zip(blocks, self._probs, self.coding.cond_start)):
            rows = torch.nonzero(choice == b).squeeze(1)
            if not len(rows):
                continue
            level = torch.multinomial(p, len(rows), replacement=True, generator=gen)
            cond[rows, cs + level] = 1.0
            target[rows] = blk.start + level
            mask[rows, blk.start:blk.stop] = True
        return cond, target, mask

    def own(self, xg: torch.Tensor, rng: np.random.Generator) -> torch.Tensor:
        """Vectors of given rows (GAN features): each row's own level on a block drawn
        uniformly by ``rng``."""
        cond = torch.zeros(len(xg), self.width)
        blocks = self._blocks()
        if not blocks or not len(xg):
            return cond
        choice = rng.integers(0, len(blocks), size=len(xg))
        for b, (blk, cs) in enumerate(zip(blocks, self.coding.cond_start)):
            rows = torch.from_numpy(np.flatnonzero(choice == b))
            if len(rows):
                cond[rows, cs:cs + blk.width] = xg[rows, blk.start:blk.stop]
        return cond


#: A noisy histogram whose noise sd exceeds its average cell count (from its noisy total) is
#: mostly noise: :func:`match_margins` leaves that column as the generator made it.
MATCH_LIMIT = 1.0


def match_observed(release: pd.DataFrame, data: pd.DataFrame, cols: list[Column],
                   rng: np.random.Generator) -> pd.DataFrame:
    """A non-private release whose numeric columns are mapped, each by a monotone map, onto the
    data's own values: the row of rank r among ``len(release)`` gets the value at quantile
    (r + U) / len(release) of the column's observed values (clipped to its bounds; ties in the
    release broken at random by ``rng``). With as many rows as the data, each column of the
    release is a permutation of the data's column.

    :func:`match_margins` for releases that promise no privacy. A fine histogram spreads values
    uniformly within its cells, where real survey values are heaped: CPS 1988's weekly wages sit
    on a few hundred amounts (a hundred values hold 61% of the rows), and a classifier told the
    GAN's log wages from real ones with AUC 0.77 on that column alone. Ranks are kept, so the
    generator's dependence between columns is untouched. Returns a new frame."""
    out = release.copy()
    n = len(out)
    if n == 0:
        return out
    for c in cols:
        if c.kind != "numeric":
            continue
        observed = np.sort(within_bounds(data[c.name].to_numpy(dtype=float), c))
        size = len(observed)
        if not size:
            continue
        order = np.lexsort((rng.random(n), out[c.name].to_numpy(dtype=float)))
        # quantile (r + U) / n of the observed values, in integers: floor((r + U) size / n)
        # with U's part as floor(U * size) (no rounding can move r to r + 1)
        part = np.minimum((rng.random(n) * size).astype(np.int64), size - 1)
        at = (np.arange(n, dtype=np.int64) * size + part) // n
        values = np.empty(n)
        values[order] = observed[at]
        out[c.name] = pd.Series(values, index=out.index).astype(c.dtype)
    return out


def match_margins(x: np.ndarray, cols: list[Column], hist: dict[int, np.ndarray],
                  noise_sd: float | None, rng: np.random.Generator) -> tuple[np.ndarray, list]:
    """Encoded rows whose numeric columns are mapped, each by a monotone map, onto the
    distributions of the one-way histograms ``hist`` (:func:`one_way`; noise sd ``noise_sd``):
    the row of rank r among ``len(x)`` gets the value at quantile (r + U) / len(x) of its
    column's histogram (uniform within a fine cell; ties broken at random by ``rng``).

    Post-processing, of the generated rows and of the measured histograms. The map keeps every
    column's ranks, so the dependence the generator learned (rank correlations; the order of
    rows within a column) is untouched, while the margins become the measured ones: a GAN's
    numeric outputs are rarely spread as the data are (CPS 1988's log wage: a classifier told
    the plain GAN's values from real ones with AUC 0.95 on that column alone). A noisy histogram
    is smoothed as the ``"marginals"`` method's within-cell draws are
    (``_marginals.within_cell_weights``). A histogram whose noise sd exceeds its average cell
    count (``MATCH_LIMIT``, judged from its noisy total) is left alone: on 223 rows of
    ``mice::boys`` at epsilon 1 the cells above the noise were one whole number of ``tv``, and
    matching put every row on it. Discrete columns are left as they are. Returns the rows and
    the names of the columns matched."""
    out = x.copy()
    n = len(x)
    matched = []
    if n == 0:
        return out, matched
    for k, c in enumerate(cols):
        if c.kind != "numeric":
            continue
        if noise_sd is not None:
            average = max(float(hist[k].sum()), 1.0) / len(hist[k])
            if noise_sd / average > MATCH_LIMIT:
                continue
        grid = fine_edges(c)
        p = within_cell_weights(hist[k], support_trimmed(hist[k], noise_sd), noise_sd)
        if not p.sum() > 0:
            continue
        cum = np.concatenate([[0.0], np.cumsum(p / p.sum())])
        order = np.lexsort((rng.random(n), x[:, c.start]))
        r = np.empty(n)
        r[order] = (np.arange(n) + rng.random(n)) / n
        j = np.clip(np.searchsorted(cum, r, side="right") - 1, 0, len(p) - 1)
        # skip empty cells: searchsorted lands on the last cell whose cumulative start <= r
        frac = np.clip(np.divide(r - cum[j], cum[j + 1] - cum[j], out=np.full(n, 0.5),
                                 where=cum[j + 1] > cum[j]), 0.0, 1.0)
        out[:, c.start] = grid[j] + frac * (grid[j + 1] - grid[j])
        matched.append(c.name)
    return out, matched
