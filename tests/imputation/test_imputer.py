"""socgan.GainImputer: fit once, impute new rows, transform, save/load without pickle."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import socgan
from socgan.datasets import seed_experiment
from socgan.imputation._imputer import FORMAT_VERSION, NotFittedError

CHEAP = dict(epochs=3, max_steps=30, progress=False)


@pytest.fixture(scope="module")
def df():
    data = socgan.datasets.seed_experiment(240, seed=3)
    data["wave"] = 1  # complete and constant: carried outside the models
    data["Count"] = np.random.default_rng(0).integers(0, 9, len(data))
    data.loc[data.index[::7], "Count"] = np.nan
    data["Count"] = data["Count"].astype("Int64")
    return data


@pytest.fixture(scope="module")
def fitted(df):
    return socgan.GainImputer(m=3, seed=5, **CHEAP).fit(df.iloc[:160])


def assert_same(a, b):
    assert len(a.datasets) == len(b.datasets)
    for x, y in zip(a.datasets, b.datasets):
        pd.testing.assert_frame_equal(x, y)


def test_impute_is_fit_impute(df):
    # socgan.impute is a thin call of the imputer: same seed, same imputations, bit for bit.
    a = socgan.impute(df, m=2, seed=11, **CHEAP)
    b = socgan.GainImputer(m=2, seed=11, **CHEAP).fit_impute(df)
    assert_same(a, b)
    pd.testing.assert_frame_equal(a.diagnostics["loss_history"], b.diagnostics["loss_history"])
    assert a.options == b.options


def test_new_wave_is_imputed_properly(df, fitted):
    new = df.iloc[160:]
    before = new.copy(deep=True)
    imp = fitted.impute(new, seed=1)
    pd.testing.assert_frame_equal(new, before)  # caller's data untouched
    assert imp.m == 3 and imp.options["fitted_entropy"] == fitted.entropy_
    observed = new.notna()
    for d in imp.datasets:
        assert not d.isna().any().any()
        assert (d.dtypes == new.dtypes).all()
        for c in new.columns:  # observed cells never changed
            pd.testing.assert_series_equal(d.loc[observed[c], c], new.loc[observed[c], c])
    # each imputation from its own model: they differ
    assert not imp.datasets[0].equals(imp.datasets[1])
    # the same seed repeats; m below the number of models uses the first ones
    assert_same(fitted.impute(new, seed=1), imp)
    two = fitted.impute(new, m=2, seed=1)
    assert two.m == 2 and set(two.diagnostics["loss_history"]["imputation"]) == {1, 2}
    with pytest.raises(ValueError, match="3 fitted models|has 3"):
        fitted.impute(new, m=4, seed=1)
    assert fitted.impute(new, m=2.0, seed=1).m == 2


def test_transform_is_one_deterministic_completion(df, fitted):
    new = df.iloc[160:]
    t = fitted.transform(new)
    assert isinstance(t, pd.DataFrame) and not t.isna().any().any()
    pd.testing.assert_frame_equal(t, fitted.transform(new))
    one = socgan.GainImputer(m=1, seed=2, **CHEAP)
    pd.testing.assert_frame_equal(one.fit_transform(df), one.transform(df))


def test_new_data_checked_by_column(df, fitted):
    new = df.iloc[160:].copy()
    with pytest.raises(ValueError, match="missing: \\['Categ'\\]"):
        fitted.impute(new.drop(columns="Categ"), seed=1)
    with pytest.raises(ValueError, match="another order"):
        fitted.impute(new[new.columns[::-1]], seed=1)
    bad = new.copy()
    bad["X"] = bad["X"].astype(str)
    with pytest.raises(TypeError, match="Column 'X'"):
        fitted.impute(bad, seed=1)
    bad = new.copy()
    bad["Categ"] = bad["Categ"].astype(object)
    bad.loc[bad.index[0], "Categ"] = "never seen"
    with pytest.raises(ValueError, match="Column 'Categ' has levels not seen.*'never seen'"):
        fitted.impute(bad, seed=1)
    bad = new.copy()
    bad.loc[bad.index[0], "Bin"] = 7
    with pytest.raises(ValueError, match="Column 'Bin' has values not seen"):
        fitted.impute(bad, seed=1)
    bad = new.copy()
    bad.loc[bad.index[0], "wave"] = np.nan
    with pytest.raises(ValueError, match="Column 'wave' was complete"):
        fitted.impute(bad, seed=1)
    with pytest.raises(NotFittedError, match="not fitted"):
        socgan.GainImputer().impute(new)


def test_values_outside_fitted_range_kept_and_draws_inside(df, fitted):
    new = df.iloc[160:].copy()
    new.loc[new.index[0], "X"] = 1e6  # observed, far outside: kept as observed
    imp = fitted.impute(new, seed=4)
    spec = next(c for c in fitted.encoder_.columns if c.name == "X")
    missing = new["X"].isna()
    for d in imp.datasets:
        assert d.loc[new.index[0], "X"] == 1e6
        assert d.loc[missing, "X"].between(spec.low, spec.high).all()


def test_save_load_round_trip(df, fitted, tmp_path):
    path = tmp_path / "wave1.safetensors"
    fitted.save(path)
    loaded = socgan.GainImputer.load(path)
    new = df.iloc[160:]
    assert_same(loaded.impute(new, seed=9), fitted.impute(new, seed=9))
    pd.testing.assert_frame_equal(loaded.transform(new), fitted.transform(new))
    pd.testing.assert_frame_equal(loaded.loss_history_, fitted.loss_history_)
    assert loaded.get_params() == fitted.get_params()
    assert loaded.options_ == fitted.options_


def test_load_refuses_other_versions_and_files(fitted, tmp_path):
    from safetensors import safe_open
    from safetensors.torch import save_file

    path = tmp_path / "imp.safetensors"
    fitted.save(path)
    with safe_open(str(path), framework="pt") as f:
        meta, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}
    schema = json.loads(meta["socgan"])
    schema["version"] = FORMAT_VERSION + 1
    save_file(tensors, str(tmp_path / "future.safetensors"), metadata={"socgan": json.dumps(schema)})
    with pytest.raises(ValueError, match="format version 2"):
        socgan.GainImputer.load(tmp_path / "future.safetensors")
    save_file(tensors, str(tmp_path / "bare.safetensors"))
    with pytest.raises(ValueError, match="no socgan imputer"):
        socgan.GainImputer.load(tmp_path / "bare.safetensors")
    (tmp_path / "pickle.pt").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(ValueError, match="not a safetensors file"):
        socgan.GainImputer.load(tmp_path / "pickle.pt")


def test_settings_stored_as_given_and_checked_in_fit(df):
    imp = socgan.GainImputer(m=0, epochs="many")
    assert imp.m == 0 and imp.epochs == "many"  # stored, not checked, in __init__
    with pytest.raises(ValueError, match="`m`"):
        imp.fit(df)
    with pytest.raises(ValueError, match="no parameter 'epoch'"):
        imp.set_params(epoch=3)


def test_parallel_fit_matches_serial(df):
    a = socgan.GainImputer(m=2, seed=4, n_jobs=2, **CHEAP).fit(df)
    b = socgan.GainImputer(m=2, seed=4, **CHEAP).fit(df)
    assert_same(a.impute(df, seed=1), b.impute(df, seed=1))
    assert_same(socgan.impute(df, m=2, seed=4, n_jobs=2, **CHEAP),
                socgan.impute(df, m=2, seed=4, **CHEAP))


def test_scikit_learn_checks_that_apply(df):
    """scikit-learn's estimator checks feed numpy arrays without missing values; those on the
    parameter protocol apply to a DataFrame imputer and are run here, with a pipeline."""
    sklearn = pytest.importorskip("sklearn")
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline
    from sklearn.utils import estimator_checks as ec
    from sklearn.utils.validation import check_is_fitted

    est = socgan.GainImputer(m=2, seed=1, **CHEAP)
    for check in (ec.check_no_attributes_set_in_init, ec.check_get_params_invariance,
                  ec.check_set_params, ec.check_parameters_default_constructible):
        check("GainImputer", est)
    cloned = clone(est)
    assert cloned.get_params() == est.get_params()
    with pytest.raises(sklearn.exceptions.NotFittedError):
        check_is_fitted(est)
    pipe = make_pipeline(clone(est)).fit(df)
    check_is_fitted(pipe[0])
    out = pipe.transform(df)
    assert not out.isna().any().any() and list(out.columns) == list(df.columns)


# -- the declared tables of fit, transform, save and load (issue 16, point 2) ------------------

def test_fit_transform_save_and_load_check_their_arguments_by_their_tables(df, fitted, tmp_path):
    for method in ("fit", "fit_impute", "transform", "fit_transform", "save", "load"):
        assert getattr(socgan.GainImputer, method)._parameter_constraints, method
    with pytest.raises(TypeError, match=r"`path` must be a file path \(a string or "
                                        r"pathlib.Path\), got 5 \(int\)"):
        fitted.save(5)
    with pytest.raises(TypeError, match=r"`path` must be a file path.*got None"):
        socgan.GainImputer.load(None)
    fitted.save(tmp_path / "imp.safetensors")
    with pytest.raises(ValueError, match="`device` must be one of 'auto', 'cpu', 'cuda', got 'gpu'"):
        socgan.GainImputer.load(str(tmp_path / "imp.safetensors"), device="gpu")
    assert socgan.GainImputer.load(tmp_path / "imp.safetensors", device="cpu").m_ == fitted.m_
    # scikit-learn's X is named X in the messages
    with pytest.raises(TypeError, match="`X` must be a pandas DataFrame, got ndarray"):
        fitted.transform(df.to_numpy())
    with pytest.raises(ValueError, match=r"`X` must have the columns the imputer was fitted on"):
        fitted.transform(df.iloc[:, ::-1])
    with pytest.raises(TypeError, match="`data` must be a pandas DataFrame, got list"):
        socgan.GainImputer(**CHEAP).fit([[1.0, None]])


def test_a_warning_of_fit_points_at_the_callers_line():
    data = socgan.datasets.seed_experiment(60, seed=3)
    data.iloc[0] = np.nan  # a row with every value missing: fit warns
    with pytest.warns(UserWarning, match="every value missing") as caught:
        socgan.GainImputer(m=2, seed=1, **CHEAP).fit(data)
    assert {w.filename for w in caught if "every value" in str(w.message)} == {__file__}
    with pytest.warns(UserWarning, match="every value missing") as caught:
        socgan.GainImputer(m=2, seed=1, **CHEAP).fit_impute(data)
    assert {w.filename for w in caught if "every value" in str(w.message)} == {__file__}


def test_new_rows_whose_factor_lacks_a_fitted_level_get_it_added_not_left_missing():
    """A user's trial from R: a new wave's factor with fewer levels than at fit time came back
    'completed' with missing values. The fitted levels are added (in the fitted order, ordered
    factors too), with a warning, and every imputation has the same dtype."""
    rng = np.random.default_rng(0)
    n = 300
    df = pd.DataFrame({"x": rng.normal(size=n),
                       "hyp": pd.Categorical(rng.choice(["no", "yes"], n), categories=["no", "yes"]),
                       "lv": pd.Categorical(rng.choice(["lo", "mid", "hi"], n),
                                            categories=["lo", "mid", "hi"], ordered=True)})
    df.loc[rng.random(n) < 0.3, "hyp"] = np.nan
    df.loc[rng.random(n) < 0.3, "lv"] = np.nan
    imputer = socgan.GainImputer(m=2, seed=1, epochs=5, progress=False).fit(df)
    new = df.assign(hyp=df["hyp"].cat.remove_categories(["yes"]),
                    lv=df["lv"].cat.remove_categories(["hi"]))
    with pytest.warns(UserWarning, match="'hyp': the imputer can impute level\\(s\\) 'yes'"):
        imp = imputer.impute(new, seed=2)
    for d in imp.datasets:
        assert not d.isna().any().any()
        assert list(d["hyp"].cat.categories) == ["no", "yes"]
        assert list(d["lv"].cat.categories) == ["lo", "mid", "hi"] and d["lv"].cat.ordered
        obs = new["hyp"].notna()
        assert (d.loc[obs, "hyp"].astype(str) == new.loc[obs, "hyp"].astype(str)).all()
    assert imp.datasets[0].dtypes.equals(imp.datasets[1].dtypes)



def test_small_data_calibrate_every_model_by_the_models_out_of_bag_cells_together(monkeypatch):
    """On 60 rows no model has 30 out-of-bag values of X of its own; its donors' noise is still
    the mean of its in-bag and the m models' pooled out-of-bag mean squares (before, its
    optimistic in-bag residuals were used as they were)."""
    from socgan.imputation import _fit

    seen = []
    real = _fit.borrow_calibration
    monkeypatch.setattr(_fit, "borrow_calibration",
                        lambda pools, *moments: seen.append(pools) or real(pools, *moments))
    df = seed_experiment(60, seed=2)
    imp = socgan.GainImputer(m=3, seed=4, **CHEAP).fit(df)
    fitted = imp.fitted_
    j = [c.name for c in imp.encoder_.columns].index("X")
    own = [mo[j] for mo in fitted.oob_moments]
    assert all(cells < 30 for _, cells in own) and sum(c for _, c in own) >= 30
    v_oob = sum(t for t, _ in own) / sum(c for _, c in own)

    def raw_ms(pool):
        return np.mean((pool[:, 0] * np.exp(pool[:, 2])) ** 2)

    (before,) = seen
    fell_back = 0
    for ell in range(3):
        # the in-bag mean square: of the pool, or where the pool fell back to all observed rows
        # (fewer than 30 in-bag values of X), of the model's in-bag rows
        total, cells = fitted.in_bag_moments[ell].get(j, (0.0, 0))
        fell_back += cells > 0
        v_in = total / cells if cells else raw_ms(before[ell][j])
        assert raw_ms(fitted.residuals[ell][j]) == pytest.approx((v_in + v_oob) / 2, rel=1e-9)
        assert v_in < v_oob  # in-bag residuals: optimistic
        np.testing.assert_array_equal(fitted.residuals[ell][j][:, 1:], before[ell][j][:, 1:])
    assert fell_back > 0  # these rows exercise the fallback pools too
