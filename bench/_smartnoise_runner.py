"""Fit one smartnoise-synth synthesizer and write its synthetic table (helper of cps1988_dp.py).

Runs inside the separate smartnoise venv (smartnoise-synth 1.0.8 pins opacus 0.14, which cannot
live in the main environment); ``bench/cps1988_dp.py`` calls it by subprocess, one fit per call::

    /work/venvs/sn/bin/python bench/_smartnoise_runner.py --synth mst --train train.csv \\
        --epsilon 1 --delta 1e-5 --seed 1 --bounds '{"lwage": [3.9, 9.9], "region": [...]}' \\
        --integer-columns education,experience --out-csv mst.csv --out-json mst.json

Public bounds only: the ``TableTransformer`` is built from ``--bounds`` (numeric column ->
[low, high], discrete column -> list of all levels) and fitted on a small *codebook* frame made
from those bounds, never on the data, so it is complete before ``fit`` and the synthesizer spends
nothing on preprocessing (``preprocessor_eps=0``; the JSON records the odometer to show it).

Encodings (the same public bounds for every method):

* ``mst``, ``aim`` (``style="cube"``): discrete columns ``LabelTransformer``; integer columns a
  ``BinTransformer`` with one bin per integer (edges at k +/- 0.5), so they are exact; ``lwage`` a
  ``BinTransformer`` with ``--continuous-bins`` equal-width bins over its bounds, decoded as the
  bin midpoint (smartnoise's inverse transform).
* ``dpctgan``, ``patectgan`` (``style="gan"``): discrete columns ``LabelTransformer`` + one-hot;
  numeric columns ``MinMaxTransformer`` over the bounds; integer columns are rounded after
  sampling (post-processing).

Everything else is the synthesizer's default, except ``delta``, passed to all four. For MST and
AIM, ``--out-csv-iid`` also writes i.i.d. draws from the same fitted model, binned ``lwage``
uniform within its bin rather than at the midpoint (see ``_sample_iid``). The JSON
holds the seconds of ``fit`` and of ``sample``, the epsilon spent as the library accounts it
(DPCTGAN: its opacus ``PrivacyEngine`` after training; PATECTGAN: its own moments accountant,
re-accumulated from the same ``moments_acc`` calls; MST/AIM spend exactly the (epsilon, delta)
given, through zCDP rho), and any warnings. Seeds: ``random``, ``numpy`` and ``torch`` are seeded,
but the MST/AIM measurement noise comes from OpenDP's own generator and cannot be seeded, and the
CTGAN discriminators call ``torch.manual_seed(0)`` when built, so reruns are not bit-identical.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import time
import traceback
import warnings

import numpy as np
import pandas as pd


def _transformer(style: str, bounds: dict, integers: set, columns: list, bins: int):
    from snsynth.transform import (BinTransformer, ChainTransformer, LabelTransformer,
                                   MinMaxTransformer, OneHotEncoder)
    from snsynth.transform.table import TableTransformer

    parts = []
    for c in columns:
        b = bounds[c]
        if _discrete(b):
            parts.append(LabelTransformer(nullable=False) if style == "cube"
                         else ChainTransformer([LabelTransformer(nullable=False), OneHotEncoder()]))
        elif style == "cube":
            lo, hi = float(b[0]), float(b[1])
            if c in integers:  # one bin per integer value
                parts.append(BinTransformer(lower=lo - 0.5, upper=hi + 0.5, bins=int(hi - lo) + 1))
            else:
                parts.append(BinTransformer(lower=lo, upper=hi, bins=bins))
        else:
            parts.append(MinMaxTransformer(lower=float(b[0]), upper=float(b[1]), negative=True))
    tt = TableTransformer(parts)
    tt.fit(_codebook(bounds, columns), epsilon=0.0)  # public metadata only
    assert tt.fit_complete and not tt.needs_epsilon
    return tt


def _discrete(b) -> bool:
    return any(isinstance(v, str) for v in b)


def _codebook(bounds: dict, columns: list) -> pd.DataFrame:
    """A frame listing every public level (numeric columns at their lower bound): fits labels."""
    k = max(len(bounds[c]) if _discrete(bounds[c]) else 1 for c in columns)
    return pd.DataFrame({c: [bounds[c][i % len(bounds[c])] for i in range(k)] if _discrete(bounds[c])
                         else [bounds[c][0]] * k for c in columns})


class _Capture:
    """Keep what the GAN synthesizers do not return: opacus' engine, PATE's moments."""

    def __init__(self, synth: str):
        self.synth, self.engine, self.alphas, self.moment_calls = synth, None, None, 0
        if synth == "dpctgan":
            import opacus  # DPCTGAN looks up opacus.PrivacyEngine when it trains
            outer = self

            class Engine(opacus.PrivacyEngine):
                def __init__(self, *a, **k):
                    super().__init__(*a, **k)
                    outer.engine = self

            opacus.PrivacyEngine = Engine
        elif synth == "patectgan":
            from snsynth.pytorch.nn import patectgan
            original = patectgan.moments_acc

            def moments_acc(*a, **k):
                out = original(*a, **k)
                self.alphas = out if self.alphas is None else self.alphas + out
                self.moment_calls += 1
                return out

            patectgan.moments_acc = moments_acc

    def spent(self, model, delta: float) -> dict:
        if self.synth == "dpctgan" and self.engine is not None:
            eps, alpha = self.engine.get_privacy_spent(delta)
            return {"epsilon_spent": float(eps), "rdp_alpha": float(alpha),
                    "noise_multiplier": float(self.engine.noise_multiplier),
                    "sample_rate": float(self.engine.sample_rate),
                    "optimizer_steps": int(self.engine.steps),
                    "epochs_started": len(model.epsilon_list),
                    "epsilon_by_epoch_last": [float(e) for e in model.epsilon_list[-3:]],
                    "accountant": "opacus 0.14 RDP (PrivacyEngine.get_privacy_spent)"}
        if self.synth == "patectgan" and self.alphas is not None:
            import torch
            l_list = 1 + torch.arange(len(self.alphas), dtype=torch.float64)
            eps = float(torch.min((self.alphas - math.log(delta)) / l_list))
            return {"epsilon_spent": eps, "student_steps": self.moment_calls,
                    "teachers": int(model.num_teachers),
                    "accountant": "PATE moments accountant of snsynth (data-dependent)"}
        return {}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--synth", required=True, choices=["mst", "aim", "dpctgan", "patectgan"])
    ap.add_argument("--train", required=True, help="CSV of the training rows")
    ap.add_argument("--epsilon", type=float, required=True)
    ap.add_argument("--delta", type=float, required=True)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--bounds", required=True, help="JSON: column -> [low, high] or list of levels")
    ap.add_argument("--integer-columns", default="")
    ap.add_argument("--continuous-bins", type=int, default=20,
                    help="equal-width bins for non-integer numeric columns (MST, AIM)")
    ap.add_argument("--n", type=int, help="rows to sample; default the training rows")
    ap.add_argument("--out-csv", required=True)
    ap.add_argument("--out-json", required=True)
    ap.add_argument("--out-csv-iid", help="MST/AIM: also write i.i.d. draws from the fitted model")
    args = ap.parse_args(argv)

    import torch
    torch.set_num_threads(1)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)

    import snsynth
    from snsynth import Synthesizer

    bounds = json.loads(args.bounds)
    integers = {c for c in args.integer_columns.split(",") if c}
    data = pd.read_csv(args.train)
    columns = list(data.columns)
    for c in columns:
        if _discrete(bounds[c]):
            data[c] = data[c].astype(str)
    n = args.n or len(data)
    style = "cube" if args.synth in ("mst", "aim") else "gan"
    tt = _transformer(style, bounds, integers, columns, args.continuous_bins)

    info = {"synth": args.synth, "epsilon": args.epsilon, "delta": args.delta, "seed": args.seed,
            "rows": len(data), "rows_released": n, "style": style,
            "continuous_bins": args.continuous_bins if style == "cube" else None,
            "smartnoise_synth": getattr(snsynth, "__version__", None) or _version("smartnoise-synth"),
            "opacus": _version("opacus"), "torch": torch.__version__,
            "settings": "library defaults; delta passed to the constructor"}
    capture = _Capture(args.synth)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = Synthesizer.create(args.synth, epsilon=args.epsilon, delta=args.delta)
        t0 = time.perf_counter()
        try:
            model.fit(data, transformer=tt, preprocessor_eps=0.0)
        except Exception:
            info["error"] = traceback.format_exc()
            _write_json(args.out_json, info, caught)
            raise
        info["seconds_fit"] = time.perf_counter() - t0
        t1 = time.perf_counter()
        out = model.sample(n)
        info["seconds_sample"] = time.perf_counter() - t1
    info["seconds"] = info["seconds_fit"] + info["seconds_sample"]
    info["epsilon_preprocessor"] = float(tt.odometer.spent[0])
    info["epsilon_left_for_training"] = float(model.epsilon)  # smartnoise subtracts preprocessing
    if args.synth in ("mst", "aim"):
        from snsynth.utils import cdp_rho
        info.update({"epsilon_spent": args.epsilon, "rho": float(cdp_rho(args.epsilon, args.delta)),
                     "accountant": "zCDP rho from (epsilon, delta) via OpenDP"})
    else:
        info.update(capture.spent(model, args.delta))
    info["delta_used"] = float(getattr(model, "delta", args.delta))

    _write_csv(out, args.out_csv, columns, integers)
    if args.out_csv_iid and args.synth in ("mst", "aim"):
        t2 = time.perf_counter()
        _write_csv(_sample_iid(model, n, bounds, integers, args.continuous_bins),
                   args.out_csv_iid, columns, integers)
        info["seconds_sample_iid"] = time.perf_counter() - t2
    _write_json(args.out_json, info, caught)
    print(json.dumps({k: v for k, v in info.items() if k != "messages"}, default=str), flush=True)


def _sample_iid(model, n: int, bounds: dict, integers: set, bins: int) -> pd.DataFrame:
    """Rows drawn i.i.d. from the fitted graphical model, binned columns uniform within their bin.

    ``sample()`` uses mbi's default ``method="round"``, which (mbi 1.1.0) fills each column group
    by group in row order, so columns that the model makes conditionally independent come out
    co-monotone within groups (spurious correlations); here mbi's ``method="sample"``. And
    smartnoise decodes a bin as its midpoint; here a binned non-integer column is drawn uniformly
    within its bin instead. Both are post-processing of the same fit: no budget.
    """
    data = model.synthesizer.synthetic_data(rows=n, method="sample")
    if hasattr(model, "undo_compress_fn"):  # MST compresses rare levels before fitting
        data = model.undo_compress_fn(data)
    names = ["col" + str(i) for i in range(model._transformer.output_width)]
    out = model._transformer.inverse_transform([tuple(t[1:]) for t in data.df[names].itertuples()])
    for c in out.columns:
        if not _discrete(bounds[c]) and c not in integers:
            lo, hi = float(bounds[c][0]), float(bounds[c][1])
            half = 0.5 * (hi - lo) / bins
            out[c] = np.clip(out[c].astype(float) + np.random.uniform(-half, half, len(out)), lo, hi)
    return out


def _write_csv(out, path, columns, integers) -> None:
    out = pd.DataFrame(out, columns=columns)
    for c in columns:
        if c in integers:
            out[c] = np.rint(out[c].astype(float)).astype("int64")
    out.to_csv(path, index=False)


def _version(dist: str):
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version(dist)
    except PackageNotFoundError:
        return None


def _write_json(path, info, caught) -> None:
    msgs = {}
    for w in caught:
        key = f"{w.category.__name__}: {str(w.message)[:300]}"
        msgs[key] = msgs.get(key, 0) + 1
    info["messages"] = [f"{k} (x{v})" if v > 1 else k for k, v in msgs.items()]
    with open(path, "w") as f:
        json.dump(info, f, indent=1, default=str)


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
