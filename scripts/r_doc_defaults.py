"""Write Python's defaults into the R package's wrappers and help pages, or check them.

Two kinds of R defaults come from Python:

- the settings the wrappers pass through `...`, which their help pages list as
  "`name` (default `value`)" (roxygen source in r-bridge/R/, the built Rd in r-bridge/man/):
  GAIN's (``socgan.impute``, whose defaults are GainSettings'), ``synthesize``'s and the
  small-area methods' options;
- the R wrappers' own arguments (``dp_synthesize(steps = 2000)``, ``sae_estimate(m = 10,
  conf_level = 0.9)``, ...): each formal that the Python function also has must have Python's
  default, in the R source and in the Rd's usage. Two rules are R's own: ``progress = NULL``
  in R is Python's ``progress=True`` (R shows the bar only in an interactive session, see
  ``resolve_progress``), and a choice such as ``method = c("pgb", "dpgan", ...)`` must list
  Python's choices, Python's default first.

A changed default thus reaches R by running this script rather than by editing numbers in
several places.

    PYTHONPATH=$PWD python3 scripts/r_doc_defaults.py           # rewrite the R files
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
#: help page -> (its roxygen source, its Rd, where the settings' defaults it lists come from:
#: a public function "module.function" or "options:<method>")
PAGES = {"gain_impute": ("r-bridge/R/gain_impute.R", "r-bridge/man/gain_impute.Rd", "impute"),
         "dp_synthesize": ("r-bridge/R/dp_synthesize.R", "r-bridge/man/dp_synthesize.Rd",
                           "synth.synthesize"),
         "sae_estimate": ("r-bridge/R/sae_estimate.R", "r-bridge/man/sae_estimate.Rd",
                          "sae:options")}

#: R wrapper -> (its source, its Rd, the Python function it calls, {formal: Python's choices})
WRAPPERS = {
    "gain_impute": ("r-bridge/R/gain_impute.R", "r-bridge/man/gain_impute.Rd", "impute", {}),
    "gain_fit": ("r-bridge/R/gain_fit.R", "r-bridge/man/gain_fit.Rd", "GainImputer", {}),
    "dp_synthesize": ("r-bridge/R/dp_synthesize.R", "r-bridge/man/dp_synthesize.Rd",
                      "synth.synthesize", {"method": "synth._settings.METHODS"}),
    "sae_estimate": ("r-bridge/R/sae_estimate.R", "r-bridge/man/sae_estimate.Rd",
                     "sae.estimate", {"method": "sae.METHODS"}),
    "turnout_data": ("r-bridge/R/sae_estimate.R", "r-bridge/man/turnout_data.Rd",
                     "datasets.turnout", {}),
    "pool_rubin": ("r-bridge/R/pool_rubin.R", "r-bridge/man/pool_rubin.Rd", "pool", {}),
}


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


def _python_object(name: str):
    """``socgan.<name>`` (``"synth.synthesize"`` is socgan.synth.synthesize; a private module
    on the way, ``"synth._settings.METHODS"``, is imported)."""
    import importlib

    module, _, attr = f"socgan.{name}".rpartition(".")
    return getattr(importlib.import_module(module), attr)


def _signature_defaults(function: str) -> dict:
    import inspect

    params = inspect.signature(_python_object(function)).parameters.values()
    return {p.name: p.default for p in params}  # inspect.Parameter.empty: no default


def _sae_options() -> dict:
    """The small-area methods' options with their defaults (a name two methods share must have
    one default, as the help lists it once)."""
    from socgan.sae import _estimate

    out: dict = {}
    for method in _estimate.METHODS:
        for name, value in _estimate._option_table(method)[0].items():
            if name in out and out[name] != value:
                raise RuntimeError(f"option {name!r} has two defaults: {out[name]!r} and {value!r}")
            out[name] = value
    return out


def python_defaults(function: str) -> dict[str, str]:
    """The defaults, as R literals, of the settings that ``function`` (a public function, or
    "sae:options") takes; settings without a default are left out."""
    import inspect

    values = _sae_options() if function == "sae:options" else _signature_defaults(function)
    return {k: r_literal(v) for k, v in values.items() if v is not inspect.Parameter.empty}


# -- the R wrappers' own arguments ---------------------------------------------------------------

def _split_top_level(text: str) -> list[str]:
    """``text`` split at the commas outside brackets and strings."""
    parts, depth, quote, start = [], 0, None, 0
    for i, ch in enumerate(text):
        if quote:
            if ch == quote and text[i - 1] != "\\":
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append((start, i))
            start = i + 1
    parts.append((start, len(text)))
    return [text[a:b] for a, b in parts]


def _formals_span(text: str, wrapper: str, rd: bool) -> tuple[int, int]:
    """Where the formals of ``wrapper`` are in its R source (``name <- function(...)``) or in
    its Rd's usage (``name(...)``): the span inside the parentheses."""
    pattern = (rf"^{re.escape(wrapper)}\(" if rd else rf"^{re.escape(wrapper)} <- function\(")
    match = re.search(pattern, text, flags=re.M)
    if match is None:
        raise RuntimeError(f"{wrapper}: no {'usage' if rd else 'definition'} found")
    depth, i = 1, match.end()
    while depth:
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        i += 1
    return match.end(), i - 1


