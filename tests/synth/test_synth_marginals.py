"""The ``"marginals"`` release (issue 17, point 3): noisy two-way tables, a tree, raking.

What is checked: the accounting of its one Gaussian mechanism against dp-accounting itself; the
sensitivity the noise is scaled to; that the pieces do what they say (cells from public bounds
only, the tree finds the dependent pairs, raking matches consistent tables); and that a release
keeps the relations two-way tables carry, is never piled on a bound when the noise swamps the
tables (it warns instead), and leaves the caller's data alone."""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from dp_accounting.pld import privacy_loss_distribution as pld

from socgan.synth import LowSignalWarning, evaluate, synthesize
from socgan.synth import _accounting as acc
from socgan.synth import _marginals as mg
from socgan.synth._schema import build_schema, encode


def survey(n: int, seed: int) -> pd.DataFrame:
    """Income rising with age and education; a region that depends on nothing."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, n)
    edu = rng.choice(["low", "mid", "high"], n, p=[0.3, 0.5, 0.2])
    bump = pd.Series(edu).map({"low": -1.0, "mid": 0.0, "high": 1.5}).to_numpy()
    income = np.clip(3000 + 40 * (age - 50) + 800 * bump + rng.normal(0, 500, n), 0, 10_000)
    return pd.DataFrame({"age": age, "income": income.round(2),
                         "edu": pd.Categorical(edu, categories=["low", "mid", "high"]),
                         "region": rng.choice(["n", "s"], n)})


BOUNDS = {"age": (18, 99), "income": (0, 10_000), "edu": ["low", "mid", "high"],
          "region": ["n", "s"]}


# -- accounting ------------------------------------------------------------------------------

def test_gaussian_event_is_accounted_as_dp_accounting_does():
    z = acc.calibrate_gaussian(0.7, 1e-6)
    got = acc.epsilon(acc.Events(gaussian_noise=z), 1e-6)
    direct = pld.from_gaussian_mechanism(z, value_discretization_interval=1e-4)
    assert got["epsilon"] <= 0.7 + 1e-6
    assert got["pld"] == pytest.approx(direct.get_epsilon_for_delta(1e-6), abs=2e-3)
    assert got["rdp"] >= got["pld"]  # RDP is the looser bound for a Gaussian
    # calibration is tight: 1% less noise would overspend
    assert acc.epsilon(acc.Events(gaussian_noise=0.99 * z), 1e-6)["epsilon"] > 0.7
    # with DP-SGD steps beside it, both enter the composition
    both = acc.Events(2.0, 0.01, 100, gaussian_noise=z)
    assert acc.pld_epsilon(both, 1e-6) > max(acc.pld_epsilon(acc.Events(2.0, 0.01, 100), 1e-6),
                                             got["pld"])


def test_release_spends_at_most_epsilon_and_scales_the_noise_to_every_table():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LowSignalWarning)
        rel = synthesize(survey(400, 1), epsilon=0.8, method="marginals", bounds=BOUNDS,
                         insecure_seed=3, progress=False)
    r = rel.report
    assert rel.epsilon <= 0.8 and r["epsilon_joint"] + r["count_epsilon"] == pytest.approx(rel.epsilon)
    assert r["marginal_tables"] == 6  # every pair of 4 columns
    # two Gaussian mechanisms, the numeric columns' fine histograms (EDGE_SHARE of the budget)
    # and the tables, compose to one of the reported multiplier: 1/z^2 = 1/z1^2 + 1/z2^2
    z = r["noise_multiplier"]
    z1, z2 = z / math.sqrt(mg.EDGE_SHARE), z / math.sqrt(1 - mg.EDGE_SHARE)
    assert 1 / z**2 == pytest.approx(1 / z1**2 + 1 / z2**2)
    # the tables' noise per cell is z2 times their L2 sensitivity, sqrt(6)
    assert r["noise_std"] == pytest.approx(z2 * math.sqrt(6))
    assert f"noise sd {z1 * math.sqrt(2):.4g} per cell, L2 sensitivity sqrt(2)" in r["marginal_event"]
    assert r["noise_multiplier"] == pytest.approx(
        acc.calibrate_gaussian(0.8 - r["count_epsilon"], rel.delta))
    assert "sensitivity sqrt(6)" in r["marginal_event"]
    assert set(r["marginal_tree"]) == {"income", "edu", "region"}  # the root, age, has no parent
    assert "steps" not in r and "dpsgd_event" not in r


def test_one_added_row_moves_each_table_by_one_cell():
    d = survey(50, 2)
    cols = build_schema(d, BOUNDS)
    spec = mg.cells(cols, 8)
    a = mg.measure(mg.codes(encode(d, cols), cols, spec), spec, None, None)
    b = mg.measure(mg.codes(encode(d.iloc[:-1], cols), cols, spec), spec, None, None)
    diffs = [np.abs(a[p] - b[p]).sum() for p in a]
    assert diffs == [1.0] * len(a)  # so the L2 norm over all tables is sqrt(len(a))


# -- the pieces ------------------------------------------------------------------------------

def test_cells_come_from_the_public_bounds_only():
    d = survey(300, 3)
    cols = build_schema(d, BOUNDS)
    spec = mg.cells(cols, 10)
    # age has 82 whole numbers in its bounds: 10 equal intervals; the levels are cells
    assert spec.sizes == [10, 10, 3, 2] and spec.per_integer == [False] * 4
    small = build_schema(d.assign(age=d.age % 5), {**BOUNDS, "age": (0, 4)})
    assert mg.cells(small, 10).sizes[0] == 5 and mg.cells(small, 10).per_integer[0]
    # the same cells whatever the data: a row's cell depends on its value and the bounds
    codes = mg.codes(encode(d, cols), cols, spec)
    expected = np.clip(np.floor((d.age.to_numpy() - 18) / (99 - 18) * 10), 0, 9)
    assert np.array_equal(codes[:, 0], expected)
    # drawing rows for cells and reading their cells back gives the same cells
    rows = mg.rows_from_codes(codes, cols, spec, np.random.default_rng(0))
    assert np.array_equal(mg.codes(rows, cols, spec), codes)


def test_intervals_follow_the_data_not_the_width_of_the_bounds():
    """A standard normal inside public bounds of (-6, 6): equal-width cells would put nearly
    every row in the middle two of eight; cells cut at the (noisy) quantiles of a fine histogram
    hold about equal shares, and values drawn within a cell follow that histogram."""
    rng = np.random.default_rng(9)
    d = pd.DataFrame({"x": rng.normal(0, 1, 4000), "g": rng.choice(["a", "b"], 4000)})
    cols = build_schema(d, {"x": (-6, 6), "g": ["a", "b"]})
    x = encode(d, cols)
    equal = mg.cells(cols, 8)
    share = np.bincount(mg.codes(x, cols, equal)[:, 0], minlength=8) / len(d)
    assert share[3] + share[4] > 0.85
    fine = mg.measure_fine(x, cols, 20.0, np.random.default_rng(1))  # noisy histograms
    assert list(fine) == [0] and len(fine[0]) == mg.FINE_BINS + 2  # and a cell at each bound
    spec = mg.cells(cols, 8, margins=fine, margin_sd=20.0)
    share = np.bincount(mg.codes(x, cols, spec)[:, 0], minlength=spec.sizes[0]) / len(d)
    assert spec.sizes[0] >= 6 and share.max() < 0.25
    back = mg.rows_from_codes(mg.codes(x, cols, spec), cols, spec, np.random.default_rng(2))
    values = -6 + 12 * back[:, 0]
    assert np.array_equal(mg.codes(back, cols, spec), mg.codes(x, cols, spec))
    assert abs(values.std() - 1) < 0.2  # not spread to the bounds


def test_the_tree_joins_the_dependent_columns_and_raking_matches_consistent_tables():
    d = survey(3000, 4)
    cols = build_schema(d, BOUNDS)
    spec = mg.cells(cols, 8)
    exact = mg.measure(mg.codes(encode(d, cols), cols, spec), spec, None, None)
    edges = mg.chow_liu_tree(exact, 4)
    region = 3
    assert len(edges) == 3 and all(region != p for p, _ in edges)  # region explains nothing
    # candidates from the tree, raked to the exact tables: every table matched closely
    pool, _ = mg.sample_tree(exact, spec, 20_000, np.random.default_rng(1))
    w = mg.rake(pool, exact, spec)
    assert w.sum() == pytest.approx(1.0) and (w >= 0).all()
    raked = mg.measure(pool, spec, None, None)  # counts of the unweighted pool ...
    for p, t in exact.items():
        shape = t.shape
        flat = np.ravel_multi_index(tuple(pool[:, j] for j in p), shape)
        got = np.bincount(flat, weights=w, minlength=t.size).reshape(shape)
        before = raked[p] / raked[p].sum()
        # ... are further from the target than the raked weights (age x edu is not a tree edge
        # of this data when the tree picked another parent for edu)
        assert 0.5 * np.abs(got - t / t.sum()).sum() < 0.02
        assert 0.5 * np.abs(got - t / t.sum()).sum() <= 0.5 * np.abs(before - t / t.sum()).sum() + 1e-9


# -- releases --------------------------------------------------------------------------------

def test_release_keeps_the_two_way_relations_at_a_small_epsilon():
    d = survey(5000, 5)
    before = d.copy(deep=True)
    rel = synthesize(d, epsilon=1.0, method="marginals", bounds=BOUNDS, insecure_seed=1,
                     progress=False)
    pd.testing.assert_frame_equal(d, before)
    out = rel.data
    assert list(out.columns) == list(d.columns) and out.dtypes.equals(d.dtypes)
    assert out["age"].between(18, 99).all() and out["income"].between(0, 10_000).all()
    real_r = np.corrcoef(d.age, d.income)[0, 1]
    syn_r = np.corrcoef(out.age, out.income)[0, 1]
    assert real_r > 0.6 and abs(syn_r - real_r) < 0.15
    ev = evaluate(d, out, formula="income ~ age + edu", detection=False).set_index("metric")["value"]
    # income on age *and* education: two tree edges cannot both be income's, raking keeps both
    assert ev["coefficient_rmse"] < 150  # coefficients of ~40 (age) and ~800-2500 (edu)
    assert ev["tvd_2way"].mean() < 0.06 and ev["tvd_2way"].max() < 0.15


def test_private_noise_does_not_come_from_seed_but_insecure_seed_repeats_it():
    d = survey(500, 6)
    kw = dict(epsilon=1.0, method="marginals", bounds=BOUNDS, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LowSignalWarning)
        a = synthesize(d, seed=1, **kw).data
        b = synthesize(d, seed=1, **kw).data
        c = synthesize(d, insecure_seed=5, **kw).data
        e = synthesize(d, insecure_seed=5, **kw).data
    assert not a.equals(b)
    pd.testing.assert_frame_equal(c, e)


def test_swamped_tables_warn_and_spread_rows_instead_of_piling_them_on_a_bound():
    d = survey(120, 7)
    with pytest.warns(LowSignalWarning, match="noise-to-signal"):
        rel = synthesize(d, epsilon=0.5, method="marginals", bounds=BOUNDS, insecure_seed=2,
                         count_share=0.5, progress=False)
    assert rel.report["noise_to_signal"] > mg.LOW_SIGNAL
    for c, (lo, hi) in (("age", (18, 99)), ("income", (0, 10_000))):
        v = rel.data[c].to_numpy(dtype=float)
        near = (v - lo < 0.005 * (hi - lo)) | (hi - v < 0.005 * (hi - lo))
        assert near.mean() < 0.2, c


def test_nonprivate_marginals_and_argument_checks():
    d = survey(2000, 8)
    rel = synthesize(d, epsilon=None, method="marginals-nonprivate", seed=3, progress=False)
    assert rel.epsilon == math.inf and rel.report["marginal_bins"] == mg.choose_bins(2000, 0.0, 4) == 11
    ev = evaluate(d, rel.data, detection=False).set_index("metric")["value"]
    assert ev["tvd_1way"].max() < 0.05
    with pytest.raises(ValueError, match="`marginal_bins` applies"):
        synthesize(d, epsilon=1.0, method="pgb", bounds=BOUNDS, marginal_bins=10)
    with pytest.raises(ValueError, match="`bayesian_dp`"):
        synthesize(d, epsilon=1.0, method="marginals", bounds=BOUNDS, bayesian_dp=True)
    with pytest.raises(ValueError, match="`marginal_bins`"):
        synthesize(d, epsilon=1.0, method="marginals", bounds=BOUNDS, marginal_bins=1)
    # R's 12 arrives as 12.0
    rel = synthesize(d, epsilon=2.0, method="marginals", bounds=BOUNDS, marginal_bins=12.0,
                     seed=1, progress=False)
    assert rel.report["marginal_bins"] == 12


def test_choose_bins_follows_the_noise_and_the_count():
    assert mg.choose_bins(22_500, 3.8, 7) == 17  # CPS 1988 at epsilon 1
    assert mg.choose_bins(100, 5.0, 8) == mg.MIN_BINS
    assert mg.choose_bins(10**7, 0.5, 3) == mg.MAX_BINS
    # exact tables: a cell's own sampling noise, sqrt(count), sets the bins
    assert mg.choose_bins(154, 0.0, 13) == mg.choose_bins(399, 0.0, 13) == mg.MIN_BINS
    assert mg.choose_bins(2000, 0.0, 13) == 11 and mg.choose_bins(16_384, 0.0, 13) == mg.MAX_BINS
    sizes = [mg.choose_bins(n, z, 6) for z in (0.0, 0.5, 2.0) for n in (500, 5000, 50_000)]
    assert sizes == sorted(sizes[:3]) + sorted(sizes[3:6]) + sorted(sizes[6:])  # more rows, more bins
    assert all(mg.choose_bins(5000, z, 6) >= mg.choose_bins(5000, z2, 6)
               for z, z2 in ((0.0, 0.5), (0.5, 2.0)))  # more noise, fewer


def test_resample_gives_each_candidate_its_expected_share_without_multinomial_noise():
    rng = np.random.default_rng(3)
    cell = np.column_stack([rng.integers(0, 2, 500), rng.integers(0, 5, 500)])
    w = rng.gamma(0.3, size=500)
    w /= w.sum()
    size = 154
    counts = np.zeros(500)
    first = []
    for s in range(400):
        idx = mg.resample(cell, w, size, np.random.default_rng(s))
        assert len(idx) == size
        c = np.bincount(idx, minlength=500)
        # every candidate floor or ceil of its expected count
        assert np.all((c >= np.floor(size * w) - 1e-9) & (c <= np.ceil(size * w) + 1e-9))
        counts += c
        first.append(np.bincount(cell[idx, 0], minlength=2)[1])
    np.testing.assert_allclose(counts / 400, size * w, atol=0.08)  # unbiased
    share = size * w[cell[:, 0] == 1].sum()
    assert max(abs(np.array(first) - share)) <= 1.0  # the first column: within one row
    # independent draws from the same weights spread the first column's count widely
    draws = [np.bincount(cell[np.random.default_rng(s).choice(500, size, p=w), 0], minlength=2)[1]
             for s in range(400)]
    assert np.std(draws) > 4


def test_a_small_non_private_release_keeps_the_margins():
    """A user's trial: 154 rows of MASS::survey (13 columns) released by
    "marginals-nonprivate" with men and women 104/50 (real 77/77): 32 bins per numeric column
    made two-way tables of up to 32 x 24 cells for 154 rows, raking to them left the weight on a
    few dozen candidates, and the release was drawn independently from those."""
    rng = np.random.default_rng(11)
    n = 154
    d = pd.DataFrame({"id": np.arange(1, n + 1), "sex": pd.Categorical(np.repeat(["f", "m"], n // 2)),
                      "smoke": pd.Categorical(rng.choice(["never", "heavy", "occas", "regul"], n,
                                                         p=[0.8, 0.05, 0.07, 0.08]))})
    for j in range(5):
        d[f"x{j}"] = rng.normal(170 + 3 * j, 9, n) + 5 * (d["sex"] == "m")
    for j in range(3):
        d[f"c{j}"] = pd.Categorical(rng.choice(["a", "b", "c"], n))
    d["age"] = rng.gamma(4, 5, n) + 16
    for s in (1, 2, 3):
        rel = synthesize(d, method="marginals-nonprivate", seed=s, progress=False)
        assert rel.report["marginal_bins"] == mg.MIN_BINS
        tvd = evaluate(d, rel.data, detection=False).set_index("metric")["value"]["tvd_1way"]
        # before: 0.37 (sex) to 0.78 (id), 0.64 on average over seeds 1-6; two real samples of
        # 154 rows differ by about 0.1 in a numeric column's bins
        assert tvd.mean() < 0.1 and tvd.max() < 0.2, (s, tvd.to_dict())
        assert abs((rel.data["sex"] == "f").sum() - 77) <= 2, s


def test_a_level_one_table_empties_is_given_back_from_the_consensus_margins():
    """Raking to every table multiplies their zeros; a level that one projected table emptied
    (but the other tables keep) gets that table's share back from the consensus margins."""
    rng = np.random.default_rng(0)
    exact = {(0, 1): np.array([[30.0, 10.0], [5.0, 5.0], [25.0, 25.0]]),
             (0, 2): np.array([[20.0, 20.0], [6.0, 4.0], [30.0, 20.0]]),
             (1, 2): np.array([[40.0, 20.0], [16.0, 24.0]])}
    noisy = {p: t + rng.normal(0, 0.5, t.shape) for p, t in exact.items()}
    tables = mg.projected(noisy)
    untouched = mg.filled(tables, noisy, 3)
    for p in tables:  # nothing emptied: the same tables
        np.testing.assert_array_equal(untouched[p], tables[p])
    emptied = dict(tables)
    t = tables[(0, 1)].copy()
    t[1, :] = 0.0
    emptied[(0, 1)] = t / t.sum()
    out = mg.filled(emptied, noisy, 3)
    consensus = mg.consensus_margins(noisy, 3)
    assert out[(0, 1)][1].sum() > 0 and out[(0, 1)].sum() == pytest.approx(1.0)
    # the row comes back as the consensus share times the table's distribution of column 1
    np.testing.assert_allclose(out[(0, 1)][1] / out[(0, 1)][1].sum(),
                               emptied[(0, 1)].sum(0) / emptied[(0, 1)].sum())
    assert consensus[0][1] == pytest.approx(0.1, abs=0.02)
    np.testing.assert_array_equal(out[(0, 2)], tables[(0, 2)])


