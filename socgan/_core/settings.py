"""GAIN's settings as the public functions take them: one table of constraints, checked once.

``socgan.impute``, :class:`socgan.GainImputer` and ``socgan.sae.estimate(method="gain")`` take
the same GAIN settings. :data:`GAIN_SETTING_CONSTRAINTS` declares them (the tables of ``impute``
and ``GainImputer`` include it, ``socgan.imputation._impute.GAIN_CONSTRAINTS``) and
:func:`gain_settings` checks them by it, so that the three accept exactly the same values.
"""

from __future__ import annotations

from .._params import NON_NEGATIVE, POSITIVE, Count, Optional, Real, check_params

#: The GAIN settings' constraints (defaults: ``GainSettings``, socgan._core.defaults).
GAIN_SETTING_CONSTRAINTS = {
    "epochs": Count(1), "max_steps": Count(1), "batch_size": Count(1),
    "hint_rate": Real(0.0, 1.0, closed="left"), "alpha": NON_NEGATIVE,
    "hidden": Optional(Count(1)), "learning_rate": POSITIVE, "weight_decay": NON_NEGATIVE,
    "adversarial": NON_NEGATIVE,
}


def gain_settings(*, epochs, max_steps, batch_size, hint_rate, alpha, hidden, learning_rate,
                  weight_decay, adversarial=0.0):
    """The GAIN settings checked and cast by :data:`GAIN_SETTING_CONSTRAINTS` (R's ``200``
    arrives as ``200.0``), as a ``GainSettings``."""
    from .gain import GainSettings

    values = check_params(GAIN_SETTING_CONSTRAINTS, dict(
        epochs=epochs, max_steps=max_steps, batch_size=batch_size, hint_rate=hint_rate,
        alpha=alpha, hidden=hidden, learning_rate=learning_rate, weight_decay=weight_decay,
        adversarial=adversarial), where="GAIN settings")
    return GainSettings(**values)
