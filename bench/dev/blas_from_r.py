"""torch matrix products in Python and from R (reticulate): R's reference BLAS slows torch.

20,000 products of a 128 x 152 by a 152 x 152 float matrix (a GAIN layer's size) on one thread:

    python bench/dev/blas_from_r.py
    RETICULATE_PYTHON=$(which python) Rscript -e 'reticulate::py_run_file("bench/dev/blas_from_r.py")'

R loads Debian's reference libblas.so.3 first, and its sgemm takes the place of the one torch
ships, so the same loop is much slower inside an R session.
"""
import time, torch
torch.set_num_threads(1)
a = torch.randn(128, 152); b = torch.randn(152, 152)
t = time.perf_counter()
for _ in range(20000):
    a @ b
print(round(time.perf_counter() - t, 2))
