"""What a release says about how it was made: its numbers (a dataclass) and its text.

:class:`ReleaseNumbers` holds the settings and accounted figures a privacy officer checks
(epsilon spent and its parts, noise multiplier, sampling rate, noisy row count...);
:class:`ReleaseText` the descriptions that go with them (neighbouring relation, accountant,
mechanisms, where the randomness came from). ``Release.report`` joins the two into the plain
dict that releases have always had (same keys, same order), which reticulate turns into an R
list. For a private release nothing in either is computed from the data except through an
accounted mechanism (the noisy count, the spent epsilon): the fields that would hold the true
row count are ``None`` and left out of the dict.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

# Which releases a report key belongs to: every release, the private ones, the non-private
# ones, private boosting only, boosting (private or not), the GAN methods, the private GAN
# methods, the marginals methods, the private marginals method, and those with a candidate pool
# (boosting and marginals).
_ALWAYS, _PRIVATE, _PUBLIC, _PRIVATE_PGB, _PGB = "always", "private", "public", "private pgb", "pgb"
_GAN, _PRIVATE_GAN, _MARG, _PRIVATE_MARG, _POOL = ("gan", "private gan", "marginals",
                                                   "private marginals", "pool")
_COND, _MATCH, _ONE_WAY = "conditional gan", "margins matched", "private one-way histograms"
_TREE, _PRIVATE_TREE = "pgb tree candidates", "private pgb tree candidates"
#: The methods that measure two-way marginals instead of training a GAN.
MARGINAL_METHODS = ("marginals", "marginals-nonprivate")


def _when(which: str, default=None):
    return field(default=default, metadata={"when": which})


@dataclass(frozen=True)
class ReleaseNumbers:
    """The numbers of a release's report (``None`` where they do not apply to its method).

    Attributes are the keys of ``Release.report`` (see :func:`socgan.synth.synthesize`):
    ``rows_noisy_count`` (private: the accounted noisy count, never the true n) or ``rows``
    (non-private: the true count); the budget's parts ``count_epsilon``, ``epsilon_joint``
    (with its two bounds ``epsilon_pld`` and ``epsilon_rdp``), ``epsilon_dpsgd_alone``,
    ``epsilon_pgb_alone``; DP-SGD's ``noise_multiplier``, ``noise_std``, ``sampling_rate`` and
    ``expected_batch_size``; PGB's ``pgb_rounds``, ``pgb_epsilon_per_round``, ``snapshots``,
    ``candidates`` and ``candidates_public``; the public ``bounds`` used. For the marginals
    methods ``noise_multiplier`` is the Gaussian mechanism's (sensitivity 1), ``noise_std`` the
    noise's standard deviation in each cell of a two-way table, ``noise_to_signal`` that
    standard deviation over the average cell count of the largest table (from the noisy count),
    and ``marginal_bins``, ``marginal_tables``, ``marginal_tree`` (each column's parent in the
    tree, chosen from the noisy tables; the first column is the root), ``marginal_independent``
    (the pairs of columns whose noisy two-way table was within its noise and is released as
    independent: no relation between them is in the release) and ``candidates`` describe the model.
    """

    method: str = _when(_ALWAYS)
    epsilon: float = _when(_ALWAYS)
    delta: float | None = _when(_ALWAYS)
    rows_released: int = _when(_ALWAYS)
    steps: int | None = _when(_GAN)
    sampling_rate: float | None = _when(_GAN)
    expected_batch_size: int | None = _when(_GAN)
    clip_norm: float | None = _when(_GAN)
    critic_steps: int | None = _when(_GAN)
    gan_modes: int | None = _when(_COND)
    margins_matched: dict | None = _when(_MATCH)
    out_of_bounds: str = _when(_ALWAYS)
    public_bounds: dict = _when(_ALWAYS)
    rows: int | None = _when(_PUBLIC)
    rows_noisy_count: int | None = _when(_PRIVATE)
    count_epsilon: float | None = _when(_PRIVATE)
    seed: int | None = _when(_ALWAYS)  # the public seed used (given, or drawn and recorded)
    insecure_seed: int | None = _when(_PRIVATE)
    epsilon_requested: float | None = _when(_PRIVATE)
    epsilon_joint: float | None = _when(_PRIVATE)
    epsilon_pld: float | None = _when(_PRIVATE)
    epsilon_rdp: float | None = _when(_PRIVATE)
    noise_multiplier: float | None = _when(_PRIVATE)
    noise_std: float | None = _when(_PRIVATE)
    epsilon_dpsgd_alone: float | None = _when(_PRIVATE_GAN)
    one_way_noise_multiplier: float | None = _when(_ONE_WAY)
    one_way_noise_std: float | None = _when(_ONE_WAY)
    noise_to_signal: float | None = _when(_PRIVATE)
    pgb_rounds: int | None = _when(_PRIVATE_PGB)
    pgb_epsilon_per_round: float | None = _when(_PRIVATE_PGB)
    pgb_share: float | None = _when(_PRIVATE_PGB)
    epsilon_pgb_alone: float | None = _when(_PRIVATE_PGB)
    snapshots: int | None = _when(_PGB)
    candidates: int | None = _when(_POOL)
    candidates_public: int | None = _when(_PGB)
    candidates_tree: int | None = _when(_TREE)
    pgb_tree_noise_std: float | None = _when(_PRIVATE_TREE)
    marginal_bins: int | None = _when(_MARG)
    marginal_tables: int | None = _when(_MARG)
    marginal_tree: dict | None = _when(_MARG)
    marginal_independent: tuple | None = _when(_MARG)  # pairs of column names

    @property
    def private(self) -> bool:
        return self.rows_noisy_count is not None


@dataclass(frozen=True)
class ReleaseText:
    """The descriptions in a release's report: what the numbers mean and how they came about."""

    neighbouring: str | None = _when(_ALWAYS)
    sampling: str | None = _when(_GAN, "Poisson")
    privacy_randomness: str = _when(_ALWAYS, "")
    seed_controls: str = _when(_ALWAYS, "")
    accountant: str | None = _when(_ALWAYS)
    count_mechanism: str | None = _when(_PRIVATE)
    delta_rule: str | None = _when(_PRIVATE)
    dpsgd_event: str | None = _when(_PRIVATE_GAN)
    gan_encoding: str | None = _when(_COND)
    gan_margins: str | None = _when(_MATCH)
    one_way_event: str | None = _when(_ONE_WAY)
    pgb_event: str | None = _when(_PRIVATE_PGB)
    pgb_queries: str | None = _when(_PGB)
    marginal_event: str | None = _when(_PRIVATE_MARG)
    marginal_model: str | None = _when(_MARG)


