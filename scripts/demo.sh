#!/usr/bin/env bash
# Set up socgan and run the main job on built-in demo data: GAIN multiple imputation of the
# seed experiment, the pooled regression table, and plots in ./socgan-demo-output/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
${PYTHON:-python3} -m socgan demo --out socgan-demo-output "$@"
