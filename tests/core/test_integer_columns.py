"""Whole-number columns (Likert items, counts, codes, brackets) are imputed as the values they
hold, with the end values as likely as the model says (a user's trial on real survey items)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import socgan
from socgan._core.encoding import Encoder


def test_integer_column_keeps_its_observed_values_and_widens_the_end_bins():
    df = pd.DataFrame({"item": pd.array([1, 2, 3, 6, None, 2], dtype="Int64"),
                       "code": [1.0, 5.0, 9.0, np.nan, 5.0, 1.0]})
    enc = Encoder.fit(df)
    item, code = enc.columns
    assert item.kind == code.kind == "integer"
    assert item.levels == [1.0, 2.0, 3.0, 6.0] and code.levels == [1.0, 5.0, 9.0]
    # a draw becomes the nearest observed value; the end values take half a gap beyond the ends
    assert code.draw_range() == (-1.0, 11.0)
    assert item.draw_range() == (0.5, 7.5)
    np.testing.assert_array_equal(code.snap(np.array([-0.9, 2.9, 3.1, 6.9, 7.1, 10.9])),
                                  [1, 1, 5, 5, 9, 9])
    np.testing.assert_array_equal(item.snap(np.array([0.6, 4.4, 4.6, 7.4])), [1, 3, 6, 6])
    out = enc.decode_column(1, (np.array([2.9, 7.2]) - code.mean) / code.scale, df["code"].iloc[:2])
    assert out.tolist() == [1.0, 9.0]


def test_many_distinct_whole_numbers_are_rounded_without_a_stored_support():
    values = np.arange(5000, dtype=float)
    values[3] = np.nan
    spec = Encoder.fit(pd.DataFrame({"income": values})).columns[0]
    assert spec.kind == "integer" and spec.levels == []
    assert spec.draw_range() == (-0.5, 4999.5)
    np.testing.assert_array_equal(spec.snap(np.array([-0.4, 3.6, 5000.2])), [0, 4, 4999])


def test_imputed_item_takes_only_observed_codes_and_its_end_values_as_often_as_observed():
    """MCAR, unrelated to the other column: the imputations should reproduce the item's
    distribution. Before the fix, draws were confined to [1, 6] before rounding, so 1s were
    imputed about half as often as they occur (0.17 against 0.33)."""
    rng = np.random.default_rng(3)
    n = 3000
    item = rng.choice([1, 2, 3, 4, 5, 6], n, p=[0.33, 0.2, 0.15, 0.12, 0.1, 0.1])
    code = rng.choice([1, 5, 9], n)
    df = pd.DataFrame({"item": pd.array(item, dtype="Int64"), "code": code.astype(float),
                       "x": rng.normal(size=n)})
    miss = rng.random(n) < 0.3
    df.loc[miss, "item"] = pd.NA
    df.loc[rng.random(n) < 0.3, "code"] = np.nan
    imp = socgan.impute(df, m=2, seed=1, epochs=30, progress=False)
    observed = df["item"].dropna().to_numpy(int)
    for d in imp.datasets:
        assert set(d["code"].unique()) <= {1.0, 5.0, 9.0}
        imputed = d.loc[miss, "item"].to_numpy(int)
        for level in (1, 6):
            assert abs((imputed == level).mean() - (observed == level).mean()) < 0.05, level
        assert abs(imputed.mean() - observed.mean()) < 0.15
