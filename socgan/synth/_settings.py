"""The settings of a synthetic release: ``synthesize``'s table of constraints, and the rules that
tie its arguments together (the first step of ``synthesize``).

:data:`SYNTHESIZE_CONSTRAINTS` declares each argument (``synthesize`` is checked by it, through
``socgan._params.validate_params``; R's ``2000`` arrives as ``2000.0`` and becomes ``2000``).
:func:`check_settings` returns a :class:`SynthSettings` with every value checked and cast, or
fails with the argument named. It looks at the data only to refuse what cannot be released
(``check_frame``: no private value is quoted) and, for the
non-private methods alone, to read bounds from them.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from .._params import (NON_NEGATIVE, POSITIVE, PROBABILITY, Count, Flag, Frame, Instance, OneOf,
                       Optional, Real, Seed, check_frame, check_params)
from . import _accounting as acc
from ._schema import COMPLETE_DATA, bounds_from_data

Method = Literal["marginals", "pgb", "dpgan", "marginals-nonprivate", "pgb-nonprivate", "gan"]
METHODS = ("marginals", "pgb", "dpgan", "marginals-nonprivate", "pgb-nonprivate", "gan")
PRIVATE = ("marginals", "pgb", "dpgan")
#: Default number of cells ("modes") of a numeric column in the GAN's conditional encoding
#: (``socgan.synth._conditional``; CTGAN's default mixture has up to 10 modes).
MODES = 10
#: Default delta of a private release: a public constant (a default read from n would leak n).
DEFAULT_DELTA = 1e-6


#: The declared arguments of ``synthesize`` (its table of constraints, checked by
#: ``validate_params``); :func:`check_settings` adds the rules that tie arguments together.
SYNTHESIZE_CONSTRAINTS = {
    # a private release takes any number of rows: refusing small data would depend on one person
    "data": Frame(private=True, complete=COMPLETE_DATA),
    "epsilon": Optional(Real(0.0, acc.MAX_EPSILON, closed="right")), "delta": Optional(PROBABILITY),
    "method": OneOf(*METHODS), "n_rows": Optional(Count(1)), "seed": Seed(),
    "insecure_seed": Seed(),
    "bounds": Optional(Instance(Mapping, what="a dict of public bounds or levels by column")),
    "out_of_bounds": OneOf("raise", "clip"), "steps": Count(1), "batch_size": Optional(Count(1)),
    "clip_norm": POSITIVE, "hidden": Count(1), "learning_rate": POSITIVE, "snapshots": Count(1),
    "candidates": Count(1), "pgb_rounds": Count(1), "pgb_share": PROBABILITY,
    "count_share": Real(0.0, 0.5, closed="right"), "pgb_marginals": Count(0, 2),
    "pgb_bins": Count(2), "critic_steps": Count(1), "discriminator_hidden": Optional(Count(1)),
    "saturation_penalty": NON_NEGATIVE, "generator_average": Real(0.0, 1.0, closed="left"),
    "pgb_public_share": Real(0.0, 1.0, closed="both"), "marginal_bins": Optional(Count(2)),
    "conditional": Flag(), "modes": Optional(Count(2, 50)), "match_margins": Flag(),
    "pgb_tree_share": Real(0.0, 1.0, closed="left"), "bayesian_dp": Flag(), "progress": Flag(),
}


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
    marginal_bins: int | None
    conditional: bool
    modes: int | None
    match_margins: bool
    pgb_tree_share: float
    bayesian_dp: bool
    progress: bool

    @property
    def private(self) -> bool:
        return self.method in PRIVATE

    @property
    def boosting(self) -> bool:
        """Whether Post-GAN Boosting (private or not) draws the release."""
        return self.method in ("pgb", "pgb-nonprivate")

    @property
    def one_way(self) -> bool:
        """Whether a GAN method measures every column's one-way histogram (for the conditional
        encoding's cells or for matching the release's numeric margins)."""
        return self.conditional or self.match_margins or self.tree

    @property
    def tree(self) -> bool:
        """Whether PGB's pool also holds candidates from the marginals' tree model."""
        return self.boosting and self.pgb_tree_share > 0

    @property
    def marginal(self) -> bool:
        """Whether the release comes from two-way marginals (``socgan.synth._marginals``)."""
        return self.method in ("marginals", "marginals-nonprivate")


# The GAN methods' own settings and their defaults (those of ``synthesize``): given to a
# marginals release, a value other than the default is ignored with a warning.
GAN_DEFAULTS = {"steps": 2000, "batch_size": None, "clip_norm": 1.0, "hidden": 128,
                "learning_rate": 2e-4, "snapshots": 20, "pgb_rounds": 200,
                "pgb_share": 0.2, "pgb_marginals": 0, "pgb_bins": 10, "critic_steps": 1,
                "discriminator_hidden": None, "saturation_penalty": 1.0, "generator_average": 0.0,
                "pgb_public_share": 0.0, "conditional": False, "match_margins": True}
# (``candidates`` is not among them: the marginals methods draw their candidate pool too)


def check_settings(data: pd.DataFrame, *, epsilon, delta, method, n_rows, seed, insecure_seed,
                   bounds, out_of_bounds, steps, batch_size, clip_norm, hidden, learning_rate,
                   snapshots, candidates, pgb_rounds, pgb_share, count_share, pgb_marginals,
                   pgb_bins, critic_steps, discriminator_hidden, saturation_penalty,
                   generator_average, pgb_public_share, marginal_bins, conditional, modes,
                   match_margins, pgb_tree_share, bayesian_dp, progress) -> SynthSettings:
    """``synthesize``'s arguments checked and cast by :data:`SYNTHESIZE_CONSTRAINTS` (a no-op
    for values ``synthesize`` has already checked by it), then the rules that tie several of
    them together; ``data`` is checked for what no release can take."""
    v = check_params(SYNTHESIZE_CONSTRAINTS, dict(
        data=data, epsilon=epsilon, delta=delta, method=method, n_rows=n_rows, seed=seed,
        insecure_seed=insecure_seed, bounds=bounds, out_of_bounds=out_of_bounds, steps=steps,
        batch_size=batch_size, clip_norm=clip_norm, hidden=hidden, learning_rate=learning_rate,
        snapshots=snapshots, candidates=candidates, pgb_rounds=pgb_rounds, pgb_share=pgb_share,
        count_share=count_share, pgb_marginals=pgb_marginals, pgb_bins=pgb_bins,
        critic_steps=critic_steps, discriminator_hidden=discriminator_hidden,
        saturation_penalty=saturation_penalty, generator_average=generator_average,
        pgb_public_share=pgb_public_share, marginal_bins=marginal_bins, conditional=conditional,
        modes=modes, match_margins=match_margins, pgb_tree_share=pgb_tree_share,
        bayesian_dp=bayesian_dp, progress=progress),
        where="synthesize")
    method, epsilon, delta, bounds = v["method"], v["epsilon"], v["delta"], v["bounds"]
    private = method in PRIVATE
    # a non-private release also needs two rows (a private one takes any number)
    check_frame(data, private=private, min_rows=2)
    if private:
        if epsilon is None:
            raise ValueError(f"`epsilon` is required for method {method!r}; a positive, finite number.")
        delta = DEFAULT_DELTA if delta is None else delta
        if bounds is None:
            raise ValueError(
                "`bounds` is required for a private release: give each numeric column's (low, high) "
                "and each discrete column's list of levels as public metadata (e.g. from the "
                "codebook). Reading them from the data would leak them outside the privacy budget."
            )
    else:
        if epsilon is not None or delta is not None:
            raise ValueError(f"method {method!r} is not private; pass `epsilon=None` (and no `delta`), "
                             "or use 'pgb', 'dpgan' or 'marginals'.")
        if v["insecure_seed"] is not None:
            raise ValueError(f"`insecure_seed` is for the private methods; method {method!r} is "
                             "not private and `seed` fixes all its randomness.")
        bounds = bounds_from_data(data) if bounds is None else bounds
    # the candidate pool holds at least one row per kept snapshot
    Count(v["snapshots"])(v["candidates"], "candidates")
    if private and method == "pgb" and v["pgb_share"] + v["count_share"] >= 1:
        raise ValueError(f"`pgb_share` + `count_share` must be below 1, got {v['pgb_share']:g} + "
                         f"{v['count_share']:g}.")
    marginal = method in ("marginals", "marginals-nonprivate")
    if v["marginal_bins"] is not None and not marginal:
        raise ValueError(f"`marginal_bins` applies to the methods 'marginals' and "
                         f"'marginals-nonprivate', not to {method!r}.")
    if v["modes"] is not None and (marginal or not v["conditional"]):
        raise ValueError("`modes` applies to the GAN methods' conditional encoding "
                         f"(conditional=True), not to method {method!r}"
                         + ("" if marginal else " with conditional=False") + ".")
    if v["pgb_tree_share"] and method not in ("pgb", "pgb-nonprivate"):
        raise ValueError(f"`pgb_tree_share` adds candidates to Post-GAN Boosting's pool; method "
                         f"{method!r} has none (use 'pgb' or 'pgb-nonprivate').")
    if private and method == "pgb" and v["pgb_share"] + v["count_share"] + v["pgb_tree_share"] >= 1:
        raise ValueError(f"`pgb_share` + `count_share` + `pgb_tree_share` must be below 1, got "
                         f"{v['pgb_share']:g} + {v['count_share']:g} + {v['pgb_tree_share']:g}.")
    if marginal:  # a GAN setting given to a marginals release is ignored: said, not silent
        ignored = [k for k, default in GAN_DEFAULTS.items() if v[k] != default]
        if ignored:
            warnings.warn(
                f"{', '.join(f'`{k}`' for k in ignored)} "
                f"{'applies' if len(ignored) == 1 else 'apply'} to the GAN methods ('pgb', "
                f"'dpgan', 'pgb-nonprivate', 'gan'), not to method {method!r}, and "
                f"{'is' if len(ignored) == 1 else 'are'} ignored.", UserWarning, stacklevel=4)  # the user's call: wrapper, synthesize
    if v["bayesian_dp"] and marginal:
        raise ValueError("`bayesian_dp` estimates the Bayesian DP of DP-SGD steps, which the "
                         f"method {method!r} does not take; leave it False.")
    v.pop("data")
    conditional = bool(v["conditional"]) and not marginal
    modes = (v["modes"] if v["modes"] is not None else MODES) if conditional else None
    v.update(epsilon=epsilon, delta=delta, bounds=bounds, bayesian_dp=bool(v["bayesian_dp"]),
             conditional=conditional, modes=modes,
             match_margins=bool(v["match_margins"]) and not marginal, progress=bool(v["progress"]))
    return SynthSettings(**v)