def test_small_noisy_release_keeps_more_than_one_level_of_a_skewed_column():
    """A user's trial: 168 rows of MASS::survey at epsilon 1 released every respondent as a
    non-smoker in 4 of 8 releases. Here (the same sizes, a column with shares 0.80 / 0.07 /
    0.08 / 0.05 beside four others) the projection alone gave one level in 2 of 8 releases."""
    rng = np.random.default_rng(5)
    n = 168
    d = pd.DataFrame({"smoke": pd.Categorical(rng.choice(["never", "heavy", "occas", "regul"], n,
                                                         p=[0.8, 0.07, 0.08, 0.05])),
                      "sex": pd.Categorical(rng.choice(["f", "m"], n)),
                      "fold": pd.Categorical(rng.choice(["l", "n", "r"], n, p=[0.45, 0.1, 0.45])),
                      "height": rng.normal(172, 9, n).clip(140, 210),
                      "age": rng.gamma(4, 5, n).clip(16, 80)})
    bounds = {"smoke": ["heavy", "never", "occas", "regul"], "sex": ["f", "m"],
              "fold": ["l", "n", "r"], "height": (140.0, 210.0), "age": (16.0, 80.0)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LowSignalWarning)
        for s in range(1, 9):
            rel = synthesize(d, epsilon=1.0, bounds=bounds, insecure_seed=s, progress=False)
            assert rel.data["smoke"].nunique() > 1, s


