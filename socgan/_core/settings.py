"""GAIN's settings as the public functions take them, checked and cast into ``GainSettings``.

``socgan.impute``, :class:`socgan.GainImputer` and ``socgan.sae.estimate(method="gain")`` take
the same GAIN settings; they are checked here, once, so that the three accept the same values.
"""

from __future__ import annotations

import numpy as np

from .._checks import as_count, as_real
from .gain import GainSettings


def gain_settings(*, epochs, max_steps, batch_size, hint_rate, alpha, hidden, learning_rate,
                  weight_decay, adversarial=0.0) -> GainSettings:
    """The GAIN settings, each checked and cast (R's ``200`` arrives as ``200.0``)."""
    return GainSettings(
        epochs=as_count(epochs, "epochs"),
        max_steps=as_count(max_steps, "max_steps"),
        batch_size=as_count(batch_size, "batch_size"),
        hint_rate=as_real(hint_rate, "hint_rate", closed_low=True),
        alpha=float(as_real(alpha, "alpha", low=0.0, high=np.inf, closed_low=True)),
        hidden=None if hidden is None else as_count(hidden, "hidden"),
        learning_rate=as_real(learning_rate, "learning_rate", low=0.0, high=np.inf),
        weight_decay=as_real(weight_decay, "weight_decay", low=0.0, high=np.inf,
                             closed_low=True),
        adversarial=float(as_real(adversarial, "adversarial", low=0.0, high=np.inf,
                                  closed_low=True)),
    )
