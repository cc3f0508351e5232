"""The GAN's conditional encoding, matched margins and PGB's tree candidates (issue 17, points 1, 3;
``socgan.synth._conditional``).

What is checked: rows go to cells and back without leaving their cell; a real row's conditional
vector is its own level, a generated row's follows the block's frequencies; the one-way
histograms are noised and accounted (a private conditional release spends at most its epsilon,
and more noise goes to DP-SGD because of them); a trained conditional generator gives the level it
is asked for; and a release stays in its bounds with its margins and the order of group means.
(It does *not* keep correlations better than the plain GAN on this survey -- bench/RESULTS.md --
which is why ``conditional`` is off by default.)"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from socgan.synth import LowSignalWarning, synthesize
from socgan.synth import _accounting as acc
from socgan.synth import _conditional as cd
from socgan.synth import _marginals as mg
from socgan.synth._dpgan import train_gan
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


def coding_of(d: pd.DataFrame, modes: int = 10, noise_sd=None, seed: int = 0):
    cols = build_schema(d, BOUNDS)
    x = encode(d, cols)
    rng = np.random.default_rng(seed)
    hist = cd.one_way(x, cols, noise_sd, rng if noise_sd is not None else None)
    return cols, x, cd.build(cols, modes, hist, noise_sd)


def test_rows_go_to_their_cells_and_back_inside_them():
    d = survey(3000, 1)
    cols, x, coding = coding_of(d)
    g = cd.to_gan(x, coding)
    assert g.shape[1] == coding.gan_cols[-1].stop
    assert (g.sum(1) == len(cols)).all()  # one cell per column, one-hot
    back = cd.from_gan(g, coding, np.random.default_rng(0))
    same = mg.codes(back, cols, coding.spec) == mg.codes(x, cols, coding.spec)
    assert same.all()
    # discrete levels come back exactly; numeric cells hold about equal shares of the rows
    assert np.array_equal(back[:, cols[2].start:cols[3].stop], x[:, cols[2].start:cols[3].stop])
    shares = np.bincount(mg.codes(x, cols, coding.spec)[:, 1]) / len(x)
    assert len(shares) == 10 and shares.min() > 0.05 and shares.max() < 0.15
    # the frequencies of the conditional vectors are the exact one-way distributions here
    edu = coding.blocks.index(coding.cell_of[2])
    np.testing.assert_allclose(coding.freqs[edu], d.edu.value_counts(normalize=True, sort=False))


def test_real_rows_get_their_own_level_generated_rows_the_frequencies():
    d = survey(2000, 2)
    cols, x, coding = coding_of(d)
    cond = cd.Conditioner(coding)
    g = torch.from_numpy(cd.to_gan(x, coding))
    own = cond.own(g, np.random.default_rng(1))
    assert own.shape == (len(x), coding.cond_width)
    assert (own.sum(1) == 1).all()  # one level of one block each
    for b, start in zip(coding.blocks, coding.cond_start):
        blk = coding.gan_cols[b]
        part = own[:, start:start + blk.width]
        chosen = part.sum(1) == 1
        assert torch.equal(part[chosen], g[chosen, blk.start:blk.stop])  # its own level
    c, target, mask = cond.generated(40_000, torch.Generator().manual_seed(3))
    assert (c.sum(1) == 1).all() and mask[torch.arange(len(c)), target].all()
    edu = coding.blocks.index(coding.cell_of[2])
    blk, start = coding.gan_cols[coding.blocks[edu]], coding.cond_start[edu]
    rows = c[:, start:start + blk.width].sum(1) == 1
    share = c[rows, start:start + blk.width].mean(0).numpy()
    np.testing.assert_allclose(share, coding.freqs[edu], atol=0.03)


def test_noisy_histograms_are_accounted_with_dp_sgd():
    d = survey(4000, 3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LowSignalWarning)
        rel = synthesize(d, epsilon=2.0, bounds=BOUNDS, method="dpgan", steps=50,
                         progress=False, insecure_seed=1, conditional=True)
    r = rel.report
    assert rel.epsilon <= 2.0 + 1e-9 and r["gan_modes"] == 10
    z1, sigma = r["one_way_noise_multiplier"], r["noise_multiplier"]
    assert r["one_way_noise_std"] == pytest.approx(z1 * np.sqrt(4))
    # the joint composition with the Gaussian spends the requested budget...
    q = r["sampling_rate"]
    joint = acc.epsilon(acc.Events(sigma, q, 50, gaussian_noise=z1), rel.delta)["epsilon"]
    assert joint == pytest.approx(r["epsilon_joint"], rel=1e-6)
    assert r["count_epsilon"] + joint <= 2.0 + 1e-9
    # ... and without the histograms DP-SGD alone would have had less noise
    alone = acc.calibrate_noise(2.0 - r["count_epsilon"], rel.delta, sampling_rate=q, steps=50)
    assert sigma > alone
    # conditional=False (the default) still measures the histograms to match the margins
    plain = synthesize(d, epsilon=2.0, bounds=BOUNDS, method="dpgan", steps=50, progress=False,
                       insecure_seed=1).report  # the same noisy count: the same sampling rate
    assert "gan_modes" not in plain and plain["one_way_noise_multiplier"] == pytest.approx(z1)
    assert "rank-keeping" in plain["gan_margins"]
    assert plain["margins_matched"] == {"age": True, "income": True}
    raw = synthesize(d, epsilon=2.0, bounds=BOUNDS, method="dpgan", steps=50, progress=False,
                     insecure_seed=1, match_margins=False).report
    assert "one_way_noise_multiplier" not in raw and "gan_margins" not in raw
    assert raw["noise_multiplier"] < sigma  # nothing else shares the budget


def test_trained_generator_gives_the_level_it_is_asked_for():
    d = survey(3000, 4)
    cols, x, coding = coding_of(d)
    cond = cd.Conditioner(coding)
    g = cd.to_gan(x, coding)
    torch.manual_seed(0)
    trained = train_gan(g, coding.gan_cols, steps=300, sampling_rate=0.1, noise_multiplier=None,
                        clip_norm=1.0, hidden=64, lr=1e-3, n_snapshots=1, seed=0,
                        progress=False, conditioner=cond)
    gen = torch.Generator().manual_seed(9)
    c, target, mask = cond.generated(5000, gen)
    with torch.no_grad():
        rows, _ = trained.generator.rows_and_logits(5000, gen, c)
    hit = (rows[torch.arange(5000), target] == 1).float().mean()
    # by chance a row would hit the level asked for with that level's frequency
    chance = np.mean([coding.freqs[coding.blocks.index(
        next(j for j in coding.blocks if coding.gan_cols[j].start <= t < coding.gan_cols[j].stop))
    ][t - coding.gan_cols[next(j for j in coding.blocks
                               if coding.gan_cols[j].start <= t < coding.gan_cols[j].stop)].start]
        for t in target.tolist()])
    assert chance < 0.35 and hit > 0.7  # 0.78 after 300 steps (its levels are Gumbel draws)


def _tvd_deciles(a: pd.Series, b: pd.Series) -> float:
    e = np.unique(np.quantile(a, np.linspace(0, 1, 11)))
    e[0], e[-1] = -np.inf, np.inf
    return 0.5 * float(np.abs(np.histogram(a, e)[0] / len(a) - np.histogram(b, e)[0] / len(b)).sum())


def test_conditional_release_keeps_margins_and_the_order_of_group_means():
    d = survey(5000, 5)
    rel = synthesize(d, epsilon=None, method="gan", bounds=BOUNDS, steps=800, progress=False,
                     seed=2, conditional=True)
    s = rel.data
    assert rel.report["gan_modes"] == 10 and "conditional" in rel.report["gan_encoding"]
    assert s.age.between(18, 99).all() and s.income.between(0, 10_000).all()
    assert _tvd_deciles(d.age, s.age) < 0.1 and _tvd_deciles(d.income, s.income) < 0.12
    assert np.abs(s.edu.value_counts(normalize=True) - d.edu.value_counts(normalize=True)).max() < 0.05
    m = s.groupby("edu", observed=True).income.mean()
    assert m["low"] < m["mid"] < m["high"]


def test_modes_and_conditional_are_checked():
    d = survey(200, 6)
    with pytest.raises(ValueError, match="modes"):
        synthesize(d, epsilon=None, method="gan", bounds=BOUNDS, modes=1, steps=5,
                   conditional=True, progress=False)
    with pytest.raises(ValueError, match="modes"):
        synthesize(d, epsilon=None, method="marginals-nonprivate", bounds=BOUNDS, modes=5)
    with pytest.raises(ValueError, match="conditional=False"):
        synthesize(d, epsilon=None, method="gan", bounds=BOUNDS, modes=5, steps=5, progress=False)
    rel = synthesize(d, epsilon=None, method="gan", bounds=BOUNDS, modes=4.0, steps=5,
                     conditional=True, progress=False, seed=1)  # R's 4 is 4.0
    assert rel.report["gan_modes"] == 4


def test_matched_margins_keep_every_rank_and_take_the_histograms_distribution():
    d = survey(4000, 7)
    cols, x, coding = coding_of(d)
    hist = cd.one_way(x, cols, None, None)
    rng = np.random.default_rng(0)
    # generated rows whose numeric margins are off: squeezed to the middle, and one tie-heavy
    g = x.copy()
    g[:, cols[0].start] = 0.4 + 0.2 * rng.random(len(g)) ** 3
    g[:, cols[1].start] = np.round(0.5 + 0.05 * rng.standard_normal(len(g)), 2)
    before = g.copy()
    out, matched = cd.match_margins(g, cols, hist, None, np.random.default_rng(1))
    assert matched == ["age", "income"]
    assert np.array_equal(g, before)  # not modified in place
    for c in cols[:2]:
        a, b = g[:, c.start], out[:, c.start]
        # ranks kept: a larger input never gets a smaller output
        o = np.argsort(a, kind="stable")
        assert (np.diff(b[o])[np.diff(a[o]) > 0] >= 0).all()
        # the distribution is now the data's (within a fine cell's width)
        qs = np.linspace(0.05, 0.95, 19)
        assert np.abs(np.quantile(b, qs) - np.quantile(x[:, c.start], qs)).max() < 0.03
    # discrete columns untouched
    assert np.array_equal(out[:, cols[2].start:], g[:, cols[2].start:])


def test_release_with_matched_margins_keeps_the_gans_relation():
    d = survey(3000, 8)
    kw = dict(epsilon=None, method="gan", bounds=BOUNDS, steps=400, progress=False, seed=3)
    raw = synthesize(d, match_margins=False, **kw).data
    rel = synthesize(d, **kw)
    s = rel.data
    assert "rank-keeping" in rel.report["gan_margins"]
    # the same generator and draws: the Spearman correlation is the raw release's
    rho = lambda t: t.age.rank().corr(t.income.rank())
    assert rho(s) == pytest.approx(rho(raw), abs=0.02)
    # and the margins are the data's
    assert _tvd_deciles(d.income, s.income) < 0.03 < _tvd_deciles(d.income, raw.income)
    assert _tvd_deciles(d.age, s.age) < 0.03


def test_a_non_private_release_takes_the_datas_own_values_heaps_included():
    """Survey values are heaped (wages in round amounts): a non-private release's numeric
    columns hold the data's values, in the generator's ranks, so no detector can tell them
    apart by the heaps; a private one never sees them (its margins come from noisy histograms)."""
    d = survey(1500, 12)
    d["income"] = np.round(d.income / 250) * 250  # 20-odd heaped amounts
    kw = dict(method="gan", bounds=BOUNDS, steps=150, progress=False, seed=4)
    raw = synthesize(d, epsilon=None, match_margins=False, **kw).data
    rel = synthesize(d, epsilon=None, **kw)
    s = rel.data
    assert "data's own values" in rel.report["gan_margins"]
    for c in ("age", "income"):
        assert np.array_equal(np.sort(s[c].to_numpy()), np.sort(d[c].to_numpy()))  # a permutation
        assert s[c].dtype == d[c].dtype
        # ranks kept: a row the generator put higher is never lower after the map
        o = np.argsort(raw[c].to_numpy(), kind="stable")
        assert (np.diff(s[c].to_numpy()[o])[np.diff(raw[c].to_numpy()[o]) > 0] >= 0).all()
    assert set(raw.income.unique()) - set(d.income.unique())  # the generator's own values
    # fewer rows than the data: still only the data's values, at the data's quantiles
    few = synthesize(d, epsilon=None, n_rows=300, **kw).data
    assert set(few.income.unique()) <= set(d.income.unique())
    assert abs(few.income.median() - d.income.median()) <= 250
    # data outside the public bounds, clipped: the data's values stay inside them, also in
    # float32, whose nearest value to a bound of 0.1 lies above it
    f = pd.DataFrame({"v": np.random.default_rng(1).uniform(0, 0.2, 400).astype(np.float32),
                      "edu": d.edu[:400].to_numpy()})
    got = synthesize(f, epsilon=None, method="gan", bounds={"v": (0.0, 0.1), "edu": BOUNDS["edu"]},
                     out_of_bounds="clip", steps=20, progress=False, seed=1).data.v
    assert got.dtype == np.float32 and float(got.max()) <= 0.1 and (got == got.max()).mean() > 0.3
    # private: not one heaped amount is copied beyond what chance on a fine grid gives
    priv = synthesize(d, epsilon=3.0, delta=1e-5, **{**kw, "method": "dpgan"}).data
    assert priv.income.isin(d.income.unique()).mean() < 0.2


# -- PGB's pool with the marginals' tree as one more generator (issue 17, point 3) ------------

def test_tree_candidates_join_pgbs_pool_and_their_tables_are_accounted():
    d = survey(3000, 9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LowSignalWarning)
        rel = synthesize(d, epsilon=2.0, method="pgb", bounds=BOUNDS, steps=60, snapshots=4,
                         candidates=2000, pgb_rounds=20, pgb_tree_share=0.3, progress=False,
                         seed=1)
    r = rel.report
    assert rel.epsilon <= 2.0 + 1e-9
    assert r["candidates_tree"] == 400 and r["candidates"] == 2000  # 5 generators, 400 each
    z_tab = acc.calibrate_gaussian(0.3 * 2.0, rel.delta)
    assert r["pgb_tree_noise_std"] == pytest.approx(z_tab * np.sqrt(6))  # 6 two-way tables
    # the one-way and two-way Gaussians compose to one, accounted jointly with DP-SGD and PGB
    z1 = r["one_way_noise_multiplier"]
    z = 1 / np.sqrt(1 / z1 ** 2 + 1 / z_tab ** 2)
    ev = acc.Events(r["noise_multiplier"], r["sampling_rate"], 60, r["pgb_epsilon_per_round"], 20,
                    gaussian_noise=z)
    assert r["count_epsilon"] + acc.epsilon(ev, rel.delta)["epsilon"] <= 2.0 + 1e-9
    assert "two-way table" in r["one_way_event"]


def test_tree_candidates_carry_the_relation_into_pgbs_release():
    d = survey(3000, 10)
    kw = dict(epsilon=None, method="pgb-nonprivate", bounds=BOUNDS, steps=30, snapshots=3,
              candidates=3000, pgb_rounds=30, pgb_marginals=2, progress=False, seed=2)
    real = np.corrcoef(d.age, d.income)[0, 1]
    gan_only = synthesize(d, **kw).data
    with_tree = synthesize(d, pgb_tree_share=0.5, **kw).data
    # 30 steps leave the GAN near its random start; the tree's candidates know the relation
    err = lambda s: abs(np.corrcoef(s.age, s.income)[0, 1] - real)
    assert err(with_tree) < 0.15 < err(gan_only)


def test_tree_share_is_checked():
    d = survey(300, 11)
    with pytest.raises(ValueError, match="pgb_tree_share"):
        synthesize(d, epsilon=1.0, method="dpgan", bounds=BOUNDS, pgb_tree_share=0.2)
    with pytest.raises(ValueError, match="pgb_tree_share"):
        synthesize(d, epsilon=1.0, method="pgb", bounds=BOUNDS, pgb_share=0.5, pgb_tree_share=0.5)
    with pytest.raises(ValueError, match="pgb_tree_share"):
        synthesize(d, epsilon=1.0, method="pgb", bounds=BOUNDS, pgb_tree_share=1.0)


def test_a_histogram_of_mostly_noise_is_not_matched():
    # 223 rows in 25 whole numbers at a noise sd of 40 per cell (mice::boys' tv at epsilon 1):
    # the cells above the noise are a handful, and matching would pile the rows on them
    rng = np.random.default_rng(12)
    d = pd.DataFrame({"tv": rng.integers(1, 26, 223), "g": rng.choice(["a", "b"], 223)})
    cols = build_schema(d, {"tv": (1, 25), "g": ["a", "b"]})
    x = encode(d, cols)
    hist = cd.one_way(x, cols, 40.0, rng)
    out, matched = cd.match_margins(x, cols, hist, 40.0, rng)
    assert matched == [] and np.array_equal(out, x)
    exact = cd.one_way(x, cols, None, None)
    assert cd.match_margins(x, cols, exact, None, rng)[1] == ["tv"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LowSignalWarning)
        # fixed noise: with fresh noise the 30-step DP-GAN collapsed onto one value in a CI run
        # (a rare event the release then names: _warn_collapsed); seeds 1-20 gave 0.32-0.60
        rel = synthesize(d, epsilon=1.0, method="dpgan", bounds={"tv": (1, 25), "g": ["a", "b"]},
                         steps=30, insecure_seed=3, progress=False)
    assert rel.report["margins_matched"] == {"tv": False}
    assert rel.data.tv.value_counts(normalize=True).iloc[0] < 0.9
