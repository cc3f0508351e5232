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
    fg_bad = type(fg)(**{**fg.__dict__, "inactive": [0.3, 1.0, 0.97]})
    with pytest.warns(UserWarning, match=r"model\(s\) 2, 3 of 3 collapsed.*learning_rate") as w:
        _warn_collapsed(fg_bad, imp.fitted_.settings, 2)
    assert w[0].filename == __file__


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
