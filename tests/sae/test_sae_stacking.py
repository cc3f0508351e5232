"""GAIN stacking's census cells (issue 18, point 7): the census is imputed as its distinct rows."""

import numpy as np
import pandas as pd

from socgan.sae._stacking import _census_cells


def test_census_cells_group_identical_rows_missing_values_included():
    rng = np.random.default_rng(0)
    n = 5_000
    census = pd.DataFrame({
        "area": pd.Categorical(rng.choice(list("abcd"), n)),
        "age": pd.Categorical(rng.choice(["y", "o", None], n, p=[0.5, 0.45, 0.05])),
        "prev": rng.choice([0.4, 0.6, np.nan], n),
    })
    first, cell_of_row, counts = _census_cells(census)
    assert counts.sum() == n and len(first) == len(counts) == cell_of_row.max() + 1
    expected = census.astype(str).drop_duplicates()
    assert len(first) == len(expected)
    # every row equals the first row of its cell, missing values alike
    again = census.iloc[first[cell_of_row]].reset_index(drop=True)
    pd.testing.assert_frame_equal(again.astype(str), census.astype(str))
    assert np.array_equal(cell_of_row[first], np.arange(len(first)))
    np.testing.assert_array_equal(counts, np.bincount(cell_of_row))
