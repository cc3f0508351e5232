"""The README's Python examples and the public docstrings' examples run as written.

Each README code block runs alone, in a fresh namespace and folder, as a newcomer who copies
one block would run it; each states how long it takes on the project's 2-core machine. The
docstring examples run under doctest. (The vignettes run in ``test_vignettes.py``.)
"""

from __future__ import annotations

import doctest
import re
import warnings
from pathlib import Path

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, flags=re.S)


def test_readme_has_python_examples():
    assert len(BLOCKS) >= 4


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=lambda i: f"block{i + 1}")
def test_readme_example_runs_as_written(index, tmp_path, monkeypatch):
    matplotlib.use("Agg")
    code = BLOCKS[index]
    # every example says what it costs, so nobody starts an hour's run unawares
    assert re.search(r"about [\d.,]+ (s|min)", code, flags=re.I), f"README block {index + 1} states no run time"
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": f"readme_block_{index + 1}"}
    with warnings.catch_warnings():
        # the README shows the current names: socgan's warning for an old one is an error here
        warnings.filterwarnings("error", message=".*will stop working", category=FutureWarning)
        exec(compile(code, f"README.md[python block {index + 1}]", "exec"), namespace)


def _documented():
    """Public objects whose docstrings have examples, with the globals they run in."""
    import socgan
    from socgan import baselines, datasets, pooling, sae, synth

    objects = {
        "socgan.impute": socgan.impute, "socgan.GainImputer": socgan.GainImputer,
        "socgan.pool": pooling.pool, "socgan.pool_scalar": pooling.pool_scalar,
        "socgan.baselines.emb_impute": baselines.emb_impute,
        "socgan.datasets.seed_experiment": datasets.seed_experiment,
        "socgan.datasets.turnout": datasets.turnout,
        "socgan.sae.estimate": sae._estimate.estimate,
        "socgan.synth.synthesize": synth.synthesize,
    }
    out = []
    for name, obj in objects.items():
        inner = getattr(obj, "__wrapped__", obj)
        while hasattr(inner, "__wrapped__"):
            inner = inner.__wrapped__
        globs = dict(getattr(inner, "__globals__", None) or vars(__import__(obj.__module__,
                                                                            fromlist=["_"])))
        out.append((name, obj, globs))
    return out


DOCUMENTED = _documented()


@pytest.mark.parametrize("name, obj, globs", DOCUMENTED, ids=[d[0] for d in DOCUMENTED])
def test_docstring_examples_run_as_written(name, obj, globs, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tests = doctest.DocTestFinder(recurse=False).find(obj, name, globs=globs)
    examples = [t for t in tests if t.examples]
    assert examples, f"{name} has no examples"
    assert re.search(r"about [\d.,]+ (s|min)", obj.__doc__, flags=re.I), f"{name}'s example states no run time"
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in examples:
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} example(s) of {name} failed (output above)"
