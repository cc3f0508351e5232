#!/usr/bin/env bash
# Install socgan and its Python dependencies into the current Python (python3).
# torch comes first, pinned to the CPU build available on this machine: an unpinned torch
# would pull several GB of CUDA wheels.  Usage: bash scripts/setup.sh [test]
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
$PY -m pip install --quiet --disable-pip-version-check "torch==2.13.0"
if [ "${1:-}" = "test" ]; then
  $PY -m pip install --quiet --disable-pip-version-check -e ".[test]"
else
  $PY -m pip install --quiet --disable-pip-version-check -e .
fi
