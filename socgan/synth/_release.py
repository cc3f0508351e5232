"""``synthesize``: a differentially private synthetic copy of a survey table, and its ``Release``."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
import torch

from .._core.torch_state import single_threaded
from .._params import validate_params
from . import _accounting as acc
from . import _bayes_dp
from . import _conditional
from . import _marginals
from ._candidates import public_candidates, split_pool
from ._dpgan import (LowSignalWarning, load_discriminator, load_generator, low_signal_message,
                     noise_to_signal, train_gan)
from ._pgb import marginal_workload, post_gan_boosting
from ._report import ReleaseNumbers, ReleaseText, report_dict, summary
from ._schema import build_schema, cell_codes, decode, encode
from ._settings import (DEFAULT_DELTA, METHODS, PRIVATE, SYNTHESIZE_CONSTRAINTS, Method,
                        SynthSettings, check_settings)

__all__ = ["Release", "synthesize", "METHODS", "PRIVATE", "DEFAULT_DELTA"]


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
    numbers : ReleaseNumbers
        The report's figures: accounted epsilon and its parts, noise multiplier, sampling rate,
        steps, budget split, noisy row count, public bounds used (``None`` where a figure does
        not apply to the method).
    text : ReleaseText
        The report's descriptions: neighbouring relation, accountant, mechanisms, where the
        randomness came from.
    curator_only : dict
        For the data holder only, never to publish: computed from the private data without
        noise (``bayesian_dp=True`` puts the Bayesian-DP estimate here). Empty by default.

    ``report`` is ``numbers`` and ``text`` as one plain dict (the keys releases have always
    had; an R list through reticulate), and ``summary()`` the same as text to read. For a
    private release neither holds anything computed from the data except through an accounted
    mechanism (the noisy count, the spent epsilon).
    """

    data: pd.DataFrame
    epsilon: float
    delta: float | None
    method: str
    numbers: ReleaseNumbers
    text: ReleaseText
    curator_only: dict = field(default_factory=dict)

    @property
    def private(self) -> bool:
        return math.isfinite(self.epsilon)

    @property
    def report(self) -> dict:
        """Accountant, noise multiplier, sampling rate, steps, budget split, public metadata used,
        where the randomness came from: :attr:`numbers` and :attr:`text` as one plain dict."""
        return report_dict(self.numbers, self.text)

    def summary(self) -> str:
        """The report as text to read."""
        return summary(self.numbers, self.text)

    def __repr__(self) -> str:
        guarantee = (f"({self.epsilon:.3g}, {self.delta:.2g})-DP" if self.private
                     else "not private")
        if self.numbers.insecure_seed is not None:
            guarantee += " INSECURE: noise from insecure_seed"
        return (f"Release(method={self.method!r}, {guarantee}, "
                f"data: {self.data.shape[0]} rows x {self.data.shape[1]} columns)")


#: Largest Poisson sampling rate of a private release (when batch_size nears the noisy count).
MAX_SAMPLING_RATE = 0.5


@dataclass(frozen=True)
class _Randomness:
    """The two sources of randomness of a release, made in one place (``_randomness``).

    ``privacy``: Poisson sampling, Gaussian noise of DP-SGD, exponential-mechanism choices and the
    noisy count — what the guarantee rests on. ``public``: network initialisation, the generators'
    input noise, candidate and release draws — post-processing, which may be known to anyone.
    """

    privacy: np.random.Generator
    public_seed: int
    description: str


def _randomness(*, private: bool, seed: int | None, insecure_seed: int | None) -> _Randomness:
    if seed is None and private and insecure_seed is not None:  # reproduce the whole release
        seed = int(np.random.SeedSequence([insecure_seed, 4]).generate_state(1, np.uint32)[0])
    if seed is None:
        # fresh, and below 2**31, so that R users read it (report["seed"]) as an integer
        seed = int(np.random.SeedSequence().generate_state(1, np.uint32)[0] >> np.uint32(1))
    if not private:
        return _Randomness(np.random.default_rng([seed, 1]), seed, "`seed` (not private)")
    if insecure_seed is not None:
        return _Randomness(np.random.default_rng([insecure_seed, 2]), seed,
                           f"INSECURE: derived from insecure_seed={insecure_seed}; whoever knows "
                           "it can recompute the noise, so the guarantee does not hold against "
                           "them (for tests only)")
    # SeedSequence() draws 128 bits from the operating system; PCG64 keeps a 128-bit state.
    return _Randomness(np.random.Generator(np.random.PCG64(np.random.SeedSequence())), seed,
                       "numpy PCG64 seeded with 128 bits of operating-system entropy "
                       "(numpy.random.SeedSequence()); not reproducible, not reachable by `seed`")


