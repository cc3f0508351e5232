"""The public API's convention (README, "Conventions") and its one place of argument checks
(socgan/_params.py): tables of constraints, one frame validator, deprecated names."""

from __future__ import annotations

import inspect
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import socgan
from socgan import _params
from socgan._params import Count, Flag, Frame, check_frame, validate_params


def _public():
    """The public functions and methods, by the name users call them."""
    import socgan.io as sio
    import socgan.r as sr
    from socgan import baselines, datasets, pooling, sae, synth
    from socgan.r import _bridge
    from socgan.sae import AreaEstimates, Comparison

    return {
        "impute": socgan.impute, "GainImputer.impute": socgan.GainImputer.impute,
        "GainImputer.fit": socgan.GainImputer.fit,
        "GainImputer.fit_impute": socgan.GainImputer.fit_impute,
        "GainImputer.transform": socgan.GainImputer.transform,
        "GainImputer.fit_transform": socgan.GainImputer.fit_transform,
        "GainImputer.save": socgan.GainImputer.save, "GainImputer.load": socgan.GainImputer.load,
        "Imputations.fit": socgan.Imputations.fit, "Imputations.analyze": socgan.Imputations.analyze,
        "Imputations.long": socgan.Imputations.long,
        "Imputations.plot": socgan.Imputations.plot,
        "Imputations.plot_losses": socgan.Imputations.plot_losses,
        "pool": socgan.pool, "pool_scalar": socgan.pool_scalar,
        "Pooled.summary": pooling.Pooled.summary, "Pooled.plot": pooling.Pooled.plot,
        "emb_impute": baselines.emb_impute,
        "seed_experiment": datasets.seed_experiment, "turnout": datasets.turnout,
        "sae.estimate": sae._estimate.estimate, "sae.compare": sae._estimate.compare,
        "sae.plot": sae.plot, "AreaEstimates.plot": AreaEstimates.plot,
        "Comparison.plot": Comparison.plot,
        "synthesize": synth.synthesize, "evaluate": synth.evaluate,
        "io.read_table": sio.read_table, "io.write_table": sio.write_table,
        "io.write_tables": sio.write_tables, "io.write_imputations": sio.write_imputations,
        "io.imputation_paths": sio.imputation_paths, "io.check_writable": sio.check_writable,
        "io.format_of": sio.format_of,
        "r.to_r": sr.to_r, "r.from_r": sr.from_r, "r.as_mids": sr.as_mids,
        "r.save_rds": sr.save_rds, "r.encode_frame": sr.encode_frame,
        "r.encode_frames": sr.encode_frames, "r.decode_frame": sr.decode_frame,
        "r.call": sr.call, "r.signature": sr.signature,
        "r.imputations_for_r": sr.imputations_for_r,
        "run_mice": _bridge.run_mice, "run_amelia": _bridge.run_amelia,
        "run_glmer_mrp": _bridge.run_glmer_mrp,
    }


PUBLIC = _public()
# The arguments that hold the data: the only ones that may be given by position (with a
# model's formula, a simulator's size, a plot's columns, and the file a reader or writer uses).
DATA = {"data", "new_data", "survey", "census", "real", "synthetic", "formula", "n_rows", "func",
        "X", "y", "estimates", "variances", "imputations", "path", "items", "obj", "frame",
        "frames", "payload", "function", "columns"}


def _parameters(func):
    return [p for p in inspect.signature(func).parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)]


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_every_public_function_declares_every_argument(name):
    func = PUBLIC[name]
    table = func._parameter_constraints
    assert [p.name for p in _parameters(func)] == list(table), name
    assert all(isinstance(c, _params.Constraint) for c in table.values())


def test_gain_imputer_declares_its_settings_as_scikit_learn_does():
    names = [p.name for p in _parameters(socgan.GainImputer.__init__)]
    assert names == list(socgan.GainImputer._parameter_constraints)
    # socgan.impute is the imputer's settings plus the data, with the same rules
    # (and `where`, the cells to impute: a property of the data, as in GainImputer.impute)
    assert socgan.impute._parameter_constraints == {
        "data": socgan.impute._parameter_constraints["data"],
        **socgan.GainImputer._parameter_constraints,
        "where": socgan.GainImputer.impute._parameter_constraints["where"]}


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_options_after_the_data_are_keyword_only_with_one_meaning_per_name(name):
    for p in _parameters(PUBLIC[name]):
        if p.name not in DATA:
            assert p.kind is p.KEYWORD_ONLY, (name, p.name)
        # one name per idea: no `n` (n_rows), no `model` (method), no `fit_options` (options)
        assert p.name not in {"n", "model", "fit_options", "random_state", "verbose"}, (name, p.name)
        if p.name == "progress":
            assert p.default is True, name  # one default everywhere
        if p.name in ("seed", "insecure_seed"):
            assert p.default is None, name


