"""Where the defaults of GAIN's settings come from: ``GainSettings``, and nowhere else.

``socgan.impute``, :class:`socgan.GainImputer` and small-area stacking take their GAIN
defaults from :class:`socgan._core.gain.GainSettings`; the command line (``socgan impute
--epochs``) from :func:`gain`; the R package's help pages are written from ``socgan.impute``'s
signature by ``scripts/r_doc_defaults.py`` (and a test fails when they are out of date).

:func:`gain` reads the defaults from ``GainSettings``' source without importing torch, so that
``socgan --help`` stays fast; ``tests/core/test_defaults.py`` checks that it agrees with the
class itself. Should a default ever be something other than a literal, :func:`gain` imports the
class instead (slower, same answer).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

#: The GAIN settings the public functions take (``GainSettings``' other fields are internal).
GAIN_SETTINGS = ("epochs", "max_steps", "batch_size", "hint_rate", "alpha", "hidden",
                 "learning_rate", "weight_decay", "adversarial")


@functools.lru_cache(maxsize=None)
def _from_source() -> dict | None:
    """``GainSettings``' field defaults read from ``gain.py``; None if one is not a literal."""
    tree = ast.parse((Path(__file__).parent / "gain.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == "GainSettings":
            out = {}
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    if item.value is None:
                        return None
                    try:
                        out[item.target.id] = ast.literal_eval(item.value)
                    except ValueError:
                        return None
            return out
    return None


def gain() -> dict:
    """The defaults of the public GAIN settings (:data:`GAIN_SETTINGS`), as ``GainSettings``
    has them."""
    values = _from_source()
    if values is None or not set(GAIN_SETTINGS) <= set(values):
        from .gain import GainSettings

        values = GainSettings().__dict__
    return {name: values[name] for name in GAIN_SETTINGS}
