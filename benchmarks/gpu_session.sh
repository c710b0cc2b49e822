#!/usr/bin/env bash
# The GPU checks of one short lent-card session (about 4 minutes on an H100; a
# lent card runs one command for at most 10 minutes, so the steps come most
# informative first, each with a time limit, logging to OUTDIR):
#   1. build the extensions; the GPU tests (pytest -m gpu, 12 processes)
#   2. bench_fused_gpu.py: fused 2D levels with filters by value and by address,
#      two levels per launch against one (forward, inverse, and the adjoint in
#      zero mode), and the adjoint (W3, W6; zero and symmetric)
#   3. bench_torch.py --quick: forward and forward+backward against ptwt and
#      pytorch_wavelets (W3, W5, W6)
#   4. W3 and W6 again, symmetric mode first, with a torch.profiler table of our
#      forward+backward per mode and each implementation's host issue time
#      against its finish (on 2026-11-27 ours was bound by its host)
#   5. bench_fused1d_gpu.py: the 1D fused launches (wavedec, waverec, wavedec's
#      adjoint) against one launch per level (W1, W5; zero and symmetric)
#   6. ncu over the fused kernels of W5 and W6 (ncu_workloads.py): duration, DRAM and
#      SM throughput, occupancy, registers; then W6's 2D launches in zero mode four
#      ways (as built, one pair of outputs per thread, a value per load, the
#      boundary extension for every window): durations and executed instructions
#   7. bench_register_block.py: the 1D multi-level kernel, 4 outputs per thread vs 1
#   8. bench_jax.py --devices gpu: JAX under jit, results written into XLA's
#      outputs against copied there, and --learned: learned banks as whole
#      primitives against per operation (needs jax[cuda] on the card)
#   9. bench_pad.py --device cuda: cw.pad against cupy.pad (never timed on a card yet)
#  10. bench_torch.py --graphs: forward+backward of every implementation replayed
#      from a CUDA graph (the device's time alone, the host's launch work gone)
#  11. the learned-bank and packet-tree bridge tests, which are not marked gpu:
#      with a CUDA JAX its default device is the card, so the JAX learned
#      primitives (per-example banks, second order) and the learned stationary
#      transforms run through buffer_callback on the GPU; the per-item banks'
#      kernels (the DWT's and the learned stationary levels') against the
#      host's (marked gpu, also in step 2)
#  12. bench_cwt.py --device cuda: cw.cwt on CuPy (cuFFT), the torch bridge's
#      forward and forward+backward against ptwt (C1-C4; never timed on a card)
# Usage (repository root, CuPy and torch installed, pywt/ptwt/pytorch_wavelets
# importable): benchmarks/gpu_session.sh OUTDIR [STEP ...], STEP among build,
# tests, fused2d, torch, profile, fused1d, ncu, register, jax, pad, graphs, learned, cwt (all of them, in this
# order, by default: split them over two calls where one would pass the limit)
#
# A lent card may lack pywt, ptwt and pytorch_wavelets and reach no index. Fetch
# their wheels here first, into a folder git ignores, for the card's Python
# (3.12 on the H100 image of 2026-11-27), and carry that folder to the card:
#   pip download --no-deps --python-version 3.12 --only-binary=:all: \
#       pywavelets ptwt pytorch-wavelets -d .whl && echo .whl >> .git/info/exclude
# then, on the card (the folder carried):
#   python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
#   PYTHONPATH=/tmp/site:$PWD bash benchmarks/gpu_session.sh "$OUT/gs"
set -uo pipefail
out="${1:?usage: benchmarks/gpu_session.sh OUTDIR [STEP ...]}"
shift
steps=" ${*:-build tests fused2d torch profile fused1d ncu register jax pad graphs learned cwt} "
want() { [[ "$steps" == *" $1 "* ]]; }
mkdir -p "$out"
py="${PYTHON:-python3}"
export PYTHONUNBUFFERED=1
run() {  # run SECONDS NAME COMMAND...: limited, logged, summarized
    local limit=$1 name=$2; shift 2
    echo "== $name ($(date +%T))"
    timeout "$limit" "$@" > "$out/$name.log" 2>&1
    echo "   exit $? ($(date +%T))"
}
nvidia-smi --query-gpu=name,clocks.max.sm,memory.total --format=csv > "$out/gpu.txt" 2>&1
git rev-parse --short HEAD >> "$out/gpu.txt" 2>/dev/null
if want build; then
    run 120 build "$py" setup.py -q build_ext --inplace -j 16
fi
if want tests; then
    run 150 gpu-tests "$py" -m pytest -m gpu -q -n 12 --timeout=100 -p no:cacheprovider -rf --tb=short
    grep -E "^FAILED|passed|failed" "$out/gpu-tests.log" | tail -15
fi
if want fused2d; then
    for mode in zero symmetric; do
        run 75 "fused2d-$mode" "$py" benchmarks/bench_fused_gpu.py --runs 50 --mode "$mode"
        grep -E "forward|inverse|adjoint" "$out/fused2d-$mode.log"
    done
