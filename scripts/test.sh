#!/usr/bin/env bash
# Set up everything the tests need (R from Debian, Python packages) and run both test suites:
# the R package's testthat suite and vignette (scripts/test_r.sh), then the Python suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_r.sh
bash scripts/setup.sh test
bash scripts/test_r.sh
# --durations: the slowest tests are listed in every log, to keep the suite within its time (issue 19)
${PYTHON:-python3} -m pytest -q -p no:cacheprovider --durations=20 "$@"