def test_the_imputer_class_follows_the_convention_too():
    params = _parameters(socgan.GainImputer.__init__)
    assert all(p.kind is p.KEYWORD_ONLY for p in params)
    defaults = {p.name: p.default for p in params}
    assert defaults["progress"] is True and defaults["seed"] is None and defaults["m"] == 5


def test_an_undeclared_argument_is_refused_when_the_module_loads():
    with pytest.raises(RuntimeError, match=r"without a constraint \['b'\]"):
        @validate_params({"a": Count()})
        def f(a, *, b=1):
            return a

    with pytest.raises(RuntimeError, match=r"constraints without a parameter \['c'\]"):
        @validate_params({"a": Count(), "c": Flag()})
        def g(a):
            return a


def test_the_table_casts_before_the_body_runs():
    seen = {}

    @validate_params({"data": Frame(), "m": Count(2), "progress": Flag()}, positional=("m",))
    def f(data, *, m=5, progress=True):
        seen.update(m=m, progress=progress)

    f(pd.DataFrame({"a": [1, 2]}), m=3.0, progress=np.bool_(False))
    assert seen == {"m": 3, "progress": False} and type(seen["m"]) is int
    with pytest.raises(ValueError, match="`m` must be at least 2, got 1"):
        f(pd.DataFrame({"a": [1, 2]}), m=1)
    with pytest.raises(TypeError, match="`progress` must be True or False"):
        f(pd.DataFrame({"a": [1, 2]}), progress="yes")
    with pytest.warns(FutureWarning, match=r"Passing `m` by position to .*f\(\).*write m=4"):
        f(pd.DataFrame({"a": [1, 2]}), 4)
    assert seen["m"] == 4
    with pytest.raises(TypeError):
        f(pd.DataFrame({"a": [1, 2]}), 4, 5)  # more than the old positions: Python's error


# -- one frame validator -------------------------------------------------------------------------

def _frame_arguments():
    """(function name, argument) for every argument declared as a DataFrame."""
    for name, func in PUBLIC.items():
        for arg, constraint in func._parameter_constraints.items():
            inner = getattr(constraint, "inner", constraint)
            if isinstance(inner, Frame):
                yield name, arg


FRAME_ARGUMENTS = sorted(_frame_arguments())


def _call_with(name: str, arg: str, value):
    """Call public function ``name`` with ``value`` as ``arg`` and valid everything else that is
    checked before the data; only the frame check can fail."""
    good = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [1.0, 2.0, 4.0]})
    args = {
        "impute": dict(data=good, progress=False),
        "emb_impute": dict(data=good, progress=False),
        "sae.estimate": dict(survey=good, census=good, outcome="a", area="b", progress=False),
        "sae.compare": dict(survey=good, census=good, outcome="a", area="b", progress=False),
        "synthesize": dict(data=good.fillna(0), epsilon=1.0, bounds={"a": (0, 3), "b": (0, 4)},
                           progress=False),
        "evaluate": dict(real=good.fillna(0), synthetic=good.fillna(0)),
        "run_mice": dict(data=good), "run_amelia": dict(data=good),
        "run_glmer_mrp": dict(survey=good, census=good, outcome="a", area="b", covariates=[]),
        "GainImputer.impute": dict(self=socgan.GainImputer(), new_data=good),
        "GainImputer.fit": dict(self=socgan.GainImputer(progress=False), data=good),
        "GainImputer.fit_impute": dict(self=socgan.GainImputer(progress=False), data=good),
        "GainImputer.transform": dict(self=socgan.GainImputer(), X=good),
        "GainImputer.fit_transform": dict(self=socgan.GainImputer(progress=False), X=good),
        "io.write_table": dict(data=good, path="never-written.csv"),
        "io.check_writable": dict(data=good, path="never-written.csv"),
        "r.to_r": dict(data=good), "r.encode_frame": dict(data=good),
    }[name]
    args[arg] = value
    func = PUBLIC[name]
    if "self" in args:
        return func(args.pop("self"), **args)
    return func(**args)


@pytest.mark.parametrize("name, arg", FRAME_ARGUMENTS)
def test_every_data_argument_is_checked_alike(name, arg):
    """The same checks and words wherever a function takes a DataFrame (before this table
    existed, five validators differed: the R bridge's took duplicate column names to R, and
    evaluate took them too)."""
    with pytest.raises(TypeError, match=rf"`{arg}` must be a pandas DataFrame, got ndarray; "
                                        r"convert it with pandas.DataFrame\(...\) first"):
        _call_with(name, arg, np.zeros((3, 2)))
    dup = pd.DataFrame([[1.0, 2.0]] * 3, columns=["a", "a"])
    with pytest.raises(ValueError, match=rf"`{arg}` has duplicate column names: \['a'\]"):
        _call_with(name, arg, dup)
    frame = PUBLIC[name]._parameter_constraints[arg]
    if getattr(frame, "inner", frame).min_columns:  # a file or R may take no column
        with pytest.raises(ValueError, match=rf"`{arg}` has no columns"):
            _call_with(name, arg, pd.DataFrame(index=range(3)))


