"""The settings of a synthetic release, checked in one place (the first step of ``synthesize``).

:func:`check_settings` takes ``synthesize``'s arguments as the user gave them (R's ``2000`` is
``2000.0``) and returns a :class:`SynthSettings` with every value checked and cast, or fails
with the argument named. It looks at the data only to refuse what cannot be released
(``check_frame``: no private value is quoted) and, for the
non-private methods alone, to read bounds from them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from .._params import as_count, as_real, as_seed, check_frame
from . import _accounting as acc
from ._schema import bounds_from_data

Method = Literal["pgb", "dpgan", "pgb-nonprivate", "gan"]
METHODS = ("pgb", "dpgan", "pgb-nonprivate", "gan")
PRIVATE = ("pgb", "dpgan")
#: Default delta of a private release: a public constant (a default read from n would leak n).
DEFAULT_DELTA = 1e-6


@dataclass(frozen=True)
class SynthSettings:
    """Every setting of one release, checked (see :func:`socgan.synth.synthesize` for each).

    ``epsilon`` and ``delta`` are ``None`` for the non-private methods; ``batch_size`` is
    ``None`` until the accounting step sets its default from the (noisy) row count; ``bounds``
    are the public bounds given (read from the data for the non-private methods only)."""

    method: str
    epsilon: float | None
    delta: float | None
    bounds: dict
    out_of_bounds: str
    n_rows: int | None
    seed: int | None
    insecure_seed: int | None
    steps: int
    batch_size: int | None
    clip_norm: float
    hidden: int
    learning_rate: float
    snapshots: int
    candidates: int
    pgb_rounds: int
    pgb_share: float
    count_share: float
    pgb_marginals: int
    pgb_bins: int
    critic_steps: int
    discriminator_hidden: int | None
    saturation_penalty: float
    generator_average: float
    pgb_public_share: float
    bayesian_dp: bool
    progress: bool

    @property
    def private(self) -> bool:
        return self.method in PRIVATE

    @property
    def boosting(self) -> bool:
        """Whether Post-GAN Boosting (private or not) draws the release."""
        return self.method in ("pgb", "pgb-nonprivate")


def check_settings(data: pd.DataFrame, *, epsilon, delta, method, n_rows, seed, insecure_seed,
                   bounds, out_of_bounds, steps, batch_size, clip_norm, hidden, learning_rate,
                   snapshots, candidates, pgb_rounds, pgb_share, count_share, pgb_marginals,
                   pgb_bins, critic_steps, discriminator_hidden, saturation_penalty,
                   generator_average, pgb_public_share, bayesian_dp, progress) -> SynthSettings:
    """``synthesize``'s arguments checked and cast, in the order in which they are reported
    when several are wrong; ``data`` is checked for what no release can take."""
    method_ok = isinstance(method, str) and method in METHODS
    if not method_ok:
        raise ValueError(f"`method` must be one of {', '.join(map(repr, METHODS))}, got {method!r}.")
    private = method in PRIVATE
    # type, columns, names and completeness are checked by synthesize's table (socgan._params);
    # a non-private release also needs two rows
    check_frame(data, private=private, min_rows=2)
    if private:
        if epsilon is None:
            raise ValueError(f"`epsilon` is required for method {method!r}; a positive, finite number.")
        epsilon = as_real(epsilon, "epsilon", low=0.0, high=acc.MAX_EPSILON, closed_high=True)
        delta = DEFAULT_DELTA if delta is None else as_real(delta, "delta", high=1.0)
        if bounds is None:
            raise ValueError(
                "`bounds` is required for a private release: give each numeric column's (low, high) "
                "and each discrete column's list of levels as public metadata (e.g. from the "
                "codebook). Reading them from the data would leak them outside the privacy budget."
            )
    else:
        if epsilon is not None or delta is not None:
            raise ValueError(f"method {method!r} is not private; pass `epsilon=None` (and no `delta`), "
                             "or use 'pgb' or 'dpgan'.")
        if insecure_seed is not None:
            raise ValueError(f"`insecure_seed` is for the private methods; method {method!r} is "
                             "not private and `seed` fixes all its randomness.")
        bounds = bounds_from_data(data) if bounds is None else bounds
    n_rows = None if n_rows is None else as_count(n_rows, "n_rows")
    seed = as_seed(seed)
    insecure_seed = as_seed(insecure_seed, "insecure_seed")
    steps = as_count(steps, "steps")
    batch_size = None if batch_size is None else as_count(batch_size, "batch_size")
    clip_norm = as_real(clip_norm, "clip_norm", high=math.inf)
    hidden = as_count(hidden, "hidden")
    learning_rate = as_real(learning_rate, "learning_rate", high=math.inf)
    snapshots = as_count(snapshots, "snapshots")
    candidates = as_count(candidates, "candidates", minimum=snapshots)
    pgb_rounds = as_count(pgb_rounds, "pgb_rounds")
    pgb_share = as_real(pgb_share, "pgb_share")
    count_share = as_real(count_share, "count_share", high=0.5, closed_high=True)
    pgb_marginals = as_count(pgb_marginals, "pgb_marginals", minimum=0)
    if pgb_marginals > 2:
        raise ValueError(f"`pgb_marginals` must be 0, 1 or 2, got {pgb_marginals}.")
    pgb_bins = as_count(pgb_bins, "pgb_bins", minimum=2)
    critic_steps = as_count(critic_steps, "critic_steps")
    saturation_penalty = as_real(saturation_penalty, "saturation_penalty", low=0.0, high=math.inf,
                                 closed_low=True)
    pgb_public_share = as_real(pgb_public_share, "pgb_public_share", low=0.0, high=1.0,
                               closed_low=True, closed_high=True)
    generator_average = as_real(generator_average, "generator_average", low=0.0, high=1.0,
                                closed_low=True)
    if discriminator_hidden is not None:
        discriminator_hidden = as_count(discriminator_hidden, "discriminator_hidden")
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"`progress` must be True or False, got {progress!r}.")
    boosting = method in ("pgb", "pgb-nonprivate")
    if private and boosting and pgb_share + count_share >= 1:
        raise ValueError(f"`pgb_share` + `count_share` must be below 1, got {pgb_share:g} + "
                         f"{count_share:g}.")
    return SynthSettings(
        method=method, epsilon=epsilon, delta=delta, bounds=bounds, out_of_bounds=out_of_bounds,
        n_rows=n_rows, seed=seed, insecure_seed=insecure_seed, steps=steps,
        batch_size=batch_size, clip_norm=clip_norm, hidden=hidden, learning_rate=learning_rate,
        snapshots=snapshots, candidates=candidates, pgb_rounds=pgb_rounds, pgb_share=pgb_share,
        count_share=count_share, pgb_marginals=pgb_marginals, pgb_bins=pgb_bins,
        critic_steps=critic_steps, discriminator_hidden=discriminator_hidden,
        saturation_penalty=saturation_penalty, generator_average=generator_average,
        pgb_public_share=pgb_public_share, bayesian_dp=bool(bayesian_dp),
        progress=bool(progress))
