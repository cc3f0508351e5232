"""What the exact bounded-range accounting of PGB's rounds buys over the previous accounting.

Before issue 13 the exponential-mechanism rounds entered the joint composition with DP-SGD either
as pure eps0-DP events (PLD) or as eps0^2/8-zCDP (RDP), the smaller bound reported. Now they enter
by their exact adaptive bounded-range worst case (``socgan.synth._accounting``). This script takes
the default release settings on a data set of CPS 1988's size (28,155 rows, batch 256, 2,000
steps, 200 rounds, pgb_share 0.2, delta 1e-6) and prints, for several epsilons:

- epsilon of the *same* mechanism (same sigma, same eps0) under the old and the new accounting;
- the noise multiplier each accounting needs to meet the budget.

    OMP_NUM_THREADS=1 nice -n 10 python3 bench/dev/dp_accounting_gain.py
"""

from __future__ import annotations

import os
import sys

import pandas as pd
from dp_accounting.pld import common, privacy_loss_distribution as pld

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))

from socgan.synth import _accounting as acc  # noqa: E402

N, BATCH, STEPS, ROUNDS, SHARE, DELTA = 28_155, 256, 2000, 200, 0.2, 1e-6


def old_epsilon(ev: acc.Events, grid: float = acc.FINE_GRID) -> float:
    """The accountant as it was: rounds as pure eps0-DP (PLD) or eps0^2/8-zCDP (RDP)."""
    total = pld.from_privacy_parameters(
        common.DifferentialPrivacyParameters(ev.em_epsilon, 0.0),
        value_discretization_interval=grid).self_compose(ev.em_rounds)
    if ev.has_sgd:
        total = total.compose(pld.from_gaussian_mechanism(
            ev.noise_multiplier, sampling_prob=ev.sampling_rate,
            value_discretization_interval=grid).self_compose(ev.steps))
    return min(float(total.get_epsilon_for_delta(DELTA)), acc.rdp_epsilon(ev, DELTA))


def old_em_epsilon(target: float) -> float:
    lo, hi = 1e-6, target
    while hi / lo > 1.001:
        mid = (lo * hi) ** 0.5
        ev = acc.Events(em_epsilon=mid, em_rounds=ROUNDS)
        lo, hi = (mid, hi) if old_epsilon(ev, acc.COARSE_GRID) <= target else (lo, mid)
    return lo


def old_sigma(target: float, e0: float, q: float) -> float:
    lo, hi = acc.MIN_NOISE_MULTIPLIER, acc.MAX_NOISE_MULTIPLIER
    while hi / lo > 1.001:
        mid = (lo * hi) ** 0.5
        ev = acc.Events(mid, q, STEPS, e0, ROUNDS)
        lo, hi = (lo, mid) if old_epsilon(ev, acc.COARSE_GRID) <= target else (mid, hi)
    return hi


def main() -> pd.DataFrame:
    q = BATCH / N
    rows = []
    for eps in (0.5, 1.0, 3.0):
        e0 = acc.calibrate_em_epsilon(SHARE * eps, ROUNDS, DELTA)
        sigma = acc.calibrate_noise(eps, DELTA, sampling_rate=q, steps=STEPS, em_epsilon=e0,
                                    em_rounds=ROUNDS)
        ev = acc.Events(sigma, q, STEPS, e0, ROUNDS)
        new = acc.epsilon(ev, DELTA)["epsilon"]
        old = old_epsilon(ev)
        e0_old = old_em_epsilon(SHARE * eps)
        sigma_old = old_sigma(eps, e0_old, q)
        rows.append({"epsilon": eps, "eps0_new": e0, "eps0_old": e0_old,
                     "sigma_new": sigma, "sigma_old": sigma_old,
                     "same_mechanism_eps_new": new, "same_mechanism_eps_old": old,
                     "old_overstates_by": old / new - 1})
        print(rows[-1], flush=True)
    return pd.DataFrame(rows)


if __name__ == "__main__":
    print(main().round(4).to_string(index=False))
