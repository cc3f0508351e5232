"""Privacy properties of a private release (issue 13): the row count, the randomness, and
refusals and messages that depend on public metadata only."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from socgan.synth import synthesize

FAST = dict(steps=12, batch_size=10, snapshots=3, candidates=60, pgb_rounds=6, hidden=8)


def frame(n: int = 90, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "age": rng.integers(18, 90, n),
        "income": rng.normal(3000, 800, n).clip(0, 9000).round(2),
        "region": pd.Categorical(rng.choice(["n", "s"], n)),
    })


BOUNDS = {"age": (18, 99), "income": (0, 10_000), "region": ["n", "s", "e"]}


def _values(obj) -> list:
    """Every number in a (nested) report."""
    if isinstance(obj, dict):
        return [v for x in obj.values() for v in _values(x)]
    if isinstance(obj, (list, tuple)):
        return [v for x in obj for v in _values(x)]
    return [obj] if isinstance(obj, (int, float, np.integer, np.floating)) else []


@pytest.mark.parametrize("method", ["pgb", "dpgan"])
@pytest.mark.parametrize("n_rows", [None, 50])
def test_neighbouring_data_give_reports_without_the_row_count(method, n_rows):
    """D and D + one row, same public settings: same report keys, no field equal to n, and
    nothing else that depends on n except the accounted noisy count (and what follows from it).
    The same insecure_seed fixes the count noise, so any difference comes from n."""
    d0 = frame(90)
    target = pd.DataFrame({"age": [99], "income": [10_000.0],
                           "region": pd.Categorical(["e"], categories=["n", "s", "e"])})
    d1 = pd.concat([d0.astype({"region": target["region"].dtype}), target], ignore_index=True)
    reps = [synthesize(d, epsilon=1.0, method=method, bounds=BOUNDS, n_rows=n_rows,
                       insecure_seed=11, seed=4, **FAST) for d in (d0, d1)]
    r0, r1 = reps[0].report, reps[1].report
    assert r0.keys() == r1.keys()
    for rel, n in zip(reps, (90, 91)):
        assert n not in _values(rel.report)
        assert rel.report["rows_noisy_count"] != n
        assert len(rel.data) == (rel.report["rows_noisy_count"] if n_rows is None else 50)
    # the count noise is the same draw, so the noisy counts differ by the one row exactly
    assert r1["rows_noisy_count"] - r0["rows_noisy_count"] == 1
    follows = {"rows_noisy_count", "rows_released", "sampling_rate", "noise_multiplier",
               "noise_std", "epsilon", "epsilon_joint", "epsilon_pld", "epsilon_rdp",
               "epsilon_dpsgd_alone", "noise_to_signal"}  # noise multiplier / public batch
    differ = {k for k in r0 if r0[k] != r1[k]}
    assert differ <= follows, differ - follows


def test_release_size_and_report_do_not_follow_len_data():
    """The issue's leak: `len(release)` was n. Now it is the public n_rows whatever n is."""
    sizes = {len(synthesize(frame(n), epsilon=1.0, bounds=BOUNDS, n_rows=40, **FAST).data)
             for n in (60, 61)}
    assert sizes == {40}


def test_same_seed_does_not_repeat_a_private_release():
    df = frame()
    a = synthesize(df, epsilon=1.0, bounds=BOUNDS, seed=5, n_rows=40, **FAST)
    b = synthesize(df, epsilon=1.0, bounds=BOUNDS, seed=5.0, n_rows=40, **FAST)
    assert not a.data.equals(b.data)
    assert "operating-system entropy" in a.report["privacy_randomness"]
    assert a.report["insecure_seed"] is None and "INSECURE" not in repr(a)
    assert "not the privacy noise" in a.report["seed_controls"]


def test_insecure_seed_reproduces_and_is_recorded():
    df = frame()
    a = synthesize(df, epsilon=1.0, bounds=BOUNDS, seed=5, insecure_seed=9, **FAST)
    b = synthesize(df, epsilon=1.0, bounds=BOUNDS, seed=5, insecure_seed=9.0, **FAST)
    pd.testing.assert_frame_equal(a.data, b.data)
    assert a.report == b.report
    assert a.report["insecure_seed"] == 9 and "INSECURE" in a.report["privacy_randomness"]
    assert "INSECURE" in repr(a)
    c = synthesize(df, epsilon=1.0, bounds=BOUNDS, seed=5, insecure_seed=10, **FAST)
    assert not a.data.equals(c.data)


def test_non_private_methods_are_reproducible_from_seed():
    df = frame()
    a = synthesize(df, epsilon=None, method="gan", seed=3, **FAST)
    b = synthesize(df, epsilon=None, method="gan", seed=3, **FAST)
    pd.testing.assert_frame_equal(a.data, b.data)


