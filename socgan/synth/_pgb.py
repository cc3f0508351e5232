"""Post-GAN boosting (Neunhoeffer, Wu & Dwork, ICLR 2021, Algorithm 1), private and not.

A zero-sum game between a *synthetic-data player*, holding a distribution phi over a candidate
set B drawn from the generators kept during training, and a *distinguisher player* choosing among
the discriminators D_1..D_N kept alongside. Each round t = 1..T:

1. the distinguisher picks D^t by the exponential mechanism (McSherry & Talwar 2007) with the
   quality score U(phi, D_j) = -((1 - mean_i D_j(x_i)) + sum_b phi(b) D_j(b)), the mean taken
   over *all* n real rows (the authors' code takes a subsample of rows but scales as if by 1/n —
   a bug not repeated here); non-private PGB picks the best response argmax_j U;
2. the synthetic-data player updates by multiplicative weights (Hardt, Ligett & McSherry 2012):
   phi(b) <- phi(b) exp(eta_t D^t(b)), normalised, with eta_t = 1/sqrt(t) as in the authors' code.

The output distribution is the average of phi^1..phi^T; the release is drawn from it.

Privacy: selection probabilities are proportional to exp(eps0 * S_j / 2) with
S_j = sum_i D_j(x_i) - n * sum_b phi(b) D_j(b) = n * U_j + n. The constant n cancels in the
normalisation, so this is the authors' exp(eps0 * n * U_j / 2). Written as a sum over rows,
S_j = sum_i (D_j(x_i) - sum_b phi(b) D_j(b)), adding or removing one row x changes each S_j by
D_j(x) - sum_b phi(b) D_j(b), which lies in [-1, 1] because D is in [0, 1]: sensitivity 1 under
add/remove, although n itself is private (it enters only inside the mechanism). The differences
S_j - S'_j over j span at most 2, so each round is eps0-bounded-range (Durfee & Rogers 2019), which
``_accounting`` composes by its exact worst case (Dong, Durfee & Rogers 2020).
The candidates B and the discriminators are themselves private (post-processing of DP-SGD).

**Marginal queries as extra discriminators** (optional, ``marginal_workload``). The distinguisher
may also choose fixed, data-independent "discriminators": the indicator q_c(x) = 1{x in cell c} of
a cell of a one- or two-way marginal, and its complement 1 - q_c, with cells cut from the *public*
bounds and levels only. They lie in [0, 1], so the score S = sum_i q(x_i) - n sum_b phi(b) q(b)
has sensitivity 1 exactly as for a trained discriminator, and each round stays eps0-DP: the
accounting does not change. For the complement, S = -(count_c - n * mass_c), so the two scores
of a cell are +-(real count - n * synthetic mass). This is the query class of MWEM / private
multiplicative weights (Hardt, Ligett & McSherry 2012; Hardt & Rothblum 2010), played over the
GAN's candidates: the GAN's discriminators look for what the marginals miss, the marginal
queries correct the candidates' low-order margins, which a noisy DP-GAN gets wrong most.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp


@dataclass
class BoostingResult:
    weights: np.ndarray  # averaged phi over B (a distribution)
    chosen: np.ndarray  # index of the discriminator chosen in each round
    history: np.ndarray | None  # phi^1..phi^{T+1}, kept only when asked (tests)


@dataclass
class MarginalWorkload:
    """Cells of one- and two-way marginals as PGB queries.

    ``cells[p, b]`` is candidate b's cell (a global index, 0..K-1) in marginal p; ``real_counts[k]``
    the number of real rows in cell k (each marginal's counts sum to n).
    """

    cells: np.ndarray  # (P, |B|) int
    real_counts: np.ndarray  # (K,)
    names: list  # (P,) tuples of column indices
    starts: np.ndarray  # (P,) first global cell index of each marginal


def marginal_workload(real_codes: np.ndarray, candidate_codes: np.ndarray, sizes: list[int],
                      *, ways: int = 2) -> MarginalWorkload:
    """All one-way (and, with ``ways=2``, two-way) marginals over per-column cell codes."""
    k = len(sizes)
    margins = [(i,) for i in range(k)]
    if ways >= 2:
        margins += [(i, j) for i in range(k) for j in range(i + 1, k)]
    cells, counts, names, starts, offset = [], [], [], [], 0
    for m in margins:
        width = int(np.prod([sizes[i] for i in m]))
        idx_r = np.ravel_multi_index(tuple(real_codes[:, i] for i in m), [sizes[i] for i in m])
        idx_c = np.ravel_multi_index(tuple(candidate_codes[:, i] for i in m), [sizes[i] for i in m])
        counts.append(np.bincount(idx_r, minlength=width).astype(float))
        cells.append(idx_c + offset)
        names.append(m)
        starts.append(offset)
        offset += width
    return MarginalWorkload(np.vstack(cells), np.concatenate(counts), names, np.array(starts))


def post_gan_boosting(real_sums: np.ndarray, n: int, fake_scores: np.ndarray, *, rounds: int,
                      em_epsilon: float | None, rng: np.random.Generator,
                      keep_history: bool = False,
                      marginals: MarginalWorkload | None = None) -> BoostingResult:
    """Run ``rounds`` of PGB.

    Parameters
    ----------
    real_sums : (N,) array
        ``sum_i D_j(x_i)`` over all ``n`` real rows, for each kept discriminator j.
    n : int
        Number of real rows.
    fake_scores : (N, |B|) array
        ``D_j(b)`` in [0, 1] for each discriminator and candidate.
    rounds : int
        T, the number of rounds.
    em_epsilon : float or None
        eps0 of each exponential-mechanism round; ``None`` for non-private PGB (best response).
    rng : numpy Generator
    keep_history : bool
        Keep every phi^t (memory T x |B|).
    marginals : MarginalWorkload, optional
        Marginal cells offered to the distinguisher besides the discriminators (module docstring).
        ``chosen`` then indexes discriminators first (0..N-1), then cell queries: N + 2k for cell
        k's indicator, N + 2k + 1 for its complement.
    """
    fake_scores = np.asarray(fake_scores, dtype=float)
    real_sums = np.asarray(real_sums, dtype=float)
    if fake_scores.min() < 0 or fake_scores.max() > 1:
        raise ValueError("discriminator outputs must lie in [0, 1] for PGB's sensitivity bound")
    n_b = fake_scores.shape[1]
    log_phi = np.full(n_b, -np.log(n_b))
    phi = np.exp(log_phi)
    avg = np.zeros(n_b)
    chosen = np.empty(rounds, dtype=int)
    history = [phi] if keep_history else None
    n_disc = len(real_sums)
    if marginals is not None:
        n_cells = len(marginals.real_counts)
        flat_cells = marginals.cells.ravel()
    for t in range(1, rounds + 1):
        avg += phi
        score = real_sums - n * (fake_scores @ phi)  # n * U_j + n; sensitivity 1
        if marginals is not None:
            mass = np.bincount(flat_cells, weights=np.tile(phi, len(marginals.cells)),
                               minlength=n_cells)
            gap = marginals.real_counts - n * mass  # indicator's score; the complement's is -gap
            score = np.concatenate([score, np.column_stack([gap, -gap]).ravel()])
        if em_epsilon is None:
            j = int(np.argmax(score))
        else:
            logits = em_epsilon * score / 2.0
            p = np.exp(logits - logsumexp(logits))
            j = int(rng.choice(len(p), p=p / p.sum()))
        chosen[t - 1] = j
        if j < n_disc:
            log_phi = log_phi + fake_scores[j] / np.sqrt(t)
        else:  # a cell query: +eta inside the cell (indicator) or outside it (complement)
            cell, complement = divmod(j - n_disc, 2)
            margin = int(np.searchsorted(marginals.starts, cell, side="right") - 1)
            inside = (marginals.cells[margin] == cell).astype(float)
            log_phi = log_phi + (1.0 - inside if complement else inside) / np.sqrt(t)
        log_phi -= logsumexp(log_phi)
        phi = np.exp(log_phi)
        if keep_history:
            history.append(phi)
    avg /= rounds
    return BoostingResult(weights=avg / avg.sum(), chosen=chosen,
                          history=np.vstack(history) if keep_history else None)

