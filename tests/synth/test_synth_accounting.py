"""The accountant of socgan.synth against independent computations.

- the DP-SGD part against dp-accounting's own PLD accountant;
- the bounded-range (BR) rounds against brute force: every adaptive strategy of a few two-point
  BR mechanisms enumerated, and the exact single-round formula;
- DP-SGD composed with BR rounds against a quadrature of the exact privacy loss of one
  (subsampled) Gaussian step followed by the worst adaptive BR rounds;
- the noisy count's distribution.
A reported epsilon must never be below what these give (a guarantee that holds), and for BR it
should be close to them (a guarantee that is tight, unlike eps0^2/8-zCDP).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from dp_accounting import dp_event, pld as dp_pld, rdp as dp_rdp
from scipy import stats

from socgan.synth import _accounting as acc


def _two_point(eps0: float, t: np.ndarray):
    """Losses (t, t - eps0) and P-probabilities of the worst eps0-BR mechanism with top loss t."""
    p = (np.exp(eps0) - np.exp(t)) / np.expm1(eps0)
    return p


def test_dpsgd_part_equals_library_accountant():
    ev = acc.Events(noise_multiplier=1.1, sampling_rate=0.02, steps=500)
    lib = dp_pld.PLDAccountant(value_discretization_interval=acc.FINE_GRID)
    lib.compose(dp_event.PoissonSampledDpEvent(0.02, dp_event.GaussianDpEvent(1.1)), 500)
    assert acc.pld_epsilon(ev, 1e-5) == pytest.approx(lib.get_epsilon(1e-5), rel=1e-9)
    rdp = dp_rdp.RdpAccountant(acc.RDP_ORDERS)
    rdp.compose(dp_event.PoissonSampledDpEvent(0.02, dp_event.GaussianDpEvent(1.1)), 500)
    assert acc.rdp_epsilon(ev, 1e-5) == pytest.approx(rdp.get_epsilon(1e-5), rel=1e-9)


def test_abadi_example_in_known_range_and_pld_tighter_than_rdp():
    # Abadi et al. (2016, sec. 3.1): q = 0.01, sigma = 4, T = 10,000, delta = 1e-5 gives
    # epsilon ~ 1.26 by the moments accountant; tighter modern accountants give less.
    ev = acc.Events(noise_multiplier=4.0, sampling_rate=0.01, steps=10_000)
    e_rdp, e_pld = acc.rdp_epsilon(ev, 1e-5), acc.pld_epsilon(ev, 1e-5)
    assert 0.8 < e_rdp <= 1.26
    assert 0.8 < e_pld <= e_rdp


def test_single_br_round_matches_the_exact_formula():
    # one eps0-BR mechanism: delta(eps) = max_t p_t (1 - exp(eps - t)), t in [0, eps0]
    eps0 = 1.0
    ts = np.linspace(0, eps0, 200_001)
    br = acc.bounded_range_worst_case(eps0, 1)
    exact = lambda eps: float((_two_point(eps0, ts) * np.maximum(0, -np.expm1(eps - ts))).max())
    for eps in (0.0, 0.2, 0.5, 0.9):
        # an upper bound, and tight to within 2% of eps0 in epsilon (the grid adds 1%)
        assert exact(eps) <= float(br(eps)) <= exact(eps - 0.02)


def _adaptive_worst_delta(eps0: float, rounds: int, eps: float, ts: np.ndarray) -> float:
    """Brute force: the largest delta(eps) over every adaptive choice of t (from ``ts``) at every
    node of the outcome tree of ``rounds`` two-point BR mechanisms."""
    nodes = 2 ** rounds - 1  # internal nodes of the binary outcome tree, breadth first
    best = 0.0
    p_of = dict(zip(ts, _two_point(eps0, ts)))
    for choice in itertools.product(ts, repeat=nodes):
        total = 0.0
        for outcome in itertools.product((0, 1), repeat=rounds):
            node, prob, loss = 0, 1.0, 0.0
            for o in outcome:
                t = choice[node]
                prob *= p_of[t] if o == 0 else 1 - p_of[t]
                loss += t if o == 0 else t - eps0
                node = 2 * node + 1 + o
            total += prob * max(0.0, -math.expm1(eps - loss))
        best = max(best, total)
    return best


@pytest.mark.parametrize("eps0, rounds, delta", [(0.5, 2, 1e-2), (0.8, 3, 1e-3), (0.3, 3, 1e-4)])
def test_br_composition_never_below_brute_force(eps0, rounds, delta):
    reported = acc.pld_epsilon(acc.Events(em_epsilon=eps0, em_rounds=rounds), delta)
    ts = tuple(np.linspace(0, eps0, 4 if rounds == 3 else 9))
    worst = _adaptive_worst_delta(eps0, rounds, reported, ts)
    assert worst <= delta * (1 + 1e-9)
    # tight: 5% below the reported epsilon a non-adaptive worst case (every round with the same
    # t, over a fine grid of t, exactly by the binomial) already exceeds delta
    assert _same_t_worst_delta(eps0, rounds, 0.95 * reported) > delta


def _same_t_worst_delta(eps0: float, rounds: int, eps: float) -> float:
    best = 0.0
    j = np.arange(rounds + 1)  # rounds with the low loss
    for t in np.linspace(0, eps0, 2001):
        p = _two_point(eps0, np.array(t))
        probs = stats.binom.pmf(j, rounds, 1 - p)
        best = max(best, float(probs @ np.maximum(0, -np.expm1(eps - (rounds * t - j * eps0)))))
    return best


def test_br_composition_is_tighter_than_zcdp_and_pure_dp():
    ev = acc.Events(em_epsilon=0.01, em_rounds=200)
    e_br, e_zcdp = acc.pld_epsilon(ev, 1e-6), acc.rdp_epsilon(ev, 1e-6)
    from dp_accounting.pld import common, privacy_loss_distribution as pld
    e_pure = pld.from_privacy_parameters(
        common.DifferentialPrivacyParameters(0.01, 0.0)).self_compose(200).get_epsilon_for_delta(1e-6)
    assert e_br < 0.95 * e_zcdp and e_br < 0.6 * e_pure
    # never below the non-adaptive worst case, and close to it
    assert _same_t_worst_delta(0.01, 200, e_br) <= 1e-6 * (1 + 1e-9)
    assert _same_t_worst_delta(0.01, 200, 0.95 * e_br) > 1e-6


def _gaussian_then_br_delta(sigma, q, eps0, rounds, eps, ts):
    """Exact delta(eps) of one Poisson-subsampled Gaussian step (both directions) followed by
    ``rounds`` <= 2 adaptive worst-case eps0-BR rounds, by quadrature and a fine t grid."""
    p = _two_point(eps0, ts)

    def u1(e):  # one BR round, e an array
        e = np.asarray(e)[..., None]
        return (p * np.maximum(0, -np.expm1(e - ts))
                + (1 - p) * np.maximum(0, -np.expm1(e - ts + eps0))).max(-1)

    def u2(e):
        e = np.asarray(e)[..., None]
        return (p * u1(e - ts) + (1 - p) * u1(e - ts + eps0)).max(-1)

    u = u1 if rounds == 1 else u2
    x = np.linspace(-12 * sigma, 1 + 12 * sigma, 2001 if rounds == 1 else 401)
    w = np.gradient(x)
    ratio = np.exp((x - 0.5) / sigma ** 2)  # N(1, s) / N(0, s) density ratio
    mix = (1 - q) + q * ratio
    phi0 = stats.norm.pdf(x, 0, sigma)
    phi1 = stats.norm.pdf(x, 1, sigma)
    remove = float(np.sum(w * ((1 - q) * phi0 + q * phi1) * u(eps - np.log(mix))))
    add = float(np.sum(w * phi0 * u(eps + np.log(mix))))
    return max(remove, add)


@pytest.mark.parametrize("sigma, q, eps0, rounds", [(1.0, 1.0, 0.5, 1), (0.8, 0.3, 0.4, 2)])
def test_joint_accounting_never_below_exact_quadrature(sigma, q, eps0, rounds):
    delta = 1e-3
    ev = acc.Events(sigma, q, 1, eps0, rounds)
    reported = acc.pld_epsilon(ev, delta)
    ts = np.linspace(0, eps0, 201 if rounds == 1 else 31)
    exact = _gaussian_then_br_delta(sigma, q, eps0, rounds, reported, ts)
    assert exact <= delta * (1 + 1e-6)
    assert _gaussian_then_br_delta(sigma, q, eps0, rounds, reported - 0.05, ts) > delta
    # composing more never lowers epsilon; the joint is below the sum of the parts
    alone = acc.pld_epsilon(acc.Events(sigma, q, 1), delta)
    br_alone = acc.pld_epsilon(acc.Events(em_epsilon=eps0, em_rounds=rounds), delta)
    assert max(alone, br_alone) < reported < alone + rounds * eps0


def test_noise_calibration_meets_and_nearly_spends_the_budget():
    sigma = acc.calibrate_noise(1.0, 1e-5, sampling_rate=0.05, steps=400, em_epsilon=0.01, em_rounds=100)
    spent = acc.epsilon(acc.Events(sigma, 0.05, 400, 0.01, 100), 1e-5, grid=acc.COARSE_GRID)["epsilon"]
    assert spent <= 1.0
    worse = acc.epsilon(acc.Events(sigma * 0.97, 0.05, 400, 0.01, 100), 1e-5, grid=acc.COARSE_GRID)
    assert worse["epsilon"] > 1.0  # the smallest noise that meets the target, within 3%
    e0 = acc.calibrate_em_epsilon(0.2, 100, 1e-5)
    alone = acc.epsilon(acc.Events(em_epsilon=e0, em_rounds=100), 1e-5)["epsilon"]
    assert 0.85 * 0.2 < alone <= 0.2


def test_unreachable_epsilon_is_an_error():
    with pytest.raises(ValueError, match="cannot be met"):
        acc.calibrate_noise(0.01, 1e-5, sampling_rate=0.5, steps=20_000)


def test_noisy_count_is_two_sided_geometric():
    rng = np.random.default_rng(0)
    eps = 0.5
    z = np.array([acc.noisy_count(1000, eps, rng) for _ in range(40_000)]) - 1000
    assert abs(z.mean()) < 0.05
    # P(z = k) proportional to exp(-eps |k|)
    p0 = np.tanh(eps / 2)
    assert np.mean(z == 0) == pytest.approx(p0, abs=4 * math.sqrt(p0 * (1 - p0) / len(z)))
    assert np.mean(z == 3) / np.mean(z == 0) == pytest.approx(math.exp(-3 * eps), rel=0.1)
    assert np.mean(z == -2) == pytest.approx(np.mean(z == 2), rel=0.1)