def test_a_non_private_method_needs_no_epsilon_and_a_private_one_does():
    import numpy as np
    import pandas as pd
    import pytest

    from socgan.synth import synthesize

    rng = np.random.default_rng(0)
    df = pd.DataFrame({"a": rng.random(60), "b": rng.choice(["x", "y"], 60)})
    assert synthesize(df, method="marginals-nonprivate", seed=1, progress=False).data.shape == (60, 2)
    with pytest.raises(ValueError, match="`epsilon` is required for method 'marginals'"):
        synthesize(df, bounds={"a": (0, 1), "b": ["x", "y"]}, progress=False)


def births(n: int = 189, seed: int = 0) -> tuple[pd.DataFrame, dict]:
    """A table like ``MASS::birthwt`` (189 births, 9 columns): whole-number ages, weights and
    counts, three binary columns of 6-40% and a three-level factor, with public bounds."""
    rng = np.random.default_rng(seed)
    smoke = rng.random(n) < 0.39
    race = rng.choice(["white", "black", "other"], size=n, p=[0.51, 0.14, 0.35])
    bwt = np.round(3100 - 280 * smoke + rng.normal(0, 700, n)).clip(700, 5000).astype(int)
    d = pd.DataFrame({"age": rng.integers(14, 46, n), "lwt": rng.integers(80, 250, n),
                      "race": pd.Categorical(race, categories=["white", "black", "other"]),
                      "smoke": smoke, "ptl": rng.choice(4, size=n, p=[0.84, 0.12, 0.03, 0.01]),
                      "ht": rng.random(n) < 0.06, "ftv": rng.choice(7, size=n, p=[0.53, 0.25, 0.16, 0.04, 0.01, 0.005, 0.005]),
                      "bwt": bwt,
                      "low": pd.Categorical(np.where(bwt < 2500, "low", "normal"),
                                            categories=["normal", "low"])})
    bounds = {"age": (10, 50), "lwt": (70, 300), "race": ["white", "black", "other"],
              "smoke": [False, True], "ptl": (0, 5), "ht": [False, True], "ftv": (0, 10),
              "bwt": (500, 5500), "low": ["normal", "low"]}
    return d, bounds