@validate_params(SYNTHESIZE_CONSTRAINTS)
def synthesize(data: pd.DataFrame, *, epsilon: float | None = None, delta: float | None = None,
               method: Method = "marginals", n_rows: int | None = None, seed: int | None = None,
               insecure_seed: int | None = None, bounds: dict | None = None,
               out_of_bounds: Literal["raise", "clip"] = "raise", steps: int = 2000,
               batch_size: int | None = None, clip_norm: float = 1.0, hidden: int = 128,
               learning_rate: float = 2e-4, snapshots: int = 20, candidates: int = 10_000,
               pgb_rounds: int = 200, pgb_share: float = 0.2, count_share: float = 0.02,
               pgb_marginals: int = 0, pgb_bins: int = 10, critic_steps: int = 1,
               discriminator_hidden: int | None = None, saturation_penalty: float = 1.0,
               generator_average: float = 0.0, pgb_public_share: float = 0.0,
               marginal_bins: int | None = None, conditional: bool = False, modes: int | None = None,
               match_margins: bool = True, pgb_tree_share: float = 0.0, bayesian_dp: bool = False, progress: bool = True) -> Release:
    """Synthetic data from noisy two-way marginals (the default), or from a DP-GAN, optionally
    improved by Private Post-GAN Boosting.

    Parameters
    ----------
    data : DataFrame
        Complete data (missing values are refused: impute first), numeric, boolean,
        categorical or string columns. Not modified. A private release takes any number of rows.
    epsilon : float or None
        Total privacy budget of the release, in (0, 100]. ``None`` for the non-private methods.
    delta : float, optional
        Default ``1e-6``, a public constant. Choose it well below 1/n (a warning says so when the
        noisy row count suggests it is not).
    method : {"pgb", "dpgan", "marginals", "pgb-nonprivate", "gan", "marginals-nonprivate"}
        ``"dpgan"``: GAN whose discriminator is trained with DP-SGD on its real-data term
        (Abadi et al. 2016); the release is drawn from the last generator (post-processing).
        ``"pgb"``: the same training, keeping ``snapshots`` generator/discriminator pairs, then
        Private PGB (Neunhoeffer, Wu & Dwork 2021): ``candidates`` rows drawn from the kept
        generators, ``pgb_rounds`` exponential-mechanism rounds picking a discriminator and
        multiplicative-weights updates over the candidates (Hardt, Ligett & McSherry 2012); the
        release is drawn from the averaged weights. ``"gan"`` and ``"pgb-nonprivate"`` are the
        same without clipping, noise or exponential mechanism, for comparison. The GAN methods'
        numeric margins are then matched to measured one-way histograms (``match_margins``).
        ``"marginals"``: no GAN. Every two-way table of the columns' cells (levels; intervals of
        a numeric column cut at the noisy quantiles of its one-way histogram on a fine grid of
        its public bounds, with a cell of its own for values exactly at each bound: zero
        incomes, top codes) is measured once with the Gaussian mechanism; a tree of the noisy tables (Chow & Liu 1968, as in MST and PrivBayes) draws
        candidate rows, which are then raked to *every* noisy table (iterative proportional
        fitting), and the release is drawn from them (``socgan.synth._marginals``). It keeps
        one- and two-way relations (correlations, a regression on several covariates as far as
        pairs describe it) far better than the DP-GAN at small epsilon, in seconds; it cannot
        keep interactions (three-way relations) and draws numeric values uniformly within their
        cell. ``"marginals-nonprivate"`` is the same from exact tables. ``steps``,
        ``batch_size``, ``clip_norm``, ``hidden``, ``learning_rate``, ``snapshots``,
        ``critic_steps``, the ``pgb_*`` and the GAN's other settings do not apply to it.
    n_rows : int, optional
        Rows to release, a public number. Default: the noisy row count (at least 1; private
        methods, see Notes) or the number of rows (non-private methods).
    seed : int, optional
        Fixes the *public* randomness only: network initialisation, the generators' input noise,
        the candidate and release draws. For the private methods the privacy noise, Poisson
        sampling and exponential-mechanism choices always come from 128 bits of fresh
        operating-system entropy, so the same ``seed`` does not give the same release. For the
        non-private methods ``seed`` fixes everything. ``None``: a fresh public seed, recorded
        (as the given one is) in ``report["seed"]``.
    insecure_seed : int, optional
        **Insecure, for tests only**: derive the privacy noise from this number (and the
        public randomness too, unless ``seed`` is given), making a private release
        reproducible. Whoever knows or guesses it can recompute the noise, so the guarantee
        does not hold against them; ``report["privacy_randomness"]`` and the release's
        ``repr`` say so. Never use it for data that leave your hands.
    bounds : dict
        Public metadata, required for the private methods: numeric column -> ``(low, high)``,
        discrete column -> list of its levels (all possible levels, not only those observed;
        give a list for a 0/1 number to treat it as discrete). They must be known without looking
        at the data (questionnaire, codebook): bounds read from the data would leak them
        unaccounted, so the private methods refuse to run without them. The release's schema
        follows them: a categorical column comes back with the levels of ``bounds``, a numeric
        one inside ``(low, high)``; a column with a single observed value is no special case.
        The non-private methods read them from the data when not given.
    out_of_bounds : {"raise", "clip"}
        Data outside ``bounds``: refused with the column named (never a value or a count), or
        numeric values clipped to the bounds (top-coding). Levels outside a discrete column's
        list are always refused.
    steps : int
        Discriminator steps; each is one DP-SGD event (and one generator step).
    batch_size : int, optional
        Expected real rows per step; rows are Poisson-sampled with rate
        ``q = batch_size / m``, ``m`` the noisy row count (private; ``q`` at most 0.5) or the
        row count (non-private, where ``batch_size`` must be below it). Default
        ``max(1, min(256, m // 4))``. Large batches suit DP-SGD: the noise added to the summed
        gradient does not grow with the batch, so its share of the averaged gradient shrinks.
    clip_norm : float
        C, the per-row gradient norm bound of DP-SGD.
    hidden : int
        Width of the two hidden layers of both networks.
    learning_rate : float
        Adam's learning rate (betas 0.5, 0.9) for both networks.
    snapshots : int
        Generator/discriminator pairs kept along training for PGB.
    candidates : int
        Size of the candidate set B, drawn equally from the kept generators. For
        ``"marginals"``: the least number of candidates drawn from the tree (at least five per
        released row, up to a million).
    pgb_rounds : int
        T, rounds of PGB.
    pgb_share : float
        Share of ``epsilon`` given to PGB *alone*: the per-round eps0 is set so the T rounds by
        themselves would spend about ``pgb_share * epsilon``; then the DP-SGD noise multiplier is
        set so that the *joint* composition spends the rest. Joint accounting is tighter than
        adding the two, so DP-SGD gets more than ``(1 - pgb_share) * epsilon`` alone.
    count_share : float
        Share of ``epsilon`` spent on the noisy row count (private methods), in (0, 0.5].
    pgb_marginals : {0, 1, 2}
        0 (default): PGB as published, the distinguisher chooses among the kept discriminators.
        1 or 2: it may also choose the indicator of any cell of a one-way (1) or one- and two-way
        (2) marginal, or its complement: fixed queries cut from the public ``bounds`` only, so
        they cost nothing extra and each round keeps sensitivity 1 (``socgan.synth._pgb``).
        Multiplicative weights then also correct the candidates' low-order margins, as MWEM
        does, which helps most when the DP-GAN's generators are poor.
    pgb_bins : int
        Equal-width intervals of each numeric column's public bounds for those cells.
    marginal_bins : int, optional
        ``"marginals"`` only: intervals of each numeric column, cut at the noisy quantiles of its
        one-way histogram (an integer column with at most that many values gets one cell per
        value). Default: from
        the noisy row count, the largest number in [4, 32] at which an average cell of a
        numeric x numeric table holds at least four times its noise's standard deviation (the
        larger of the Gaussian mechanism's and the count's own sampling noise; the non-private
        method: the sampling noise, so 4 bins for up to 399 rows, 32 from 16,384).
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
    conditional : bool
        GAN methods: CTGAN's remedies for conditional relations, adapted to privacy
        (``socgan.synth._conditional``; Xu et al. 2019). Each numeric column becomes ``modes``
        cells holding about equal shares of it (cut at the quantiles of its fine histogram,
        measured with Gaussian noise for a private release and composed with DP-SGD in the
        accountant; its value within a cell is drawn from that histogram), and the generator is
        conditional: it is given one column's level (drawn from the one-way frequencies) and
        penalised for missing it, the discriminator sees the level beside the row. Off by default:
        on CPS 1988 it brings the margins much closer (non-private two-way TVD 0.19 -> 0.07) and
        makes rows harder to tell from real ones (detection AUC 0.90 -> 0.81, below the ``ctgan``
        package's 0.85), but on a simulated survey it kept the age-income correlation worse
        than the plain GAN (0.40 against 0.72 at 2,000 steps; real 0.70), and at epsilon 1 its
        relations were no better (bench/RESULTS.md, issue 17).
    modes : int, optional
        Cells per numeric column of the conditional encoding (default 10; an integer column with
        at most that many whole numbers gets one cell per number). Only with ``conditional=True``.
    pgb_tree_share : float
        ``"pgb"``/``"pgb-nonprivate"``: if > 0, PGB's pool also holds candidates from the
        ``"marginals"`` method's model (a Chow-Liu tree of noisy two-way tables, raked to every
        table), as many as each kept generator gives -- one more generator in the pool (issue 17,
        point 3). The tables cost this share of ``epsilon`` (a Gaussian mechanism composed with
        DP-SGD, the one-way histograms and the rounds by the accountant); PGB's discriminators
        (and ``pgb_marginals`` queries) then weigh GAN and tree candidates alike. 0 (default):
        the GAN's snapshots only.
    match_margins : bool
        GAN methods (default ``True``): map each numeric column of the release, by a monotone
        map that keeps every row's rank, onto the column's one-way histogram on a fine grid of
        its bounds (``socgan.synth._conditional.match_margins``). The histograms are measured
        once (for a private release with Gaussian noise, a tenth of the budget after the count,
        composed with DP-SGD and the rounds by the accountant; ``report["one_way_*"]``); the
        mapping is post-processing. The generator's dependence between columns (ranks) stays
        as it was, the margins become the data's: on CPS 1988 (3 seeds) the non-private GAN's
        two-way TVD 0.19 -> 0.07 and detection AUC 0.90 -> 0.82 with its correlations and
        coefficients no worse, PGB at epsilon 1 two-way TVD 0.20 -> 0.09 (bench/RESULTS.md,
        issue 17). A non-private release (``"gan"``/``"pgb-nonprivate"``) is mapped
        onto the data's own values instead (``_conditional.match_observed``): its numeric columns
        hold the data's values, heaps included (weekly wages reported in round amounts), in the
        generator's ranks; it promises no privacy and repeats every value, extremes included.
        ``False``: the generator's values as they come, and all the budget to the GAN.
    bayesian_dp : bool
        Also estimate the Bayesian DP (Triastcyn & Faltings 2020) of the DP-SGD steps, in
        ``Release.curator_only["bayesian_dp"]`` (never in ``report``; ``socgan.synth._bayes_dp``). **Data-dependent and weaker**: it
        assumes the rows come from one distribution, discounts outliers, is computed from the
        private gradients without noise (so it is not private: keep it with the curator, do not
        publish it) and never replaces ``epsilon``/``delta``. Private methods only.
    progress : bool
        Show a tqdm progress bar over the training steps (default; ``False`` for none).

    Returns
    -------
    Release
        ``.data``; ``.numbers`` and ``.text``, the report's figures and descriptions;
        ``.report``, the two as one plain dict (an R list through reticulate); ``.summary()``.

    Notes
    -----
    **Neighbouring data sets and the row count.** The guarantee is for data sets that differ by
    adding or removing one row, so the number of rows n is private. Nothing in the release or its
    report is computed from n except through an accounted mechanism: a noisy count ``m`` (n plus
    two-sided geometric noise, ``count_share * epsilon``-DP) sets the sampling rate, the default
    batch size and the default number of rows released; DP-SGD divides its noisy gradient sum by
    the public ``batch_size``; PGB's quality scores are sums over rows whose change when a row
    is added or removed is at most 1. Pass ``n_rows`` to release a number of rows of your
    choosing. ``report["rows_noisy_count"]`` is the noisy count, not n.

    **Steps.** The settings are checked (``socgan.synth._settings``), the budget is spent on
    paper (noisy count, noise multiplier, accounted epsilon; :func:`_spend_budget`), the
    networks are trained and the rows drawn (:func:`_train_and_draw`), and the report is
    written from the settings and the accounting alone (``socgan.synth._report``).

    **Accounting** (``socgan.synth._accounting``): the noisy count by basic composition, then the
    DP-SGD steps (Poisson-subsampled Gaussian, privacy loss distribution) composed with the
    exponential-mechanism rounds by their exact adaptive bounded-range worst case (Dong, Durfee
    & Rogers 2020); a Rényi-DP bound is computed as a cross-check and the smaller valid one is
    reported. The noise multiplier is the smallest (by bisection) that meets ``epsilon``; if even
    a multiplier of 50 does not, the call fails rather than release noise.

    **Randomness.** See ``seed`` and ``insecure_seed``; numpy's PCG64 is a statistical, not a
    cryptographic, generator, as in other DP-SGD libraries.

    **Choosing settings.** Every setting (``steps``, ``batch_size``, ``hidden``, ...) must be
    fixed without looking at the private data. Trying several settings and keeping the release
    that looks best under :func:`evaluate` on the private rows is a selection on private data
    that no accountant counts, and each extra release spends ``epsilon`` again. Tune on public
    data of the same kind (an earlier public-use file, a simulation from published tables), or
    spend budget on the selection with a private selection mechanism (e.g. Liu & Talwar 2019;
    Papernot & Steinke 2022 — not part of socgan). The defaults of ``steps``, ``batch_size``,
    ``hidden`` and ``learning_rate`` (2,000 steps of about 256 rows, 128 units, 2e-4) were picked
    on the public CPS 1988 data (``bench/RESULTS.md``).

    Examples
    --------
    A private release of a small complete table with the default ``method="marginals"``: about
    1 s on the project's shared 2-core machine (``method="pgb"`` with ``steps=200``: about 5 s,
    and on so few rows the DP-SGD noise swamps the GAN's signal, which it says with a
    ``LowSignalWarning``):

    >>> import socgan
    >>> data = socgan.datasets.seed_experiment(500, seed=1, missing=False)
    >>> bounds = {"Y": (-25, 25), "X": (-6, 6), "Bin": [0, 1], "Bimod": (-6, 6),
    ...           "Categ": ["a", "b", "c", "d"]}   # public metadata, as from a codebook
    >>> rel = synthesize(data, epsilon=1.0, bounds=bounds, n_rows=200, progress=False)
    >>> rel.data.shape, rel.epsilon <= 1.0, sorted(rel.report)[:3]
    ((200, 5), True, [...])
    """
    settings = check_settings(
        data, epsilon=epsilon, delta=delta, method=method, n_rows=n_rows, seed=seed,
        insecure_seed=insecure_seed, bounds=bounds, out_of_bounds=out_of_bounds, steps=steps,
        batch_size=batch_size, clip_norm=clip_norm, hidden=hidden, learning_rate=learning_rate,
        snapshots=snapshots, candidates=candidates, pgb_rounds=pgb_rounds, pgb_share=pgb_share,
        count_share=count_share, pgb_marginals=pgb_marginals, pgb_bins=pgb_bins,
        critic_steps=critic_steps, discriminator_hidden=discriminator_hidden,
        saturation_penalty=saturation_penalty, generator_average=generator_average,
        pgb_public_share=pgb_public_share, marginal_bins=marginal_bins, conditional=conditional,
        modes=modes, match_margins=match_margins, pgb_tree_share=pgb_tree_share,
        bayesian_dp=bayesian_dp, progress=progress)
    cols = build_schema(data, settings.bounds, out_of_bounds=settings.out_of_bounds)
    x = encode(data, cols)
    rand = _randomness(private=settings.private, seed=settings.seed,
                       insecure_seed=settings.insecure_seed)
    budget = _spend_budget(len(x), settings, rand, stacklevel=4,  # the user's call, above synthesize's argument checks
                           cols=cols)
    if settings.marginal:
        drawn = _measure_and_draw(x, cols, settings, budget, rand)
    else:
        # The networks are small: one thread avoids thread overhead (restored afterwards).
        with single_threaded():
            drawn = _train_and_draw(x, cols, settings, budget, rand)
    numbers, text = _report(settings, budget, rand, cols, drawn.counts)
    out = decode(drawn.rows, cols, data)
    if not settings.private and not settings.marginal and settings.match_margins:
        out = _conditional.match_observed(out, data, cols,
                                          np.random.default_rng([rand.public_seed, 6]))
    _warn_collapsed(out, settings, stacklevel=4)
    _warn_independent(drawn.counts, len(cols), stacklevel=4)
    _warn_unmatched(drawn.counts, settings, stacklevel=4)
    return Release(data=out, epsilon=numbers.epsilon, delta=numbers.delta, method=settings.method,
                   numbers=numbers, text=text, curator_only=drawn.curator_only)