def r_formals(text: str, wrapper: str, rd: bool = False) -> dict[str, str | None]:
    """``wrapper``'s formals in the R source (or Rd usage) ``text``: name -> default as written
    (None: no default)."""
    a, b = _formals_span(text, wrapper, rd)
    out = {}
    for part in _split_top_level(text[a:b]):
        name, eq, default = part.partition("=")
        out[name.strip()] = " ".join(default.split()) if eq else None
    return out


def _r_value(literal: str):
    """An R literal as a Python value (numbers, TRUE/FALSE, NULL, strings, c(...) of them)."""
    literal = literal.strip()
    if literal == "NULL":
        return None
    if literal in ("TRUE", "FALSE"):
        return literal == "TRUE"
    if literal.startswith("c(") and literal.endswith(")"):
        return tuple(_r_value(x) for x in _split_top_level(literal[2:-1]))
    if literal[:1] in "\"'":
        return literal[1:-1]
    if literal in ("Inf", "-Inf"):
        return float(literal.replace("Inf", "inf"))
    return float(literal.rstrip("L"))


def formal_problems(wrapper: str, text: str, rd: bool = False) -> dict[str, str]:
    """The formals of ``wrapper`` (in ``text``) whose default is not Python's: name -> the R
    literal Python's default calls for (a choice: the whole ``c(...)``)."""
    import inspect

    _, _, function, choices = WRAPPERS[wrapper]
    python = _signature_defaults(function)
    fixes = {}
    for name, written in r_formals(text, wrapper, rd).items():
        if name not in python or name == "...":
            continue  # an R-only argument (output, model) or the settings' dots
        want = python[name]
        if name == "progress":  # R's NULL is Python's True: a bar when a person watches
            if want is not True:
                raise RuntimeError(f"{function}(progress=) defaults to {want!r}, not True")
            expected = "NULL"
        elif name in choices:
            values = tuple(_python_object(choices[name]))
            if values[0] != want:
                values = (want, *[v for v in values if v != want])
            expected = "c(" + ", ".join(r_literal(v) for v in values) + ")"
        elif want is inspect.Parameter.empty:
            expected = None
        else:
            expected = r_literal(want)
        if expected is None or written is None:
            if expected != written:
                fixes[name] = expected or "(no default)"
            continue
        if _r_value(written) != _r_value(expected):
            fixes[name] = expected
    return fixes


def rewrite_formals(text: str, wrapper: str, rd: bool) -> str:
    """``text`` with the defaults of ``wrapper``'s formals set to Python's (those with and
    without a default stay so; a drift there is reported, not rewritten)."""
    fixes = formal_problems(wrapper, text, rd)
    a, b = _formals_span(text, wrapper, rd)
    parts = _split_top_level(text[a:b])
    out = []
    for part in parts:
        name, eq, default = part.partition("=")
        key = name.strip()
        if eq and key in fixes and fixes[key] != "(no default)":
            lead = default[:len(default) - len(default.lstrip())]
            tail = default[len(default.rstrip()):]
            part = f"{name}={lead}{fixes[key]}{tail}"
        out.append(part)
    return text[:a] + ",".join(out) + text[b:]


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
    jobs = [(path, rd, lambda t, rd, d=python_defaults(function): rewrite(t, d, rd))
            for source, rd_file, function in PAGES.values()
            for path, rd in ((ROOT / source, False), (ROOT / rd_file, True))]
    jobs += [(path, rd, lambda t, rd, w=wrapper: rewrite_formals(t, w, rd))
             for wrapper, (source, rd_file, _, _) in WRAPPERS.items()
             for path, rd in ((ROOT / source, False), (ROOT / rd_file, True))]
    for path, rd, fix in jobs:
        text = path.read_text(encoding="utf-8")
        new = fix(text, rd)
        if new != text:
            stale.append(str(path.relative_to(ROOT)))
            if not args.check:
                path.write_text(new, encoding="utf-8")
    for wrapper, (source, rd_file, function, _) in WRAPPERS.items():
        for path, rd in ((ROOT / source, False), (ROOT / rd_file, True)):
            left = {k: v for k, v in formal_problems(
                wrapper, path.read_text(encoding="utf-8"), rd).items()}
            if left:  # what rewriting cannot fix: a default added or removed
                print(f"{path.relative_to(ROOT)}: {wrapper}() formals differ from "
                      f"socgan.{function}: {left}", file=sys.stderr)
                if str(path.relative_to(ROOT)) not in stale:
                    stale.append(str(path.relative_to(ROOT)))
    if stale:
        verb = "out of date" if args.check else "rewritten"
        print(f"R help {verb} (defaults from Python): {', '.join(stale)}"
              + ("; run scripts/r_doc_defaults.py" if args.check else ""), file=sys.stderr)
        return 1 if args.check else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
