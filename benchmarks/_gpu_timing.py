"""Shared by the GPU benchmark scripts: their command line, find the GPU, time
with CUDA events, measure the device-to-device copy bandwidth that effective
bandwidth is judged by."""
from __future__ import annotations

import argparse
import statistics
import sys


def gpu_or_exit(script: str):
    try:
        import cupy
        if cupy.cuda.runtime.getDeviceCount() > 0:
            return cupy
        reason = "CuPy sees no CUDA device"
    except Exception as exc:  # CuPy missing, or no driver
        reason = f"CuPy/CUDA unavailable ({type(exc).__name__}: {exc})"
    sys.exit(f"{script}: needs a CUDA GPU: {reason}. Nothing was measured.")


def event_median_ms(cupy, fn, runs: int, warmup: int = 5) -> float:
    """Median milliseconds of fn() between CUDA events on the current stream."""
    for _ in range(warmup):
        fn()
    cupy.cuda.get_current_stream().synchronize()
    times = []
    for _ in range(runs):
        start, stop = cupy.cuda.Event(), cupy.cuda.Event()
        start.record()
        fn()
        stop.record()
        stop.synchronize()
        times.append(cupy.cuda.get_elapsed_time(start, stop))
    return statistics.median(times)


def copy_bandwidth(cupy, runs: int, nbytes: int = 1 << 30) -> float:
    """Bytes per second of a device-to-device copy (read + write counted)."""
    src = cupy.ones(nbytes // 4, dtype=cupy.float32)
    dst = cupy.empty_like(src)
    ms = event_median_ms(cupy, lambda: dst.data.copy_from_device_async(src.data, src.nbytes),
                         runs)
    src = dst = None  # free the 2 GB before the workloads
    return 2 * nbytes / (ms * 1e-3)


def start(script: str, doc: str, workloads: dict, argv=None):
    """The scripts' shared start: parse --runs (>= 50), --mode, --workloads,
    --json and --smoke; find the GPU; measure the copy bandwidth and print it.
    Returns (args, cupy, device name, copy bytes per second)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50, help="timed runs per measurement (>= 50)")
    parser.add_argument("--mode", default="symmetric")
    parser.add_argument("--workloads", nargs="+", default=list(workloads), choices=list(workloads))
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--smoke", action="store_true", help="small shapes (checks the script)")
    args = parser.parse_args(argv)
    if args.runs < 50:
        parser.error("--runs must be at least 50")
    cupy = gpu_or_exit(script)
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.runtime.getDevice())
    device = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    copy_bps = copy_bandwidth(cupy, args.runs, 1 << 24 if args.smoke else 1 << 30)
    print(f"device: {device}; device-to-device copy: {copy_bps / 1e9:.0f} GB/s "
          f"(median of {args.runs})")
    return args, cupy, device, copy_bps
