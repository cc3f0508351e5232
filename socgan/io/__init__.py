"""Reading and writing survey data files (CSV, Parquet, Stata ``.dta``, SPSS ``.sav``), with
outputs written atomically. File I/O lives here, apart from the statistics in
:mod:`socgan.imputation`; the command line (``socgan impute``) uses it.
"""

from ._atomic import atomic_paths
from ._imputations import check_writable, imputation_paths, write_imputations
from ._tables import FORMATS, format_of, read_table, write_table, write_tables

__all__ = ["read_table", "write_table", "write_tables", "write_imputations", "imputation_paths",
           "check_writable", "format_of", "FORMATS", "atomic_paths"]
