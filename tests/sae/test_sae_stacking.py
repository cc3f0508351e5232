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


def _survey_selected_on_the_outcome(n: int, seed: int):
    """Respondents whose income is skipped more often by non-voters (MAR given the outcome)."""
    from socgan._core.encoding import Encoder
    from socgan.sae._stacking import _stack

    rng = np.random.default_rng(seed)
    age = rng.integers(0, 4, n)
    voted = (rng.random(n) < 1 / (1 + np.exp(-(-0.3 + 0.4 * age)))).astype(float)
    income = rng.integers(0, 3, n).astype(object)
    skip = rng.random(n) < 1 / (1 + np.exp(-(-0.5 - 1.5 * voted)))
    income[skip] = None
    survey = pd.DataFrame({"age": pd.Categorical(age), "income": pd.Categorical(income),
                           "voted": voted})
    census = pd.DataFrame({"age": pd.Categorical(rng.integers(0, 4, 50)),
                           "income": pd.Categorical(rng.integers(0, 3, 50))})
    stacked = _stack(survey, census, "voted")
    enc = Encoder.fit(stacked)
    x, mask = enc.transform(stacked)
    return x, mask, enc, voted, ~skip


def test_complete_case_weights_make_complete_respondents_stand_for_all():
    from socgan.sae._stacking import _complete_case_weights

    x, mask, enc, voted, complete = _survey_selected_on_the_outcome(20_000, 1)
    w = _complete_case_weights(x, mask, enc, n_cells=50)
    assert w.shape == mask.shape
    # only the outcome of complete survey rows is weighted
    assert np.all(w[:, 1:] == 1) and np.all(w[:50] == 1)
    assert np.all(w[50:][~complete, 0] == 1)
    wc = w[50:][complete, 0]
    assert abs(wc.mean() - 1) < 1e-5
    # unweighted, complete rows overstate turnout; weighted, they stand for all respondents
    assert voted[complete].mean() - voted.mean() > 0.05
    assert abs(np.average(voted[complete], weights=wc) - voted.mean()) < 0.01
    # within an age group as well (the weights depend on the outcome and age, not on age alone)
    age = x[50:, enc.columns[1].start:enc.columns[1].stop].argmax(1)
    for a in range(4):
        sel = age[complete] == a
        assert abs(np.average(voted[complete][sel], weights=wc[sel])
                   - voted[age == a].mean()) < 0.03


def test_complete_case_weights_are_none_when_every_respondent_is_complete():
    from socgan.sae._stacking import _complete_case_weights

    x, mask, enc, _, _ = _survey_selected_on_the_outcome(2_000, 2)
    mask = mask.copy()
    mask[50:, :] = 1.0
    assert _complete_case_weights(x, mask, enc, n_cells=50) is None


def test_stacking_width_does_not_grow_with_the_number_of_areas():
    from socgan._core.encoding import Encoder
    from socgan._core.gain import GainSettings
    from socgan.sae._stacking import stacking_width

    rng = np.random.default_rng(3)
    n = 3_000

    def width(n_areas: int, n_numeric: int) -> int:
        df = pd.DataFrame({"area": pd.Categorical(rng.integers(0, n_areas, n)),
                           "y": rng.integers(0, 2, n).astype(float),
                           **{f"z{k}": rng.normal(size=n) for k in range(n_numeric)}})
        return stacking_width(Encoder.fit(df), "area", GainSettings())

    assert width(10, 3) == width(2_000, 3) == 128  # areas do not widen the networks
    assert width(10, 200) == 2 * (200 + 1 + 1)  # covariates do, as in impute
    assert width(10, 2_000) == GainSettings().max_hidden
