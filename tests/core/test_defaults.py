"""One source of GAIN's defaults (issue 16): GainSettings. The functions, the command line and
the R help pages show its values; the R help said epochs = 300 while the code had 200."""

from __future__ import annotations

import importlib.util
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import socgan
from socgan._core import defaults
from socgan._core.gain import GainSettings

ROOT = Path(__file__).resolve().parents[2]


def _script():
    spec = importlib.util.spec_from_file_location("r_doc_defaults",
                                                  ROOT / "scripts" / "r_doc_defaults.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_defaults_read_without_torch_are_gain_settings():
    expected = {name: getattr(GainSettings(), name) for name in defaults.GAIN_SETTINGS}
    assert defaults.gain() == expected
    code = ("import sys; from socgan._core import defaults; d = defaults.gain(); "
            "print('torch' in sys.modules, d['epochs'])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", str(GainSettings().epochs)]


def test_defaults_fall_back_on_the_class_when_the_source_cannot_be_read(monkeypatch):
    monkeypatch.setattr(defaults, "_from_source", lambda: None)
    assert defaults.gain() == {n: getattr(GainSettings(), n) for n in defaults.GAIN_SETTINGS}


def test_functions_take_their_gain_defaults_from_gain_settings():
    from socgan.sae._stacking import GAIN_OPTIONS

    expected = defaults.gain()
    impute = inspect.signature(socgan.impute).parameters
    params = socgan.GainImputer().get_params()
    for name, value in expected.items():
        assert impute[name].default == value, name
        assert params[name] == value, name
        if name not in ("adversarial", "epochs"):  # stacking: no discriminator, its own cap
            assert GAIN_OPTIONS[name] == value, name
    assert GAIN_OPTIONS["epochs"] == 500  # stacking keeps its 500-epoch cap (_stacking.py)


def test_command_line_shows_the_same_default(capsys):
    from socgan.__main__ import main

    with pytest.raises(SystemExit) as exit_:
        main(["impute", "--help"])
    assert exit_.value.code == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"passes over the rows per model (default {GainSettings().epochs};" in help_text


def test_r_help_pages_show_python_defaults():
    script = _script()
    assert script.main(["--check"]) == 0
    # what the check catches: the R help's old `epochs` default of 300
    stale = "#'   * `epochs` (default `300`): passes over the rows;\n#'   * `other` (default `7`)"
    fixed = script.rewrite(stale, script.python_defaults("impute"), rd=False)
    assert f"`epochs` (default `{GainSettings().epochs}`)" in fixed and "`other` (default `7`)" in fixed
    rd = r"\item \code{weight_decay} (default \code{0.001}): Adam's"
    assert script.rewrite(rd, script.python_defaults("impute"), rd=True) == \
        rf"\item \code{{weight_decay}} (default \code{{{script.r_literal(GainSettings().weight_decay)}}}): Adam's"


@pytest.mark.parametrize("value,literal", [(200, "200"), (10.0, "10"), (0.9, "0.9"),
                                           (1e-5, "1e-05"), (1e5, "1e+05"), (0.0001, "1e-04"),
                                           (None, "NULL"), (True, "TRUE"), ("auto", '"auto"')])
def test_values_are_written_as_r_deparses_them(value, literal):
    assert _script().r_literal(value) == literal


# -- the R wrappers' own defaults (synthesize, sae.estimate, ...) come from Python too -----------

def test_r_wrapper_defaults_are_pythons():
    """dp_synthesize(steps = 2000), sae_estimate(m = 10, conf_level = 0.9), turnout_data(...),
    pool_rubin(...), gain_impute/gain_fit(m = 5): each R formal that the Python function also
    has carries Python's default, in the R source and in the Rd usage; R's progress = NULL is
    Python's progress=True."""
    import socgan.synth
    from socgan import sae

    script = _script()
    for wrapper, (source, rd_file, _, _) in script.WRAPPERS.items():
        for path, rd in ((ROOT / source, False), (ROOT / rd_file, True)):
            assert script.formal_problems(wrapper, path.read_text(), rd) == {}, (wrapper, path)
    r_src = (ROOT / "r-bridge/R/dp_synthesize.R").read_text()
    formals = script.r_formals(r_src, "dp_synthesize")
    synth = inspect.signature(socgan.synth.synthesize).parameters
    assert float(formals["steps"]) == synth["steps"].default
    assert formals["progress"] == "NULL" and synth["progress"].default is True
    est = script.r_formals((ROOT / "r-bridge/man/sae_estimate.Rd").read_text(), "sae_estimate",
                           rd=True)
    params = inspect.signature(sae.estimate).parameters
    assert float(est["m"]) == params["m"].default == 10
    assert float(est["conf_level"]) == params["conf_level"].default


@pytest.mark.parametrize("wrapper, path, rd, old, new, fixed", [
    ("dp_synthesize", "r-bridge/R/dp_synthesize.R", False, "steps = 2000", "steps = 2500",
     "2000"),
    ("dp_synthesize", "r-bridge/man/dp_synthesize.Rd", True, "steps = 2000", "steps = 300",
     "2000"),
    ("sae_estimate", "r-bridge/R/sae_estimate.R", False, "m = 10", "m = 5", "10"),
    ("sae_estimate", "r-bridge/man/sae_estimate.Rd", True, "conf_level = 0.9",
     "conf_level = 0.95", "0.9"),
    ("sae_estimate", "r-bridge/R/sae_estimate.R", False, "progress = NULL", "progress = TRUE",
     "NULL"),
    ("turnout_data", "r-bridge/R/sae_estimate.R", False, "vote_response_odds = 1.2",
     "vote_response_odds = 1.5", "1.2"),
])
def test_the_check_catches_r_defaults_that_drift(wrapper, path, rd, old, new, fixed):
    script = _script()
    text = (ROOT / path).read_text()
    assert old in text
    stale = text.replace(old, new, 1)
    name = old.split(" =")[0]
    assert script.formal_problems(wrapper, stale, rd) == {name: fixed}
    assert script.rewrite_formals(stale, wrapper, rd) == text


def test_the_check_catches_a_reordered_choice_and_a_dropped_default():
    script = _script()
    text = (ROOT / "r-bridge/R/dp_synthesize.R").read_text()
    swapped = text.replace('method = c("marginals", "pgb",', 'method = c("pgb", "marginals",', 1)
    assert swapped != text
    assert script.formal_problems("dp_synthesize", swapped) == {
        "method": 'c("marginals", "pgb", "dpgan", "marginals-nonprivate", "pgb-nonprivate", "gan")'}
    dropped = text.replace("steps = 2000,", "steps,", 1)
    assert script.formal_problems("dp_synthesize", dropped) == {"steps": "2000"}


def test_the_settings_in_dots_of_synthesize_and_sae_estimate_show_python_defaults(tmp_path,
                                                                                  monkeypatch):
    """The `...` settings of dp_synthesize() and the methods' options of sae_estimate() are
    listed with Python's defaults; the --check run fails (exit 1) when one drifts."""
    from socgan.sae._mrp import MRP_OPTIONS

    script = _script()
    synth = script.python_defaults("synth.synthesize")
    assert synth["candidates"] == "10000" and synth["learning_rate"] == "2e-04"
    assert script.python_defaults("sae:options")["n_draws"] == str(MRP_OPTIONS["n_draws"])
    for page in ("r-bridge/R/dp_synthesize.R", "r-bridge/R/sae_estimate.R"):
        text = (ROOT / page).read_text()
        assert "`clip_norm` (default `1`)" in text or "`n_draws` (default `1000`)" in text
    # a copy of the R package whose help has drifted: --check fails and names the file
    import shutil

    shutil.copytree(ROOT / "r-bridge" / "R", tmp_path / "r-bridge" / "R")
    shutil.copytree(ROOT / "r-bridge" / "man", tmp_path / "r-bridge" / "man")
    page = tmp_path / "r-bridge" / "R" / "sae_estimate.R"
    page.write_text(page.read_text().replace("`n_trees` (default `50`)", "`n_trees` (default `20`)"))
    monkeypatch.setattr(script, "ROOT", tmp_path)
    assert script.main(["--check"]) == 1
    assert script.main([]) == 0  # rewrites it
    assert "`n_trees` (default `50`)" in page.read_text() and script.main(["--check"]) == 0
