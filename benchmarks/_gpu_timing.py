"""Shared by the GPU benchmark scripts: find the GPU, time with CUDA events,
measure the device-to-device copy bandwidth that effective bandwidth is judged by."""
from __future__ import annotations

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
