"""R baselines for the benches: mice (default and CART) and Amelia, called through rpy2.

Importable by the bench scripts (``bench/`` is put on ``sys.path`` by them); not part of the
socgan package and not used by the test suite.

Choices, made to match what an R user would do by default:

* ``Bin`` is sent to R as a **factor** (levels "0", "1"), the usual R coding of a binary
  variable, so that mice imputes it with ``logreg`` (a 0/1 numeric would get ``pmm``) and
  Amelia treats it as nominal. ``lm(Y ~ X * Bin)`` then names the terms ``Bin1`` and
  ``X:Bin1``; :func:`_map_term` maps them back to statsmodels' ``Bin`` and ``X:Bin``.
* ``Categ`` is an unordered factor (mice: ``polyreg``; Amelia: ``noms``).
* Amelia gets ``noms = c("Bin", "Categ")`` and ``p2s = 0``, its seed through ``set.seed``.
* All methods are pooled with ``mice::pool`` (Rubin's rules with the Barnard-Rubin degrees of
  freedom, ``dfcom`` taken from ``lm``'s residual df), so the methods share one pooling rule.

Conversion is done column by column with rpy2's default converter (no pandas2ri, which does
not yet know pandas 3): floats with NaN become R numeric with ``NA_real_`` (not ``NaN``),
nullable integers and categoricals become R factors (or integers) with ``NA``.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

_R_CODE = r"""
socgan_bench_collect <- function(expr) {
  msgs <- character(0)
  value <- withCallingHandlers(expr, warning = function(w) {
    msgs <<- c(msgs, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(value = value, warnings = unique(msgs))
}

socgan_bench_pool <- function(fits, warns, note = character(0)) {
  pooled <- mice::pool(fits)
  s <- summary(pooled, conf.int = TRUE)
  list(term = as.character(s$term), estimate = as.numeric(s$estimate),
       std_error = as.numeric(s$std.error), df = as.numeric(s$df),
       conf_low = as.numeric(s[["2.5 %"]]), conf_high = as.numeric(s[["97.5 %"]]),
       fmi = as.numeric(pooled$pooled$fmi),
       note = paste(c(note, warns), collapse = "; "))
}

socgan_bench_mice <- function(d, formula, m, maxit, seed, method) {
  r <- socgan_bench_collect({
    if (is.null(method)) {
      imp <- mice::mice(d, m = m, maxit = maxit, printFlag = FALSE, seed = seed)
    } else {
      imp <- mice::mice(d, m = m, maxit = maxit, method = method, printFlag = FALSE,
                        seed = seed)
    }
    fits <- mice::as.mira(lapply(seq_len(m), function(i)
      lm(formula, data = mice::complete(imp, i))))
    list(imp = imp, fits = fits)
  })
  note <- character(0)
  le <- r$value$imp$loggedEvents
  if (!is.null(le) && nrow(le) > 0) note <- sprintf("mice logged %d events", nrow(le))
  socgan_bench_pool(r$value$fits, r$warnings, note)
}

socgan_bench_amelia <- function(d, formula, m, seed, noms) {
  set.seed(seed)
  r <- socgan_bench_collect({
    a <- Amelia::amelia(d, m = m, noms = noms, p2s = 0)
    if (is.null(a$imputations) || length(a$imputations) < m ||
        any(vapply(a$imputations, function(x) is.null(x) || !is.data.frame(x), TRUE)))
      stop(sprintf("Amelia failed (code %s): %s", a$code, paste(a$message, collapse = " ")))
    fits <- mice::as.mira(lapply(a$imputations, function(di) lm(formula, data = di)))
    list(a = a, fits = fits)
  })
  note <- if (r$value$a$code != 1) sprintf("Amelia code %s", r$value$a$code) else character(0)
  socgan_bench_pool(r$value$fits, r$warnings, note)
}

socgan_bench_versions <- function() {
  c(R = R.version.string, mice = as.character(packageVersion("mice")),
    Amelia = as.character(packageVersion("Amelia")))
}
"""

_state: dict = {}


def _r():
    """Start the embedded R once per process, load mice and Amelia, define the helpers."""
    if "ro" not in _state:
        # rpy2 puts R's ldpaths (which include /usr/lib/x86_64-linux-gnu) into
        # os.environ["LD_LIBRARY_PATH"]. It has no effect on this process any more (the loader
        # reads it at start-up) but child processes inherit it, and a pyenv Python started
        # with it loads the system libpython and loses its site-packages: the loky workers
        # then die with "No module named 'joblib'". Put the variable back as it was.
        old_ld = os.environ.get("LD_LIBRARY_PATH")
        import rpy2.robjects as ro

        if old_ld is None:
            os.environ.pop("LD_LIBRARY_PATH", None)
        else:
            os.environ["LD_LIBRARY_PATH"] = old_ld

        # Namespaces only (no attach): quiet, and the helpers call mice:: / Amelia:: anyway.
        ro.r('suppressWarnings(suppressPackageStartupMessages({'
             'loadNamespace("mice"); loadNamespace("Amelia")}))')
        ro.r(_R_CODE)
        _state["ro"] = ro
    return _state["ro"]


def r_available() -> tuple[bool, str]:
    """Whether rpy2, R, mice and Amelia can be used here, and why not."""
    try:
        _r()
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        return False, f"{type(exc).__name__}: {exc}"
    return True, ""


def r_versions() -> dict[str, str]:
    """Versions of R, mice and Amelia as seen by rpy2."""
    ro = _r()
    v = ro.r["socgan_bench_versions"]()
    return dict(zip(v.names, list(v)))


def to_r_dataframe(df: pd.DataFrame, *, factors: tuple[str, ...] = ("Bin",)):
    """Convert a pandas DataFrame to an R data.frame column by column, keeping NAs as NA.

    Float columns become numeric with ``NA_real_`` for NaN; categoricals become factors with
    their categories as levels; nullable integer/boolean columns named in ``factors`` become
    factors with the sorted observed values as levels, other integer columns R integers;
    object/string columns become factors.
    """
    ro = _r()
    cols = {}
    for name in df.columns:
        s = df[name]
        miss = s.isna().to_numpy()
        if isinstance(s.dtype, pd.CategoricalDtype):
            levels = [str(c) for c in s.cat.categories]
            vals = [ro.NA_Character if mi else str(v) for v, mi in zip(s.astype(object), miss)]
            cols[name] = ro.FactorVector(ro.StrVector(vals), levels=ro.StrVector(levels))
        elif pd.api.types.is_float_dtype(s.dtype):
            vals = s.to_numpy(dtype=float, na_value=np.nan)
            cols[name] = ro.FloatVector(
                [ro.NA_Real if mi else float(v) for v, mi in zip(vals, miss)])
        elif pd.api.types.is_integer_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype):
            obs = s[~miss]
            if name in factors:
                levels = [str(int(v)) for v in sorted(pd.unique(obs))]
                vals = [ro.NA_Character if mi else str(int(v))
                        for v, mi in zip(s.astype(object), miss)]
                cols[name] = ro.FactorVector(ro.StrVector(vals), levels=ro.StrVector(levels))
            else:
                cols[name] = ro.IntVector(
                    [ro.NA_Integer if mi else int(v) for v, mi in zip(s.astype(object), miss)])
        else:
            levels = sorted({str(v) for v in s[~miss]})
            vals = [ro.NA_Character if mi else str(v) for v, mi in zip(s.astype(object), miss)]
            cols[name] = ro.FactorVector(ro.StrVector(vals), levels=ro.StrVector(levels))
    return ro.DataFrame(cols)


def r_na_counts(rdf) -> dict[str, int]:
    """Number of NA per column of an R data.frame (``is.na``), and of NaN in numeric ones."""
    ro = _r()
    f = ro.r("function(d) sapply(d, function(x) sum(is.na(x) & !(is.numeric(x) & is.nan(x))))")
    out = f(rdf)
    return {k: int(v) for k, v in zip(out.names, out)}


def _map_term(term: str) -> str:
    """R term names to statsmodels names: ``(Intercept)`` -> ``Intercept``, ``Bin1`` -> ``Bin``."""
    if term == "(Intercept)":
        return "Intercept"
    return ":".join(p[:-1] if p in ("Bin1",) else p for p in term.split(":"))


def _to_frame(res) -> pd.DataFrame:
    names = list(res.names)
    get = {k: res[i] for i, k in enumerate(names)}
    out = pd.DataFrame({
        "term": [_map_term(t) for t in get["term"]],
        **{k: np.asarray(get[k], dtype=float)
           for k in ("estimate", "std_error", "df", "conf_low", "conf_high", "fmi")},
    })
    note = str(get["note"][0]) if len(get["note"]) else ""
    out.attrs["note"] = note
    return out


def _seed(seed: int) -> int:
    seed = int(seed) % (2**31 - 1)
    return seed if seed > 0 else 1


def fit_mice(df: pd.DataFrame, formula: str = "Y ~ X * Bin", *, m: int = 5, maxit: int = 5,
             seed: int = 1, method: str | None = None) -> pd.DataFrame:
    """``mice(d, m, maxit, method, seed)``, ``lm`` on each completed data set, ``pool``.

    ``method=None`` keeps mice's defaults (pmm / logreg / polyreg); ``"cart"`` uses CART for
    every incomplete variable. Returns one row per term with statsmodels term names.
    """
    ro = _r()
    rdf = to_r_dataframe(df)
    res = ro.r["socgan_bench_mice"](rdf, ro.Formula(formula), int(m), int(maxit), _seed(seed),
                                    ro.NULL if method is None else ro.StrVector([method]))
    return _to_frame(res)


def fit_amelia(df: pd.DataFrame, formula: str = "Y ~ X * Bin", *, m: int = 5, seed: int = 1,
               noms: tuple[str, ...] = ("Bin", "Categ")) -> pd.DataFrame:
    """``set.seed(seed); amelia(d, m, noms, p2s = 0)``, ``lm`` on each imputation, ``mice::pool``."""
    ro = _r()
    rdf = to_r_dataframe(df)
    res = ro.r["socgan_bench_amelia"](rdf, ro.Formula(formula), int(m), _seed(seed),
                                      ro.StrVector(list(noms)))
    return _to_frame(res)


if __name__ == "__main__":  # quick self-check of the conversion and of both methods
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from socgan.datasets import seed_experiment

    d = seed_experiment(200, seed=1)
    rdf = to_r_dataframe(d)
    want = {k: int(v) for k, v in d.isna().sum().items()}
    got = r_na_counts(rdf)
    print("NA pandas:", want, "\nNA R     :", got)
    assert want == got, "NA counts differ between pandas and R"
    ro = _r()
    print("R classes:", dict(zip(rdf.names, [ro.r["class"](c)[0] for c in rdf])))
    for name, res in [("mice", fit_mice(d, seed=1)),
                      ("mice_cart", fit_mice(d, seed=1, method="cart")),
                      ("amelia", fit_amelia(d, seed=1))]:
        print(f"--- {name}  note: {res.attrs['note']!r}")
        print(res.to_string(index=False))
    print(r_versions())
