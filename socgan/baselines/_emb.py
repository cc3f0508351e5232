"""EM with bootstrapping (EMB): Amelia II's multiple imputer, in Python.

The imputation model is a multivariate normal on the standardised columns (Honaker, King &
Blackwell 2011, "Amelia II: A Program for Missing Data", *J. Stat. Softw.* 45(7); King, Honaker,
Joseph & Scheve 2001, *APSR* 95(1)). Each of the m imputations

1. draws a bootstrap resample of the rows (redrawn while some column is entirely missing in it);
2. runs EM for the mean and covariance on that resample: the E-step takes, for every
   missingness pattern, the regression of the missing on the observed columns (what Amelia's
   sweep operator computes), fills E[x_mis | x_obs] and adds Cov[x_mis | x_obs] to the
   cross-products; the M-step is the ML estimate, shrunk by Amelia's ridge prior ``empri``:
   Σ = (S + empri·I) / (n + empri + k + 2), with S the centred cross-products of the
   standardised data, k the number of columns (``emcore`` in Amelia's ``src/em.cpp``);
   EM stops when no element of the mean or the upper triangle of Σ moved more than ``tol``;
3. imputes the *original* rows by drawing x_mis ~ N(E[x_mis | x_obs], Cov[x_mis | x_obs]) under
   that resample's parameters (``ameliaImpute``).

The bootstrap spread of the parameters stands in for their posterior spread, which makes the
imputations proper (Rubin 1987, ch. 4). Start values, the nominal and ordinal rules and the
checks follow Amelia 1.8 (``startval``, ``amsubset``, ``unsubset``, ``amelia.prep``).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from .._params import (NON_NEGATIVE, POSITIVE, Count, Flag, Frame, Optional, Rule, Seed, Unchecked,
                       check_idvars, idvar_positions, validate_params)
# The EM model and the design matrix are shared with small-area stacking (socgan.sae); the
# private aliases keep this function's body as it was.
from .._core.emb import Design as _Design
from .._core.emb import bootstrap_rows as _bootstrap_rows
from .._core.emb import draw as _draw
from .._core.emb import em as _em
from ..imputation import Imputations


_COLUMN_LIST = Unchecked("None, or names of columns of `data` (checked with `data`)")


@validate_params({"data": Frame(), "m": Count(1), "seed": Seed(), "empri": NON_NEGATIVE,
                  "noms": _COLUMN_LIST, "ords": _COLUMN_LIST, "tol": POSITIVE,
                  "max_iter": Count(1), "progress": Flag(),
                  "idvars": Optional(Rule(check_idvars, "a column name or a list of them"))},
                 positional=("m",))
def emb_impute(data: pd.DataFrame, *, m: int = 5, seed: int | None = None, empri: float = 0.0,
               noms: Iterable | None = None, ords: Iterable | None = None, tol: float = 1e-4,
               max_iter: int = 1000, progress: bool = True, idvars=None) -> Imputations:
    """Multiply impute ``data`` with EM and bootstrapping under a multivariate normal (Amelia II).

    Parameters
    ----------
    data
        DataFrame with missing values. Numeric columns (float, integer, nullable; a 0/1 column
        too, as in Amelia) are modelled as continuous; unordered categoricals, strings and bool
        columns as nominal (as :func:`socgan.r.run_amelia` passes them to Amelia); ordered
        categoricals as ordinal. Never modified.
    m
        Number of imputations (whole-number floats such as R's ``5`` are accepted).
    seed
        Seed; the same seed gives identical imputations. ``None`` draws fresh entropy, kept in
        ``.options["entropy"]``.
    empri
        Amelia's ridge (empirical) prior, in pseudo-observations: the covariance of the
        standardised data becomes (S + empri·I) / (n + empri + k + 2). Amelia suggests up to 1%
        of the rows for data with few rows or collinear columns. (Amelia's C++ truncates it to a
        whole number; a fraction acts as given here.)
    noms
        Further columns to treat as nominal (e.g. a numeric country code). Each becomes k − 1
        dummies for its k observed levels (the level met first is the baseline, as in Amelia),
        imputed as continuous; a missing cell is then drawn from its level probabilities: the
        imputed dummies clipped to [0, 1], divided by their sum where that exceeds 1, and the
        baseline given the rest (Amelia's ``noms`` rule).
    ords
        Further columns to treat as ordinal (numeric with whole-number values, or a categorical
        whose category codes are used). Imputed on the code scale x, then drawn as
        min + Binomial(max − min, p) with p = (x − min)/(max − min) clipped to [0, 1] and min, max
        the observed codes (Amelia's ``ords`` rule).
    tol
        EM stops when no parameter (standardised scale) changes by more than this (Amelia's
        ``tolerance``).
    max_iter
        At most this many EM iterations per imputation (Amelia has no limit); a warning is given
        if it is reached.
    progress
        Show a progress bar over the imputations (on by default, as everywhere in socgan).
    idvars
        Columns to keep out of the model (a name or a list of names), as Amelia's ``idvars``:
        copied into every completed dataset as they are, missing values included.

    Returns
    -------
    Imputations
        ``.datasets`` with ``data``'s index, columns and dtypes, except that an integer column
        with missing values comes back as float64: Amelia imputes numbers on the continuous
        scale and does not round them (rounding biases; Honaker, King & Blackwell 2011, sec. 4.3).
        Give such a column in ``ords`` to get whole numbers. ``.options`` records the settings,
        the column roles; ``.diagnostics["em_iterations"]`` the EM iterations of each
        imputation's model (EM has no training losses, so there is no ``loss_history``).

    Notes
    -----
    Complete columns with a single value carry no information and are carried along unchanged.
    Rows with every value missing are refused with an error (Amelia leaves them unimputed);
    drop them first. As in Amelia, an error is raised when 2k > n + empri (k modelled columns,
    dummies included) and a warning when 4k > n + empri.

    Examples
    --------
    About 1 s on the project's shared 2-core machine, with the default settings:

    >>> import socgan
    >>> from socgan.baselines import emb_impute
    >>> df = socgan.datasets.seed_experiment(300, seed=1)
    >>> imp = emb_impute(df, m=3, seed=1, progress=False)
    >>> len(imp.datasets)
    3
    """
    original = data.copy(deep=True)
    ids = idvar_positions(original, idvars or [], None)
    if ids:  # as Amelia: the model never sees them; each dataset gets them back as they are
        named = [c for c in list(noms or []) + list(ords or []) if c in original.columns[ids]]
        if named:
            raise ValueError(f"`idvars` and `noms`/`ords` both name {named[0]!r}: a column in "
                             "`idvars` is not modelled.")
        keep = [j for j in range(original.shape[1]) if j not in ids]
        with warnings.catch_warnings(record=True) as caught:  # re-issued at the user's call
            warnings.simplefilter("always")
            inner = emb_impute(original.iloc[:, keep], m=m, seed=seed, empri=empri, noms=noms,
                               ords=ords, tol=tol, max_iter=max_iter, progress=progress)
        for w in caught:
            warnings.warn(w.message, w.category, stacklevel=3)
        datasets = []
        for done in inner.datasets:
            full = original.copy(deep=True)
            for i, j in enumerate(keep):
                full.isetitem(j, done.iloc[:, i])
            datasets.append(full)
        return Imputations(data=original, datasets=datasets,
                           options={**inner.options, "idvars": [original.columns[j] for j in ids]},
                           diagnostics=inner.diagnostics)
    design = _Design.build(original, noms, ords)
    seeds = np.random.SeedSequence(seed)
    options = {"method": "emb", "seed": seed, "entropy": seeds.entropy, "empri": empri,
               "tol": tol, "max_iter": max_iter, "noms": design.noms, "ords": design.ords}

    if not original.isna().to_numpy().any():
        warnings.warn("`data` has no missing values; returning m identical copies.", UserWarning,
                      stacklevel=3)  # the user's call, above the argument checks
        return Imputations(data=original, datasets=[original.copy() for _ in range(m)],
                           options=options, diagnostics={"em_iterations": []})
    design.check_size(empri)

    datasets, iterations = [], []
    for ell, child in enumerate(tqdm(seeds.spawn(m), disable=not progress,
                                     desc="EMB imputation", unit="imputation"), start=1):
        rng = np.random.default_rng(child)
        boot = design.z[_bootstrap_rows(design.z, rng)]
        fit = _em(boot, empri=empri, tol=tol, max_iter=max_iter)
        if not fit.converged:
            warnings.warn(f"EM did not converge within max_iter={max_iter} iterations in "
                          f"imputation {ell}; its estimates are used as they are.", UserWarning,
                          stacklevel=3)
        if np.linalg.eigvalsh(fit.cov).min() < np.finfo(float).eps:
            raise ValueError(f"The covariance estimated in imputation {ell} is not positive "
                             "definite: check `data` for highly collinear columns, or set a "
                             "ridge prior with `empri` (e.g. 1% of the rows).")
        iterations.append(fit.iterations)
        datasets.append(design.complete(original, _draw(design.z, fit, rng), rng))
    return Imputations(data=original, datasets=datasets, options=options,
                       diagnostics={"em_iterations": iterations})