#: The keys of ``Release.report``, in the order releases have always listed them.
REPORT_KEYS = (
    "method", "neighbouring", "rows_noisy_count", "count_epsilon", "count_mechanism", "rows",
    "rows_released", "steps", "sampling", "sampling_rate", "expected_batch_size", "clip_norm",
    "critic_steps", "gan_modes", "gan_encoding", "gan_margins", "margins_matched",
    "out_of_bounds", "public_bounds", "privacy_randomness", "seed_controls", "seed",
    "insecure_seed", "epsilon_requested", "epsilon", "delta", "delta_rule", "accountant",
    "epsilon_joint", "epsilon_pld", "epsilon_rdp", "noise_multiplier", "noise_std", "dpsgd_event",
    "epsilon_dpsgd_alone", "one_way_event", "one_way_noise_multiplier", "one_way_noise_std",
    "noise_to_signal", "pgb_rounds", "pgb_epsilon_per_round", "pgb_event",
    "pgb_share", "epsilon_pgb_alone", "pgb_queries", "snapshots", "candidates",
    "candidates_public", "candidates_tree", "pgb_tree_noise_std", "marginal_event", "marginal_bins", "marginal_tables", "marginal_model",
    "marginal_tree", "marginal_independent",
)


def report_dict(numbers: ReleaseNumbers, text: ReleaseText) -> dict:
    """The two halves as one plain dict, with the keys that apply to the release's method."""
    private, boosting = numbers.private, numbers.snapshots is not None
    marginal = numbers.method in MARGINAL_METHODS
    applies = {_COND: numbers.gan_modes is not None, _MATCH: numbers.margins_matched is not None,
               _ONE_WAY: private and numbers.one_way_noise_multiplier is not None,
               _TREE: numbers.candidates_tree is not None,
               _PRIVATE_TREE: private and numbers.candidates_tree is not None, _ALWAYS: True, _PRIVATE: private, _PUBLIC: not private,
               _PRIVATE_PGB: private and boosting, _PGB: boosting, _GAN: not marginal,
               _PRIVATE_GAN: private and not marginal, _MARG: marginal,
               _PRIVATE_MARG: private and marginal, _POOL: boosting or marginal}
    values = {}
    for part in (numbers, text):
        for f in fields(part):
            if applies[f.metadata["when"]]:
                values[f.name] = getattr(part, f.name)
    return {key: values[key] for key in REPORT_KEYS if key in values}