def _warn_unmatched(counts: dict, settings: SynthSettings, *, stacklevel: int) -> None:
    """Warn when a private GAN release was to match its numeric margins to the measured one-way
    histograms and none could be (each too noisy: ``_conditional.MATCH_LIMIT``): its numeric
    columns are then the generator's alone (a user's trial: at epsilon 3 on 1,605 ACS rows the
    DP-GAN released ages of 37-55 only, real 16-94, and nothing but "matched: none" in the
    summary said so). Read from the noisy histograms' decisions (post-processing)."""
    matched = counts.get("margins_matched")
    if not settings.private or not matched or any(matched.values()):
        return
    warnings.warn(
        f"The one-way histograms of the numeric column(s) {', '.join(map(repr, matched))} were "
        "too noisy to match the release's margins to them, so those columns are the generator's "
        "alone and can miss whole ranges of the data. Check them with evaluate() on public data of "
        "the same kind; method='marginals', a larger `epsilon` or more rows do better.",
        LowSignalWarning, stacklevel=stacklevel)


def _warn_independent(counts: dict, n_columns: int, *, stacklevel: int) -> None:
    """Warn when most two-way tables of a ``marginals`` release were within their noise and are
    released as independent (a user's trial: at epsilon 1 on 1,000 GSS rows, one release kept
    no trace of the strongest relation, party by race, and said nothing). The pairs come from
    the noisy tables alone (post-processing)."""
    pairs = counts.get("marginal_independent")
    total = n_columns * (n_columns - 1) // 2
    if not pairs or total == 0 or 2 * len(pairs) <= total:
        return
    shown = ", ".join(f"{a} x {b}" for a, b in pairs[:4]) + (", ..." if len(pairs) > 4 else "")
    warnings.warn(
        f"{len(pairs)} of the {total} two-way tables were within their noise and are released "
        f"as independent ({shown}): whatever relation those pairs of columns have in the data "
        "is not in the release, and regressions on it will understate or miss it. "
        "`report['marginal_independent']` lists them. A larger `epsilon`, fewer columns or "
        "more rows keep more relations.", LowSignalWarning, stacklevel=stacklevel)


