"""A column never observed beside a level of another (a source that did not measure it, a
skip pattern): warned about, and its cells there drawn with that column hidden from the
networks, which learned nothing about the pair (``socgan._core.gain.unseen_levels``)."""

import warnings

import numpy as np
import pandas as pd
import pytest

import socgan
from socgan._core.encoding import Encoder
from socgan._core.gain import unseen_levels

FAST = dict(max_steps=400, progress=False)


def two_sources(n=900, seed=0):
    """Two sources: 'lab' measures y (y = x + noise), 'web' never does; the sources differ in
    x's distribution, as sources do."""
    rng = np.random.default_rng(seed)
    src = np.where(rng.random(n) < 0.6, "lab", "web")
    x = rng.normal(size=n) + np.where(src == "web", 0.7, 0.0)
    y = x + 0.3 * rng.normal(size=n)
    df = pd.DataFrame({"src": pd.Categorical(src), "x": x, "y": y,
                       "z": rng.normal(size=n)})
    df.loc[src == "web", "y"] = np.nan
    df.loc[rng.random(n) < 0.1, "z"] = np.nan
    return df, y


def test_unseen_levels_finds_the_pairs_and_their_rows():
    df, _ = two_sources()
    enc = Encoder.fit(df)
    x, mask = enc.transform(df)
    found = unseen_levels(x, mask, enc)
    src, y = 0, 2
    web = enc.columns[src].levels.index("web")
    assert found == [(y, src, web, int((df["src"] == "web").sum()))]
    # a bootstrap sample that holds no 'web' row: nothing unseen there
    lab_only = np.where(df["src"] == "lab", 1, 0)
    assert unseen_levels(x, mask, enc, weights=lab_only) == []


def test_cells_beside_an_unseen_level_follow_the_relation_to_the_other_columns():
    df, truth = two_sources()
    web = (df["src"] == "web").to_numpy()
    with pytest.warns(UserWarning, match=r"never observed beside a level.*'y' where 'src' is "
                                         r"'web' \(\d+ rows\).*skip pattern"):
        imp = socgan.impute(df, m=5, seed=2, **FAST)
    shifts = [float((d.loc[web, "y"] - d.loc[web, "x"]).mean()) for d in imp.datasets]
    # y - x is 0 on average where y is seen; unseen, each imputation extrapolated its own shift
    assert max(abs(s) for s in shifts) < 0.15, shifts


def test_a_saved_imputer_keeps_them(tmp_path):
    df, _ = two_sources()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        imputer = socgan.GainImputer(m=2, seed=1, **FAST).fit(df)
    assert imputer.fitted_.unseen and all(imputer.fitted_.unseen)
    imputer.save(tmp_path / "m.safetensors")
    loaded = socgan.GainImputer.load(tmp_path / "m.safetensors")
    assert loaded.fitted_.unseen == imputer.fitted_.unseen
    for a, b in zip(imputer.impute(df, seed=4).datasets, loaded.impute(df, seed=4).datasets):
        pd.testing.assert_frame_equal(a, b)


def test_no_warning_when_every_level_is_seen():
    df, truth = two_sources()
    df.loc[df.index[df["src"] == "web"][:20], "y"] = truth[df["src"] == "web"][:20]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        socgan.impute(df, m=2, seed=1, **FAST)