def test_a_small_table_at_epsilon_one_does_not_collapse_onto_single_values():
    # users' trials (MASS::birthwt, 189 rows, epsilon 1, the defaults): every released age was
    # one value, every birth "normal", every mother a non-smoker. Tables swamped by the noise
    # are now taken back to independence, and a histogram's support is judged on its
    # shrunk counts, so such a release spreads instead of piling on noise spikes.
    d, bounds = births()
    for s in range(8):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LowSignalWarning)
            out = synthesize(d, epsilon=1.0, bounds=bounds, n_rows=189, insecure_seed=s,
                             progress=False).data
        assert out["age"].nunique() >= 8, (s, out["age"].value_counts().head(3))
        for col in ("smoke", "low"):
            share = float((out[col] == out[col].iloc[0]).mean())
            assert 0.05 < share < 0.95, (s, col, share)
        assert (out["race"].value_counts() > 0).sum() >= 2, s


def test_noise_alone_takes_a_table_back_to_independence_and_a_relation_is_kept():
    rng = np.random.default_rng(3)
    sd = 10.0
    related = np.array([[400.0, 100.0], [100.0, 400.0]])  # a relation far above the noise
    flat = np.full((2, 2), 250.0)
    noisy = {(0, 1): related + rng.normal(0, sd, (2, 2)), (0, 2): flat + rng.normal(0, sd, (2, 2)),
             (1, 2): flat + rng.normal(0, sd, (2, 2))}
    out = mg.shrunk(noisy, sd, 3)
    np.testing.assert_array_equal(out[(0, 1)], noisy[(0, 1)])  # detectable: kept as measured
    for p in ((0, 2), (1, 2)):  # within the noise: the independence table of its margins
        t = out[p]
        np.testing.assert_allclose(t, np.outer(t.sum(1), t.sum(0)) / t.sum(), rtol=1e-12)
        assert t.sum() == pytest.approx(noisy[p].sum())
    assert mg.shrunk(noisy, None, 3) is noisy  # exact tables are left alone
    taken: list = []
    mg.shrunk(noisy, sd, 3, independent=taken)
    assert taken == [(0, 2), (1, 2)]  # the pairs released as independent, for the report
    # a histogram of pure noise comes out flat; one far above the noise is unchanged
    pure = rng.normal(0, sd, 41) + 5.0
    assert np.ptp(mg.shrunk_histogram(pure, sd)) < 1e-9 or mg._signal_share(
        float(((pure - pure.mean()) ** 2).sum()), 40, sd ** 2) < 0.5
    strong = np.r_[np.zeros(20), np.full(21, 1000.0)] + rng.normal(0, sd, 41)
    assert np.abs(mg.shrunk_histogram(strong, sd) - strong).max() < 0.05 * 1000


