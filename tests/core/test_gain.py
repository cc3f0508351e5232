"""The GAIN training internals (issue 18/19): the m models trained together as one stacked
network, each from its own seed; the out-of-bag stopping rule; the optional adversarial term;
and the seed experiment's strong MAR mechanism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import socgan
from socgan.datasets import seed_experiment
from socgan._core.encoding import Encoder
from socgan._core.gain import GainSettings, train_models

TINY = dict(epochs=3, batch_size=32)


@pytest.fixture(scope="module")
def encoded():
    df = seed_experiment(120, seed=5)
    enc = Encoder.fit(df)
    x, mask = enc.transform(df)
    return x, mask, enc


def _weights(models, ell):
    return [p[ell].detach().clone() for p in models.generator.params]


def test_a_model_does_not_depend_on_the_models_trained_beside_it(encoded):
    x, mask, enc = encoded
    rng = np.random.default_rng(0)
    rows = [rng.choice(len(x), len(x)) for _ in range(3)]
    oob = [np.setdiff1d(np.arange(len(x)), r) for r in rows]
    settings = GainSettings(**TINY)
    together, hist = train_models(x, mask, enc, settings, rows, oob, [11, 12, 13])
    alone, hist_alone = train_models(x, mask, enc, settings, rows[1:2], oob[1:2], [12])
    for a, b in zip(_weights(together, 1), _weights(alone, 0)):
        torch.testing.assert_close(a, b)
    assert hist[1] == hist_alone[0]
    # ...and different seeds give different models
    assert not torch.equal(_weights(together, 0)[0], _weights(together, 2)[0])


def test_stopping_rule_ends_training_before_the_cap(encoded):
    x, mask, enc = encoded
    rows = [np.arange(len(x))]
    # patience: 5 evaluations (its floor); a cap of 300 epochs is never reached on 120 rows
    settings = GainSettings(epochs=300, batch_size=32, patience=0.0)
    models, hist = train_models(x, mask, enc, settings, rows, [None], [3])
    epochs = [h[0] for h in hist[0]]
    assert epochs[-1] < 300
    valid = np.array([h[4] for h in hist[0]])
    assert np.isfinite(valid).all()


def test_training_without_stopping_runs_to_the_cap(encoded):
    x, mask, enc = encoded
    settings = GainSettings(epochs=4, batch_size=32, patience=1.0)
    _, hist = train_models(x, mask, enc, settings, [np.arange(len(x))], [None], [3])
    assert [h[0] for h in hist[0]] == [1, 2, 3, 4]


def test_adversarial_term_is_off_by_default_and_can_be_switched_on():
    df = seed_experiment(80, seed=2)
    plain = socgan.impute(df, m=2, seed=1, progress=False, **TINY)
    assert plain.options["adversarial"] == 0.0
    assert (plain.diagnostics["loss_history"][["d_loss", "g_adversarial"]] == 0).all().all()
    assert plain.diagnostics["loss_history"]["validation"].notna().all()
    adv = socgan.impute(df, m=2, seed=1, progress=False, adversarial=1.0, **TINY)
    assert (adv.diagnostics["loss_history"]["d_loss"] > 0).all()
    assert adv.options["adversarial"] == 1.0
    for d in adv.datasets:
        assert not d.isna().any().any()
    with pytest.raises(ValueError, match="`adversarial`"):
        socgan.impute(df, adversarial=-1, progress=False)


def test_seed_experiment_strong_mechanism():
    mild = seed_experiment(2000, seed=4)
    strong = seed_experiment(2000, seed=4, mar_strength="strong")
    full = seed_experiment(2000, seed=4, missing=False)
    # same shares missing...
    np.testing.assert_allclose(strong.isna().mean(), mild.isna().mean(), atol=0.04)
    # ...but high-Y rows lose X: the observed mean of X is far below the full-data mean,
    # while under the mild mechanism it is close.
    assert full["X"].mean() - strong["X"].mean() > 0.1
    assert abs(full["X"].mean() - mild["X"].mean()) < abs(full["X"].mean() - strong["X"].mean())
    # low-Y rows lose Bin: rows missing Bin have a lower mean Y than rows missing X
    assert strong.loc[strong["Bin"].isna(), "Y"].mean() < strong.loc[strong["X"].isna(), "Y"].mean()
    with pytest.raises(ValueError, match="`mar_strength`"):
        seed_experiment(100, mar_strength="extreme")


def test_missing_odds_weights_follow_the_mechanism():
    from socgan._core.gain import missing_odds

    df = seed_experiment(1000, seed=8, mar_strength="strong")
    enc = Encoder.fit(df)
    x, mask = enc.transform(df)
    w = missing_odds(x, mask, enc)
    y = x[:, enc.columns[0].start]
    assert (w[:, 0] == 1).all()  # Y is complete
    for j, sign in [(1, 1), (2, -1)]:  # X is lost where Y is high, Bin where Y is low
        obs = mask[:, j] > 0
        assert sign * np.corrcoef(w[obs, j], y[obs])[0, 1] > 0.5
        assert w[obs, j].mean() == pytest.approx(1.0, abs=1e-4)


def test_donor_noise_is_the_mean_of_in_bag_and_out_of_bag_residual_variance(encoded):
    from socgan._core.gain import (donor_residuals, noise_calibrated, out_of_bag_moments,
                                   standardized_residuals)

    x, mask, enc = encoded
    rng = np.random.default_rng(3)
    rows = rng.choice(len(x), len(x))
    inb, oob = np.unique(rows), np.setdiff1d(np.arange(len(x)), rows)
    models, _ = train_models(x, mask, enc, GainSettings(epochs=20, batch_size=32), [rows], [oob], [4])
    model = models.member(0)
    pools = donor_residuals(model, x, mask, inb, np.arange(len(x)))
    moments = out_of_bag_moments(model, x, mask, oob)
    out = noise_calibrated(pools, moments)
    held = standardized_residuals(model, x, mask, oob)

    def raw_ms(p):
        return np.mean((p[:, 0] * np.exp(p[:, 2])) ** 2)

    for j, pool in pools.items():
        assert moments[j][1] == len(held[j])
        assert moments[j][0] / moments[j][1] == pytest.approx(raw_ms(held[j]), rel=1e-12)
        if len(held[j]) >= 30:
            assert raw_ms(out[j]) == pytest.approx((raw_ms(pool) + raw_ms(held[j])) / 2, rel=1e-9)
        else:
            assert out[j] is pool
        np.testing.assert_array_equal(out[j][:, 1:], pool[:, 1:])  # predictions untouched
    assert any(not np.array_equal(out[j], pools[j]) for j in pools)
    assert noise_calibrated(pools, {}) == pools  # no out-of-bag rows: as they are
    assert out_of_bag_moments(model, x, mask, None) == {}


def test_a_model_with_too_few_out_of_bag_cells_borrows_the_models_together():
    from socgan._core.gain import borrow_calibration

    rng = np.random.default_rng(0)

    def pool(n, scale):  # (standardised residual, mean, log sd, mass)
        return np.column_stack([rng.normal(0, scale, n), rng.normal(size=n), np.zeros(n),
                                np.full(n, -1.0)])

    def raw_ms(p):
        return np.mean((p[:, 0] * np.exp(p[:, 2])) ** 2)

    pools = [{0: pool(40, 0.5), 1: pool(40, 1.0)} for _ in range(3)]
    # column 0: 12 out-of-bag cells per model (36 together); column 1: 40 (calibrated already)
    moments = [{0: (12 * 1.0, 12), 1: (40 * 2.0, 40)} for _ in range(3)]
    out = borrow_calibration(pools, moments)
    for mine, before in zip(out, pools):
        assert raw_ms(mine[0]) == pytest.approx((raw_ms(before[0]) + 1.0) / 2, rel=1e-12)
        np.testing.assert_array_equal(mine[0][:, 1:], before[0][:, 1:])
        assert mine[1] is before[1]  # its own model's cells were enough
    # too few together: as they are; models without out-of-bag rows: as they are
    few = borrow_calibration(pools, [{0: (5.0, 5), 1: (40.0, 40)}] * 3)
    assert all(f[0] is p[0] for f, p in zip(few, pools))
    assert borrow_calibration(pools, [{}, {}, {}]) == pools
    # a model with enough cells of its own keeps its pool while another borrows
    mixed = borrow_calibration(pools[:2], [{0: (40.0, 40)}, {0: (10.0, 10)}])
    assert mixed[0][0] is pools[0][0]
    assert raw_ms(mixed[1][0]) == pytest.approx((raw_ms(pools[1][0]) + 1.0) / 2, rel=1e-12)
    # a pool that is all observed rows (too few in-bag cells): the in-bag moments, not the pool
    fallback = borrow_calibration(pools, moments, [{0: (8 * 0.1, 8)}, {}, {}])
    assert raw_ms(fallback[0][0]) == pytest.approx((0.1 + 1.0) / 2, rel=1e-12)
    assert raw_ms(fallback[1][0]) == pytest.approx((raw_ms(pools[1][0]) + 1.0) / 2, rel=1e-12)


def test_donor_rows_cap_the_pool_deterministically_and_only_above_the_cap(monkeypatch):
    from socgan._core import gain as _g

    child = np.random.SeedSequence(5).spawn(2)[1]
    rows = np.arange(3, 1003)
    assert _g.donor_rows(rows, child) is rows  # under the cap: the rows themselves
    monkeypatch.setattr(_g, "_MAX_DONOR_ROWS", 100)
    sub = _g.donor_rows(rows, child)
    assert len(sub) == 100 and np.all(np.diff(sub) > 0) and np.isin(sub, rows).all()
    np.testing.assert_array_equal(sub, _g.donor_rows(rows, child))  # same seed, same subset
    other = _g.donor_rows(rows, np.random.SeedSequence(5).spawn(2)[0])
    assert not np.array_equal(sub, other)
    # the imputation's own stream is untouched: default_rng(child) draws as before
    assert np.random.default_rng(child).random() == np.random.default_rng(
        np.random.SeedSequence(5).spawn(2)[1]).random()


def test_capped_donor_pools_still_impute_every_cell_and_keep_observed_values(monkeypatch):
    import socgan
    from socgan._core import gain as _g

    monkeypatch.setattr(_g, "_MAX_DONOR_ROWS", 60)
    data = socgan.datasets.seed_experiment(400, seed=3)
    imp = socgan.impute(data, m=2, seed=1, epochs=3, progress=False)
    for d in imp.datasets:
        assert not d.isna().any().any()
        observed = data.notna()
        for col in data.columns:
            assert (d.loc[observed[col], col] == data.loc[observed[col], col]).all()


def test_training_hides_exactly_the_cells_of_the_given_patterns(encoded):
    """With ``patterns`` each training row hides the cells missing in a drawn pattern: a pattern
    that hides nothing leaves no loss at all; one that hides only the first column leaves a
    loss that a zero weight on that column removes."""
    x, mask, enc = encoded
    full = mask.copy()
    full[:] = 1.0  # every cell observed, so that held-out cells come from the pattern alone
    d = mask.shape[1]
    settings = GainSettings(epochs=2, batch_size=32)
    rows = [np.arange(len(x))]

    def rec_losses(patterns, cell_weights=None):
        _, hist = train_models(x, full, enc, settings, rows, [None], [3], patterns=patterns,
                               cell_weights=cell_weights)
        return np.array([h[3] for h in hist[0]])

    nothing = (np.ones((1, d)), np.array([1.0]))
    assert np.all(rec_losses(nothing) == 0)
    first_only = np.ones((1, d))
    first_only[0, 0] = 0.0
    assert np.all(rec_losses((first_only, np.array([1.0]))) > 0)
    weights = np.ones_like(full)
    weights[:, 0] = 0.0
    assert np.all(rec_losses((first_only, np.array([1.0])), weights) == 0)
    # patterns are drawn with their weights: a zero-weight pattern is never used
    assert np.all(rec_losses((np.vstack([np.ones((1, d)), first_only]), np.array([1.0, 0.0]))) == 0)


def test_stop_epochs_leaves_training_unchanged_until_a_model_stops(encoded):
    """``stop_epochs`` (small-area stacking) validates on its own random stream: while no model
    stops, training is exactly what it is without the rule; a model that stops keeps its
    weights of lowest out-of-bag loss, and the validation loss then counts only the columns the
    patterns hide."""
    x, mask, enc = encoded
    rng = np.random.default_rng(1)
    rows = [rng.choice(len(x), len(x)) for _ in range(2)]
    oob = [np.setdiff1d(np.arange(len(x)), r) for r in rows]
    d = mask.shape[1]
    first_only = np.ones((1, d))
    first_only[0, 0] = 0.0
    patterns = (first_only, np.array([1.0]))
    base = GainSettings(epochs=6, batch_size=32)
    plain, _ = train_models(x, mask, enc, base, rows, [None] * 2, [5, 6], patterns=patterns)
    never = GainSettings(epochs=6, batch_size=32, stop_epochs=100)
    ruled, hist = train_models(x, mask, enc, never, rows, [None] * 2, [5, 6], patterns=patterns,
                               stop_rows=oob)
    for ell in range(2):
        for a, b in zip(_weights(plain, ell), _weights(ruled, ell)):
            torch.testing.assert_close(a, b, rtol=0, atol=0)
        assert [h[0] for h in hist[ell]] == [1, 2, 3, 4, 5, 6]
    # a long cap on 120 rows: the out-of-bag loss of the first column stops improving
    long = GainSettings(epochs=400, batch_size=32, stop_epochs=10)
    stopped, hist = train_models(x, mask, enc, long, rows, [None] * 2, [5, 6],
                                 patterns=patterns, stop_rows=oob)
    for ell in range(2):
        epochs = [h[0] for h in hist[ell]]
        assert epochs[-1] < 400
        valid = np.array([h[4] for h in hist[ell]])
        # only the first column (Y, numeric) is held out: the validation loss is its
        # 0.5·log(MSE) (about −0.4 here), not a mean with a constant 0.5·log(1e-8) for the
        # numeric column X that has no held-out cell and 0 for Bin (about −3.2)
        assert np.isfinite(valid).all() and valid.min() > -2


@settings(max_examples=60, deadline=None)
@given(n_donors=st.integers(1, 400), n_cells=st.integers(0, 300), seed=st.integers(0, 2**32 - 1),
       ties=st.booleans())
def test_donor_search_finds_the_nearest_donors_with_ties_kept_whole(n_donors, n_cells, seed, ties):
    """Issue 19 / a user's trial: the donors' k-d tree is queried in Z order for speed, and
    donors with equal predictions are equally near. Without ties each cell gets exactly the
    neighbours (in order) of the plain query; with ties, its candidates are the donors nearer
    than its _DONORS-th nearest, plus some or all of those as near as it."""
    from scipy.spatial import cKDTree

    from socgan._core.gain import _DONORS, _nearest_donors

    rng = np.random.default_rng(seed)
    donors = rng.normal(size=(n_donors, 3))
    donors[:, 2] = rng.normal(-1, 0.3, n_donors)  # log sd
    mu, sd = rng.normal(size=n_cells) * 2, np.exp(rng.normal(-1, 0.5, n_cells))
    if ties:  # repeated donors and cells sitting on donors: many equal distances
        donors = np.round(donors, 1)
        if n_cells:
            donors[: n_donors // 2] = donors[0]
            pick = rng.integers(0, n_donors, n_cells)
            mu, sd = donors[pick, 1].copy(), np.exp(donors[pick, 2])
    matches = _nearest_donors(mu, sd, donors)
    feats = donors[:, 1:]
    scale = feats.std(axis=0)
    scale[scale == 0] = 1.0
    k = min(_DONORS, n_donors)
    queries = np.column_stack([mu, np.log(sd)]) / scale
    dist, plain = cKDTree(feats / scale).query(queries, k=k)
    dist, plain = np.asarray(dist).reshape(n_cells, k), np.asarray(plain).reshape(n_cells, k)
    if len(np.unique(feats, axis=0)) == n_donors:
        np.testing.assert_array_equal(matches.near, plain)
        return
    for i in range(n_cells):
        last = np.argmax(matches.cum[i] >= k)
        cand = np.concatenate([matches.members[matches.start[g]:matches.start[g] + n]
                               for g, n in zip(matches.groups[i, :last + 1],
                                               np.diff(np.r_[0, matches.cum[i, :last + 1]]))])
        assert len(cand) == len(set(cand)) >= k
        d_all = np.linalg.norm(feats / scale - queries[i], axis=1)
        assert set(np.flatnonzero(d_all < dist[i, -1] - 1e-9)) <= set(cand)
        assert set(cand) <= set(np.flatnonzero(d_all <= dist[i, -1] + 1e-9))


def test_cells_whose_nearest_donors_are_tied_draw_from_the_whole_tie():
    """Every donor with the same prediction (a network constant over the rows, or categorical
    covariates only): the cells' residuals come from all of them, not from the first ten the
    tree lists (which gave a user's unrelated 1-6 item ten distinct imputed values)."""
    from socgan._core.encoding import ColumnSpec
    from socgan._core.gain import _residual_draw

    rng = np.random.default_rng(0)
    resid = rng.normal(size=500)
    donors = np.column_stack([resid, np.zeros(500), np.zeros(500)])
    donors[400:, 1] = 1.0  # a second group, farther from the cells
    col = ColumnSpec(name="y", kind="continuous", dtype=float, start=0, width=1, low=-10, high=10)
    out = _residual_draw(np.zeros(4000), np.ones(4000), donors, col, np.random.default_rng(1))
    assert len(np.unique(out)) > 300  # the 400 donors of the nearer group, not 10
    assert np.isin(out, resid[:400]).all()