def test_the_frame_validator():
    ok = pd.DataFrame({"x": [1.0, 2.0], "y": ["a", None]})
    check_frame(ok)
    with pytest.raises(ValueError, match="`data` must have at least 3 rows, got 2"):
        check_frame(ok, min_rows=3)
    with pytest.raises(ValueError, match="`census` has no rows"):
        check_frame(ok.iloc[:0], "census", min_rows=1)
    check_frame(ok.iloc[:0], private=True)  # a private release takes any number of rows
    with pytest.raises(ValueError, match=r"`synthetic` lacks column\(s\) of `real`: \['z'\]"):
        check_frame(ok, "synthetic", columns=["x", "z"], like="real")
    with pytest.raises(ValueError, match=r"Column 'y' of `data` has 1 missing value\(s\); "
                                         "impute first"):
        check_frame(ok, complete="impute first")
    # a private frame's message gives names and counts, never a value
    secret = pd.DataFrame({"income": [123456.0, np.nan]})
    with pytest.raises(ValueError) as err:
        check_frame(secret, private=True, complete="drop it")
    assert "123456" not in str(err.value)


# -- old names keep working ------------------------------------------------------------------

FAST = dict(epochs=2, progress=False)


def test_positional_m_still_works_with_a_future_warning():
    df = socgan.datasets.seed_experiment(60, seed=1)
    new = socgan.impute(df, m=2, seed=3, **FAST)
    with pytest.warns(FutureWarning, match="Passing `m` by position to impute.*write m=2"):
        old = socgan.impute(df, 2, seed=3, **FAST)
    for a, b in zip(old.datasets, new.datasets, strict=True):
        pd.testing.assert_frame_equal(a, b)
    with pytest.warns(FutureWarning, match="GainImputer"):
        assert socgan.GainImputer(3).m == 3
    with pytest.warns(FutureWarning, match="emb_impute"):
        assert socgan.baselines.emb_impute(df, 2, seed=1, progress=False).m == 2


def test_renamed_arguments_still_work_with_a_future_warning():
    with pytest.warns(FutureWarning, match="`n` of seed_experiment.* is now called `n_rows`"):
        old = socgan.datasets.seed_experiment(n=50, seed=2)
    pd.testing.assert_frame_equal(old, socgan.datasets.seed_experiment(n_rows=50, seed=2))
    with pytest.raises(TypeError, match="both `n`"):
        socgan.datasets.seed_experiment(n=50, n_rows=50)

    df = socgan.datasets.seed_experiment(80, seed=1)
    imp = socgan.impute(df, m=2, seed=1, **FAST)
    new = imp.fit("Bin ~ Y", method="logit", options={"cov_type": "HC1"})
    with pytest.warns(FutureWarning, match="`model` of Imputations.fit.* is now called `method`"):
        old = imp.fit("Bin ~ Y", model="logit", options={"cov_type": "HC1"})
    pd.testing.assert_frame_equal(old.table, new.table)
    with pytest.warns(FutureWarning, match="`fit_options` of Imputations.fit.* now called `options`"):
        old = imp.fit("Bin ~ Y", method="logit", fit_options={"cov_type": "HC1"})
    pd.testing.assert_frame_equal(old.table, new.table)
    with pytest.warns(FutureWarning, match="by position to Imputations.fit"):
        old = imp.fit("Bin ~ Y", "logit", options={"cov_type": "HC1"})
    pd.testing.assert_frame_equal(old.table, new.table)
    import statsmodels.api as sm

    new = imp.fit("Bin ~ Y", method="glm", options={"family": sm.families.Binomial()})
    with pytest.warns(FutureWarning, match=r"in `options` \(options=\{'family': ...\}\)"):
        old = imp.fit("Bin ~ Y", method="glm", family=sm.families.Binomial())
    pd.testing.assert_frame_equal(old.table, new.table)


def test_command_line_demo_takes_n_rows_and_its_old_name():
    from socgan.__main__ import main

    for flag in ("--n-rows", "--n"):
        with pytest.raises(SystemExit) as stop:
            main(["demo", flag, "abc"])
        assert stop.value.code == 2  # parsed as the size: an int is required


