"""socgan's shared internals: what several of its packages use, in one place.

Nothing here is public API. The packages for users (:mod:`socgan.imputation`, :mod:`socgan.sae`,
:mod:`socgan.synth`, :mod:`socgan.baselines`) import from these modules rather than from each
other's private modules:

- :mod:`.encoding` — tables to the numeric arrays the GAIN networks see, and back;
- :mod:`.gain` — the GAIN networks, their training and the draws (Yoon, Jordon & van der Schaar
  2018, with socgan's deviations), used by multiple imputation and by small-area stacking;
- :mod:`.settings` — GAIN's settings as the public functions take them, checked once;
- :mod:`.defaults` — where GAIN's defaults come from (``GainSettings``), readable without torch
  for the command line and the R help pages;
- :mod:`.torch_state` — ``single_threaded()``, ``seeded_torch()``, ``resolve_device()``: torch's
  process-wide state set for a block and restored;
- :mod:`.emb` — Amelia's EM model and its design matrix (``socgan.baselines.emb_impute`` and
  small-area stacking with ``method="amelia"``).

Importing this package loads nothing heavy; each module imports what it needs.
"""
