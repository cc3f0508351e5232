"""Privacy accounting for a DP-GAN with Private Post-GAN Boosting, in one composition.

Neighbouring data sets differ by **adding or removing one row** (dp-accounting's default
relation). What is released depends on the private data through three kinds of events, and only
these:

0. **A noisy row count** (``noisy_count``): the number of rows plus two-sided geometric
   ("discrete Laplace") noise, ``count_epsilon``-DP (Ghosh, Roughgarden & Sundararajan 2012).
   Everything else that needs a size (the sampling rate, the default batch and release size) is
   computed from it, never from the true n.
1. **DP-SGD discriminator steps** (Abadi et al. 2016). Each step Poisson-samples the rows with
   probability ``q``, clips each row's gradient of the real-data loss to norm ``C`` and adds
   ``N(0, (sigma C)^2)`` to their sum: one Poisson-subsampled Gaussian mechanism with noise
   multiplier ``sigma`` per step. Fake-data gradients and generator steps do not touch the data.
2. **Exponential-mechanism rounds of Private PGB** (Neunhoeffer, Wu & Dwork 2021, Algorithm 1).
   Each round picks a query with probability proportional to ``exp(eps0 * S_j / 2)`` where the
   score ``S_j`` changes by at most 1 when a row is added or removed (``_pgb.py``): the
   mechanism is ``eps0``-bounded-range (BR; Durfee & Rogers 2019).

3. **One Gaussian mechanism** (method ``"marginals"``, ``_marginals.py``): every two-way table
   of cell counts plus ``N(0, (z sqrt(P))^2)`` noise, the P tables' joint L2 sensitivity being
   sqrt(P) under add/remove, i.e. a Gaussian mechanism of sensitivity 1 and noise multiplier
   ``z`` (``Events.gaussian_noise``). Its PLD is composed with DP-SGD's where both occur; in the
   RDP bound it is a ``GaussianDpEvent``.

Composition. The count comes first and sets ``q``, so the later events are chosen from its
output; it is added by basic composition (Dwork & Roth 2014, Thm 3.16, which allows that):
``epsilon = count_epsilon + epsilon_joint``. DP-SGD and the BR rounds are composed jointly, two
ways, each a valid bound for the same mechanism; the smaller is reported:

- ``"pld"``: the DP-SGD steps as a privacy loss distribution (dp-accounting, pessimistic
  connect-the-dots discretisation, Doroshenko et al. 2022), then the ``k`` BR rounds by their
  **exact adaptive worst case** (Dong, Durfee & Rogers 2020): the privacy loss of an ``eps0``-BR mechanism lies in
  ``[t - eps0, t]`` for some ``t`` in ``[0, eps0]``; the hockey-stick value
  ``E_P[(1 - exp(e - L))_+]`` of what remains is convex in ``exp(-L)``, so among all mechanisms
  with that range the two-point one (losses ``t`` and ``t - eps0``, with ``P(t) = (e^eps0 -
  e^t) / (e^eps0 - 1)``) is worst, and an adversary choosing ``t`` afresh every round, knowing
  the loss so far, achieves ``U_k(e)`` of the dynamic programme ::

      U_0(e) = (1 - exp(e))_+ ,
      U_j(e) = max_t [ p_t U_{j-1}(e - t) + (1 - p_t) U_{j-1}(e - t + eps0) ].

  ``delta(epsilon) = max over the two directions of E_{L ~ DP-SGD PLD}[U_k(epsilon - L)]``
  (plus the PLD's mass at infinite loss). On a grid of step ``h = eps0 / M`` the programme is run
  for (eps0 + h)-BR with ``t`` on the grid, which contains every ``eps0``-BR mechanism (a loss
  range ``[t - eps0, t]`` lies inside ``[ceil_h(t) - eps0 - h, ceil_h(t)]``), so the result is an
  upper bound; ``U_k`` is read at the grid point below (it falls with ``e``).
- ``"rdp"``: Rényi DP (Mironov 2017; Mironov, Talwar & Zhang 2019) with each round as
  ``eps0**2 / 8``-zCDP (BR implies it: Cesar & Rogers 2021). Looser for both parts; kept as a
  cross-check and a fall-back.

Tests (``tests/synth/test_synth_accounting.py``) recompute the DP-SGD part with dp-accounting's own
accountant and the BR part by brute force over every adaptive two-point strategy of a few rounds.
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass

import numpy as np
from dp_accounting import dp_event, rdp
from dp_accounting.pld import privacy_loss_distribution as pld

#: PLD discretisation for the final, reported value; calibration uses a coarser grid (the
#: pessimistic PLD is an upper bound on any grid, so a coarse search never over-spends). At the
#: defaults (2,000 steps, q ~ 0.01) a 3e-3 grid overstated epsilon by 10%, 1e-3 by 1.5%, 3e-4 by
#: 0.1% against 1e-4 (bench/RESULTS.md, issue 13).
FINE_GRID = 3e-4
COARSE_GRID = 1e-3
#: Beyond this noise multiplier the discriminator's gradients are essentially noise.
MAX_NOISE_MULTIPLIER = 50.0
MIN_NOISE_MULTIPLIER = 0.3
#: Rényi orders of the cross-check: integers only (fractional orders of a subsampled Gaussian
#: are slow to evaluate and change the bound little).
RDP_ORDERS = tuple(range(2, 65)) + (80, 96, 128, 192, 256, 512, 1024)
#: Largest budget accepted: above it the guarantee is vacuous and the accountants overflow.
MAX_EPSILON = 100.0


@dataclass(frozen=True)
class Events:
    """The private events of one release after the count: DP-SGD steps and BR rounds."""

    noise_multiplier: float = math.inf  # inf: no DP-SGD event
    sampling_rate: float = 0.0
    steps: int = 0
    em_epsilon: float = 0.0  # eps0 per round
    em_rounds: int = 0
    gaussian_noise: float = math.inf  # one Gaussian mechanism (sensitivity 1); inf: none

    @property
    def has_sgd(self) -> bool:
        return self.steps > 0 and math.isfinite(self.noise_multiplier) and self.sampling_rate > 0

    @property
    def has_em(self) -> bool:
        return self.em_rounds > 0 and self.em_epsilon > 0

    @property
    def has_gaussian(self) -> bool:
        return math.isfinite(self.gaussian_noise)

    @property
    def has_pld_part(self) -> bool:
        """Whether there is a DP-SGD or Gaussian part, composed as a privacy loss distribution."""
        return self.has_sgd or self.has_gaussian

    def dp_events(self) -> list:
        """The events as ``dp_accounting`` DpEvents (BR rounds as zCDP), for the RDP bound."""
        out = []
        if self.has_sgd:
            out.append(dp_event.SelfComposedDpEvent(
                dp_event.PoissonSampledDpEvent(
                    self.sampling_rate, dp_event.GaussianDpEvent(self.noise_multiplier)),
                self.steps))
        if self.has_em:
            out.append(dp_event.SelfComposedDpEvent(
                dp_event.ZCDpEvent(rho=self.em_epsilon ** 2 / 8), self.em_rounds))
        if self.has_gaussian:
            out.append(dp_event.GaussianDpEvent(self.gaussian_noise))
        return out


# --- bounded-range rounds: exact adaptive worst case ---------------------------------------------

def grid_resolution(rounds: int) -> int:
    """M, grid points per eps0: fine for few rounds, coarser for many (work ~ 2 k^2 M^2)."""
    return int(min(100, max(8, 10_000 // max(rounds, 1))))


@dataclass(frozen=True)
class BoundedRangeWorstCase:
    """``U_k(e)`` on the grid ``e = i h``, ``lo <= i <= hi``; closed forms outside (module doc)."""

    em_epsilon: float
    rounds: int
    resolution: int
    step: float
    lo: int
    hi: int
    values: np.ndarray

    def __call__(self, e) -> np.ndarray:
        """An upper bound on ``sup E_P[(1 - exp(e - L_1 - ... - L_k))_+]`` at each ``e``."""
        e = np.asarray(e, dtype=float)
        i = np.floor(e / self.step - 1e-9)  # the grid point below: U falls with e
        # below the grid U = 1 - exp(e) exactly (every path ends below 0); above it U = 0
        out = np.where(i > self.hi, 0.0, -np.expm1(np.minimum(e, self.lo * self.step)))
        inside = (i >= self.lo) & (i <= self.hi)
        out[inside] = self.values[(i[inside] - self.lo).astype(np.int64)]
        return out


@functools.lru_cache(maxsize=32)
def bounded_range_worst_case(em_epsilon: float, rounds: int,
                             resolution: int | None = None) -> BoundedRangeWorstCase:
    """The dynamic programme of the module docstring for ``rounds`` eps0-BR mechanisms."""
    k = int(rounds)
    m_grid = grid_resolution(k) if resolution is None else int(resolution)
    h = em_epsilon / m_grid
    width = m_grid + 1  # the loss range (eps0 + h) in grid steps
    lo, hi = -k * width, k * m_grid
    idx = np.arange(lo - width, hi + width + 1)  # padded by one range on each side
    e = idx * h
    u = np.maximum(0.0, -np.expm1(e))  # U_0; exact on the pads for every U_j (see below)
    ts = np.arange(m_grid + 1)
    with np.errstate(over="ignore"):
        p = (np.exp(em_epsilon + h) - np.exp(ts * h)) / np.expm1(em_epsilon + h)
    core = slice(width, width + hi - lo + 1)
    left, right = u[:width].copy(), np.zeros(width)  # U_j = 1 - e^e below lo h, 0 above hi h
    for _ in range(k):
        best = np.zeros(hi - lo + 1)
        for t, pt in zip(ts, p):
            # U(e - t) and U(e - t + eps0 + h) for every grid e in [lo, hi]
            a = u[width - t: width - t + hi - lo + 1]
            b = u[2 * width - t: 2 * width - t + hi - lo + 1]
            np.maximum(best, pt * a + (1.0 - pt) * b, out=best)
        u = np.concatenate([left, best, right])
    return BoundedRangeWorstCase(em_epsilon, k, m_grid, h, lo, hi, u[core].copy())


def _epsilon_from_delta_curve(delta_at, target: float, *, upper: float = 2 * MAX_EPSILON) -> float:
    """Smallest epsilon (to 1e-6, rounded up) with ``delta_at(epsilon) <= target``."""
    if delta_at(0.0) <= target:
        return 0.0
    lo, hi = 0.0, 1.0
    while delta_at(hi) > target:
        lo, hi = hi, 2 * hi
        if hi > upper:
            return math.inf
    while hi - lo > 1e-6 * max(1.0, hi):
        mid = 0.5 * (lo + hi)
        lo, hi = (lo, mid) if delta_at(mid) <= target else (mid, hi)
    return hi


# --- the composed bounds ---------------------------------------------------------------------------

def _sgd_pld(events: Events, grid: float, *, connect_dots: bool = True):
    """The PLD of the DP-SGD steps composed with the Gaussian mechanism, whichever there are
    (``events.has_pld_part`` must hold)."""
    parts = []
    if events.has_sgd:
        parts.append(pld.from_gaussian_mechanism(
            events.noise_multiplier, sampling_prob=events.sampling_rate,
            value_discretization_interval=grid, use_connect_dots=connect_dots,
        ).self_compose(events.steps))
    if events.has_gaussian:
        parts.append(pld.from_gaussian_mechanism(
            events.gaussian_noise, value_discretization_interval=grid,
            use_connect_dots=connect_dots))
    out = parts[0]
    for p in parts[1:]:
        out = out.compose(p)
    return out


def _pmf_arrays(pmf) -> tuple[np.ndarray, np.ndarray, float]:
    dense = pmf.to_dense_pmf()
    losses = (np.arange(dense.size) + dense._lower_loss) * dense._discretization
    return losses, np.asarray(dense._probs, dtype=float), float(dense._infinity_mass)


def _pld_delta_curve(events: Events, grid: float):
    """``delta(epsilon)`` of DP-SGD composed with the BR rounds, as a function (module doc)."""
    br = bounded_range_worst_case(events.em_epsilon, events.em_rounds) if events.has_em else None
    if not events.has_pld_part:
        return (lambda eps: float(br(eps))) if br is not None else (lambda eps: 0.0)
    # Connect-the-dots splits each loss between neighbouring grid points keeping E[exp(-L)]: a
    # mean-preserving spread of exp(-L), so the mean of U_k(eps - L), convex in exp(-L), can only
    # grow (Jensen). (Rounding losses up would also be safe, but adds up to steps * grid.)
    dist = _sgd_pld(events, grid)
    if br is None:
        return lambda eps: float(dist.get_delta_for_epsilon(eps))
    parts = [_pmf_arrays(dist._pmf_remove)]
    if not dist._symmetric:
        parts.append(_pmf_arrays(dist._pmf_add))
    return lambda eps: max(inf + float(probs @ br(eps - losses)) for losses, probs, inf in parts)


def pld_delta(events: Events, epsilon_: float, *, grid: float = FINE_GRID) -> float:
    """Delta at ``epsilon_`` of DP-SGD (PLD) composed with the BR rounds (exact worst case)."""
    return _pld_delta_curve(events, grid)(epsilon_)


def pld_epsilon(events: Events, delta: float, *, grid: float = FINE_GRID) -> float:
    """Epsilon of DP-SGD (PLD) composed with the BR rounds (exact adaptive worst case)."""
    if not events.has_pld_part and not events.has_em:
        return 0.0
    if not events.has_em:  # DP-SGD and/or the Gaussian alone: dp-accounting as it is
        return float(_sgd_pld(events, grid).get_epsilon_for_delta(delta))
    return _epsilon_from_delta_curve(_pld_delta_curve(events, grid), delta)


def rdp_epsilon(events: Events, delta: float) -> float:
    """Epsilon of the composed events by Rényi DP (BR rounds as eps0**2/8-zCDP)."""
    acc = rdp.RdpAccountant(RDP_ORDERS)
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


@functools.lru_cache(maxsize=64)
def epsilon(events: Events, delta: float, *, grid: float = FINE_GRID) -> dict:
    """Both bounds and the smaller, valid one: ``{"pld", "rdp", "epsilon", "accountant"}``."""
    e_pld = pld_epsilon(events, delta, grid=grid)
    e_rdp = rdp_epsilon(events, delta)
    best = "pld" if e_pld <= e_rdp else "rdp"
    return {"pld": e_pld, "rdp": e_rdp, "epsilon": min(e_pld, e_rdp), "accountant": best}


def _bisect(ok, lo: float, hi: float, *, decreasing: bool, rel: float = 1e-3) -> float:
    """Log-scale bisection for where ``ok`` changes, returning a value on its safe side.

    ``decreasing``: ``ok`` holds for large parameters (noise); otherwise for small ones (eps0).
    """
    while hi / lo > 1 + rel:
        mid = math.sqrt(lo * hi)
        if decreasing:
            lo, hi = (lo, mid) if ok(mid) else (mid, hi)
        else:
            lo, hi = (mid, hi) if ok(mid) else (lo, mid)
    return hi if decreasing else lo


def _meets(events: Events, target: float, delta: float, grid: float) -> bool:
    """Whether the PLD bound is at most ``target`` (one delta, not a search). The RDP bound is
    looser for both parts, so calibration does without it."""
    return pld_delta(events, target, grid=grid) <= delta


@functools.lru_cache(maxsize=64)
def calibrate_em_epsilon(target: float, rounds: int, delta: float) -> float:
    """Largest per-round eps0 (to 0.1%) such that ``rounds`` BR rounds alone spend ``target``.

    The search runs the programme on a 4x coarser grid (a larger, still valid, upper bound), so
    the split is slightly conservative; the release's epsilon is accounted afresh on the fine one.
    """
    coarse = max(8, grid_resolution(rounds) // 4)

    def ok(e0):
        return float(bounded_range_worst_case(e0, rounds, coarse)(target)) <= delta

    return _bisect(ok, 1e-6, max(target, 1e-6), decreasing=False)


@functools.lru_cache(maxsize=64)
def calibrate_noise(target: float, delta: float, *, sampling_rate: float, steps: int,
                    em_epsilon: float = 0.0, em_rounds: int = 0,
                    gaussian_noise: float = math.inf) -> float:
    """Smallest noise multiplier (within [0.3, 50], to 0.1%) with joint epsilon <= ``target``
    (DP-SGD composed with the BR rounds and, if finite, one Gaussian mechanism of multiplier
    ``gaussian_noise``).

    Raises ``ValueError`` when even the largest noise multiplier spends more than ``target``.
    """
    ok = lambda sigma: _meets(Events(sigma, sampling_rate, steps, em_epsilon, em_rounds,
                                     gaussian_noise), target, delta, COARSE_GRID)
    if not ok(MAX_NOISE_MULTIPLIER):
        raise ValueError(
            f"`epsilon` cannot be met at delta={delta:g} with {steps} discriminator "
            f"steps at sampling rate {sampling_rate:.3g}"
            + (f" plus {em_rounds} boosting rounds" if em_rounds else "")
            + f": it would need a noise multiplier above {MAX_NOISE_MULTIPLIER:g}, which makes "
            "the discriminator's gradients pure noise. Use fewer `steps`, a smaller "
            "`batch_size`, or a larger `epsilon`."
        )
    if ok(MIN_NOISE_MULTIPLIER):
        return MIN_NOISE_MULTIPLIER
    return _bisect(ok, MIN_NOISE_MULTIPLIER, MAX_NOISE_MULTIPLIER, decreasing=True)


@functools.lru_cache(maxsize=64)
def calibrate_gaussian(target: float, delta: float) -> float:
    """Smallest noise multiplier (to 0.1%) of one Gaussian mechanism of sensitivity 1 that
    spends at most ``target`` at ``delta`` (the ``"marginals"`` release's measurement)."""
    ok = lambda z: _meets(Events(gaussian_noise=z), target, delta, COARSE_GRID)
    lo, hi = 1e-3, 1.0
    while not ok(hi):
        lo, hi = hi, 2 * hi
        if hi > 1e6:
            raise ValueError(f"`epsilon` cannot be met at delta={delta:g} by a Gaussian mechanism.")
    return _bisect(ok, lo, hi, decreasing=True)


def noisy_count(n: int, count_epsilon: float, rng: np.random.Generator) -> int:
    """``n`` plus two-sided geometric noise, P(z) proportional to exp(-count_epsilon |z|).

    The geometric mechanism (Ghosh, Roughgarden & Sundararajan 2012) is ``count_epsilon``-DP for a
    count (sensitivity 1 under add/remove) and, being integer-valued, has none of the
    floating-point weaknesses of a continuous Laplace sample (Mironov 2012).
    """
    p = -math.expm1(-count_epsilon)  # success probability of each geometric draw
    return int(n + rng.geometric(p) - rng.geometric(p))