def test_a_numeric_identifier_is_warned_about():
    df, _ = two_sources(n=200)
    ids = df.assign(id=np.arange(1001, 1201))
    with pytest.warns(UserWarning, match=r"Column\(s\) 'id' hold a different whole number in every "
                                         r"row, in increasing order"):
        socgan.impute(ids, m=2, seed=1, max_steps=5, progress=False)
    # shuffled (not an identifier's order), or a number that repeats: no such warning
    for other in (ids.assign(id=np.random.default_rng(1).permutation(200)),
                  ids.assign(id=np.arange(200) // 2)):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            socgan.impute(other, m=2, seed=1, max_steps=5, progress=False)
        assert not any("increasing order" in str(w.message) for w in caught)


def test_an_identifier_stored_as_float_is_warned_about_as_r_sends_it():
    """A user's trial: ``mice::fdd$id`` arrives from R as doubles (1, 2, ..., 8, 10, 12, ...)
    and got no warning, where the same ids as integers did."""
    df, _ = two_sources(n=200)
    ids = np.arange(1, 201, dtype=float)
    ids[100:] += 2.0  # gaps, as fdd's
    with pytest.warns(UserWarning, match=r"'id' hold a different whole number in every row"):
        socgan.impute(df.assign(id=ids), m=2, seed=1, max_steps=5, progress=False)
    # a measurement that happens to increase but is not whole: no such warning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        socgan.impute(df.assign(id=ids + 0.5), m=2, seed=1, max_steps=5, progress=False)
    assert not any("increasing order" in str(w.message) for w in caught)


def test_dates_written_as_text_are_warned_about():
    """A user's trial: the ESS's interview dates, read from a CSV as text ("2018-09-11"), were
    imputed as 158-level categories and made imputation 20 times slower without a word."""
    df, _ = two_sources(n=200)
    days = pd.Timestamp("2018-09-01") + pd.to_timedelta(np.arange(200) % 40, unit="D")
    text = pd.Series(days.strftime("%Y-%m-%d"), index=df.index, dtype=object)
    text.iloc[::17] = None
    with pytest.warns(UserWarning, match=r"'interview' \(40 distinct, e\.g\. '2018-09-0\d'\) hold "
                                         r"dates written as text"):
        socgan.impute(df.assign(interview=text), m=2, seed=1, max_steps=5, progress=False)
    with warnings.catch_warnings(record=True) as caught:  # other text: no such warning
        warnings.simplefilter("always")
        socgan.impute(df.assign(interview=text.str.replace("-", "/", regex=False)), m=2, seed=1,
                      max_steps=5, progress=False)
    assert not any("dates written as text" in str(w.message) for w in caught)


def test_dates_sent_by_r_as_numbers_are_not_taken_for_identifiers():
    """R's complete Date and POSIXct columns cross as doubles (days or seconds since 1970);
    sorted ones with a value per row must not be called identifiers (the R suite's 'when' and
    'stamp' were, once float ids counted)."""
    df, _ = two_sources(n=200)
    days = 19_000.0 + np.arange(200)
    seconds = 1.7e9 + 3600.0 * np.arange(200)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        socgan.impute(df.assign(when=days, stamp=seconds), m=2, seed=1, max_steps=5,
                      progress=False)
    assert not any("increasing order" in str(w.message) for w in caught)


def test_an_item_not_asked_in_one_year_is_named_in_a_warning():
    """A user's trial (ANES, 2000-2012): the feeling thermometers are missing for every 2002
    respondent, and ``year`` is a whole-number column, not a level; they were imputed without a
    word. Now a warning names the column, the year and the rows."""
    rng = np.random.default_rng(1)
    n = 400
    year = rng.choice([2000, 2002, 2004, 2008], n)
    pid = rng.integers(1, 8, n).astype(float)
    therm = 50 + 5 * (pid - 4) + rng.normal(0, 10, n)
    therm[year == 2002] = np.nan
    therm[rng.random(n) < 0.1] = np.nan
    pid[rng.random(n) < 0.1] = np.nan
    d = pd.DataFrame({"year": year, "pid": pid, "therm": therm})
    k = int((year == 2002).sum())
    with pytest.warns(UserWarning, match=rf"'therm' where 'year' is 2002 \({k} rows\)"):
        socgan.impute(d, m=2, seed=1, epochs=2, progress=False)
    d.loc[d.index[year == 2002][:12], "therm"] = 50.0  # asked of a few: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        socgan.impute(d, m=2, seed=1, epochs=2, progress=False)
