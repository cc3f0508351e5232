"""Fitting GAIN imputation models apart from drawing imputations with them.

:func:`fit_gain` trains the m models of a proper multiple imputation together (one stacked
network, :func:`socgan._core.gain.train_models`), each on its own bootstrap sample and
random stream, and keeps what the draws need: the models, the encoder and each model's
donor residuals (from its own bootstrap sample, their scale calibrated on its out-of-bag
rows; :func:`borrowed`, once all m models are fitted, calibrates a model with too few of them
by the m models' together). :func:`draw_gain` then imputes any rows with model ``l``. The
two are separate so that a fitted imputer can be kept and applied to new rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import torch

from .._core.encoding import Encoder
from .._core.gain import (_MIN_OOB_RESIDUALS, GainModels, GainSettings, borrow_calibration,
                          donor_residuals, donor_rows, draw_imputations, draw_patterns,
                          inactive_share, noise_calibrated, out_of_bag_moments, train_models,
                          unseen_levels)
from .._core.torch_state import torch_seed


# a model whose last hidden layer is inactive for this share of its units on every training row
# has collapsed (its imputations ignore the other columns); it is trained again with this factor
# on the learning rate
COLLAPSED = 0.95
RETRY_LEARNING_RATE = 0.2


@dataclass
class FittedGain:
    """k trained GAIN models with everything needed to draw imputations from them."""

    encoder: Encoder
    settings: GainSettings
    models: GainModels
    residuals: list[dict[int, np.ndarray]]  # per model: donor pools of its numeric columns
    history: list[list[tuple]]  # per model: (epoch, d_loss, g_adv, g_rec, validation loss)
    rngs: list[np.random.Generator]  # per model: its numpy stream, after the bootstrap draw
    # per model: the levels its training rows never show beside an observed value of a column,
    # (column, discrete column, level, rows) (socgan._core.gain.unseen_levels); drawn blind to them
    unseen: list[list[tuple]] = field(default_factory=list)
    # per model: its out-of-bag cells' (sum of squared residuals, count) per numeric column
    # (socgan._core.gain.out_of_bag_moments); empty for a loaded imputer
    oob_moments: list[dict[int, tuple[float, int]]] = field(default_factory=list)
    # per model: the same for its bootstrap rows, where a column has fewer than 30 of them
    # (its donors are then all observed rows); {} otherwise
    in_bag_moments: list[dict[int, tuple[float, int]]] = field(default_factory=list)
    # per model: the share of its last hidden layer inactive for every training row
    # (socgan._core.gain.inactive_share; 1 = collapsed); empty for a loaded imputer
    inactive: list[float] = field(default_factory=list)
    # per model: whether it collapsed at the settings' learning rate and was trained again with
    # RETRY_LEARNING_RATE times it (``inactive`` is then that of the second training)
    retrained: list[bool] = field(default_factory=list)

    @property
    def k(self) -> int:
        return self.models.k


def fit_gain(x: np.ndarray, mask: np.ndarray, enc: Encoder, trainable: np.ndarray,
             settings: GainSettings, children: list[np.random.SeedSequence], *, bootstrap: bool,
             device, tick=None) -> FittedGain:
    """One model per seed in ``children``, trained together on bootstrap resamples of the
    rows ``trainable`` (sorted distinct row numbers; all of them if ``bootstrap`` is False) and stopped on its out-of-bag
    rows; the donor residuals of each come from the rows of its own bootstrap sample (the
    module docstring of :mod:`socgan._core.gain`, "Proper multiple imputation"). Model ``l`` depends on
    ``children[l]`` only, so the result for a seed does not depend on how the models are
    grouped into jobs."""
    rngs = [np.random.default_rng(child) for child in children]
    rows, oob = [], []
    for rng in rngs:
        if bootstrap:
            r = rng.choice(trainable, size=len(trainable), replace=True)
            rows.append(r)
            # the rows the bootstrap left out (np.setdiff1d's result; counting is O(n), where
            # np.unique's hashing took 3 s per model at a million rows)
            drawn = np.bincount(r, minlength=len(x)) > 0
            oob.append(trainable[~drawn[trainable]])
        else:
            rows.append(trainable)
            oob.append(None)
    # trained on the conditionals the draws of these data ask for, and on random ones
    # (settings.pattern_share; new rows of GainImputer.impute may ask for others)
    patterns = draw_patterns(mask, enc) if settings.pattern_share > 0 else None
    if patterns is not None and len(patterns[1]) == 0:
        patterns = None
    models, history = train_models(x, mask, enc, settings, rows, oob,
                                   [torch_seed(c) for c in children], tick=tick, device=device,
                                   patterns=patterns, pattern_share=settings.pattern_share)
    # A model whose network collapsed (its last hidden layer inactive for every training row:
    # wide data, extreme values; bench/RESULTS.md, eighteenth session) is trained again from its
    # own seed and rows with a fifth of the learning rate, which on the data where it was seen
    # kept the units alive. Models that did not collapse are untouched (bit-identical).
    pattern_masks = None if patterns is None else patterns[0]
    retrained = [ell for ell in range(len(children))
                 if inactive_share(models, ell, x, mask, _distinct(rows[ell], len(x)),
                                   pattern_masks) >= COLLAPSED]
    if retrained:
        slower = replace(settings, learning_rate=settings.learning_rate * RETRY_LEARNING_RATE)
        again, again_history = train_models(
            x, mask, enc, slower, [rows[ell] for ell in retrained], [oob[ell] for ell in retrained],
            [torch_seed(children[ell]) for ell in retrained], device=device, patterns=patterns,
            pattern_share=settings.pattern_share)
        with torch.no_grad():
            for p, q in zip(models.generator.params, again.generator.params):
                p[retrained] = q
        for i, ell in enumerate(retrained):
            history[ell] = again_history[i]
    # Residual donors from the model's own (bootstrap) training rows, as Amelia's EMB draws
    # from the model fitted to its bootstrap sample: the spread between the m models already
    # carries the estimation error, so residuals of rows the model never saw (which contain
    # that error too) would count it twice and attenuate slopes (bench/RESULTS.md, issue 18).
    # Training residuals understate the noise (the network fits its own rows), out-of-bag ones
    # overstate it (they add the estimation error): the donors are rescaled to the mean of the two.
    # (at most _MAX_DONOR_ROWS rows of each kind per model: socgan._core.gain.donor_rows)
    moments = [out_of_bag_moments(models.member(ell), x, mask,
                                  None if oob[ell] is None else donor_rows(oob[ell], child))
               for ell, child in enumerate(children)]
    in_bag = [donor_rows(_distinct(rows[ell], len(x)), child) for ell, child in enumerate(children)]
    residuals = [noise_calibrated(donor_residuals(models.member(ell), x, mask, in_bag[ell],
                                                  donor_rows(trainable, child)), moments[ell])
                 for ell, child in enumerate(children)]
    # where a column's donors fell back to all observed rows (fewer than 30 in-bag cells: small
    # data), the in-bag mean square that borrowed() calibrates with is not the pool's
    numeric = [j for j, c in enumerate(enc.columns) if c.is_numeric]
    in_bag_moments = [out_of_bag_moments(models.member(ell), x, mask, r)
                      if oob[ell] is not None and numeric
                      and (mask[np.ix_(r, numeric)] > 0).sum(0).min() < _MIN_OOB_RESIDUALS else {}
                      for ell, r in enumerate(in_bag)]
    unseen = [unseen_levels(x, mask, enc, weights=np.bincount(r, minlength=len(x)))
              for r in rows]
    inactive = [inactive_share(models, ell, x, mask, _distinct(rows[ell], len(x)), pattern_masks)
                for ell in range(len(children))]
    return FittedGain(enc, settings, models, residuals, history, rngs, unseen, moments,
                      in_bag_moments, inactive, [ell in retrained for ell in range(len(children))])


def borrowed(fitted: FittedGain) -> FittedGain:
    """``fitted`` (all m models, however they were grouped into jobs) with the pools of
    columns that a model had too few out-of-bag cells to calibrate calibrated by the m models'
    out-of-bag cells together (:func:`socgan._core.gain.borrow_calibration`)."""
    if fitted.oob_moments:
        fitted.residuals = borrow_calibration(fitted.residuals, fitted.oob_moments,
                                              fitted.in_bag_moments)
    return fitted


def _distinct(rows: np.ndarray, n: int) -> np.ndarray:
    """np.unique(rows) for row numbers below ``n``, by counting (O(n))."""
    return np.flatnonzero(np.bincount(rows, minlength=n))


def draw_gain(fitted: FittedGain, x: np.ndarray, mask: np.ndarray, ell: int,
              rng: np.random.Generator | None = None,
              skip: np.ndarray | None = None) -> dict[int, np.ndarray]:
    """Draw every missing cell of ``x``/``mask`` (encoded by ``fitted.encoder``) once with
    model ``ell``; per column, the drawn values of its missing rows (those ``skip`` does not
    leave missing). ``rng`` defaults to the model's own stream."""
    rng = fitted.rngs[ell] if rng is None else rng
    return draw_imputations(fitted.models.member(ell), fitted.encoder, x, mask,
                            fitted.residuals[ell], rng,
                            unseen=fitted.unseen[ell] if fitted.unseen else None, skip=skip)