def _warn_collapsed(release: pd.DataFrame, settings: SynthSettings, *, stacklevel: int) -> None:
    """Warn when a column of the release takes one value in every row (a user's trial: a
    DP-GAN gave 100 rows of one level of two columns), with advice for the method used. Read
    from the release alone (post-processing: nothing private)."""
    if len(release) < 20:
        return
    one = [c for c in release.columns if release[c].nunique(dropna=False) == 1]
    if not one:
        return
    if settings.marginal:
        advice = ("use a larger `epsilon`, or release fewer columns (each two-way table then "
                  "gets more of the budget)")
    else:
        advice = "use a larger `epsilon`, fewer `steps`, or method='marginals'"
    where = (" (see the other warnings and the report's noise_to_signal)" if settings.private
             else "")
    warnings.warn(
        f"Column(s) {', '.join(map(repr, one))} take a single value in all {len(release)} "
        "released rows. Unless that is so in the data, the release has collapsed: the "
        f"settings left too little signal{where}; {advice}.", LowSignalWarning,
        stacklevel=stacklevel)


@dataclass(frozen=True)
class _Budget:
    """How a release spends its budget, before any training (the accounting step).

    ``size`` is the noisy row count of a private release (the true count only for the
    non-private methods): every size-dependent choice below uses it, never ``len(data)``."""

    size: int
    batch_size: int
    sampling_rate: float
    n_out: int
    count_epsilon: float | None = None
    em_epsilon: float | None = None
    noise_multiplier: float | None = None
    spent: dict | None = None  # the joint accountant's answer (epsilon, pld, rdp, accountant)
    epsilon: float = math.inf  # the total accounted
    bins: int | None = None  # marginals: bins per numeric column
    pair_noise: float | None = None  # marginals: noise multipliers of the two-way tables and
    fine_noise: float | None = None  # of the one-way histograms that place the intervals
    one_way_noise: float | None = None  # GAN methods: the one-way histograms' multiplier
    tree_noise: float | None = None  # PGB's tree candidates: the two-way tables' multiplier