def summary(numbers: ReleaseNumbers, text: ReleaseText) -> str:
    """The report as text to read: the guarantee, how it was accounted, and the rest."""
    if numbers.private:
        head = [f"({numbers.epsilon:.4g}, {numbers.delta:.2g})-DP release by {numbers.method!r} "
                f"(requested epsilon {numbers.epsilon_requested:.4g}; delta {text.delta_rule})",
                f"Neighbouring data sets: {text.neighbouring}.",
                f"Accountant: {text.accountant}.",
                f"Noisy row count {numbers.rows_noisy_count} ({text.count_mechanism}, epsilon "
                f"{numbers.count_epsilon:.4g}); {numbers.rows_released} rows released."]
        if numbers.method in MARGINAL_METHODS:
            head.append(f"Marginals: {text.marginal_event}; noise multiplier "
                        f"{numbers.noise_multiplier:.4g}, noise-to-signal "
                        f"{numbers.noise_to_signal:.3g}; "
                        f"{numbers.marginal_bins} bins per numeric column. Model: "
                        f"{text.marginal_model}; {numbers.candidates} candidates.")
            lost = numbers.marginal_independent or ()
            k = len(numbers.public_bounds)
            if k > 1:
                head.append(
                    f"Relations: {len(lost)} of the {k * (k - 1) // 2} two-way tables were "
                    "within their noise and are released as independent"
                    + (": " + ", ".join(f"{a} x {b}" for a, b in lost) if lost else "") + ".")
        else:
            head.append(
                f"DP-SGD: {text.dpsgd_event}; {numbers.steps} steps, sampling rate "
                f"{numbers.sampling_rate:.4g} (about {numbers.expected_batch_size} rows), "
                f"noise multiplier {numbers.noise_multiplier:.4g} (sd {numbers.noise_std:.4g}), "
                f"clip norm {numbers.clip_norm:g}; epsilon {numbers.epsilon_dpsgd_alone:.4g} "
                "alone.")
        if numbers.snapshots is not None:
            head.append(f"Post-GAN Boosting: {numbers.pgb_rounds} rounds at epsilon "
                        f"{numbers.pgb_epsilon_per_round:.4g} each ({text.pgb_event}); "
                        f"{numbers.epsilon_pgb_alone:.4g} alone; queries: {text.pgb_queries}; "
                        f"{numbers.candidates} candidates from {numbers.snapshots} snapshots.")
    elif numbers.method in MARGINAL_METHODS:
        head = [f"Non-private release by {numbers.method!r}: {numbers.rows_released} rows from "
                f"{numbers.rows}; {numbers.marginal_tables} exact two-way tables, "
                f"{numbers.marginal_bins} bins per numeric column; model: {text.marginal_model}."]
    else:
        head = [f"Non-private release by {numbers.method!r}: {numbers.rows_released} rows from "
                f"{numbers.rows}; {numbers.steps} steps, sampling rate "
                f"{numbers.sampling_rate:.4g}."]
        if numbers.snapshots is not None:
            head.append(f"Post-GAN Boosting queries: {text.pgb_queries}; {numbers.candidates} "
                        f"candidates from {numbers.snapshots} snapshots.")
    if text.gan_encoding is not None:
        head.append(f"Generator: {text.gan_encoding}.")
    if numbers.margins_matched is not None:
        matched = [str(k) for k, v in numbers.margins_matched.items() if v]
        head.append(f"Margins: {text.gan_margins}; matched: {', '.join(matched) or 'none'}"
                    + (f"; one-way histograms' noise sd {numbers.one_way_noise_std:.4g} per cell"
                       if numbers.one_way_noise_std is not None else "") + ".")
    if numbers.candidates_tree is not None:
        head.append(f"PGB's pool holds {numbers.candidates_tree} candidates from the marginals' "
                    "tree model"
                    + (f" (two-way tables' noise sd {numbers.pgb_tree_noise_std:.4g} per cell)"
                       if numbers.pgb_tree_noise_std is not None else "") + ".")
    head.append(f"Randomness of the privacy noise: {text.privacy_randomness}.")
    head.append(f"`seed` controls: {text.seed_controls}.")
    head.append("Public bounds: " + "; ".join(f"{k}: {v}" for k, v in
                                              numbers.public_bounds.items())
                + f" (out of bounds: {numbers.out_of_bounds}).")
    return "\n".join(head)
