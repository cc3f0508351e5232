"""Point masses of numeric columns (the zeros of earnings, hours or amounts spent; top codes):
imputations put cells exactly on them, as often as the donors nearest in prediction are on
them. Before, a continuous column with 47% zero wages (AER::PSID1976) got exact zeros in 3-9%
of its imputed cells and small positive wages for 40% of the women who did not work."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit

import socgan
from socgan._core.encoding import Encoder


def _semicontinuous(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """x ~ N(0, 1); y = 0 with probability expit(-1.5 x), else log-normal with mean rising in
    x; y missing at random given x (more often for large x)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    zero = rng.random(n) < expit(-1.5 * x)
    y = np.where(zero, 0.0, np.exp(0.5 + 0.4 * x + 0.5 * rng.normal(size=n)))
    full = pd.DataFrame({"x": x, "y": y})
    miss = rng.random(n) < expit(-1.0 + 0.8 * x)
    data = full.copy()
    data.loc[miss, "y"] = np.nan
    return full, data, miss


def test_masses_are_found_where_a_value_holds_many_cells_and_only_there():
    rng = np.random.default_rng(1)
    n = 2000  # income: over 1,000 distinct whole numbers
    wage = np.where(rng.random(n) < 0.4, 0.0, rng.lognormal(size=n))
    income = np.where(rng.random(n) < 0.2, 0, rng.integers(1, 100_000, n)).astype(float)
    df = pd.DataFrame({"wage": wage, "normal": rng.normal(size=n),
                       "topcoded": np.minimum(rng.normal(size=n), 1.0),
                       "income": income,  # whole numbers, too many to keep as a support
                       "item": rng.integers(1, 6, n).astype(float)})
    df.iloc[0] = np.nan
    enc = Encoder.fit(df)
    spec = {c.name: c for c in enc.columns}
    assert spec["wage"].masses == [0.0]
    assert spec["normal"].masses == []
    assert spec["topcoded"].masses == [1.0]  # about 16% of the cells are at the top code
    assert spec["income"].kind == "integer" and spec["income"].levels == []
    assert spec["income"].masses == [0.0]
    # a column that keeps its support takes values on it already: only spikes are masses
    assert spec["item"].levels == [1.0, 2.0, 3.0, 4.0, 5.0] and spec["item"].masses == []
    hours = np.where(rng.random(n) < 0.4, 0, rng.integers(10, 600, n)).astype(float)
    skewed = rng.choice([1, 2, 3, 4, 5, 6], n, p=[0.5, 0.2, 0.1, 0.1, 0.05, 0.05]).astype(float)
    enc2 = Encoder.fit(pd.DataFrame({"hours": hours, "skewed": skewed}))
    assert enc2.columns[0].levels and enc2.columns[0].masses == [0.0]  # 0 beside ~0.1% at 10
    assert enc2.columns[1].masses == []  # 50% beside 20%: an ordinary level, not a spike
    # too few cells for a mass: fewer than 5, or under 5% of the observed
    small = Encoder.fit(pd.DataFrame({"v": [0.0, 0.0, 0.0, 0.0, 1.5, 2.5, 3.5, np.nan]}))
    assert small.columns[0].masses == []


def test_a_draw_at_a_mass_decodes_to_exactly_that_value():
    df = pd.DataFrame({"wage": [0.0] * 10 + [1.37, 2.9, 4.1, 5.3, np.nan]})
    enc = Encoder.fit(df)
    c = enc.columns[0]
    z = (np.array([0.0, 2.9]) - c.mean) / c.scale
    out = enc.decode_column(0, z, df["wage"].iloc[:2])
    assert out.iloc[0] == 0.0  # exactly, not 1e-16
    assert abs(out.iloc[1] - 2.9) < 1e-12


def test_imputations_put_the_missing_zeros_on_zero_as_often_as_they_are():
    full, data, miss = _semicontinuous(1500, seed=11)
    imp = socgan.impute(data, m=3, seed=2, epochs=60, progress=False)
    true_zero = (full.loc[miss, "y"] == 0).mean()
    low_x = full.loc[miss, "x"] < 0
    for d in imp.datasets:
        pd.testing.assert_series_equal(d.loc[~miss, "y"], data.loc[~miss, "y"])  # observed kept
        y = d.loc[miss, "y"]
        assert (y >= 0).all()
        # the share of exact zeros among the imputed cells is near the true share (~0.3) ...
        assert abs((y == 0).mean() - true_zero) < 0.07
        # ... and follows x as the truth does (zeros much more likely for low x)
        assert (y[low_x] == 0).mean() > (y[~low_x] == 0).mean() + 0.3
        # no cell sits just above the mass (a wage of 0.001 for someone who does not work)
        assert ((y > 0) & (y < 0.02)).mean() < 0.01


def test_masses_survive_save_and_load(tmp_path):
    _, data, _ = _semicontinuous(300, seed=5)
    fitted = socgan.GainImputer(m=2, seed=1, epochs=5, progress=False).fit(data)
    assert fitted.encoder_.columns[1].masses == [0.0]
    fitted.save(tmp_path / "w.safetensors")
    loaded = socgan.GainImputer.load(tmp_path / "w.safetensors")
    assert loaded.encoder_.columns[1].masses == [0.0]
    a, b = loaded.impute(data, seed=3), fitted.impute(data, seed=3)
    for da, db in zip(a.datasets, b.datasets):
        pd.testing.assert_frame_equal(da, db)
