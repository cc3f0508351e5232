"""Candidate pools for Post-GAN Boosting beyond one generator's snapshots (issue 17, point 3).

PGB (Neunhoeffer, Wu & Dwork 2021) reweights *any* finite candidate set B by multiplicative weights
driven by privately chosen queries; its guarantee does not depend on where B came from as long as B
is itself private (post-processing of DP-SGD) or public. This module adds a *public* part to B:
rows drawn uniformly from the public ``bounds`` (numeric columns uniform on their range, discrete
columns uniform over their levels). They depend on nothing but the metadata, so they cost no
privacy; with marginal queries (``pgb_marginals``) PGB then works as private multiplicative weights
over a data-independent support (MWEM; Hardt, Ligett & McSherry 2012) and can reach margins that a
collapsed or noise-driven generator never produces — the failure of issue 17 point 7, where every
generated ``hgt`` sat at one bound and no reweighting of such candidates could move it.
"""

from __future__ import annotations

import numpy as np

from ._schema import Column


def public_candidates(cols: list[Column], size: int, rng: np.random.Generator) -> np.ndarray:
    """``size`` encoded rows uniform over the public bounds and levels (no data used)."""
    x = np.zeros((size, cols[-1].stop), dtype=np.float32)
    for c in cols:
        if c.kind == "numeric":
            x[:, c.start] = rng.random(size)
        else:
            x[np.arange(size), c.start + rng.integers(c.width, size=size)] = 1.0
    return x


def split_pool(candidates: int, public_share: float, n_generators: int) -> tuple[int, int]:
    """Rows per kept generator and public rows, for ``candidates`` in all."""
    public = int(round(public_share * candidates))
    per = -(-(candidates - public) // n_generators) if public < candidates else 0
    return per, public