def _spend_budget(n: int, settings: SynthSettings, rand: _Randomness, *,
                  stacklevel: int, cols=None) -> _Budget:
    """The noisy count, sampling rate, noise multiplier and accounted epsilon of a release.

    For a private release the true row count ``n`` enters only the noisy count (two-sided
    geometric noise, ``count_share * epsilon``-DP), drawn from ``rand.privacy``; warnings
    point ``stacklevel`` frames up (the user's call)."""
    s = settings
    if s.private:
        count_eps = s.count_share * s.epsilon
        size = acc.noisy_count(n, count_eps, rand.privacy)
        # the two-sided geometric noise's sd; the noisy count is accounted (and reported)
        count_sd = math.sqrt(2.0 * math.exp(-count_eps)) / -math.expm1(-count_eps)
        if s.n_rows is None and size < 2.0 * count_sd:
            warnings.warn(
                f"The release's size is the noisy row count, {size} (its noise sd is "
                f"{count_sd:.3g} at `count_share` x `epsilon` = {count_eps:.3g}): the count is "
                f"mostly noise, and the release will have {max(size, 1)} row(s). Pass `n_rows=` "
                "(a public number of rows), or a larger `epsilon` or `count_share`.",
                LowSignalWarning, stacklevel=stacklevel)
        if size * s.delta > 0.1:
            warnings.warn(f"`delta` = {s.delta:g} is not well below 1/n for data of about this size "
                          "(judged from the noisy row count); pass a smaller `delta`.",
                          stacklevel=stacklevel)
    else:
        count_eps, size = None, n
    if s.marginal:
        return _spend_marginals(cols, size, count_eps, s, stacklevel=stacklevel + 1)
    batch_size = max(1, min(256, size // 4)) if s.batch_size is None else s.batch_size
    if s.private:
        # A rule on the noisy count is post-processing; capping rather than refusing keeps a
        # release from failing at random when the count noise is large against n.
        q = min(batch_size / max(size, 1), MAX_SAMPLING_RATE)
        n_out = max(size, 1) if s.n_rows is None else s.n_rows
    else:
        if batch_size >= size:
            raise ValueError(f"`batch_size` ({batch_size}) must be smaller than the number of "
                             f"rows ({size}).")
        q = batch_size / size
        n_out = size if s.n_rows is None else s.n_rows
    if not s.private:
        return _Budget(size=size, batch_size=batch_size, sampling_rate=q, n_out=n_out,
                       bins=_marginals.MAX_BINS if s.tree else None)

    rounds = s.pgb_rounds if s.boosting else 0
    joint_target = s.epsilon - count_eps
    em_eps = acc.calibrate_em_epsilon(s.pgb_share * s.epsilon, rounds, s.delta) if s.boosting \
        else None
    # the conditional GAN's one-way histograms: a Gaussian mechanism that alone would spend
    # ONE_WAY_SHARE of the joint budget, composed with DP-SGD and the rounds
    z_one = (acc.calibrate_gaussian(_conditional.ONE_WAY_SHARE * joint_target, s.delta)
             if s.one_way else math.inf)
    # PGB's tree candidates: every two-way table, a Gaussian mechanism that alone would spend
    # pgb_tree_share of epsilon; the two Gaussians compose to one (1/z^2 = 1/z1^2 + 1/z2^2)
    z_tab = acc.calibrate_gaussian(s.pgb_tree_share * s.epsilon, s.delta) if s.tree else math.inf
    z_gauss = (1.0 / math.sqrt(1.0 / z_one ** 2 + 1.0 / z_tab ** 2)
               if math.isfinite(min(z_one, z_tab)) else math.inf)
    sigma = acc.calibrate_noise(joint_target, s.delta, sampling_rate=q, steps=s.steps,
                                em_epsilon=em_eps or 0.0, em_rounds=rounds, gaussian_noise=z_gauss)
    low_signal = low_signal_message(sigma, batch_size, s.steps)
    if low_signal:
        warnings.warn(low_signal, LowSignalWarning, stacklevel=stacklevel)
    events = acc.Events(sigma, q, s.steps, em_eps or 0.0, rounds, z_gauss)
    # two valid upper bounds of the same mechanism (pessimistic PLDs on two grids): the smaller
    spent = min((acc.epsilon(events, s.delta, grid=g) for g in (acc.FINE_GRID, acc.COARSE_GRID)),
                key=lambda r: r["epsilon"])
    if (spent["epsilon"] > joint_target
            and acc.pld_delta(events, joint_target, grid=acc.COARSE_GRID) <= s.delta):
        # the search for epsilon stops within 1e-6 above the bound; the target itself holds
        spent = {**spent, "epsilon": joint_target}
    total = count_eps + spent["epsilon"]
    if total > s.epsilon * (1 + 1e-9):  # cannot happen after calibration; never under-report
        raise RuntimeError(f"accounted epsilon {total:.4g} exceeds the requested {s.epsilon:.4g}")
    return _Budget(size=size, batch_size=batch_size, sampling_rate=q, n_out=n_out,
                   count_epsilon=count_eps, em_epsilon=em_eps, noise_multiplier=sigma,
                   spent=spent, epsilon=total,
                   one_way_noise=z_one if math.isfinite(z_one) else None,
                   tree_noise=z_tab if s.tree else None,
                   bins=(_marginals.choose_bins(size, z_tab, len(cols)) if s.tree else None))


def _spend_marginals(cols, size: int, count_eps: float | None, s: SynthSettings, *,
                     stacklevel: int) -> _Budget:
    """The ``"marginals"`` methods' accounting: the Gaussian mechanism's noise multiplier
    spending what the noisy count left, and the bins (from the noisy count: post-processing)."""
    n_out = (max(size, 1) if s.private else size) if s.n_rows is None else s.n_rows
    n_columns = len(cols)
    if not s.private:
        bins = (_marginals.choose_bins(size, 0.0, n_columns) if s.marginal_bins is None
                else s.marginal_bins)
        return _Budget(size=size, batch_size=0, sampling_rate=0.0, n_out=n_out, bins=bins)
    target = s.epsilon - count_eps
    z = acc.calibrate_gaussian(target, s.delta)
    events = acc.Events(gaussian_noise=z)
    spent = min((acc.epsilon(events, s.delta, grid=g) for g in (acc.FINE_GRID, acc.COARSE_GRID)),
                key=lambda r: r["epsilon"])
    if spent["epsilon"] > target and acc.pld_delta(events, target, grid=acc.COARSE_GRID) <= s.delta:
        spent = {**spent, "epsilon": target}  # the search stops within 1e-6 above the bound
    total = count_eps + spent["epsilon"]
    if total > s.epsilon * (1 + 1e-9):  # cannot happen after calibration; never under-report
        raise RuntimeError(f"accounted epsilon {total:.4g} exceeds the requested {s.epsilon:.4g}")
    # the budget's split between the one-way histograms that place the intervals and the
    # two-way tables: z1 = z / sqrt(share), z2 = z / sqrt(1 - share) compose to z exactly
    share = _marginals.EDGE_SHARE if _marginals.fine_columns(cols) else 0.0
    z_pair = z / math.sqrt(1.0 - share)
    z_fine = z / math.sqrt(share) if share else None
    bins = (_marginals.choose_bins(size, z_pair, n_columns) if s.marginal_bins is None
            else s.marginal_bins)
    sd = z_pair * math.sqrt(len(_marginals.pairs(n_columns)))
    ratio = _marginals.noise_to_signal(sd, size, _marginals.cells(cols, bins))
    if ratio > _marginals.LOW_SIGNAL:
        warnings.warn(
            f"At this epsilon and about this many rows (judged from the noisy count) the noise "
            f"of the two-way tables (sd {sd:.3g} per cell) exceeds an average cell count of the "
            f"largest table (noise-to-signal {ratio:.2g}): the release will keep little beyond "
            "the one-way margins, close to independent columns. Use a larger `epsilon`, fewer "
            "columns, fewer levels, or fewer `marginal_bins`.", LowSignalWarning,
            stacklevel=stacklevel)
    return _Budget(size=size, batch_size=0, sampling_rate=0.0, n_out=n_out,
                   count_epsilon=count_eps, noise_multiplier=z, spent=spent, epsilon=total,
                   bins=bins, pair_noise=z_pair, fine_noise=z_fine)


@dataclass(frozen=True)
class _Drawn:
    """What the training step gives back: the encoded synthetic rows; the public counts of
    PGB's candidates (for the report); and what only the data holder may see."""

    rows: np.ndarray
    counts: dict
    curator_only: dict


def _train_and_draw(x, cols, settings: SynthSettings, budget: _Budget,
                    rand: _Randomness) -> _Drawn:
    """Train the (DP-)GAN, then draw ``budget.n_out`` encoded rows from it or from (Private) PGB
    (the training step).

    ``rand.privacy`` drives the Poisson sampling, DP-SGD noise and exponential mechanism;
    ``rand.public_seed`` everything else. A Bayesian-DP estimate, computed from the private
    data without noise, goes into ``curator_only`` (the data holder's), never into the report.
    """
    s, sigma, q = settings, budget.noise_multiplier, budget.sampling_rate
    bayesian_dp = s.bayesian_dp and s.private
    curator: dict = {}
    coding, conditioner, xt, tcols = None, None, x, cols
    sd = _one_way_sd(budget, cols)
    # (a non-private release matches its margins to the data's values, not to histograms)
    hist = (_conditional.one_way(x, cols, sd, rand.privacy if s.private else None)
            if s.conditional or s.tree or (s.match_margins and s.private) else None)
    if s.conditional:
        coding = _conditional.build(cols, s.modes, hist, sd)
        xt, tcols = _conditional.to_gan(x, coding), coding.gan_cols
        conditioner = _conditional.Conditioner(coding) if coding.cond_width else None
    cells_rng = np.random.default_rng([rand.public_seed, 5])  # values within cells, ties
    back = ((lambda g: g) if coding is None
            else (lambda g: _conditional.from_gan(g, coding, cells_rng)))

    matched: list = []

    def margins(rows):  # the release's numeric margins onto the measured histograms
        if not s.match_margins:
            return rows
        if not s.private:  # onto the data's own values, after decoding (``match_observed``)
            matched.extend(c.name for c in cols if c.kind == "numeric")
            return rows
        rows, names = _conditional.match_margins(rows, cols, hist, sd, cells_rng)
        matched.extend(names)
        return rows

    trained = train_gan(xt, tcols, steps=s.steps, sampling_rate=q, noise_multiplier=sigma,
                        clip_norm=s.clip_norm, hidden=s.hidden, lr=s.learning_rate,
                        n_snapshots=s.snapshots if s.boosting else 1, seed=rand.public_seed,
                        progress=s.progress, critic_steps=s.critic_steps,
                        d_hidden=s.discriminator_hidden, privacy_rng=rand.privacy,
                        expected_batch=float(budget.batch_size),
                        saturation_penalty=s.saturation_penalty,
                        generator_average=s.generator_average, bayesian=bayesian_dp,
                        conditioner=conditioner)
    if bayesian_dp:
        curator["bayesian_dp"] = _bayes_dp.report(trained.pair_distances, sampling_rate=q,
                                                  noise_multiplier=sigma, delta=s.delta)
    gen = torch.Generator().manual_seed(rand.public_seed + 1)
    public = np.random.default_rng([rand.public_seed, 3])
    n_out = budget.n_out
    with torch.no_grad():
        if not s.boosting:
            rows = margins(back(trained.generator.eval()(n_out, gen).numpy()))
            return _Drawn(rows, {"margins_matched": _matched(cols, matched)} if s.match_margins
                          else {}, curator)
        n_gen = len(trained.snapshots) + (1 if s.tree else 0)  # the tree: one more generator
        per, n_public = split_pool(s.candidates, s.pgb_public_share, n_gen)
        parts = [load_generator(trained.generator, g)(per, gen).numpy() for g, _ in trained.snapshots]
        n_tree = per if s.tree else 0
        if n_tree:
            extra = _tree_candidates(x, cols, hist, sd, budget, n_tree,
                                     rand.privacy if s.private else None, public)
            parts.append(extra if coding is None else _conditional.to_gan(extra, coding))
        if n_public:
            extra = public_candidates(cols, n_public, public)
            parts.append(extra if coding is None else _conditional.to_gan(extra, coding))
        pool_g = np.vstack(parts)
        pool = back(pool_g)
        pool_t, real_t = torch.from_numpy(pool_g), torch.from_numpy(xt)
        if conditioner is not None:  # each row with its own level on a random block
            pool_t = torch.cat([pool_t, conditioner.own(pool_t, public)], dim=1)
            real_t = torch.cat([real_t, conditioner.own(real_t, rand.privacy)], dim=1)
        discs = [load_discriminator(trained.discriminator, d) for _, d in trained.snapshots]
        fake_scores = np.vstack([torch.sigmoid(d(pool_t)).squeeze(1).double().numpy() for d in discs])
        real_sums = np.array([float(torch.sigmoid(d(real_t)).double().sum()) for d in discs])
        workload = None
        if s.pgb_marginals:
            real_codes, sizes = cell_codes(x, cols, s.pgb_bins)
            workload = marginal_workload(real_codes, cell_codes(pool, cols, s.pgb_bins)[0], sizes,
                                         ways=s.pgb_marginals)
        # n = len(x) enters the scores inside the exponential mechanism only; a score's change
        # when a row is added or removed stays within [-1, 1] (``_pgb.py``).
        res = post_gan_boosting(real_sums, len(x), fake_scores, rounds=s.pgb_rounds,
                                em_epsilon=budget.em_epsilon, rng=rand.privacy,
                                marginals=workload)
        synthetic = margins(pool[public.choice(len(pool), size=n_out, p=res.weights)])
    counts = {"snapshots": len(discs), "candidates": len(pool), "candidates_public": n_public}
    if s.match_margins:
        counts["margins_matched"] = _matched(cols, matched)
    if s.tree:
        counts["candidates_tree"] = n_tree
    return _Drawn(synthetic, counts, curator)


def _matched(cols, names) -> dict:
    """Each numeric column: whether its margin was matched to its histogram."""
    return {c.name: c.name in names for c in cols if c.kind == "numeric"}


def _tree_candidates(x, cols, hist, one_way_sd, budget: _Budget, size: int,
                     noise: np.random.Generator | None, public: np.random.Generator) -> np.ndarray:
    """``size`` candidate rows for PGB's pool from the ``"marginals"`` method's model: cells cut
    at the quantiles of the (already measured) one-way histograms, every two-way table measured
    with Gaussian noise (multiplier ``budget.tree_noise``, sensitivity sqrt(tables); ``None``:
    exact), a Chow-Liu tree's candidates raked to every table (``socgan.synth._marginals``)."""
    fine = {k: hist[k] for k in _marginals.fine_columns(cols)}
    spec = _marginals.cells(cols, budget.bins, margins=fine, margin_sd=one_way_sd)
    sd = (None if budget.tree_noise is None
          else budget.tree_noise * math.sqrt(len(_marginals.pairs(len(cols)))))
    noisy = _marginals.shrunk(_marginals.measure(_marginals.codes(x, cols, spec), spec, sd, noise),
                              sd, len(cols))
    tables = _marginals.filled(_marginals.projected(noisy), noisy, len(cols))
    pool_size = min(max(_marginals.POOL_PER_ROW * size, size), _marginals.MAX_POOL)
    pool, _ = _marginals.sample_tree(tables, spec, pool_size, public)
    weights = _marginals.rake(pool, tables, spec)
    chosen = pool[public.choice(pool_size, size=size, p=weights)]
    return _marginals.rows_from_codes(chosen, cols, spec, public)


def _measure_and_draw(x, cols, settings: SynthSettings, budget: _Budget,
                      rand: _Randomness) -> _Drawn:
    """The ``"marginals"`` methods: measure every two-way table (Gaussian noise from
    ``rand.privacy``; exact for the non-private method), then draw candidates from the tree of
    the noisy tables, rake them to every table and draw the release (public randomness: this is
    post-processing of the noisy tables)."""
    s = settings
    noise = rand.privacy if s.private else None
    fine_sd = _fine_sd(budget, cols)
    fine = _marginals.measure_fine(x, cols, fine_sd, noise)
    spec = _marginals.cells(cols, budget.bins, margins=fine, margin_sd=fine_sd)
    sd = _noise_sd(budget, len(cols))
    independent: list[tuple] = []  # the pairs whose noisy tables the noise explains
    noisy = _marginals.shrunk(_marginals.measure(_marginals.codes(x, cols, spec), spec, sd, noise),
                              sd, len(cols), independent=independent)
    tables = _marginals.filled(_marginals.projected(noisy), noisy, len(cols))
    public = np.random.default_rng([rand.public_seed, 3])
    n_out = budget.n_out
    pool_size = max(s.candidates, min(_marginals.POOL_PER_ROW * n_out, _marginals.MAX_POOL))
    pool, edges = _marginals.sample_tree(tables, spec, pool_size, public)
    weights = _marginals.rake(pool, tables, spec, progress=s.progress)
    chosen = pool[_marginals.resample(pool, weights, n_out, public,
                                      order=[0] + [child for _, child in edges])]
    rows = _marginals.rows_from_codes(chosen, cols, spec, public)
    return _Drawn(rows, {"candidates": pool_size, "marginal_tables": len(tables),
                         "marginal_tree": {cols[b].name: cols[a].name for a, b in edges},
                         "marginal_independent": tuple((cols[a].name, cols[b].name)
                                                      for a, b in independent)}, {})


def _one_way_sd(budget: _Budget, cols) -> float | None:
    """The conditional GAN's one-way histograms' noise standard deviation per cell."""
    if budget.one_way_noise is None:
        return None
    return budget.one_way_noise * math.sqrt(len(cols))


def _noise_sd(budget: _Budget, n_columns: int) -> float | None:
    """The two-way tables' noise standard deviation per cell (``None``: exact tables)."""
    if budget.pair_noise is None:
        return None
    return budget.pair_noise * math.sqrt(len(_marginals.pairs(n_columns)))


def _fine_sd(budget: _Budget, cols) -> float | None:
    """The one-way histograms' noise standard deviation per cell (``None``: exact)."""
    if budget.fine_noise is None:
        return None
    return budget.fine_noise * math.sqrt(len(_marginals.fine_columns(cols)))


def _report(settings: SynthSettings, budget: _Budget, rand: _Randomness, cols,
            drawn: dict) -> tuple[ReleaseNumbers, ReleaseText]:
    """The release's report (the reporting step), from the settings, the accounting, the
    public schema and the counts of PGB's candidates (or the marginals' public model summary):
    nothing else reaches it."""
    s = settings
    public_bounds = {c.name: (list(c.levels) if c.kind == "discrete"
                              else tuple(float(v) for v in s.bounds[c.name])) for c in cols}
    pgb_queries = None
    if s.boosting:
        pgb_queries = ("discriminators" if s.pgb_marginals == 0 else
                       f"discriminators + {'one' if s.pgb_marginals == 1 else 'one- and two'}-way "
                       f"marginal cells ({s.pgb_bins} equal-width bins of the public bounds)")
    gan = {} if s.marginal else dict(
        steps=s.steps, sampling_rate=budget.sampling_rate, expected_batch_size=budget.batch_size,
        clip_norm=s.clip_norm, critic_steps=s.critic_steps, gan_modes=s.modes)
    marg = dict(marginal_bins=budget.bins) if s.marginal else {}
    common = dict(method=s.method, rows_released=budget.n_out, out_of_bounds=s.out_of_bounds,
                  public_bounds=public_bounds, seed=rand.public_seed, **gan, **marg, **drawn)
    marginal_model = (
        "candidates drawn from a maximum spanning tree of the tables' mutual information "
        f"(Chow & Liu 1968), raked to every table by iterative proportional fitting "
        f"({_marginals.RAKING_SWEEPS} sweeps); numeric values uniform within their cell "
        "(post-processing)") if s.marginal else None
    seed_controls = (("the tree's candidates and the release draws (post-processing), not the "
                      "privacy noise" if s.marginal else
                      "network initialisation, generator noise, candidate and release draws "
                      "(post-processing), not the privacy noise") if s.private else "everything")
    gan_encoding = (
        f"conditional generator (CTGAN-style): each numeric column as {s.modes} cells holding "
        "about equal shares of its (noisy, for a private release) fine histogram, or one cell "
        "per whole number; the generator picks cells and levels, given a conditional vector (one "
        "column's level, drawn from the one-way frequencies), with a cross-entropy penalty for "
        "missing it; values within a cell drawn from the column's fine histogram "
        "(post-processing)") if s.conditional else None
    gan_margins = ((
        "numeric columns mapped, each by a monotone (rank-keeping) map, onto their noisy "
        "one-way histograms on a fine grid of the public bounds (post-processing); a column "
        "whose noisy histogram is mostly noise (noise sd above its average cell count) is left "
        "as generated: `margins_matched` lists those matched (True) or not") if s.private else (
        "numeric columns mapped, each by a monotone (rank-keeping) map, onto the data's own "
        "values (not private: each numeric column of the release holds the data's values, "
        "in the generator's ranks)")) if s.match_margins else None
    if not s.private:
        numbers = ReleaseNumbers(epsilon=math.inf, delta=None, rows=budget.size, **common)
        text = ReleaseText(neighbouring=None, privacy_randomness=rand.description,
                           seed_controls=seed_controls, accountant=None, pgb_queries=pgb_queries,
                           marginal_model=marginal_model, gan_encoding=gan_encoding,
                           gan_margins=gan_margins,
                           sampling=None if s.marginal else "Poisson")
        return numbers, text
    sigma, spent = budget.noise_multiplier, budget.spent
    common_text = dict(
        neighbouring="add or remove one row (the row count is private)",
        count_mechanism="two-sided geometric, sensitivity 1",
        privacy_randomness=rand.description, seed_controls=seed_controls,
        delta_rule="given" if s.delta != DEFAULT_DELTA else f"default {DEFAULT_DELTA:g}")
    common_numbers = dict(
        epsilon=budget.epsilon, delta=s.delta, rows_noisy_count=budget.size,
        count_epsilon=budget.count_epsilon, insecure_seed=s.insecure_seed,
        epsilon_requested=s.epsilon, epsilon_joint=spent["epsilon"], epsilon_pld=spent["pld"],
        epsilon_rdp=spent["rdp"], noise_multiplier=sigma)
    if s.marginal:
        sd = _noise_sd(budget, len(cols))
        n_tables = drawn["marginal_tables"]
        numbers = ReleaseNumbers(
            noise_std=sd, noise_to_signal=_marginals.noise_to_signal(
                sd, budget.size, _marginals.cells(cols, budget.bins)),
            **common_numbers, **common)
        text = ReleaseText(
            accountant=(f"dp-accounting: noisy count + Gaussian mechanism by "
                        f"{spent['accountant'].upper()} (basic composition; the smaller of PLD "
                        "and RDP)"),
            marginal_event=_marginal_event(budget, cols, n_tables, sd),
            marginal_model=marginal_model, sampling=None, **common_text)
        return numbers, text
    pgb = {}
    if s.boosting:
        pgb = dict(pgb_rounds=s.pgb_rounds, pgb_epsilon_per_round=budget.em_epsilon,
                   pgb_share=s.pgb_share,
                   epsilon_pgb_alone=acc.epsilon(acc.Events(em_epsilon=budget.em_epsilon,
                                                            em_rounds=s.pgb_rounds),
                                                 s.delta)["epsilon"])
    numbers = ReleaseNumbers(
        noise_std=sigma * s.clip_norm,
        epsilon_dpsgd_alone=acc.epsilon(acc.Events(sigma, budget.sampling_rate, s.steps),
                                        s.delta, grid=acc.COARSE_GRID)["epsilon"],
        noise_to_signal=noise_to_signal(sigma, budget.batch_size),
        one_way_noise_multiplier=budget.one_way_noise, one_way_noise_std=_one_way_sd(budget, cols),
        pgb_tree_noise_std=(budget.tree_noise * math.sqrt(len(_marginals.pairs(len(cols))))
                            if budget.tree_noise is not None else None),
        **common_numbers, **pgb, **common)
    text = ReleaseText(
        accountant=(f"dp-accounting: noisy count + joint {spent['accountant'].upper()} "
                    "(basic composition; joint = smaller of PLD"
                    + ((" of DP-SGD and the Gaussian of the one-way histograms"
                        + (" and two-way tables" if s.tree else "")) if s.one_way else "")
                    + " with exact bounded-range rounds, and RDP)"),
        dpsgd_event="Poisson-subsampled Gaussian, one per discriminator step (real-data term only)",
        pgb_event=("exponential mechanism, sensitivity 1 (add/remove): eps0-bounded-range, "
                   "composed by its exact adaptive worst case (PLD) or as eps0^2/8-zCDP (RDP)")
        if s.boosting else None,
        pgb_queries=pgb_queries, gan_encoding=gan_encoding, gan_margins=gan_margins,
        one_way_event=(f"Gaussian mechanism on every column's one-way histogram ({len(cols)} "
                       f"histograms, L2 sensitivity sqrt({len(cols)}) under add/remove one row)"
                       + (f"; every two-way table of the columns' cells for PGB's tree "
                          f"candidates (L2 sensitivity sqrt({len(_marginals.pairs(len(cols)))}), "
                          "noise sd pgb_tree_noise_std per cell); the Gaussians compose to one, "
                          if s.tree else "; ")
                       + "composed with DP-SGD and the rounds in the joint accountant")
        if s.one_way else None, **common_text)
    return numbers, text


def _marginal_event(budget: _Budget, cols, n_tables: int, sd: float) -> str:
    """The report's description of the marginals' Gaussian mechanisms."""
    text = (f"Gaussian mechanism on all {n_tables} two-way tables of cell counts at once: L2 "
            f"sensitivity sqrt({n_tables}) under add/remove one row, noise sd {sd:.4g} per cell")
    n_fine = len(_marginals.fine_columns(cols))
    if budget.fine_noise is None or not n_fine:
        return text
    return (f"{text}; before it, one on the {n_fine} numeric columns' histograms on a fine grid of "
            f"their bounds (noise sd {_fine_sd(budget, cols):.4g} per cell, L2 sensitivity "
            f"sqrt({n_fine})), whose noisy quantiles cut the columns' intervals; the two compose "
            f"to one Gaussian mechanism of noise multiplier {budget.noise_multiplier:.4g}")
