"""The seed experiment of Neunhoeffer (2020), "GANs for social scientists", experiment 1.

Y = X + 2·Bin + 3·Bin·X + e, with X continuous, Bin binary, a bimodal continuous variable
Bimod and an unordered categorical Categ; Y is always observed and the other four are missing
at random with a probability that rises with Y (MAR), about 30% each. The talk reports 320,
317, 270 and 271 missing values in X, Bin, Bimod and Categ for n = 1000; the rates below are
set to those shares. The talk does not give the distributions of Bimod and Categ: here Bimod
is a two-component normal mixture whose component depends on Bin, and Categ's levels depend
on X, so that both carry some information about the regression variables.

``mar_strength="strong"`` is this project's harder mechanism (issue 18): log-odds slopes of
+0.8, −0.6, +0.5 and −0.7 per SD of Y for X, Bin, Bimod and Categ, so that high-Y rows lose X
and Bimod while low-Y rows lose Bin and Categ. The shares missing are the same. The observed
mean of X is then 0.18 (7 of its standard errors) below the full-data mean, and complete cases
understate X:Bin by about 0.07 (about 0.7 of its standard error at n = 1000).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.optimize import brentq

from .._params import Count, Flag, OneOf, Seed, validate_params

#: True coefficients of ``Y ~ X * Bin`` in the seed experiment.
SEED_EXPERIMENT_TRUTH = {"Intercept": 0.0, "X": 1.0, "Bin": 2.0, "X:Bin": 3.0}

#: Share of missing values per variable (the talk's 320, 317, 270, 271 of 1000).
_MISSING_SHARE = {"X": 0.32, "Bin": 0.317, "Bimod": 0.27, "Categ": 0.271}
# Log-odds of missingness per standard deviation of Y, per variable.
_SLOPES_ON_Y = {
    "mild": {"X": 0.25, "Bin": 0.25, "Bimod": 0.25, "Categ": 0.25},
    "strong": {"X": 0.8, "Bin": -0.6, "Bimod": 0.5, "Categ": -0.7},
}
_CATEG_LEVELS = ["a", "b", "c", "d"]


@validate_params({"n_rows": Count(10), "seed": Seed(), "missing": Flag(),
                  "mar_strength": OneOf(*_SLOPES_ON_Y)}, renamed={"n": "n_rows"})
def seed_experiment(n_rows: int = 1000, *, seed: int | None = None, missing: bool = True,
                    mar_strength: str = "mild") -> pd.DataFrame:
    """Simulate one data set of the seed experiment.

    Parameters
    ----------
    n_rows
        Number of rows, at least 10 (whole-number floats accepted; ``n=`` is its deprecated
        old name).
    seed
        Seed of the random generator; the same seed gives the same data.
    missing
        If False, return the complete data (useful for checking an analysis before deletion).
    mar_strength
        ``"mild"`` (default; the talk's design): the log-odds of missingness rise by 0.25 per
        SD of Y for every variable; complete cases stay nearly unbiased. ``"strong"``: slopes
        of +0.8 (X), −0.6 (Bin), +0.5 (Bimod) and −0.7 (Categ) per SD of Y, of different signs
        for different variables; the observed mean of X is 0.18 too low and complete cases
        understate X:Bin by about 0.07 (n = 1000). The shares missing are the same. The complete data do not depend on this option.

    Returns
    -------
    pandas.DataFrame
        Columns ``Y`` (float), ``X`` (float), ``Bin`` (Int64 0/1, nullable), ``Bimod`` (float)
        and ``Categ`` (unordered categorical with levels a-d). The true coefficients of
        ``Y ~ X * Bin`` are in :data:`SEED_EXPERIMENT_TRUTH`.

    Examples
    --------
    About 0.01 s (the default 1,000 rows):

    >>> df = seed_experiment(1000, seed=1)
    >>> sorted(df.columns)
    ['Bimod', 'Bin', 'Categ', 'X', 'Y']
    """
    n = n_rows
    rng = np.random.default_rng(seed)
    x = rng.normal(0.0, 1.0, n)
    b = rng.binomial(1, 0.5, n)
    y = x + 2.0 * b + 3.0 * b * x + rng.normal(0.0, 1.0, n)
    # Bimod: mode at -2 or +2; the chance of the upper mode is 0.3 if Bin = 0 and 0.7 if Bin = 1.
    upper = rng.random(n) < np.where(b == 1, 0.7, 0.3)
    bimod = np.where(upper, 2.0, -2.0) + rng.normal(0.0, 0.6, n)
    # Categ: multinomial logit in X.
    logits = np.column_stack([np.zeros(n), 0.8 * x, -0.8 * x, 0.3 + 0.0 * x])
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    categ_code = (p.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    df = pd.DataFrame({
        "Y": y,
        "X": x,
        "Bin": pd.array(b, dtype="Int64"),
        "Bimod": bimod,
        "Categ": pd.Categorical.from_codes(categ_code, categories=_CATEG_LEVELS),
    })
    if not missing:
        return df
    z = (y - y.mean()) / y.std()
    for col, share in _MISSING_SHARE.items():
        # Intercept chosen so that the expected share in this sample matches the talk's.
        slope = _SLOPES_ON_Y[mar_strength][col]
        a = brentq(lambda a: expit(a + slope * z).mean() - share, -10, 10)
        miss = rng.random(n) < expit(a + slope * z)
        df.loc[miss, col] = np.nan
    return df
