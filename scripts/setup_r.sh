#!/usr/bin/env bash
# Install R 4.2 and the R packages socgan's tests compare against, from Debian (no CRAN);
# haven (labelled data), rmarkdown and pandoc (the R vignette) for the R package's tests.
set -euo pipefail
PKGS="r-base-core r-cran-mice r-cran-mitml r-cran-amelia r-cran-lme4 r-cran-nnet r-cran-rpart r-cran-reticulate r-cran-testthat r-cran-knitr r-cran-haven r-cran-rmarkdown pandoc"
missing=""
for p in $PKGS; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
R --version | head -n 1
