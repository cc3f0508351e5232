#!/usr/bin/env bash
# GPU check (issue 19, point 6): on a machine with an NVIDIA GPU and a CUDA build of torch,
#   1. run the tests that use the GPU (pytest marker `gpu`; they skip without CUDA), then
#   2. time GAIN multiple imputation of ROWS rows (default 1,000,000; the table of
#      bench/scaling.py), m = M (default 5), on the CPU and on the GPU, each in a fresh process,
#      with peak memory (resident; and GPU memory allocated by torch).
# Results: a table on stdout and bench/out/gpu_check.csv.
#
#   bash bench/gpu_check.sh                      # the whole check (needs CUDA)
#   ROWS=5000 bash bench/gpu_check.sh --cpu-only # the CPU path at a small size, anywhere
#
# Environment: PYTHON (default python3), ROWS, M, SEED (default 1), TIMEOUT (seconds per
# fit, default 1800). Exits 2 when CUDA is wanted but torch finds no GPU.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python="${PYTHON:-python3}"
rows="${ROWS:-1000000}"
m="${M:-5}"
seed="${SEED:-1}"
timeout_s="${TIMEOUT:-1800}"
cpu_only=0
for arg in "$@"; do
  case "$arg" in
    --cpu-only) cpu_only=1 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "gpu_check.sh: unknown argument '$arg' (see --help)" >&2; exit 1 ;;
  esac
done
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
mkdir -p bench/out

echo "== torch and the GPU"
"$python" - <<'EOF'
import platform, torch
print(f"torch {torch.__version__}, CUDA build {torch.version.cuda}, python {platform.python_version()}")
if torch.cuda.is_available():
    for i in range(torch.cuda.device_count()):
        p = torch.cuda.get_device_properties(i)
        print(f"GPU {i}: {p.name}, {p.total_memory / 2**30:.0f} GiB")
else:
    print("torch finds no CUDA GPU")
EOF
devices="cpu"
if [[ "$cpu_only" == 0 ]]; then
  if ! "$python" -c 'import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)'; then
    echo "gpu_check.sh: torch finds no CUDA GPU here; run with --cpu-only for the CPU path." >&2
    exit 2
  fi
  devices="cpu cuda"
  echo "== GPU tests (pytest -m gpu)"
  "$python" -m pytest -q -p no:cacheprovider -m gpu -rs tests/
fi

echo "== GAIN, ${rows} rows, m = ${m}: CPU vs GPU"
csv=bench/out/gpu_check.csv
echo "device,rows,m,status,seconds,peak_rss_mib,gpu_peak_mib" > "$csv"
for device in $devices; do
  spec=$(printf '{"method": "socgan", "table": "scaling", "n": %d, "m": %d, "seed": %d, "gain_opts": {"device": "%s"}}' \
         "$rows" "$m" "$seed" "$device")
  if out=$(timeout "$timeout_s" "$python" bench/speed.py --job python "$spec" 2>bench/out/gpu_check_$device.log | tail -1); then
    "$python" - "$device" "$rows" "$m" "$out" >> "$csv" <<'EOF'
import json, sys
device, rows, m, out = sys.argv[1:]
r = json.loads(out)
status = "ok" if r["missing_left"] == 0 else f"{r['missing_left']} cells left missing"
print(f"{device},{rows},{m},{status},{r['seconds']:.2f},{r['peak_mib']:.0f},{r.get('gpu_peak_mib', '')}")
EOF
  else
    echo "$device,$rows,$m,failed (see bench/out/gpu_check_$device.log),,," >> "$csv"
  fi
done
column -s, -t < "$csv"
