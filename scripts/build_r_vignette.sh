#!/usr/bin/env bash
# Build the R package's vignette into r-bridge/inst/doc/ (socgan.html, socgan.R, socgan.Rmd), so
# that `R CMD INSTALL r-bridge` from the source folder installs it (R CMD INSTALL builds no
# vignettes; it installs those it finds built in inst/doc). Run it after changing
# r-bridge/vignettes/socgan.Rmd or what its output shows, and commit the result; the R tests
# (test-docs.R) fail when the HTML lacks code of the current Rmd.
#
# Needs what scripts/test_r.sh needs, plus r-cran-rmarkdown and pandoc; uses the socgan of this
# checkout, installed into $SOCGAN_R_LIB (default: a temporary library).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
pkg="$repo/r-bridge"
export RETICULATE_PYTHON="${RETICULATE_PYTHON:-$(command -v python3)}"
export PYTHONPATH="$repo${PYTHONPATH:+:$PYTHONPATH}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
lib="${SOCGAN_R_LIB:-$(mktemp -d)}"
mkdir -p "$lib"
export R_LIBS="$lib${R_LIBS:+:$R_LIBS}"
R CMD INSTALL --no-multiarch --library="$lib" "$pkg" >/dev/null

work="$(mktemp -d)"
cp "$pkg/vignettes/socgan.Rmd" "$work/"
(cd "$work" && Rscript --vanilla -e '
  if (!socgan::socgan_available(quietly = FALSE)) stop("socgan is not available: the vignette would not run.")
  if (!requireNamespace("rmarkdown", quietly = TRUE) || !rmarkdown::pandoc_available()) {
    stop("building the vignette needs rmarkdown and pandoc (apt-get install r-cran-rmarkdown pandoc)")
  }
  rmarkdown::render("socgan.Rmd", output_file = "socgan.html", quiet = TRUE)
  knitr::purl("socgan.Rmd", output = "socgan.R", quiet = TRUE)')
mkdir -p "$pkg/inst/doc"
cp "$work/socgan.html" "$work/socgan.R" "$pkg/vignettes/socgan.Rmd" "$pkg/inst/doc/"
echo "built $pkg/inst/doc/socgan.html ($(du -h "$pkg/inst/doc/socgan.html" | cut -f1))"