def test_a_thin_stretch_of_data_is_kept_in_the_support_and_an_empty_run_is_cut():
    # users' trials: carData::Salaries at epsilon 3, 244 of 397 released years of service were
    # 19 and none below (real: 0-60, median 16); MASS::Aids2 at epsilon 1 released nobody aged
    # 50 or over (real 11%). The support was the span between the first and last cell above 2
    # noise sds: where the counts per cell are near the noise, a spike inside the data set it,
    # and the coarse cell's rows beyond it piled onto its edge.
    rng = np.random.default_rng(5)
    sd = 8.6
    truth = np.zeros(61)
    truth[:40] = np.linspace(14.0, 2.0, 40)  # years of service: ~6.5 rows a year, thinning out
    starts, kept = [], []
    for _ in range(200):
        p = mg.support_trimmed(truth + rng.normal(0.0, sd, 61), sd)
        span = np.flatnonzero(p > 0)
        starts.append(span[0])
        kept.append(truth[span[0]:span[-1] + 1].sum() / truth.sum())
    assert np.mean(np.array(starts) <= 1) > 0.95, np.bincount(starts)
    assert np.mean(kept) > 0.97 and np.quantile(kept, 0.02) > 0.9, (np.mean(kept), np.min(kept))
    # a large table whose data fill half the bounds: the run rule finds the empty half (its
    # noise would otherwise place quantile cuts and values there), and the data are kept whole
    big = np.r_[np.full(50, 400.0), np.zeros(50)]
    runs = []
    for _ in range(100):
        noisy = big + rng.normal(0.0, 20.0, 100)
        runs.append(mg._empty_run(noisy[::-1], 20.0, 2.0, 0.05 * noisy.sum()))
        assert mg._empty_run(noisy, 20.0, 2.0, 0.05 * noisy.sum()) == 0
        assert mg.support_trimmed(noisy, 20.0)[:50].sum() > 0.97
    assert np.mean(np.array(runs) >= 40) > 0.9 and max(runs) <= 51, runs  # at most an edge cell
    assert np.array_equal(mg.support_trimmed(big, None) > 0, big > 0)  # exact: as measured


