#!/usr/bin/env bash
# GPU checks for cuwavelet, on a machine with a CUDA GPU and CuPy:
#   1. python -m pytest -m gpu -q      (the GPU tests alone; they skip without a GPU)
#   2. python -m pytest -q -n auto --dist loadfile   (the whole suite, GPU tests included)
#   3. python -m cuwavelet bench --device cuda --json JSON   (W1-W6 against pywt and,
#      where installed, the torch bridge, ptwt and pytorch_wavelets)
#   4. benchmarks/bench_fused_gpu.py and bench_fused1d_gpu.py (fused kernels against
#      per-level / separable launches, forward, inverse and adjoint)
#   5. benchmarks/bench_torch.py --device cuda   (forward and forward+backward vs peers)
#   6. benchmarks/bench_latency.py --device cuda (per-call cost of small calls against
#      pywt; a W5 call's host time over its kernels' time)
#
# Usage, from anywhere, with the environment holding cuwavelet and CuPy active:
#   benchmarks/gpu_suite.sh [OUTDIR]
# OUTDIR defaults to benchmarks/results; it receives gpu_suite-<host>-<time>.log
# (everything printed, plus nvidia-smi and versions), bench-<host>-<time>.json and
# fused2d-/fused1d-<host>-<time>.json.
# Steps run even when an earlier one fails; the exit status is 1 if any failed.
# Set PYTHON to choose the interpreter (default: python).
set -uo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
outdir="${1:-$repo/benchmarks/results}"
python="${PYTHON:-python}"
stamp="$(hostname -s)-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$outdir"
log="$outdir/gpu_suite-$stamp.log"
json="$outdir/bench-$stamp.json"
cd "$repo"

if ! "$python" -c "import cupy, sys; sys.exit(cupy.cuda.runtime.getDeviceCount() == 0)" 2>/dev/null; then
    echo "gpu_suite.sh: CuPy sees no CUDA device; nothing to run here." >&2
    exit 2
fi

status=0
step() {  # step TITLE COMMAND...: run, log, remember a failure
    echo "=== $1: $(date -Is)"
    "${@:2}"
    local rc=$?
    echo "=== $1: exit $rc"
    [ "$rc" -eq 0 ] || status=1
}

{
    echo "cuwavelet GPU suite on $(hostname) at $(date -Is), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
    nvidia-smi || true
    "$python" -c "import cupy, numpy, pywt, cuwavelet; print('cupy', cupy.__version__, 'numpy', numpy.__version__, 'pywt', pywt.__version__, 'cuwavelet', cuwavelet.__version__)"
    step "GPU tests" "$python" -m pytest -m gpu -q
    step "whole suite" "$python" -m pytest -q -n auto --dist loadfile
    step "bench" "$python" -m cuwavelet bench --device cuda --json "$json"
    step "fused 2D bench" "$python" benchmarks/bench_fused_gpu.py --json "$outdir/fused2d-$stamp.json"
    step "fused 1D bench" "$python" benchmarks/bench_fused1d_gpu.py --json "$outdir/fused1d-$stamp.json"
    step "torch bench" "$python" benchmarks/bench_torch.py --device cuda
    step "latency bench" "$python" benchmarks/bench_latency.py --device cuda --json "$outdir/latency-$stamp.json"
    echo "log: $log"
    echo "bench results: $json"
    exit "$status"  # leaves only this pipeline's subshell
} 2>&1 | tee "$log"

exit "${PIPESTATUS[0]}"
