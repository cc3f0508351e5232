"""socgan and R: data conversion, mice ``mids`` objects, ``.rds`` files, and R's reference methods.

Through rpy2 (imported on first use, so ``import socgan.r`` works without R):

* :func:`to_r` / :func:`from_r` — pandas DataFrame ↔ R data.frame (categoricals ↔ factors,
  ordered ones too; every missing value ↔ ``NA``; integers, logicals, strings and dates kept);
* :func:`as_mids` — socgan's imputations as a mice ``mids``; :func:`save_rds` writes it (or a
  DataFrame) to a file R users open with ``readRDS()``;
* :func:`run_mice`, :func:`run_amelia` — R's mice and Amelia on a DataFrame, for comparisons;
* :func:`run_glmer_mrp` — MRP's multilevel regression fitted with lme4's ``glmer`` (or ``lmer``)
  and poststratified in R, the reference for socgan's MRP baseline.

Without rpy2 or R these raise :class:`RUnavailableError` naming what to install
(``pip install "rpy2>=3.5,<3.6"``, ``apt-get install r-base-core r-cran-mice``).

:func:`encode_frame` / :func:`decode_frame` are the wire format of socgan's R package
(``r-bridge/``), which calls socgan through reticulate; :func:`call` runs a socgan function for
it and hands back the value, the error and the warnings as plain data, and :func:`signature`
gives it the names and defaults of a function's arguments. None of these need R or rpy2.
"""

from ._call import call, imputations_for_r, signature
from ._bridge import as_mids, run_amelia, run_glmer_mrp, run_mice, save_rds
from ._convert import from_r, to_r
from ._session import RUnavailableError, r_available
from ._wire import decode_frame, encode_frame, encode_frames

__all__ = [
    "to_r", "from_r", "as_mids", "save_rds", "run_mice", "run_amelia", "run_glmer_mrp",
    "r_available", "RUnavailableError", "encode_frame", "decode_frame", "encode_frames",
    "call", "signature", "imputations_for_r",
]
