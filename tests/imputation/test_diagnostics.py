"""Issue 16 point 3: Imputations carries no GAIN-only field; what an imputer records about its
own work (GAIN's loss history, EM's iterations) is in ``.diagnostics``. The old
``loss_history`` keeps working for GAIN results with a FutureWarning."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import socgan


def _frames():
    data = pd.DataFrame({"x": [1.0, np.nan, 3.0, 4.0], "y": [0.5, 1.5, np.nan, 2.5]})
    datasets = [data.fillna(v) for v in (0.0, 1.0)]
    return data, datasets


def test_imputations_made_elsewhere_have_empty_diagnostics_and_no_loss_history():
    data, datasets = _frames()
    imp = socgan.Imputations(data, datasets)
    assert imp.diagnostics == {} and imp.options == {} and imp.m == 2
    with pytest.raises(AttributeError, match="no loss history"):
        imp.loss_history
    with pytest.raises(ValueError, match="only GAIN"):
        imp.plot_losses()
    back = pickle.loads(pickle.dumps(imp))
    assert back.m == 2 and back.diagnostics == {}


def test_old_loss_history_argument_and_attribute_warn_and_still_work():
    data, datasets = _frames()
    losses = pd.DataFrame({"imputation": [1, 2], "epoch": [1, 1], "g_reconstruction": [0.3, 0.2]})
    with pytest.warns(FutureWarning, match="diagnostics"):
        imp = socgan.Imputations(data=data, datasets=datasets, loss_history=losses)
    assert imp.diagnostics["loss_history"] is losses
    with pytest.warns(FutureWarning, match=r"diagnostics\['loss_history'\]"):
        assert imp.loss_history is losses
    # the old positional order (data, datasets, loss_history, options) too
    with pytest.warns(FutureWarning):
        old = socgan.Imputations(data, datasets, losses, {"method": "gain"})
    assert old.options == {"method": "gain"} and "loss_history" in old.diagnostics


def test_emb_result_has_em_iterations_and_no_gain_fields():
    from socgan.baselines import emb_impute

    df = socgan.datasets.seed_experiment(200, seed=2)[["Y", "X"]]
    imp = emb_impute(df, m=2, seed=1)
    assert list(imp.diagnostics) == ["em_iterations"]
    assert all(isinstance(k, int) and k >= 1 for k in imp.diagnostics["em_iterations"])
    assert not any("loss" in k for k in list(imp.options) + list(imp.diagnostics))


@pytest.mark.parametrize("bad, match", [
    (dict(data=[1, 2], datasets=[]), "`data`"),
    (dict(data=pd.DataFrame({"x": [1.0]}), datasets=[[1.0]]), "`datasets`"),
    (dict(data=pd.DataFrame({"x": [1.0]}), datasets=[], diagnostics=[1]), "`diagnostics`"),
])
def test_constructor_names_the_argument(bad, match):
    with pytest.raises(TypeError, match=match):
        socgan.Imputations(**bad)


def test_plots_check_their_arguments_by_their_tables(tmp_path):
    """Imputations.plot / plot_losses declare their arguments (issue 16): a wrong type fails
    naming the argument, and one column name is a list of one."""
    df = socgan.datasets.seed_experiment(80, seed=1)
    imp = socgan.impute(df, m=2, seed=1, epochs=2, progress=False)
    for method in (socgan.Imputations.plot, socgan.Imputations.plot_losses):
        assert method._parameter_constraints
    with pytest.raises(TypeError, match=r"`path` must be a file path .*got 5 \(int\)"):
        imp.plot(path=5)
    with pytest.raises(TypeError, match=r"`path` must be a file path .*got 5 \(int\)"):
        imp.plot_losses(path=5)
    with pytest.raises(TypeError, match="`columns` must be None, a column name or a list"):
        imp.plot(columns=5)
    one = imp.plot("X", path=tmp_path / "x.png")
    assert len([ax for ax in one.axes if ax.has_data()]) == 1
    assert (tmp_path / "x.png").stat().st_size > 0


def test_the_constructor_checks_by_its_table_and_warns_at_the_callers_line():
    data, datasets = _frames()
    assert socgan.Imputations.__init__._parameter_constraints
    with pytest.raises(TypeError, match="`options` must be a dict, got str"):
        socgan.Imputations(data, datasets, options="gain")
    with pytest.raises(TypeError, match="`datasets` must be a list of completed DataFrames"):
        socgan.Imputations(data, data)
    with pytest.raises(TypeError, match="`data` must be a pandas DataFrame, got list"):
        socgan.Imputations([1], datasets)
    with pytest.warns(FutureWarning, match="diagnostics") as caught:
        socgan.Imputations(data, datasets, loss_history=pd.DataFrame())
    assert caught[0].filename == __file__