def test_degenerate_columns_and_foreign_categories_are_released_as_the_bounds_say():
    df = frame().assign(age=40)  # one observed value: no longer refused
    df["region"] = pd.Categorical(df["region"].astype(str))  # categories read from the data: n, s
    rel = synthesize(df, epsilon=1.0, bounds=BOUNDS, n_rows=30, **FAST)
    assert list(rel.data["region"].cat.categories) == ["n", "s", "e"]  # the public levels
    assert rel.data["age"].between(18, 99).all() and rel.data["age"].dtype == df["age"].dtype
    const = synthesize(df, epsilon=1.0, bounds={**BOUNDS, "age": (40, 40)}, n_rows=30, **FAST)
    assert (const.data["age"] == 40).all()  # a public constant
    one = synthesize(df.assign(region=pd.Categorical(["n"] * len(df))), epsilon=1.0,
                     bounds={**BOUNDS, "region": ["n"]}, n_rows=30, **FAST)
    assert (one.data["region"] == "n").all()


def test_tiny_and_empty_data_are_not_refused():
    """Whether a release happens must not depend on one person: 0, 1 or 2 rows all run (they
    fail only when the public settings cannot fit the noisy count, a post-processing of it)."""
    for n in (0, 1, 2):
        rel = synthesize(frame(n), epsilon=1.0, bounds=BOUNDS, n_rows=20, batch_size=1,
                         insecure_seed=3, count_share=0.5, **{k: v for k, v in FAST.items()
                                                              if k != "batch_size"})
        assert len(rel.data) == 20


def test_out_of_bounds_is_named_never_quoted_nor_counted_or_clipped_on_request():
    # the number of values outside is a count of the private data that no accountant paid
    # for (an R user's trial saw "67 value(s)", exactly the rows of a level left out)
    df = frame()
    df.loc[[3, 7], "income"] = [12_345.67, 23_456.78]
    with pytest.raises(ValueError) as err:
        synthesize(df, epsilon=1.0, bounds=BOUNDS, **FAST)
    msg = str(err.value)
    assert "'income'" in msg and "some value(s)" in msg and "2 value" not in msg
    assert "12345" not in msg and "23456" not in msg and "12,345" not in msg
    rel = synthesize(df, epsilon=1.0, bounds=BOUNDS, out_of_bounds="clip", n_rows=30, **FAST)
    assert rel.data["income"].between(0, 10_000).all()
    assert rel.report["out_of_bounds"] == "clip"
    odd = frame().assign(region=pd.Categorical(["n"] * 89 + ["zz-secret"]))
    with pytest.raises(ValueError) as err:
        synthesize(odd, epsilon=1.0, bounds=BOUNDS, **FAST)
    assert "some value(s)" in str(err.value) and "1 value" not in str(err.value)
    assert "zz-secret" not in str(err.value)


def test_missing_values_are_named_never_counted():
    # a user's trial saw "Column 'age' of `data` has 7 missing value(s)": a count of the
    # private data that no accountant paid for
    df = frame()
    df.loc[[1, 4, 6, 8, 9, 11, 20], "age"] = np.nan
    df.loc[[2], "income"] = np.nan
    with pytest.raises(ValueError) as err:
        synthesize(df, epsilon=1.0, bounds=BOUNDS, **FAST)
    msg = str(err.value)
    assert "'age'" in msg and "'income'" in msg and "needs complete data" in msg
    assert not re.search(r"\d", msg.replace("synthesize()", "")), msg


def test_private_values_never_in_messages_of_common_mistakes():
    df = frame()
    secret = df["income"].iloc[0]
    cases = [
        dict(bounds={**BOUNDS, "income": (0, 100)}),
        dict(bounds={**BOUNDS, "income": [0, 1]}),
        dict(bounds={**BOUNDS, "region": ["n"]}),
        dict(bounds={**BOUNDS, "age": (50, 60)}),
    ]
    for kw in cases:
        with pytest.raises(ValueError) as err:
            synthesize(df, epsilon=1.0, **{**FAST, **kw})
        text = str(err.value)
        for v in df["income"].head(20).tolist() + df["age"].head(20).tolist():
            assert not re.search(rf"(?<![\d.]){re.escape(str(v))}(?![\d])", text
                                 .replace("(0, 100)", "").replace("(50, 60)", "")
                                 .replace("[0, 1]", "")), (v, text)
    assert str(secret) not in text


def test_epsilon_far_too_large_is_a_clear_error():
    with pytest.raises(ValueError, match=r"`epsilon` must lie in \(0.0, 100.0\]"):
        synthesize(frame(), epsilon=1e6, bounds=BOUNDS, **FAST)
    rel = synthesize(frame(), epsilon=100.0, bounds=BOUNDS, n_rows=20, **FAST)  # no overflow
    assert rel.epsilon <= 100.0
