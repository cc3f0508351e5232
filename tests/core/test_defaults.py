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
        if name != "adversarial":  # stacking trains without the discriminator
            assert GAIN_OPTIONS[name] == value, name


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
