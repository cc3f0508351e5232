"""``synthesize``: a differentially private synthetic copy of a survey table, and its ``Release``."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import torch

from .._checks import as_count, as_real, as_seed
from . import _accounting as acc
from . import _bayes_dp
from ._dpgan import (LowSignalWarning, load_discriminator, load_generator, low_signal_message,
                     noise_to_signal, train_gan)
from ._candidates import public_candidates, split_pool
from ._pgb import marginal_workload, post_gan_boosting
from ._schema import bounds_from_data, build_schema, cell_codes, check_data, decode, encode

Method = Literal["pgb", "dpgan", "pgb-nonprivate", "gan"]
METHODS = ("pgb", "dpgan", "pgb-nonprivate", "gan")
PRIVATE = ("pgb", "dpgan")


@dataclass
class Release:
    """A synthetic dataset and what a privacy officer needs to see about how it was made.

    Attributes
    ----------
    data : DataFrame
        The synthetic rows: the input's columns and dtypes, a fresh ``RangeIndex``.
    epsilon, delta : float
        The (epsilon, delta)-DP guarantee actually spent (epsilon <= the one requested);
        ``inf`` and ``None`` for the non-private methods.
    method : str
    report : dict
        Accountant, noise multiplier, sampling rate, steps, budget split, public metadata used.
    """

    data: pd.DataFrame
    epsilon: float
    delta: float | None
    method: str
    report: dict = field(default_factory=dict)

    @property
    def private(self) -> bool:
        return math.isfinite(self.epsilon)

    def __repr__(self) -> str:
        guarantee = (f"({self.epsilon:.3g}, {self.delta:.2g})-DP" if self.private
                     else "not private")
        return (f"Release(method={self.method!r}, {guarantee}, "
                f"data: {self.data.shape[0]} rows x {self.data.shape[1]} columns)")


def default_delta(n: int) -> float:
    """min(1e-5, 1/(10 n)): well below 1/n, the level at which delta could expose a whole row."""
    return min(1e-5, 1.0 / (10 * n))


def synthesize(data: pd.DataFrame, *, epsilon: float | None, delta: float | None = None,
               method: Method = "pgb", n: int | None = None, seed: int | None = None,
               bounds: dict | None = None, steps: int = 2000, batch_size: int | None = None,
               clip_norm: float = 1.0, hidden: int = 128, learning_rate: float = 2e-4,
               snapshots: int = 20, candidates: int = 10_000, pgb_rounds: int = 200,
               pgb_share: float = 0.2, pgb_marginals: int = 0, pgb_bins: int = 10,
               critic_steps: int = 1, discriminator_hidden: int | None = None,
               saturation_penalty: float = 1.0, generator_average: float = 0.0,
               pgb_public_share: float = 0.0, bayesian_dp: bool = False,
               progress: bool = True) -> Release:
    """Synthetic data from a DP-GAN, optionally improved by Private Post-GAN Boosting.

    Parameters
    ----------
    data : DataFrame
        Complete data (missing values are refused: impute first), numeric, boolean,
        categorical or string columns. Not modified.
    epsilon : float or None
        Total privacy budget of the release (> 0, finite). ``None`` for the non-private methods.
    delta : float, optional
        Default ``min(1e-5, 1/(10 n))``; must be below ``1/n``.
    method : {"pgb", "dpgan", "pgb-nonprivate", "gan"}
        ``"dpgan"``: GAN whose discriminator is trained with DP-SGD on its real-data term
        (Abadi et al. 2016); the release is drawn from the last generator (post-processing).
        ``"pgb"``: the same training, keeping ``snapshots`` generator/discriminator pairs, then
        Private PGB (Neunhoeffer, Wu & Dwork 2021): ``candidates`` rows drawn from the kept
        generators, ``pgb_rounds`` exponential-mechanism rounds picking a discriminator and
        multiplicative-weights updates over the candidates (Hardt, Ligett & McSherry 2012); the
        release is drawn from the averaged weights. ``"gan"`` and ``"pgb-nonprivate"`` are the
        same without clipping, noise or exponential mechanism, for comparison.
    n : int, optional
        Rows to release; default the input's number of rows.
    seed : int, optional
        Makes the release reproducible. Keep it secret: whoever knows it can recompute the noise.
    bounds : dict
        Public metadata, required for the private methods: numeric column -> ``(low, high)``,
        discrete column -> list of its levels (all possible levels, not only those observed;
        give a list for a 0/1 number to treat it as discrete). They must be known without looking
        at the data (questionnaire, codebook): bounds read from the data would leak them
        unaccounted, so the private methods refuse to run without them. The data are checked
        against them and refused, with the column named, if they fall outside. The non-private
        methods read them from the data when not given.
    steps : int
        Discriminator steps; each is one DP-SGD event (and one generator step).
    batch_size : int, optional
        Expected real rows per step; rows are Poisson-sampled with rate ``q = batch_size / n``.
        Default ``min(256, n // 4)``. Large batches suit DP-SGD: the noise added to the summed
        gradient does not grow with the batch, so its share of the averaged gradient shrinks.
    clip_norm : float
        C, the per-row gradient norm bound of DP-SGD.
    hidden : int
        Width of the two hidden layers of both networks.
    learning_rate : float
        Adam's learning rate (betas 0.5, 0.9) for both networks.

        The defaults of ``steps``, ``batch_size``, ``hidden`` and ``learning_rate`` (2,000 steps
        of about 256 rows, 128 units, 2e-4) are those of the CPS 1988 benchmark in
        ``bench/RESULTS.md``. They were picked there by comparing a few settings on that public
        data set; choosing settings by trying them on *your* data spends privacy that no
        accountant counts, so fix them in advance or tune them on public data of the same kind.
    snapshots : int
        Generator/discriminator pairs kept along training for PGB.
    candidates : int
        Size of the candidate set B, drawn equally from the kept generators.
    pgb_rounds : int
        T, rounds of PGB.
    pgb_share : float
        Share of ``epsilon`` given to PGB *alone*: the per-round eps0 is set so the T rounds by
        themselves would spend ``pgb_share * epsilon``; then the DP-SGD noise multiplier is set
        so that the *joint* composition spends at most ``epsilon``. Joint accounting is tighter
        than adding the two, so DP-SGD gets more than ``(1 - pgb_share) * epsilon`` alone.
    pgb_marginals : {0, 1, 2}
        0 (default): PGB as published, the distinguisher chooses among the kept discriminators.
        1 or 2: it may also choose the indicator of any cell of a one-way (1) or one- and two-way
        (2) marginal, or its complement: fixed queries cut from the public ``bounds`` only, so
        they cost nothing extra and each round keeps sensitivity 1 (``socgan.synth._pgb``).
        Multiplicative weights then also correct the candidates' low-order margins, as MWEM
        does, which helps most when the DP-GAN's generators are poor.
    pgb_bins : int
        Equal-width intervals of each numeric column's public bounds for those cells.
    critic_steps : int
        Discriminator steps per generator step (Bie et al. 2023: noisy discriminators need more
        steps to keep up). Every discriminator step is one DP-SGD event in ``steps``.
    discriminator_hidden : int, optional
        Width of the discriminator's hidden layers (default ``hidden``). A smaller discriminator
        has fewer coordinates for the DP-SGD noise to swamp.
    saturation_penalty : float
        Weight of a penalty on the generator's output pre-activations beyond +-4
        (``socgan.synth._dpgan.saturation``): it keeps a generator trained against a noisy
        discriminator from piling every row on a bound. 0 turns it off. No privacy cost.
    pgb_public_share : float
        Share of the ``candidates`` drawn uniformly from the public ``bounds`` instead of from the
        kept generators (``socgan.synth._candidates``): data-independent, so free; with
        ``pgb_marginals`` PGB can then reweight them towards the real margins even where the
        generators missed them. 0 (default): PGB as published.
    generator_average : float
        If > 0 (e.g. 0.99), release and snapshot an exponential moving average of the generator's
        weights with this decay instead of the last iterate (Polyak averaging). No privacy cost.
    bayesian_dp : bool
        Also estimate the Bayesian DP (Triastcyn & Faltings 2020) of the DP-SGD steps, in
        ``report["bayesian_dp"]`` (``socgan.synth._bayes_dp``). **Data-dependent and weaker**: it
        assumes the rows come from one distribution, discounts outliers, is computed from the
        private gradients without noise (so it is not private: keep it with the curator, do not
        publish it) and never replaces ``epsilon``/``delta``. Private methods only.
    progress : bool
        Show a tqdm progress bar over the training steps (default; ``False`` for none).

    Returns
    -------
    Release

    Notes
    -----
    Accounting (see ``socgan.synth._accounting``): the DP-SGD steps (Poisson-subsampled Gaussian)
    and the exponential-mechanism rounds are composed together in Google's ``dp-accounting``,
    once by privacy loss distributions (rounds as pure eps0-DP) and once by Rényi DP (rounds as
    eps0^2/8-zCDP); both are valid for the same mechanism and the smaller is reported. The noise
    multiplier is the smallest (by bisection) that meets ``epsilon``; if even a multiplier of 50
    does not, the call fails rather than release noise. Neighbouring datasets differ by adding or
    removing one row; the number of rows n is treated as public (the release has n rows by
    default and n sets the sampling rate). Randomness comes from torch's and numpy's generators,
    not a cryptographically secure source, as in other DP-SGD libraries.

    Examples
    --------
    >>> rel = synthesize(df, epsilon=1.0, bounds={"age": (18, 99), "sex": ["f", "m"]}, seed=1)
    >>> rel.data.head(); rel.report["noise_multiplier"]
    """
    check_data(data)
    if method not in METHODS:
        raise ValueError(f"`method` must be one of {', '.join(map(repr, METHODS))}, got {method!r}.")
    private = method in PRIVATE
    n_rows = len(data)
    if private:
        if epsilon is None:
            raise ValueError(f"`epsilon` is required for method {method!r}; a positive, finite number.")
        epsilon = as_real(epsilon, "epsilon", low=0.0, high=math.inf)
        if delta is None:
            delta = default_delta(n_rows)
        else:
            delta = as_real(delta, "delta", high=1.0)
            if delta >= 1.0 / n_rows:
                raise ValueError(f"`delta` = {delta:g} must be below 1/n = {1 / n_rows:g}: with "
                                 f"delta >= 1/n a mechanism may publish a whole row. The default "
                                 f"is min(1e-5, 1/(10 n)).")
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
        bounds = bounds_from_data(data) if bounds is None else bounds
    n_out = n_rows if n is None else as_count(n, "n")
    seed = as_seed(seed)
    if seed is None:
        seed = int(np.random.default_rng().integers(2**31))
    steps = as_count(steps, "steps")
    batch_size = max(1, min(256, n_rows // 4)) if batch_size is None else as_count(batch_size, "batch_size")
    if batch_size >= n_rows:
        raise ValueError(f"`batch_size` ({batch_size}) must be smaller than the number of rows ({n_rows}).")
    clip_norm = as_real(clip_norm, "clip_norm", high=math.inf)
    hidden = as_count(hidden, "hidden")
    learning_rate = as_real(learning_rate, "learning_rate", high=math.inf)
    snapshots = as_count(snapshots, "snapshots")
    candidates = as_count(candidates, "candidates", minimum=snapshots)
    pgb_rounds = as_count(pgb_rounds, "pgb_rounds")
    pgb_share = as_real(pgb_share, "pgb_share")
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
    boosting = method in ("pgb", "pgb-nonprivate")

    cols = build_schema(data, bounds)
    x = encode(data, cols)
    q = batch_size / n_rows
    report: dict = {"method": method, "rows": n_rows, "rows_released": n_out,
                    "neighbouring": "add or remove one row (row count treated as public)",
                    "steps": steps, "sampling": "Poisson", "sampling_rate": q,
                    "expected_batch_size": batch_size, "clip_norm": clip_norm,
                    "critic_steps": critic_steps,
                    "public_bounds": {c.name: (c.levels if c.kind == "discrete" else (c.low, c.high))
                                      for c in cols}}
    em_eps = None
    if private:
        rounds = pgb_rounds if boosting else 0
        if boosting:
            em_eps = acc.calibrate_em_epsilon(pgb_share * epsilon, rounds, delta)
        sigma = acc.calibrate_noise(epsilon, delta, sampling_rate=q, steps=steps,
                                    em_epsilon=em_eps or 0.0, em_rounds=rounds)
        low_signal = low_signal_message(sigma, batch_size, steps)
        if low_signal:
            warnings.warn(low_signal, LowSignalWarning, stacklevel=2)
        events = acc.Events(sigma, q, steps, em_eps or 0.0, rounds)
        spent = min((acc.epsilon(events, delta, grid=g) for g in (acc.FINE_GRID, acc.COARSE_GRID)),
                    key=lambda r: r["epsilon"])
        if spent["epsilon"] > epsilon * (1 + 1e-9):  # cannot happen after calibration; never under-report
            raise RuntimeError(f"accounted epsilon {spent['epsilon']:.4g} exceeds the requested {epsilon:.4g}")
        alone_sgd = acc.epsilon(acc.Events(sigma, q, steps), delta)["epsilon"]
        alone_pgb = acc.epsilon(acc.Events(em_epsilon=em_eps, em_rounds=rounds), delta)["epsilon"] if boosting else 0.0
        report.update({
            "epsilon_requested": epsilon, "epsilon": spent["epsilon"], "delta": delta,
            "delta_rule": "given" if delta != default_delta(n_rows) else "min(1e-5, 1/(10 n))",
            "accountant": f"dp-accounting {spent['accountant'].upper()} (smaller of PLD and RDP)",
            "epsilon_pld": spent["pld"], "epsilon_rdp": spent["rdp"],
            "noise_multiplier": sigma, "noise_std": sigma * clip_norm,
            "dpsgd_event": "Poisson-subsampled Gaussian, one per discriminator step (real-data term only)",
            "epsilon_dpsgd_alone": alone_sgd,
            "noise_to_signal": noise_to_signal(sigma, batch_size),
        })
        if boosting:
            report.update({
                "pgb_rounds": rounds, "pgb_epsilon_per_round": em_eps,
                "pgb_event": "exponential mechanism, sensitivity 1: PLD as pure eps0-DP, RDP as eps0^2/8-zCDP",
                "pgb_share": pgb_share, "epsilon_pgb_alone": alone_pgb,
            })
    else:
        sigma = None
        report.update({"epsilon": math.inf, "delta": None, "accountant": None})
    if boosting:
        report["pgb_queries"] = ("discriminators" if pgb_marginals == 0 else
                                 f"discriminators + {'one' if pgb_marginals == 1 else 'one- and two'}-way "
                                 f"marginal cells ({pgb_bins} equal-width bins of the public bounds)")

    # The networks are small: one thread avoids thread overhead (restored afterwards).
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        synthetic = _train_and_draw(x, cols, data, report, boosting=boosting, sigma=sigma,
                                    em_eps=em_eps, q=q, steps=steps, clip_norm=clip_norm,
                                    hidden=hidden, learning_rate=learning_rate,
                                    snapshots=snapshots, candidates=candidates,
                                    pgb_rounds=pgb_rounds, n_out=n_out, seed=seed,
                                    pgb_marginals=pgb_marginals, pgb_bins=pgb_bins,
                                    critic_steps=critic_steps,
                                    discriminator_hidden=discriminator_hidden,
                                    saturation_penalty=saturation_penalty,
                                    generator_average=generator_average,
                                    pgb_public_share=pgb_public_share,
                                    bayesian_dp=bayesian_dp and private, progress=progress)
    finally:
        torch.set_num_threads(threads)
    out = decode(synthetic, cols, data)
    return Release(data=out, epsilon=report["epsilon"], delta=report["delta"], method=method,
                   report=report)


def _train_and_draw(x, cols, data, report, *, boosting, sigma, em_eps, q, steps, clip_norm, hidden,
                    learning_rate, snapshots, candidates, pgb_rounds, n_out, seed, pgb_marginals,
                    pgb_bins, critic_steps, discriminator_hidden, saturation_penalty,
                    generator_average, pgb_public_share, bayesian_dp, progress):
    """Train the (DP-)GAN, then draw ``n_out`` encoded rows from it or from (Private) PGB."""
    n_rows = len(x)
    trained = train_gan(x, cols, steps=steps, sampling_rate=q, noise_multiplier=sigma,
                        clip_norm=clip_norm, hidden=hidden, lr=learning_rate,
                        n_snapshots=snapshots if boosting else 1, seed=seed, progress=progress,
                        critic_steps=critic_steps, d_hidden=discriminator_hidden,
                        saturation_penalty=saturation_penalty, generator_average=generator_average,
                        bayesian=bayesian_dp)
    if bayesian_dp:
        report["bayesian_dp"] = _bayes_dp.report(trained.pair_distances, sampling_rate=q,
                                                 noise_multiplier=sigma, delta=report["delta"])
    gen = torch.Generator().manual_seed(seed + 1)
    rng = np.random.default_rng(seed + 1)
    with torch.no_grad():
        if not boosting:
            synthetic = trained.generator.eval()(n_out, gen).numpy()
        else:
            per, public = split_pool(candidates, pgb_public_share, len(trained.snapshots))
            pool = np.vstack([load_generator(trained.generator, g)(per, gen).numpy()
                              for g, _ in trained.snapshots]
                             + [public_candidates(cols, public, rng)])
            pool_t, real_t = torch.from_numpy(pool), torch.from_numpy(x)
            discs = [load_discriminator(trained.discriminator, d) for _, d in trained.snapshots]
            fake_scores = np.vstack([torch.sigmoid(d(pool_t)).squeeze(1).double().numpy() for d in discs])
            real_sums = np.array([float(torch.sigmoid(d(real_t)).double().sum()) for d in discs])
            workload = None
            if pgb_marginals:
                real_codes, sizes = cell_codes(x, cols, pgb_bins)
                workload = marginal_workload(real_codes, cell_codes(pool, cols, pgb_bins)[0], sizes,
                                             ways=pgb_marginals)
            res = post_gan_boosting(real_sums, n_rows, fake_scores, rounds=pgb_rounds,
                                    em_epsilon=em_eps, rng=rng, marginals=workload)
            synthetic = pool[rng.choice(len(pool), size=n_out, p=res.weights)]
            report.update({"snapshots": len(discs), "candidates": len(pool),
                           "candidates_public": public})
    return synthetic