def test_help_is_fast_because_nothing_heavy_is_imported():
    code = ("import sys\nfrom socgan.__main__ import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('torch', 'statsmodels', 'dp_accounting', 'sklearn') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


# -- GAIN's settings: one table for impute, GainImputer and sae.estimate(method="gain") --------

def test_gain_settings_are_declared_once_and_checked_by_that_table():
    from socgan._core.settings import GAIN_SETTING_CONSTRAINTS, gain_settings
    from socgan.sae._stacking import GAIN_OPTION_CONSTRAINTS

    for name, constraint in GAIN_SETTING_CONSTRAINTS.items():
        assert socgan.impute._parameter_constraints[name] is constraint, name
        assert socgan.GainImputer._parameter_constraints[name] is constraint, name
        if name != "adversarial":  # stacking trains without the discriminator
            assert GAIN_OPTION_CONSTRAINTS[name] is constraint, name
    # R's whole-number doubles are cast; the message is the table's, naming the setting
    settings = gain_settings(epochs=5.0, max_steps=10.0, batch_size=64.0, hint_rate=0.9,
                             alpha=10, hidden=None, learning_rate=1e-3, weight_decay=0,
                             adversarial=0)
    assert type(settings.epochs) is int and settings.alpha == 10.0
    bad = dict(hint_rate=1.0)
    message = r"`hint_rate` must lie in \[0.0, 1.0\), got 1.0"
    with pytest.raises(ValueError, match=message):
        gain_settings(**{**dict(epochs=5, max_steps=10, batch_size=64, hint_rate=0.9, alpha=10,
                                hidden=None, learning_rate=1e-3, weight_decay=0), **bad})
    df = socgan.datasets.seed_experiment(40, seed=1)
    with pytest.raises(ValueError, match=message):
        socgan.impute(df, progress=False, **bad)
    with pytest.raises(ValueError, match=message):
        socgan.GainImputer(progress=False, **bad).fit(df)
    sim = socgan.datasets.turnout(n_census=5_100, n_survey=200, seed=1)
    with pytest.raises(ValueError, match=message):
        socgan.sae.estimate(sim["survey"], sim["census"], outcome="voted", area="state",
                            progress=False, options=bad)


@pytest.mark.parametrize("method, options, exc, match", [
    ("mrp", {"n_draws": "many"}, TypeError, "`n_draws` must be a whole number, got 'many'"),
    ("bart", {"n_draws": 1}, ValueError, "`n_draws` must be at least 2, got 1"),
    ("amelia", {"tol": -1.0}, ValueError, r"`tol` must lie in \(0.0, inf\)"),
    ("gain", {"device": "gpu"}, ValueError, "`device` must be one of 'auto', 'cpu', 'cuda'"),
    ("gain", {"census_sample": 2.5}, ValueError, "`census_sample` must be a whole number"),
])
def test_small_area_options_are_checked_by_their_tables_before_any_fit(method, options, exc,
                                                                        match, monkeypatch):
    from socgan.sae import _estimate

    def never(*args, **kwargs):
        raise AssertionError("the data were prepared before the options were checked")

    monkeypatch.setattr(_estimate, "_prepare", never)
    sim = pd.DataFrame({"y": [0, 1], "a": ["x", "y"]})
    with pytest.raises(exc, match=match):
        socgan.sae.estimate(sim, sim.drop(columns="y"), outcome="y", area="a", method=method,
                            progress=False, options=options)


def test_no_argument_is_checked_by_hand_outside_the_tables():
    """The number checkers (as_count, as_real, as_seed) are used only by the constraint classes
    of socgan/_params.py; every other module declares its arguments' rules in tables (the old
    helper module socgan/_checks.py is gone)."""
    import ast
    from pathlib import Path

    root = Path(socgan.__file__).parent
    assert not (root / "_checks.py").exists()
    used = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "_params.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in (
                    "as_count", "as_real", "as_seed"):
                used.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not used, used


def test_a_misspelt_keyword_is_named_with_the_function_and_the_closest_name():
    # a user's trial: impute(x, epoch=20) said only "got an unexpected keyword argument
    # 'epoch'", without the function or a correction (options= dicts already suggested one)
    d = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0], "b": [1.0, np.nan, 3.0, 4.0]})
    with pytest.raises(TypeError, match=r"impute\(\) got an unexpected keyword argument 'epoch'\. "
                                        r"Did you mean 'epochs'\?"):
        socgan.impute(d, m=2, epoch=2)
    with pytest.raises(TypeError, match=r"synthesize\(\) .*'epsilom'\. Did you mean 'epsilon'\?"):
        socgan.synth.synthesize(d, epsilom=1.0)
    with pytest.raises(TypeError, match=r"'zzz'; it accepts 'data', 'm', 'seed'"):
        socgan.impute(d, m=2, zzz=1)
    with pytest.raises(TypeError, match=r"GainImputer\(\) .*'sed'\. Did you mean 'seed'\?"):
        socgan.GainImputer(sed=1)
