"""``socgan.impute``: proper GAIN multiple imputation of a survey DataFrame."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from .._checks import as_count, as_real, as_seed
from ._encoding import Encoder
from ._gain import (_MIN_OOB_RESIDUALS, GainSettings, draw_imputations, standardized_residuals,
                    train_model)
from ._imputations import Imputations


def _check_frame(data) -> None:
    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f"`data` must be a pandas DataFrame, got {type(data).__name__}; "
            "convert it with pandas.DataFrame(...) first."
        )
    if data.shape[1] == 0:
        raise ValueError("`data` has no columns.")
    if len(data) < 2:
        raise ValueError(f"`data` must have at least 2 rows, got {len(data)}.")
    dup = data.columns[data.columns.duplicated()].unique().tolist()
    if dup:
        raise ValueError(f"`data` has duplicate column names: {dup}; give every column its own name.")


def impute(data: pd.DataFrame, m: int = 5, *, seed: int | None = None, progress: bool = True,
           epochs: int = 200, batch_size: int = 128, hint_rate: float = 0.9, alpha: float = 10.0,
           hidden: int | None = None, learning_rate: float = 1e-2, weight_decay: float = 1e-5,
           bootstrap: bool = True) -> Imputations:
    """Multiply impute the missing values of ``data`` with GAIN, properly.

    Each of the ``m`` imputations comes from its own GAIN model (generator and discriminator
    with the hint mechanism of Yoon, Jordon & van der Schaar 2018) trained on a bootstrap
    resample of the rows, as Amelia's EMB does (Honaker, King & Blackwell 2011), and its values
    are drawn from the model's predictive distribution. The spread between imputations thus
    carries the uncertainty of the imputation model, which is what makes Rubin's rules valid;
    m draws from a single trained network (as published GAN imputers do) understate it. See
    the module docstring of :mod:`socgan.imputation._gain` for the method and every deviation
    from the paper.

    Parameters
    ----------
    data
        DataFrame with missing values (NaN, None, pd.NA). Supported columns: float, integer
        (imputed values stay whole numbers), bool/boolean and 0/1 numbers (binary),
        categorical (unordered or ordered) and strings. Never modified.
    m
        Number of imputations (whole-number floats such as R's ``5`` are accepted).
    seed
        Seed; the same seed gives identical imputations. ``None`` draws fresh entropy.
    progress
        Show a tqdm progress bar over training.
    epochs
        Passes over the (bootstrap) rows per imputation model.
    batch_size, hint_rate, alpha, hidden, learning_rate, weight_decay
        GAIN settings: rows per step; share of cells whose mask the discriminator is told
        (paper's hint rate); weight of the reconstruction loss against the adversarial loss;
        hidden width (default ``max(128, 2 × number of features)``); Adam's initial learning
        rate (decayed to zero on a cosine schedule) and weight decay.
    bootstrap
        Train each model on a bootstrap resample (proper MI; default). ``False`` trains every
        model on the data as they are, which understates the between-imputation variance;
        it exists only to show that difference.

    Returns
    -------
    Imputations
        ``.datasets`` (m completed DataFrames), ``.long()``, ``.fit()``, ``.analyze()``,
        ``.plot()``, ``.loss_history``.

    Notes
    -----
    Rows with every value missing carry no information for the model; they are left out of
    training and imputed from the model's marginal predictions (a warning says how many).
    If ``data`` has no missing values, a warning is given and the m datasets are copies.

    Examples
    --------
    >>> import socgan
    >>> df = socgan.datasets.seed_experiment(300, seed=1)
    >>> imp = socgan.impute(df, m=2, seed=1, epochs=5, progress=False)
    >>> len(imp.datasets)
    2
    """
    _check_frame(data)
    m = as_count(m, "m", minimum=1)
    seed = as_seed(seed)
    settings = GainSettings(
        epochs=as_count(epochs, "epochs"),
        batch_size=as_count(batch_size, "batch_size"),
        hint_rate=as_real(hint_rate, "hint_rate", closed_low=True, closed_high=True),
        alpha=float(as_real(alpha, "alpha", low=0.0, high=np.inf, closed_low=True)),
        hidden=None if hidden is None else as_count(hidden, "hidden"),
        learning_rate=as_real(learning_rate, "learning_rate", low=0.0, high=np.inf),
        weight_decay=as_real(weight_decay, "weight_decay", low=0.0, high=np.inf,
                                    closed_low=True),
    )
    if not isinstance(bootstrap, (bool, np.bool_)):
        raise TypeError(f"`bootstrap` must be True or False, got {bootstrap!r}.")

    original = data.copy(deep=True)
    enc = Encoder.fit(original)
    x, mask = enc.transform(original)
    where = original.isna()
    options = {"method": "gain", "bootstrap": bool(bootstrap), "seed": seed, **settings.__dict__}

    if not where.to_numpy().any():
        warnings.warn("`data` has no missing values; returning m identical copies.", UserWarning,
                      stacklevel=2)
        return Imputations(data=original, datasets=[original.copy() for _ in range(m)],
                           loss_history=pd.DataFrame(columns=["imputation", "epoch", "d_loss",
                                                              "g_adversarial", "g_reconstruction"]),
                           options=options)

    empty = mask.sum(1) == 0
    if empty.any():
        warnings.warn(
            f"{int(empty.sum())} row(s) of `data` have every value missing (first at index "
            f"{original.index[np.flatnonzero(empty)[0]]!r}); they are not used for training and "
            "are imputed from the model's marginal distribution.", UserWarning, stacklevel=2)
    trainable = np.flatnonzero(~empty)

    children = np.random.SeedSequence(seed).spawn(m)
    # These networks are small: one thread is faster than several (and leaves cores for
    # parallel imputations); the caller's setting is restored afterwards.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        datasets, loss = _fit_and_draw(original, where, enc, x, mask, trainable, children,
                                       settings, bootstrap, progress)
    finally:
        torch.set_num_threads(threads)
    return Imputations(data=original, datasets=datasets, loss_history=loss, options=options)


def _fit_and_draw(original, where, enc, x, mask, trainable, children, settings, bootstrap, progress):
    """Train one model per imputation (each on its own bootstrap sample) and draw its values."""
    m = len(children)
    datasets, histories = [], []
    with tqdm(total=m * settings.epochs, disable=not progress, desc="GAIN imputation",
              unit="epoch") as bar:
        for ell, child in enumerate(children, start=1):
            rng = np.random.default_rng(child)
            torch_seed = int(child.generate_state(1, dtype=np.uint64)[0] % (2**63 - 1))
            if bootstrap:
                rows = rng.choice(trainable, size=len(trainable), replace=True)
                oob = np.setdiff1d(trainable, rows)
            else:
                rows, oob = trainable, np.zeros(0, dtype=int)
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(torch_seed)
                gen = torch.Generator().manual_seed(torch_seed)
                model, hist = train_model(x[rows], mask[rows], enc, settings, gen, tick=bar.update)
                model.eval()
                resid = standardized_residuals(model, x, mask, oob)
                if any(len(r) < _MIN_OOB_RESIDUALS for r in resid.values()):
                    resid_all = standardized_residuals(model, x, mask, trainable)
                    resid = {j: r if len(r) >= _MIN_OOB_RESIDUALS else resid_all[j]
                             for j, r in resid.items()}
                draws = draw_imputations(model, enc, x, mask, resid, rng)
            datasets.append(_complete(original, where, enc, draws))
            histories.append(pd.DataFrame(hist, columns=["epoch", "d_loss", "g_adversarial",
                                                         "g_reconstruction"]).assign(imputation=ell))
    loss = pd.concat(histories, ignore_index=True)[["imputation", "epoch", "d_loss",
                                                   "g_adversarial", "g_reconstruction"]]
    return datasets, loss


def _complete(original: pd.DataFrame, where: pd.DataFrame, enc: Encoder,
              draws: dict[int, np.ndarray]) -> pd.DataFrame:
    """A copy of ``original`` with the drawn values written into its missing cells only."""
    out = original.copy(deep=True)
    for j, values in draws.items():
        rows = np.flatnonzero(where.iloc[:, j].to_numpy())
        col = original.iloc[:, j]
        filled = enc.decode_column(j, values, col.iloc[rows])
        new = col.copy()
        new.iloc[rows] = filled.to_numpy()
        if new.dtype != col.dtype:
            new = new.astype(col.dtype)
        out.isetitem(j, new)
    return out