def test_a_release_keeps_the_upper_tail_of_a_skewed_column_at_epsilon_one():
    # the Aids2 case end to end: 1,500 rows, ages of about 37 +- 9 on public bounds 0-100; the
    # real share aged 50 or over is about 9%, and every release must show that tail
    rng = np.random.default_rng(2)
    n = 1500
    age = np.clip(np.round(rng.normal(37, 9, n)), 0, 100).astype(int)
    days = np.round(rng.exponential(400, n)).clip(0, 5000).astype(int)
    d = pd.DataFrame({"age": age, "days": days,
                      "sex": pd.Categorical(rng.choice(["F", "M"], n, p=[0.1, 0.9]))})
    bounds = {"age": (0, 100), "days": (0, 5000), "sex": ["F", "M"]}
    real = float((d.age >= 50).mean())
    for s in range(4):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LowSignalWarning)
            out = synthesize(d, epsilon=1.0, bounds=bounds, insecure_seed=s, progress=False).data
        share = float((out.age >= 50).mean())
        assert abs(share - real) < 0.05, (s, share, real)
        assert float((out.days >= 1000).mean()) > 0.03, s  # real: about 8%


def test_a_release_whose_tables_are_mostly_noise_says_which_relations_it_lost():
    """A user's trial (1,000 GSS rows, 8 columns, epsilon 1): most two-way tables were within
    their noise, the strongest relation (party by race) was gone, and nothing said so. The
    report lists the pairs released as independent and a warning names them when they are
    most of the tables; a release that keeps its relations does not warn."""
    d = survey(300, 8)
    with pytest.warns(LowSignalWarning, match=r"of the 6 two-way tables were within their noise"):
        rel = synthesize(d, epsilon=0.3, method="marginals", bounds=BOUNDS, insecure_seed=4,
                         progress=False)
    lost = rel.report["marginal_independent"]
    assert len(lost) > 3 and all(len(p) == 2 and set(p) <= set(d.columns) for p in lost)
    with warnings.catch_warnings():
        warnings.simplefilter("error", LowSignalWarning)
        big = synthesize(survey(5000, 5), epsilon=3.0, method="marginals", bounds=BOUNDS,
                         insecure_seed=1, progress=False)
    kept = {frozenset(p) for p in itertools.combinations(d.columns, 2)} - {
        frozenset(p) for p in big.report["marginal_independent"]}
    assert {frozenset(("age", "income")), frozenset(("edu", "income"))} <= kept


