"""A Bayesian differential privacy estimate of the DP-SGD part, beside (never instead of) (ε, δ)-DP.

Bayesian DP (Triastcyn & Faltings 2020, "Bayesian differential privacy for machine learning",
ICML; used for GANs in Triastcyn & Faltings, "Generating higher-fidelity synthetic datasets with
privacy guarantees", ``shared/reference/003``) asks for the privacy-loss bound only for a row
drawn from the *same distribution as the data*, not for every conceivable row. The Bayesian
accountant replaces the worst-case sensitivity of each DP-SGD step by the observed distances
between clipped per-row gradients. With noise multiplier sigma, sampling rate q, and
d = ||g - g'||^2 / C^2 for the clipped gradients g, g' of two rows (eq. 5-8 of the GAN paper),

    c_t^L(l) = log E_x E_{k ~ Bin(l + 1, q)} exp((k^2 - k) d / (2 sigma^2))
    c_t^R(l) = log E_x E_{k ~ Bin(l, q)}     exp((k^2 + k) d / (2 sigma^2))
    c_t(l)   = max(c_t^L, c_t^R),     log delta_mu <= sum_t c_t(l) - l eps_mu.

Here E_x is estimated at each step from disjoint pairs of the rows sampled in that step, and
replaced by a one-sided 95% upper confidence bound on the mean (Student t on the sample of
exp(...) values), as the accountant estimates an upper confidence bound of the cost. A step with
fewer than two pairs takes the largest possible distance (d = 4: two clipped gradients are at most
2C apart).

**What this is not.** It is a *data-dependent* and *weaker* notion: it assumes the rows come from
one distribution and that the sampled pairs represent it; it discounts the privacy loss of
outliers, exactly the rows most at risk; the estimate itself is computed from the private gradients
without noise, so it is not differentially private and must not be published with the release.
It never replaces the (epsilon, delta) guarantee that the accountant reports, and the noise is
calibrated for that guarantee only. With constant d = 1 and q = 1 it reduces to the moments
accountant of the Gaussian mechanism (Abadi et al. 2016), which the tests check. With q < 1 the
accountant's formulas are looser than dp-accounting's Rényi analysis of the same steps (d = 1,
q = 0.1, sigma = 1.67, 100 steps: 8.4 against 3.3 at delta = 1e-5; the c^R term and the classical
moments-to-(eps, delta) conversion), so a Bayesian epsilon below the reported epsilon comes from
small observed gradient distances, not from a tighter analysis.
"""

from __future__ import annotations

import numpy as np
from scipy import stats
from scipy.special import logsumexp

#: Orders lambda of the moment bound (as in the moments accountant).
ORDERS = (1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 32, 48, 64)
MAX_PAIRS = 64  # pairs per step used in the estimate


def _log_binomial_mgf(d: np.ndarray, trials: int, q: float, sigma: float, sign: int) -> np.ndarray:
    """log E_{k ~ Bin(trials, q)} exp((k^2 + sign k) d / (2 sigma^2)), for each d."""
    k = np.arange(trials + 1)
    logpmf = stats.binom.logpmf(k, trials, q)
    expo = (k ** 2 + sign * k)[None, :] * d[:, None] / (2 * sigma ** 2)
    return logsumexp(logpmf[None, :] + expo, axis=1)


def _log_ucb_mean(logy: np.ndarray, level: float = 0.95) -> float:
    """log of a one-sided upper confidence bound on E[y], from log y (stable in the scale)."""
    m = len(logy)
    top = logy.max()
    y = np.exp(logy - top)
    mean, sd = y.mean(), y.std(ddof=1)
    return float(top + np.log(mean + stats.t.ppf(level, m - 1) * sd / np.sqrt(m)))


def step_costs(d: np.ndarray, q: float, sigma: float, orders=ORDERS) -> np.ndarray:
    """c_t(lambda) for each order, from one step's pair distances ``d``."""
    d = np.asarray(d, dtype=float)
    if len(d) < 2:
        d = np.array([4.0, 4.0])
    d = d[:MAX_PAIRS]
    out = np.empty(len(orders))
    for i, lam in enumerate(orders):
        left = _log_ucb_mean(_log_binomial_mgf(d, lam + 1, q, sigma, -1))
        right = _log_ucb_mean(_log_binomial_mgf(d, lam, q, sigma, +1))
        out[i] = max(left, right)
    return out


def bayesian_epsilon(pair_distances: list, *, sampling_rate: float, noise_multiplier: float,
                     delta: float, orders=ORDERS) -> dict:
    """eps_mu at delta_mu = ``delta`` of the DP-SGD steps, from their pair distances (module doc)."""
    total = np.zeros(len(orders))
    for d in pair_distances:
        total += step_costs(d, sampling_rate, noise_multiplier, orders)
    eps = (total - np.log(delta)) / np.asarray(orders, dtype=float)
    best = int(np.argmin(eps))
    return {"epsilon": float(eps[best]), "delta": delta, "order": orders[best],
            "steps": len(pair_distances),
            "pairs_per_step": float(np.mean([min(len(d), MAX_PAIRS) for d in pair_distances]))
            if pair_distances else 0.0}


def report(pair_distances: list, *, sampling_rate: float, noise_multiplier: float,
           delta: float) -> dict:
    """The labelled entry for a release's report (``synthesize(..., bayesian_dp=True)``)."""
    est = bayesian_epsilon(pair_distances, sampling_rate=sampling_rate,
                           noise_multiplier=noise_multiplier, delta=delta)
    est.update({
        "notion": "Bayesian DP of the DP-SGD steps (Triastcyn & Faltings 2020): rows assumed drawn "
                  "from the data's distribution; not (epsilon, delta)-DP",
        "data_dependent": True,
        "warning": "Estimated from the private gradients without noise: weaker than the (epsilon, "
                   "delta) guarantee, which it never replaces; discounts outliers; not itself "
                   "private - keep it with the data curator, do not publish it with the release.",
    })
    return est
