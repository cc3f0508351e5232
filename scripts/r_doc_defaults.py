"""Write Python's defaults into the R package's help pages, or check that they are there.

The R wrappers pass GAIN's settings through `...` to Python, and their help pages list each
setting as "`name` (default `value`)" (roxygen source in r-bridge/R/, the built Rd in
r-bridge/man/). The values are written here from the Python signature, whose GAIN defaults
are GainSettings' (socgan._core.defaults), so that a changed default reaches R's help by
running this script rather than by editing numbers in four places.

    PYTHONPATH=$PWD python3 scripts/r_doc_defaults.py           # rewrite the pages
    PYTHONPATH=$PWD python3 scripts/r_doc_defaults.py --check   # exit 1 if one is stale

tests/core/test_defaults.py runs the check.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
#: help page -> (its roxygen source, its Rd, the Python function whose defaults it lists)
PAGES = {"gain_impute": ("r-bridge/R/gain_impute.R", "r-bridge/man/gain_impute.Rd", "impute")}


def r_literal(value) -> str:
    """``value`` as R's ``deparse(value, control = NULL)`` writes it."""
    if value is None:
        return "NULL"
    if isinstance(value, (bool, np.bool_)):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    # R writes a double in fixed notation unless scientific is shorter (scipen = 0)
    fixed = np.format_float_positional(float(value), trim="-")
    sci = np.format_float_scientific(float(value), trim="-", exp_digits=2)
    return fixed if len(fixed) <= len(sci) else sci


def python_defaults(function: str) -> dict[str, str]:
    import inspect

    import socgan

    params = inspect.signature(getattr(socgan, function)).parameters.values()
    return {p.name: r_literal(p.default) for p in params if p.default is not p.empty}


def rewrite(text: str, defaults: dict[str, str], rd: bool) -> str:
    """``text`` with the default of every listed setting that Python has set to Python's."""
    if rd:
        pattern = re.compile(r"(\\code\{([a-z_]+)\} \(default \\code\{)(.*?)(\}\))")
    else:
        pattern = re.compile(r"(`([a-z_]+)` \(default `)(.*?)(`\))")

    def fix(match: re.Match) -> str:
        name = match.group(2)
        if name not in defaults:
            return match.group(0)
        return match.group(1) + defaults[name] + match.group(4)

    return pattern.sub(fix, text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    args = parser.parse_args(argv)
    stale = []
    for page, (source, rd_file, function) in PAGES.items():
        defaults = python_defaults(function)
        for path, rd in ((ROOT / source, False), (ROOT / rd_file, True)):
            text = path.read_text(encoding="utf-8")
            new = rewrite(text, defaults, rd)
            if new != text:
                stale.append(str(path.relative_to(ROOT)))
                if not args.check:
                    path.write_text(new, encoding="utf-8")
    if stale:
        verb = "out of date" if args.check else "rewritten"
        print(f"R help {verb} (defaults from Python): {', '.join(stale)}"
              + ("; run scripts/r_doc_defaults.py" if args.check else ""), file=sys.stderr)
        return 1 if args.check else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
