"""``evaluate``: utility and privacy checks of a synthetic table against the real one.

Utility, from general to specific (Snoke et al. 2018; Karr et al. 2006):

- ``tvd_1way`` / ``tvd_2way``: total variation distance, 0.5 * sum |p - q|, between the real and
  synthetic distributions of each column and each pair of columns. Numeric columns with more than
  ``bins`` distinct values are cut at the real data's quantiles, the same bins for both.
- ``correlation_difference``: synthetic minus real Pearson correlation of each pair of numeric or
  boolean columns; ``correlation_difference_mean_abs`` their mean absolute value.
- ``coefficient_real`` / ``coefficient_synthetic`` / ``ci_overlap`` per term of ``formula``
  (statsmodels OLS on each table), ``coefficient_rmse`` and ``ci_overlap_mean``. The overlap is
  Karr et al.'s (2006) J = (U - L) / (2 (U_r - L_r)) + (U - L) / (2 (U_s - L_s)) of the 95%
  intervals, with L, U the bounds of their intersection: 1 for identical intervals, negative when
  they do not meet.
- ``tstr_*`` / ``trtr_*``: train on synthetic (resp. real), test on real — on ``holdout`` if given,
  otherwise on ``real`` itself, which favours the real-trained model. A discrete target gets a
  logistic (binary) or multinomial logit model, its accuracy and its AUC (binary: the area under
  the ROC curve of the predicted probability; several levels: the mean one-vs-rest AUC), since
  accuracy says little when one level dominates (``majority_share``: the accuracy of always
  predicting the test rows' most common level); a numeric one OLS and R^2.

Privacy, needing a ``holdout`` of real rows that did *not* go into the synthesizer:

- distance to closest record (DCR): each synthetic row's distance to its nearest real row, against
  the same for holdout rows — synthetic rows much closer to the real ones than new real rows are
  would be copies; ``exact_copies`` is the share of synthetic rows equal to some real row.
- ``membership_auc``: a distance attack (score = minus the distance to the nearest synthetic row)
  telling training rows from holdout rows; its AUC near 0.5 means membership cannot be told.

Detection (``detection=True``, the default): can a classifier tell synthetic rows from real ones?
The propensity-score idea of Woo et al. (2009) and Snoke et al. (2018), with the flexible
classifier the tabular-GAN literature uses for it (a gradient-boosted tree ensemble,
scikit-learn's ``HistGradientBoostingClassifier``, so that interactions and non-linear relations
the synthesizer lost are found, not only shifted marginals): up to 10,000 rows of each table,
5-fold cross-validated, so every row is scored by a classifier that did not see it.

- ``detection_auc``: the area under the ROC curve of those out-of-fold scores; 0.5 = the synthetic
  rows cannot be told from real ones, 1 = every one can.
- ``detection_fooled``: the share of synthetic rows the detector takes for real (out-of-fold
  probability of "real" at least 0.5, the classes balanced): about 0.5 when it cannot tell them
  apart, 0 when it tells every one.

Distances: numeric columns divided by their real range, discrete columns one-hot scaled so that a
differing level counts 1.

Every row carries a ``reading``: what the value means and what a good one looks like, from the
value itself (e.g. a correlation whose sign the synthetic data reverse, confidence intervals that
do not meet). The thresholds in it ("close", "far") are rules of thumb, not tests.
"""

from __future__ import annotations

import itertools
import re
import warnings

import numpy as np
import pandas as pd
import patsy
import statsmodels.api as sm
import statsmodels.formula.api as smf
from pandas.api import types as pdt
from scipy.spatial import cKDTree
from scipy.stats import mannwhitneyu

from .._params import Count, Flag, Frame, Optional, Text, check_frame, validate_params


def _is_numeric(s: pd.Series) -> bool:
    return pdt.is_numeric_dtype(s.dtype) and not pdt.is_bool_dtype(s.dtype)


_COMPLETE = "evaluate complete data."


