"""A model whose network collapsed in training (every unit of its last hidden layer inactive
for every row) is named in a warning: its imputations ignore the other columns (a wide-data
user's trial: a 32-level factor beside 30 weakly related columns was imputed at chance)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import socgan
from socgan._core.gain import inactive_share
from socgan.datasets import seed_experiment
from socgan.imputation._imputer import _warn_collapsed


@pytest.fixture(scope="module")
def fitted():
    d = seed_experiment(200, seed=3)
    imp = socgan.GainImputer(m=3, seed=1, epochs=5, progress=False).fit(d)
    return imp, d


def test_a_dead_layer_is_measured_and_a_trained_one_is_not(fitted):
    imp, d = fitted
    fg, enc = imp.fitted_, imp.encoder_
    assert len(fg.inactive) == 3 and max(fg.inactive) < 0.95
    x, mask = enc.transform(d)
    rows = np.arange(len(d))
    b2 = fg.models.generator.params[3]
    saved = b2.detach().clone()
    with torch.no_grad():
        b2[1] = -1e4  # every unit of model 2's second layer off for every row
    try:
        assert inactive_share(fg.models, 1, x, mask, rows) == 1.0
        assert inactive_share(fg.models, 0, x, mask, rows) == pytest.approx(fg.inactive[0])
    finally:
        with torch.no_grad():
            b2.copy_(saved)


def test_collapsed_models_are_named_in_a_warning(fitted):
    imp, _ = fitted
    fg = imp.fitted_
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _warn_collapsed(fg, imp.fitted_.settings, 2)  # healthy models: no warning
    fg_bad = type(fg)(**{**fg.__dict__, "inactive": [0.3, 1.0, 0.97],
                         "retrained": [False, True, True]})
    with pytest.warns(UserWarning) as w:
        _warn_collapsed(fg_bad, imp.fitted_.settings, 2)
    assert "model(s) 2, 3 of 3 collapsed in training at learning_rate 0.01" in str(w[0].message)
    assert "trained again at 0.002." in str(w[0].message)
    assert "model(s) 2, 3 of 3 collapsed in training: 95% or more" in str(w[1].message)
    assert w[0].filename == w[1].filename == __file__


def test_a_column_stored_twice_is_warned_about_unless_derived():
    d = seed_experiment(120, seed=2)
    d["X_copy"] = d["X"]
    with pytest.warns(UserWarning, match=r"same values, with the same cells missing: 'X' = "
                                         r"'X_copy'.*derived=\{'X_copy': 'X'\}"):
        socgan.impute(d, m=2, seed=1, epochs=2, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        socgan.impute(d, m=2, seed=1, epochs=2, progress=False, derived={"X_copy": "X"})
        d["X_copy"] = d["X"] + 1  # not a copy
        socgan.impute(d, m=2, seed=1, epochs=2, progress=False)


def test_a_collapsed_model_is_trained_again_with_a_smaller_learning_rate(monkeypatch):
    """Model 2 reported collapsed after its first training: it alone is trained again (a
    fifth of the learning rate, its own seed and rows), the others are bit-identical, and the
    result does not depend on how the models are grouped into jobs."""
    import socgan.imputation._fit as fit_module

    d = seed_experiment(150, seed=4)
    plain = socgan.GainImputer(m=3, seed=7, epochs=3, progress=False, n_jobs=1).fit(d)
    real = fit_module.inactive_share
    first_weights = plain.fitted_.models.generator.params[0][1].clone()  # model 2's, trained once

    def model_2_collapses_at_first(models, ell, *args, **kwargs):
        # model 2 after its first training (its weights are those of the plain fit, whatever the
        # grouping into jobs) is reported collapsed; everything else is measured
        if torch.equal(models.generator.params[0][ell], first_weights):
            return 1.0
        return real(models, ell, *args, **kwargs)

    monkeypatch.setattr(fit_module, "inactive_share", model_2_collapses_at_first)
    with pytest.warns(UserWarning, match=r"model\(s\) 2 of 3 collapsed in training at "
                                         r"learning_rate 0.01.*trained again at 0.002; 1 "
                                         r"recovered") as w:
        imp = socgan.GainImputer(m=3, seed=7, epochs=3, progress=False, n_jobs=1).fit(d)
    assert w[0].filename == __file__
    assert imp.fitted_.retrained == [False, True, False]
    for a, b in zip(plain.fitted_.models.generator.params, imp.fitted_.models.generator.params):
        assert torch.equal(a[[0, 2]], b[[0, 2]])
        assert not torch.equal(a[1], b[1])
    # grouped into jobs as n_jobs does it ([model 1, model 2] and [model 3]): the same models
    children = np.random.SeedSequence(imp.entropy_).spawn(3)
    enc = imp.encoder_
    x, mask = enc.transform(d)
    args = (x, mask, enc, np.arange(len(d)), imp.fitted_.settings)
    parts = [fit_module.fit_gain(*args, group, bootstrap=True, device=torch.device("cpu"))
             for group in (children[:2], children[2:])]
    for ell, (part, j) in enumerate([(0, 0), (0, 1), (1, 0)]):
        for a, b in zip(imp.fitted_.models.generator.params, parts[part].models.generator.params):
            assert torch.equal(a[ell], b[j])


def test_one_column_is_never_collapsed_and_a_dead_first_layer_is_seen(fitted):
    import pandas as pd

    one = pd.DataFrame({"y": np.r_[np.nan, np.arange(1.0, 60.0)]})
    imp = socgan.GainImputer(m=2, seed=1, epochs=5, progress=False).fit(one)
    assert imp.fitted_.inactive == [0.0, 0.0] and imp.fitted_.retrained == [False, False]
    # a first layer that is off for every row leaves the second constant: collapsed too
    imp, d = fitted
    fg, enc = imp.fitted_, imp.encoder_
    x, mask = enc.transform(d)
    b1 = fg.models.generator.params[1]
    saved = b1.detach().clone()
    with torch.no_grad():
        b1[0] -= 1e4
    try:
        assert inactive_share(fg.models, 0, x, mask, np.arange(len(d))) == 1.0
    finally:
        with torch.no_grad():
            b1.copy_(saved)


def test_duplicates_found_in_row_order_and_not_warned_in_overimpute_when_derived():
    import pandas as pd

    from socgan.imputation._impute import warn_duplicates

    rng = np.random.default_rng(0)
    base = rng.integers(0, 2, 200).astype(float)
    base[:5] = np.nan
    cols = {f"c{j}": np.r_[base[:5], rng.permutation(base[5:])] for j in range(30)}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # same counts, other orders: no duplicates
        warn_duplicates(pd.DataFrame(cols), 2)
    d = seed_experiment(150, seed=5)
    d["X_copy"] = d["X"]
    imputer = socgan.GainImputer(m=2, seed=1, epochs=2, progress=False, derived={"X_copy": "X"})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        imputer.overimpute(d, draws=19, columns=["Bimod"])
    assert not [w for w in caught if "same values" in str(w.message)]