fi
if want torch; then
    run 120 torch "$py" benchmarks/bench_torch.py --device cuda --quick --workloads W3 W5 W6
    tail -30 "$out/torch.log"
fi
if want profile; then
    run 90 torch-profile "$py" benchmarks/bench_torch.py --device cuda --quick --workloads W3 W6 \
        --modes symmetric zero --profile --issue
    grep -E "^W|profile of|Self CPU time|Self CUDA time" "$out/torch-profile.log"
fi
if want fused1d; then
    for mode in zero symmetric; do
        run 75 "fused1d-$mode" "$py" benchmarks/bench_fused1d_gpu.py --runs 50 --mode "$mode"
        tail -12 "$out/fused1d-$mode.log"
    done
fi
if want ncu; then
    # (the second round of ncu_workloads.py is profiled: n fused launches a round)
    n=$("$py" benchmarks/ncu_workloads.py --count)
    "$py" benchmarks/ncu_workloads.py > /dev/null 2>&1  # compile outside the profiler
    run 120 ncu ncu --target-processes all -k regex:fused --launch-skip "$n" --launch-count "$n" \
        --section SpeedOfLight --section Occupancy --section LaunchStats "$py" benchmarks/ncu_workloads.py
    grep -E "fused_|Duration|DRAM Throughput|Compute \(SM\)|Registers Per|Achieved Occupancy|Waves Per SM" \
        "$out/ncu.log" | head -120 > "$out/ncu-summary.txt"
    # W6's launches in zero mode (wavedec2, waverec2 and the adjoint of wavedec2)
    # four ways, durations and executed instructions: as built (16-byte loads where
    # the rows allow; two pairs of outputs per thread in the synthesis and the
    # adjoint), one pair per thread (CUWAVELET_TWO_PAIRS=0), a value per load
    # (CUWAVELET_VECTOR_GATHER=0), and the extension for every window (both gather
    # switches 0: the gathers before the interior path)
    n6=$("$py" benchmarks/ncu_workloads.py --count --workloads W6 --mode zero)
    for variant in vector one-pair scalar extension; do
        case $variant in
            vector) defines=(CUWAVELET_VECTOR_GATHER=1) ;;
            one-pair) defines=(CUWAVELET_TWO_PAIRS=0) ;;
            scalar) defines=(CUWAVELET_VECTOR_GATHER=0) ;;
            extension) defines=(CUWAVELET_VECTOR_GATHER=0 CUWAVELET_INTERIOR_GATHER=0) ;;
        esac
        args=(benchmarks/ncu_workloads.py --workloads W6 --mode zero --define "${defines[@]}")
        "$py" "${args[@]}" > /dev/null 2>&1
        run 120 "ncu-gather-$variant" ncu --target-processes all -k regex:fused \
            --launch-skip "$n6" --launch-count "$n6" --section SpeedOfLight \
            --section InstructionStats "$py" "${args[@]}"
        grep -E "fused_|Duration|Executed Instructions" "$out/ncu-gather-$variant.log" | head -60
    done
fi
if want register; then
    run 45 register-block "$py" benchmarks/bench_register_block.py --runs 50
    tail -12 "$out/register-block.log"
fi
if want jax; then
    run 60 jax "$py" benchmarks/bench_jax.py --devices gpu --runs 15
    tail -8 "$out/jax.log"
    # learned banks: whole primitives against the per-operation route
    run 60 jax-learned "$py" benchmarks/bench_jax.py --learned --devices gpu --runs 15
    tail -9 "$out/jax-learned.log"
fi
if want pad; then
    run 45 pad "$py" benchmarks/bench_pad.py --device cuda --rounds 15
    tail -24 "$out/pad.log"
fi
if want graphs; then
    run 120 torch-graphs "$py" benchmarks/bench_torch.py --device cuda --quick --workloads W3 W6 \
        --modes zero --graphs
    grep -E "CUDA-graph|capture failed" "$out/torch-graphs.log"
fi
if want learned; then
    run 150 learned "$py" -m pytest -q -n 4 -p no:cacheprovider -rf --tb=short \
        tests/test_bridge_jax_learnable.py tests/test_bridge_jax_learned_whole.py \
        tests/test_bridge_learned_stationary.py \
        tests/test_bridge_packet_trees.py tests/test_per_item_banks.py \
        tests/test_filter_bank_conditions.py tests/test_learned_stationary_levels.py
    "$py" -c "import jax; print('jax devices:', jax.devices())" >> "$out/learned.log" 2>&1
    grep -E "^FAILED|passed|failed|jax devices" "$out/learned.log" | tail -15
    # learned banks through torch on the card: fused and per-operation routes, and ptwt
    run 120 learned-bench "$py" benchmarks/bench_learnable.py --device cuda --routes \
        --rounds 15 --workloads L1 L2 L2R W1 W3 R3
    tail -12 "$out/learned-bench.log"
fi
if want cwt; then
    run 90 cwt "$py" benchmarks/bench_cwt.py --device cuda --runs 50
    tail -30 "$out/cwt.log"
fi
echo "== done ($(date +%T)); logs in $out"