def test_values_at_a_bound_stay_there():
    """A user's trial (openintro::acs12, income with bounds (0, 1e6)): 45% of incomes were 0 and
    none were in the release: the spike sat in the first of 100 fine intervals and was spread
    over it, and a published regression's coefficient changed sign. Values exactly at a public
    bound have a cell of their own now (at no privacy cost: each row is in one cell)."""
    rng = np.random.default_rng(9)
    n = 3000
    works = rng.random(n) < 0.6
    income = np.where(works, np.minimum(rng.lognormal(10, 0.8, n), 200_000.0), 0.0)
    d = pd.DataFrame({"income": income.round(2), "works": np.where(works, "yes", "no"),
                      "age": rng.integers(18, 90, n)})
    bounds = {"income": (0, 200_000), "works": ["yes", "no"], "age": (18, 99)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LowSignalWarning)
        out = synthesize(d, epsilon=3.0, bounds=bounds, insecure_seed=1, progress=False).data
    zero, top = (d["income"] == 0).mean(), (d["income"] == 200_000).mean()
    assert abs((out["income"] == 0).mean() - zero) < 0.05
    assert abs((out["income"] == 200_000).mean() - top) < 0.03
    # the zeros belong to those who do not work, as in the data
    assert (out.loc[out["works"] == "no", "income"] == 0).mean() > 0.8
    # a column without values at its bounds gets no spike there
    assert (out["age"] == 18).mean() < 0.03 and (out["age"] == 99).mean() < 0.01
    e = mg.fine_edges(build_schema(d, bounds)[0])
    assert len(e) == mg.FINE_BINS + 3 and e[0] == e[1] == 0.0 and e[-2] == e[-1] == 1.0
    np.testing.assert_array_equal(mg.fine_bin(np.array([0.0, 1e-9, 0.5, 1 - 1e-9, 1.0]), e),
                                  [0, 1, 51, mg.FINE_BINS, mg.FINE_BINS + 1])
