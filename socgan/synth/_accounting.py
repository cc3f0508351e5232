"""Privacy accounting for a DP-GAN with Private Post-GAN Boosting, in one composition.

What is released depends on the private data through two kinds of events, and only these:

1. **DP-SGD discriminator steps** (Abadi et al. 2016). Each step Poisson-samples the rows with
   probability ``q``, clips each row's gradient of the real-data loss to norm ``C`` and adds
   ``N(0, (sigma C)^2)`` to their sum: one Poisson-subsampled Gaussian mechanism with noise
   multiplier ``sigma`` per step. Fake-data gradients and generator steps do not touch the data.
2. **Exponential-mechanism rounds of Private PGB** (Neunhoeffer, Wu & Dwork 2021, Algorithm 1).
   Each round picks a discriminator with probability proportional to ``exp(eps0 * S_j / 2)``
   where ``S_j`` has sensitivity 1 (see ``_pgb.py``). Such a mechanism is ``eps0``-DP and, being
   ``eps0``-bounded-range (Durfee & Rogers 2019), ``eps0**2 / 8``-zCDP (Cesar & Rogers 2021).

Both events are composed in Google's ``dp-accounting`` library, for add-or-remove-one neighbours,
in two ways; each gives a valid (epsilon, delta) bound for the *same* composed mechanism, so the
smaller one holds and is reported:

- ``"pld"``: privacy loss distributions (Meiser & Mohammadi 2018; Doroshenko et al. 2022),
  pessimistic discretisation. DP-SGD steps are tight here; each exponential-mechanism round
  enters as a generic pure ``eps0``-DP mechanism (``from_privacy_parameters``: its worst case,
  binary randomised response), which ignores the bounded-range structure.
- ``"rdp"``: Rényi DP (Mironov 2017; Mironov, Talwar & Zhang 2019) with each round as a
  ``ZCDpEvent(eps0**2 / 8)``. Looser for DP-SGD, much tighter for many rounds.

The report names both values and which one was used.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

from dp_accounting import dp_event, rdp
from dp_accounting.pld import common, privacy_loss_distribution as pld

#: PLD discretisation for the final, reported value; calibration uses a coarser grid (the
#: pessimistic PLD is an upper bound on any grid, so a coarse search never over-spends).
FINE_GRID = 1e-4
COARSE_GRID = 1e-3
#: Beyond this noise multiplier the discriminator's gradients are essentially noise.
MAX_NOISE_MULTIPLIER = 50.0
MIN_NOISE_MULTIPLIER = 0.3


@dataclass(frozen=True)
class Events:
    """The private events of one release: DP-SGD steps and exponential-mechanism rounds."""

    noise_multiplier: float = math.inf  # inf: no DP-SGD event
    sampling_rate: float = 0.0
    steps: int = 0
    em_epsilon: float = 0.0  # eps0 per round
    em_rounds: int = 0

    def dp_events(self) -> list:
        """The events as ``dp_accounting`` DpEvents (exponential rounds as zCDP)."""
        out = []
        if self.steps > 0 and math.isfinite(self.noise_multiplier):
            out.append(dp_event.SelfComposedDpEvent(
                dp_event.PoissonSampledDpEvent(
                    self.sampling_rate, dp_event.GaussianDpEvent(self.noise_multiplier)),
                self.steps))
        if self.em_rounds > 0:
            out.append(dp_event.SelfComposedDpEvent(
                dp_event.ZCDpEvent(rho=self.em_epsilon ** 2 / 8), self.em_rounds))
        return out


def pld_epsilon(events: Events, delta: float, *, grid: float = FINE_GRID) -> float:
    """Epsilon of the composed events by privacy loss distributions (EM rounds as pure eps0-DP)."""
    parts = []
    if events.steps > 0 and math.isfinite(events.noise_multiplier):
        parts.append(pld.from_gaussian_mechanism(
            events.noise_multiplier, sampling_prob=events.sampling_rate,
            value_discretization_interval=grid).self_compose(events.steps))
    if events.em_rounds > 0:
        parts.append(pld.from_privacy_parameters(
            common.DifferentialPrivacyParameters(events.em_epsilon, 0.0),
            value_discretization_interval=grid).self_compose(events.em_rounds))
    if not parts:
        return 0.0
    total = parts[0]
    for p in parts[1:]:
        total = total.compose(p)
    return float(total.get_epsilon_for_delta(delta))


def rdp_epsilon(events: Events, delta: float) -> float:
    """Epsilon of the composed events by Rényi DP (EM rounds as eps0**2/8-zCDP)."""
    acc = rdp.RdpAccountant()
    # At small noise multipliers the library drops orders whose series does not converge (which
    # only loosens the bound) and logs a warning for each; keep those out of the user's console.
    log = logging.getLogger("absl")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        for e in events.dp_events():
            acc.compose(e)
        return float(acc.get_epsilon(delta))
    finally:
        log.setLevel(level)


def epsilon(events: Events, delta: float, *, grid: float = FINE_GRID) -> dict:
    """Both bounds and the smaller, valid one: ``{"pld", "rdp", "epsilon", "accountant"}``."""
    e_pld = pld_epsilon(events, delta, grid=grid)
    e_rdp = rdp_epsilon(events, delta)
    best = "pld" if e_pld <= e_rdp else "rdp"
    return {"pld": e_pld, "rdp": e_rdp, "epsilon": min(e_pld, e_rdp), "accountant": best}


def _bisect(f, lo: float, hi: float, target: float, *, decreasing: bool, iters: int = 30) -> float:
    """Log-scale bisection for the parameter at which ``f`` crosses ``target`` on the safe side."""
    for _ in range(iters):
        mid = math.sqrt(lo * hi)
        ok = f(mid) <= target
        if decreasing:  # f falls with the parameter: the safe side is the larger one
            lo, hi = (lo, mid) if ok else (mid, hi)
        else:
            lo, hi = (mid, hi) if ok else (lo, mid)
    return hi if decreasing else lo


def calibrate_em_epsilon(target: float, rounds: int, delta: float) -> float:
    """Largest per-round eps0 such that ``rounds`` exponential-mechanism rounds alone spend ``target``."""
    f = lambda e0: epsilon(Events(em_epsilon=e0, em_rounds=rounds), delta, grid=COARSE_GRID)["epsilon"]
    return _bisect(f, 1e-6, max(target, 1e-6), target, decreasing=False)


def calibrate_noise(target: float, delta: float, *, sampling_rate: float, steps: int,
                    em_epsilon: float = 0.0, em_rounds: int = 0) -> float:
    """Smallest noise multiplier (within [0.3, 50]) with total epsilon <= ``target``.

    Raises ``ValueError`` when even the largest noise multiplier spends more than ``target``.
    """
    def f(sigma):
        ev = Events(sigma, sampling_rate, steps, em_epsilon, em_rounds)
        return epsilon(ev, delta, grid=COARSE_GRID)["epsilon"]

    if f(MAX_NOISE_MULTIPLIER) > target:
        raise ValueError(
            f"`epsilon`={target:g} cannot be met at delta={delta:g} with {steps} discriminator "
            f"steps at sampling rate {sampling_rate:.4g}"
            + (f" plus {em_rounds} boosting rounds" if em_rounds else "")
            + f": it would need a noise multiplier above {MAX_NOISE_MULTIPLIER:g}, which makes "
            "the discriminator's gradients pure noise. Use fewer `steps`, a smaller "
            "`batch_size`, or a larger `epsilon`."
        )
    if f(MIN_NOISE_MULTIPLIER) <= target:
        return MIN_NOISE_MULTIPLIER
    return _bisect(f, MIN_NOISE_MULTIPLIER, MAX_NOISE_MULTIPLIER, target, decreasing=True)