def _binned(real: pd.DataFrame, other: pd.DataFrame, bins: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both tables as category labels: numeric columns cut at the real quantiles."""
    a, b = {}, {}
    for c in real.columns:
        r, o = real[c], other[c]
        if _is_numeric(r) and r.nunique() > bins:
            edges = np.unique(np.quantile(r.to_numpy(dtype=float), np.linspace(0, 1, bins + 1))[1:-1])
            a[c] = np.digitize(r.to_numpy(dtype=float), edges)
            b[c] = np.digitize(o.to_numpy(dtype=float), edges)
        elif _is_numeric(r) and _is_numeric(o):
            # Few distinct real values (a 1-7 scale, 0/1): each value of either table counts
            # as the nearest real value (cut at the midpoints), so that a release that draws
            # 2.45 on a whole-number scale is compared at the scale's resolution, not as a
            # label that never equals "2.0" (a user's trial: every such distance was 1).
            values = np.unique(r.dropna().to_numpy(dtype=float))
            a[c], b[c] = _nearest_label(r, values), _nearest_label(o, values)
        else:
            a[c] = r.astype(str).to_numpy()
            b[c] = o.astype(str).to_numpy()
    return pd.DataFrame(a), pd.DataFrame(b)


def _nearest_label(col: pd.Series, values: np.ndarray) -> np.ndarray:
    """Each value of ``col`` as the position of the nearest of the sorted ``values``, as text
    (missing: "nan"); positions, so that values alike in their first digits stay apart."""
    x = col.to_numpy(dtype=float, na_value=np.nan)
    idx = np.digitize(x, (values[1:] + values[:-1]) / 2) if len(values) else np.zeros(len(x), int)
    labels = np.minimum(idx, max(len(values) - 1, 0)).astype(str).astype(object)
    labels[np.isnan(x)] = "nan"
    return labels


def _tvd(x: pd.Series, y: pd.Series) -> float:
    p = x.value_counts(normalize=True)
    q = y.value_counts(normalize=True)
    return 0.5 * float(p.sub(q, fill_value=0.0).abs().sum())


def _tvd_reading(v: float) -> str:
    verdict = "close" if v <= 0.05 else "moderate" if v <= 0.15 else "far"
    return (f"{verdict}: share of probability mass placed differently; 0 = same distribution, "
            "1 = disjoint; below about 0.05 is close")


def _marginals(real, synth, bins) -> list[tuple]:
    a, b = _binned(real, synth, bins)
    rows = []
    for c in real.columns:
        v = _tvd(a[c], b[c])
        rows.append(("tvd_1way", c, v, _tvd_reading(v)))
    for c1, c2 in itertools.combinations(real.columns, 2):
        ka = a[c1].astype(str) + "\x1f" + a[c2].astype(str)
        kb = b[c1].astype(str) + "\x1f" + b[c2].astype(str)
        v = _tvd(ka, kb)
        rows.append(("tvd_2way", f"{c1} x {c2}", v, _tvd_reading(v)))
    return rows


def _correlations(real, synth) -> list[tuple]:
    cols = [c for c in real.columns if pdt.is_numeric_dtype(real[c].dtype) or pdt.is_bool_dtype(real[c].dtype)]
    if len(cols) < 2:
        return []
    with np.errstate(invalid="ignore", divide="ignore"):
        cr = np.corrcoef(real[cols].to_numpy(dtype=float), rowvar=False)
        cs = np.corrcoef(synth[cols].to_numpy(dtype=float), rowvar=False)
    rows = []
    for i, j in itertools.combinations(range(len(cols)), 2):
        r, q = float(cr[i, j]), float(cs[i, j])
        if not (np.isfinite(r) and np.isfinite(q)):
            note = "undefined: a column is constant in one of the tables"
        elif abs(r) >= 0.1 and q * r < 0 and abs(q) >= 0.05:
            note = f"sign reversed: real r = {r:.2f}, synthetic r = {q:.2f}"
        elif abs(q - r) <= 0.05:
            note = f"close: real r = {r:.2f}, synthetic r = {q:.2f}"
        elif q * r < 0:
            note = (f"opposite sign, both weak: real r = {r:.2f}, synthetic r = {q:.2f} (the "
                    "synthetic data do not keep even the direction)")
        else:
            note = (f"{'weaker' if abs(q) < abs(r) else 'stronger'} in the synthetic data: "
                    f"real r = {r:.2f}, synthetic r = {q:.2f}")
        rows.append(("correlation_difference", f"{cols[i]} x {cols[j]}", q - r, note))
    diffs = np.array([abs(row[2]) for row in rows])
    m = float(np.mean(diffs[np.isfinite(diffs)])) if np.isfinite(diffs).any() else np.nan
    rows.append(("correlation_difference_mean_abs", "all", m,
                 f"{'close' if m <= 0.05 else 'moderate' if m <= 0.15 else 'far'}: mean |synthetic r "
                 "- real r| over pairs; 0 = same correlations, below about 0.05 is close"))
    return rows


def _estimable(fit) -> pd.Series:
    """Whether each coefficient of an OLS fit is estimable: its unit vector lies in the row
    space of the design (a level absent from the data, or collinear terms, make a coefficient
    that statsmodels' pseudo-inverse reports as a number, typically ~0 with a ~0 standard
    error, but that the data do not determine)."""
    x = np.asarray(fit.model.exog, dtype=float)
    if x.size == 0:
        return pd.Series(False, index=fit.params.index)
    _, sv, vt = np.linalg.svd(x, full_matrices=False)
    rank = int((sv > sv[0] * max(x.shape) * np.finfo(float).eps).sum()) if sv.size else 0
    inside = (vt[:rank] ** 2).sum(0)
    return pd.Series(np.abs(inside - 1) < 1e-6, index=fit.params.index)


#: What a formula may call besides the data's columns: NumPy as ``np``, and R's names of the
#: usual transformations (``log(income)`` as R users write it, ``np.log(income)`` as well)
_FORMULA_FUNCTIONS = {"np": np, "log": np.log, "log2": np.log2, "log10": np.log10,
                      "log1p": np.log1p, "exp": np.exp, "sqrt": np.sqrt, "abs": np.abs,
                      "factor": patsy.builtins.C}  # R's factor(x) is patsy's C(x)


def _with_dot(formula: str, columns) -> str:
    """R's ``y ~ .`` (every other column) written out: a right side that is ``.`` alone becomes
    the sum of the data's other columns (quoted with ``Q()``)."""
    if "~" not in formula:
        return formula
    left, right = formula.split("~", 1)
    if right.strip() != ".":
        return formula
    outcome = left.strip()
    others = [c for c in columns if str(c) != outcome]
    return f"{left}~ " + " + ".join(str(c) if str(c).isidentifier() else f'Q("{c}")'
                                    for c in others)


def _formula_error(formula: str, exc: Exception, columns) -> ValueError:
    """A formula that patsy could not evaluate, said in the user's terms."""
    text = str(exc)
    name = re.search(r"name '([^']+)' is not defined", text)
    if name:
        word = name.group(1)
        if re.search(rf"(?<![\w.]){re.escape(word)}\s*\(", formula):
            return ValueError(
                f"`formula` {formula!r} calls {word}(), which evaluate() does not know. It can "
                "call log(), log2(), log10(), log1p(), exp(), sqrt(), abs(), factor() or C(), "
                "I() and np.<function> (e.g. a square as I(x**2)).")
        return ValueError(f"`formula` {formula!r} uses `{word}`, which is not a column of `real`"
                          f" (its columns: {', '.join(map(str, columns))}). A column whose name "
                          "is not a Python name (R's `Wr.Hnd`, a name with a space) must be "
                          'quoted in the formula: Q("Wr.Hnd").')
    return ValueError(
        f"`formula` {formula!r} could not be evaluated ({' '.join(text.split()[:40])}). A column "
        "whose name is not a Python name (R's `Wr.Hnd`, a name with a space) must be quoted in "
        'the formula: Q("Wr.Hnd").')


def _regression(real, synth, formula: str) -> list[tuple]:
    formula = _with_dot(formula, real.columns)
    with warnings.catch_warnings():  # a rank-deficient design: reported term by term below
        warnings.filterwarnings("ignore", message="The design matrix is rank-deficient")
        try:
            fr = smf.ols(formula, data=real, eval_env=_FORMULA_FUNCTIONS).fit()
            fs = smf.ols(formula, data=synth, eval_env=_FORMULA_FUNCTIONS).fit()
        except (patsy.PatsyError, SyntaxError) as exc:
            raise _formula_error(formula, exc, real.columns) from None
        except ValueError as exc:
            if "multiple columns" not in str(exc):
                raise
            raise ValueError(
                f"The left side of `formula` {formula!r} is categorical (patsy makes one column "
                "per level); evaluate() fits the formula by OLS, so give it a number, e.g. "
                "'I((smoke == \"yes\") * 1) ~ ...' for the share of one level.") from None
    ci_r, ci_s = fr.conf_int(), fs.conf_int()
    ok_r, ok_s = _estimable(fr), _estimable(fs)
    rows, diffs, overlaps = [], [], []
    for term in fr.params.index:
        br = float(fr.params[term]) if ok_r[term] else np.nan
        bs = float(fs.params.get(term, np.nan)) if ok_s.get(term, False) else np.nan
        lr, ur = ci_r.loc[term]
        if term in ci_s.index and np.isfinite(bs) and np.isfinite(br):
            ls, us = ci_s.loc[term]
            lo, hi = max(lr, ls), min(ur, us)
            j = ((hi - lo) / (2 * (ur - lr)) + (hi - lo) / (2 * (us - ls))
                 if ur > lr and us > ls else np.nan)
        else:
            j = np.nan
        significant = lr > 0 or ur < 0
        if not np.isfinite(br):
            note = "not estimable from the real data"
        elif not np.isfinite(bs):
            note = ("not estimable from the synthetic data (a level it lacks, or terms that are "
                    "collinear there)")
        elif significant and bs * br < 0:
            note = f"sign reversed: the real estimate {br:.3g} is significant, the synthetic one is {bs:.3g}"
        else:
            note = f"real estimate {br:.3g}; synthetic {bs:.3g} ({(bs - br) / ((ur - lr) / 3.92):+.1f} real SEs away)"
        rows += [("coefficient_real", term, br, "the estimate from the real data"),
                 ("coefficient_synthetic", term, bs, note),
                 ("ci_overlap", term, float(j), _overlap_reading(j))]
        diffs.append(bs - br)
        overlaps.append(j)
    rmse = float(np.sqrt(np.nanmean(np.square(diffs))))
    se_rmse = float(np.sqrt(np.nanmean(np.square(
        np.array(diffs) / ((ci_r.iloc[:, 1] - ci_r.iloc[:, 0]).to_numpy() / 3.92)))))
    rows += [("coefficient_rmse", formula, rmse,
              f"root mean squared synthetic - real coefficient, in each term's units; 0 = same "
              f"estimates; here {se_rmse:.1f} real standard errors on average (below about 1 is close)"),
             ("ci_overlap_mean", formula, float(np.nanmean(overlaps)),
              _overlap_reading(float(np.nanmean(overlaps))))]
    return rows


def _numpy_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """The (complete) columns of pandas' nullable types as NumPy's: boolean as bool, Int64 as
    int64, Float64 as float64, string as object. R's logicals and integers cross as the
    nullable types, which patsy cannot read ("Cannot interpret 'BooleanDtype' as a data
    type", an R user's dp_evaluate())."""
    out = {}
    for name in frame.columns:
        s = frame[name]
        if isinstance(s.dtype, pd.BooleanDtype):
            s = s.astype(bool)
        elif isinstance(s.dtype, (pd.Int8Dtype, pd.Int16Dtype, pd.Int32Dtype, pd.Int64Dtype,
                                  pd.UInt8Dtype, pd.UInt16Dtype, pd.UInt32Dtype, pd.UInt64Dtype)):
            s = s.astype(s.dtype.numpy_dtype)
        elif isinstance(s.dtype, (pd.Float32Dtype, pd.Float64Dtype)):
            s = s.astype(s.dtype.numpy_dtype)
        elif isinstance(s.dtype, pd.StringDtype):
            s = s.astype(object)
        out[name] = s
    return pd.DataFrame(out, index=frame.index)


def _shared_rows(real: pd.DataFrame, holdout: pd.DataFrame) -> tuple[int, float, float]:
    """How many rows of ``holdout`` equal a row of ``real`` (all columns); how many a holdout
    disjoint from ``real`` would share by chance; and the count above which that is unlikely.

    Coarse data repeat themselves (a survey's whole-number ages and years of schooling): a
    fresh row equals one of ``real``'s about as often as a row of ``real`` equals another one,
    so the chance count is that share times the holdout's rows, and the bound three binomial
    standard deviations above it (any shared row when ``real`` has no repeats)."""
    key = pd.util.hash_pandas_object(real.astype(object), index=False)
    other = pd.util.hash_pandas_object(holdout.astype(object), index=False)
    shared = int(other.isin(set(key.to_numpy())).sum())
    repeat = float(key.duplicated(keep=False).mean()) if len(key) else 0.0
    expected = repeat * len(holdout)
    return shared, expected, expected + 3.0 * np.sqrt(expected * (1.0 - repeat))


def _overlap_reading(j: float) -> str:
    if not np.isfinite(j):
        return "undefined"
    head = ("good" if j >= 0.5 else "partial" if j > 0 else
            "the intervals do not meet: an analyst of the synthetic data would reach another conclusion")
    return (f"{head}; Karr et al. overlap of the 95% intervals: 1 = identical, 0 = touching, "
            "negative = apart (by about that many interval widths); at or above 0.5 is good")


def _prediction(real, synth, test, target) -> list[tuple]:
    if target not in real.columns:
        raise ValueError(f"`target` {target!r} is not a column of `real`.")
    others = [c for c in real.columns if c != target]
    if not others:
        raise ValueError("`target` needs at least one other column to predict it from.")
    rhs = " + ".join(f'Q("{c}")' if _is_numeric(real[c]) else f'C(Q("{c}"))' for c in others)
    frames = {"real": real, "synthetic": synth, "test": test}
    allx = pd.concat([f[others] for f in frames.values()], ignore_index=True)
    X = patsy.dmatrix(rhs, allx, return_type="dataframe").to_numpy(dtype=float, copy=True)
    X /= np.where(X.std(0) > 0, X.std(0), 1.0)  # scale for the optimiser; predictions unchanged
    parts, start = {}, 0
    for k, f in frames.items():
        parts[k] = X[start:start + len(f)]
        start += len(f)
    rows = []
    if _is_numeric(real[target]) and real[target].nunique() > 2:
        y_test = test[target].to_numpy(dtype=float)
        for label, train in (("tstr", "synthetic"), ("trtr", "real")):
            fit = sm.OLS(frames[train][target].to_numpy(dtype=float), parts[train]).fit()
            resid = y_test - parts["test"] @ fit.params
            r2 = 1 - np.sum(resid ** 2) / np.sum((y_test - y_test.mean()) ** 2)
            rows.append((f"{label}_r2", target, float(r2),
                         f"share of the test variance explained by a model trained on the "
                         f"{'synthetic' if label == 'tstr' else 'real'} rows; compare tstr with trtr "
                         "(negative: worse than predicting the mean)"))
        return rows
    levels = sorted(pd.concat([f[target] for f in frames.values()]).astype(str).unique())
    code = {lv: i for i, lv in enumerate(levels)}
    y_test = test[target].astype(str).map(code).to_numpy()
    majority = float(np.bincount(y_test, minlength=len(levels)).max() / len(y_test))
    scores = {}
    for label, train in (("tstr", "synthetic"), ("trtr", "real")):
        y = frames[train][target].astype(str).map(code).to_numpy()
        present = np.unique(y)
        prob = np.zeros((len(y_test), len(levels)))
        if len(present) == 1:  # a synthesizer that produced one level predicts it everywhere
            prob[:, present[0]] = 1.0
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if len(levels) == 2:
                    fit = sm.Logit(y, parts[train]).fit(method="bfgs", maxiter=500, disp=0)
                    p1 = np.asarray(fit.predict(parts["test"]))
                    prob[:, 0], prob[:, 1] = 1 - p1, p1
                else:
                    local = {v: i for i, v in enumerate(present)}
                    fit = sm.MNLogit(np.vectorize(local.get)(y), parts[train]).fit(
                        method="bfgs", maxiter=500, disp=0)
                    prob[:, present] = np.asarray(fit.predict(parts["test"]))
        scores[label] = (float(np.mean(prob.argmax(1) == y_test)), _auc(prob, y_test))
    for label in ("tstr", "trtr"):
        acc, auc = scores[label]
        who = "trained on the synthetic rows" if label == "tstr" else "trained on the real rows"
        rows.append((f"{label}_accuracy", target, acc,
                     f"share of test rows classified right by a model {who}; always predicting the "
                     f"most common level scores {majority:.3f}, so only accuracy above that means "
                     f"anything{' (this is not)' if acc <= majority + 1e-9 else ''}"))
        if label == "trtr":
            note = "the benchmark for tstr_auc"
        else:
            gain = (auc - 0.5) / (scores["trtr"][1] - 0.5) if scores["trtr"][1] > 0.5 else np.nan
            note = (f"{gain:.0%} of the real-trained model's gain over chance" if np.isfinite(gain)
                    else "the real-trained model is no better than chance either")
        rows.append((f"{label}_auc", target, auc,
                     f"area under the ROC curve of the model {who}: 0.5 = chance, 1 = perfect; "
                     f"{note} (a model fitted to noise can score 0.6 or 0.4 by its direction alone)"))
    rows.append(("majority_share", target, majority,
                 "accuracy of always predicting the test rows' most common level"))
    return rows


def _auc(prob: np.ndarray, y: np.ndarray) -> float:
    """ROC AUC of ``prob[:, 1]`` (two levels) or the mean one-vs-rest AUC over the levels present."""
    def one(score, positive):
        k = int(positive.sum())
        if k == 0 or k == len(positive):
            return np.nan
        return float(mannwhitneyu(score[positive], score[~positive]).statistic / (k * (len(positive) - k)))

    if prob.shape[1] == 2:
        return one(prob[:, 1], y == 1)
    return float(np.nanmean([one(prob[:, k], y == k) for k in range(prob.shape[1])]))


_DETECTION_ROWS = 10_000  # rows of each table the detector sees at most (a seeded subsample)


def _detection(real, synth) -> list[tuple]:
    """Out-of-fold detection AUC and the share of synthetic rows taken for real."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    rng = np.random.default_rng(0)
    n = min(len(real), len(synth), _DETECTION_ROWS)
    if n < 10:
        return []
    parts = [f.iloc[np.sort(rng.choice(len(f), size=n, replace=False))] for f in (real, synth)]
    both = pd.concat(parts, ignore_index=True)
    columns, categorical = [], []
    for c in real.columns:
        if _is_numeric(real[c]):
            columns.append(both[c].to_numpy(dtype=float))
            categorical.append(False)
        else:
            columns.append(pd.Categorical(both[c].astype(str)).codes.astype(float))
            categorical.append(True)
    X = np.column_stack(columns)
    y = np.r_[np.ones(n), np.zeros(n)]  # 1 = real
    clf = HistGradientBoostingClassifier(categorical_features=np.array(categorical),
                                         random_state=0)
    folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
    p = cross_val_predict(clf, X, y, cv=folds, method="predict_proba")[:, 1]
    auc = float(mannwhitneyu(p[:n], p[n:]).statistic / (n * n))
    fooled = float(np.mean(p[n:] >= 0.5))
    verdict = ("below chance: the detector does worse than guessing, which happens when synthetic "
               "rows repeat real ones (see the copies and distances with a holdout)"
               if auc < 0.4 else "hard to tell apart" if auc < 0.6 else
               "told apart often" if auc < 0.8 else "told apart easily")
    return [("detection_auc", "all", auc,
             f"{verdict}: how well a classifier (gradient-boosted trees, 5-fold out-of-fold scores on "
             f"{n} rows of each table) tells synthetic rows from real ones; 0.5 = not at all, "
             "1 = every row"),
            ("detection_fooled", "all", fooled,
             "share of synthetic rows the detector takes for real; about 0.5 when it cannot tell "
             "them apart, 0 when it tells every one")]


def _distance_features(real, frames) -> list[np.ndarray]:
    out = [[] for _ in frames]
    for c in real.columns:
        if _is_numeric(real[c]):
            v = real[c].to_numpy(dtype=float)
            span = np.ptp(v) or 1.0
            for k, f in enumerate(frames):
                out[k].append(((f[c].to_numpy(dtype=float) - v.min()) / span)[:, None])
        else:
            levels = pd.Index(sorted(pd.concat([f[c] for f in frames]).astype(str).unique()))
            for k, f in enumerate(frames):
                codes = levels.get_indexer(f[c].astype(str))
                out[k].append(np.eye(len(levels))[codes] / np.sqrt(2.0))
    return [np.hstack(o) for o in out]


def _privacy(real, synth, holdout) -> list[tuple]:
    xr, xs, xh = _distance_features(real, [real, synth, holdout])
    d_syn = cKDTree(xr).query(xs, k=1)[0]
    d_hold = cKDTree(xr).query(xh, k=1)[0]
    rng = np.random.default_rng(0)
    m = min(len(real), len(holdout))
    members = xr[rng.choice(len(xr), size=m, replace=False)]
    nonmembers = xh[rng.choice(len(xh), size=m, replace=False)]
    tree_s = cKDTree(xs)
    s_in = -tree_s.query(members, k=1)[0]
    s_out = -tree_s.query(nonmembers, k=1)[0]
    auc = mannwhitneyu(s_in, s_out).statistic / (m * m)
    dcr = ("distance to the closest training row; synthetic rows should be no closer than "
           "new real rows (the holdout) are")
    copies_holdout = float(np.mean(d_hold < 1e-9))
    return [("dcr_synthetic_median", "all", float(np.median(d_syn)), dcr),
            ("dcr_holdout_median", "all", float(np.median(d_hold)), dcr),
            ("dcr_synthetic_p05", "all", float(np.quantile(d_syn, 0.05)), dcr),
            ("dcr_holdout_p05", "all", float(np.quantile(d_hold, 0.05)), dcr),
            ("exact_copies", "all", float(np.mean(d_syn < 1e-9)),
             f"share of synthetic rows equal to a training row; for holdout rows it is "
             f"{copies_holdout:.3f} (duplicates occur naturally in coarse data)"),
            ("membership_auc", "all", float(auc),
             f"{'no sign of leakage' if auc < 0.55 else 'a concern'}: how well distance to the "
             "synthetic rows tells training rows from holdout rows; 0.5 = not at all, above about "
             "0.55 suggests copying")]


@validate_params({"real": Frame(complete=_COMPLETE), "synthetic": Frame(complete=_COMPLETE),
                  "formula": Optional(Text("a formula such as 'y ~ x1 + x2'")),
                  "target": Optional(Text("a column name (a string)")),
                  "holdout": Optional(Frame(complete=_COMPLETE)), "bins": Count(2),
                  "detection": Flag()})
def evaluate(real: pd.DataFrame, synthetic: pd.DataFrame, *, formula: str | None = None,
             target: str | None = None, holdout: pd.DataFrame | None = None,
             bins: int = 10, detection: bool = True) -> pd.DataFrame:
    """Compare a synthetic table with the real one: marginals, correlations, models, privacy.

    Parameters
    ----------
    real : DataFrame
        The data the synthesizer was trained on (complete).
    synthetic : DataFrame
        Synthetic rows with (at least) ``real``'s columns, e.g. ``Release.data``.
    formula : str, optional
        A statsmodels/patsy formula fitted by OLS on both tables (coefficients, RMSE, Karr et al.
        2006 confidence-interval overlap).
    target : str, optional
        A column to predict from all others: train-on-synthetic vs train-on-real, tested on
        ``holdout`` (or on ``real`` when no holdout is given).
    holdout : DataFrame, optional
        Real rows from the same population that were *not* used by the synthesizer; needed for the
        privacy checks (distance to closest record, membership-inference AUC).
    bins : int
        Quantile bins for numeric columns in the marginal distances.
    detection : bool
        Add the detection rows (``detection_auc``, ``detection_fooled``): a gradient-boosted
        classifier telling synthetic rows from real ones, cross-validated (a few seconds on
        10,000 rows of each table; needs scikit-learn).

    Returns
    -------
    DataFrame
        Tidy, one row per measure: ``metric``, ``variable``, ``value`` (see the module docstring
        for each metric) and ``reading`` (what the value means and what a good one looks like).
        Rows for ``formula``, ``target`` and privacy appear only when asked for and possible.

    References
    ----------
    Karr, Kohnen, Oganian, Reiter & Sanil (2006), A framework for evaluating the utility of data
    altered to protect confidentiality, The American Statistician 60(3). Snoke, Raab, Nowok, Dibben
    & Slavkovic (2018), General and specific utility measures for synthetic data, JRSS A 181(3).
    Shokri, Stronati, Song & Shmatikov (2017) on membership inference. Woo, Reiter, Oganian &
    Karr (2009), Global measures of data utility for microdata masked for disclosure limitation,
    Journal of Privacy and Confidentiality 1(1), on telling released rows from real ones.
    """
    # synthetic and holdout are checked again here, for the columns of `real`
    check_frame(synthetic, "synthetic", columns=real.columns, like="real", complete=_COMPLETE)
    real = _numpy_dtypes(real)
    synth = _numpy_dtypes(synthetic[list(real.columns)])
    rows = _marginals(real, synth, bins) + _correlations(real, synth)
    if formula is not None:
        rows += _regression(real, synth, formula)
    if holdout is not None:
        check_frame(holdout, "holdout", columns=real.columns, like="real", complete=_COMPLETE)
        holdout = _numpy_dtypes(holdout[list(real.columns)])
        shared, expected, bound = _shared_rows(real, holdout)
        if shared > bound:
            chance = (f" (rows of `real` repeat one another, so about {expected:.0f} would by "
                      "chance)" if expected > 0 else "")
            warnings.warn(
                f"{shared} of the {len(holdout)} holdout rows are also rows of `real`{chance}; "
                "the holdout must be real rows the synthesizer did not see, or the "
                "test-on-holdout and privacy readings (distances, copies, membership) are not "
                "what they say.", UserWarning, stacklevel=3)  # the user's call, above the checks
    if target is not None:
        rows += _prediction(real, synth, real if holdout is None else holdout, target)
    if detection:
        rows += _detection(real, synth)
    if holdout is not None:
        rows += _privacy(real, synth, holdout)
    return pd.DataFrame(rows, columns=["metric", "variable", "value", "reading"])
