"""The GPU benchmark scripts run end to end before any GPU sees them.

benchmarks/bench_fused_gpu.py, bench_fused1d_gpu.py and bench_register_block.py
only measure on a CUDA device, which CI lacks. Here they run with --smoke
(small shapes) against a stand-in for CuPy whose arrays are NumPy arrays and whose events read the
host clock: the fused kernels then run through the thread-block emulator, and
each script's own check (fused and reference paths agree before anything is
timed) must pass. The timings printed here mean nothing; the point is that a
first run on a GPU measures instead of fixing the scripts.
"""
import json
import sys
import time
import types
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"


def host_cupy():
    """The parts of CuPy the benchmark scripts use, on the host."""
    class Event:
        def record(self):
            self.t = time.perf_counter()

        def synchronize(self):
            pass

    class Pool:
        def free_all_blocks(self):
            pass

    cuda = types.SimpleNamespace(
        Event=Event,
        get_elapsed_time=lambda a, b: (b.t - a.t) * 1e3,
        get_current_stream=lambda: types.SimpleNamespace(synchronize=lambda: None),
        runtime=types.SimpleNamespace(getDeviceCount=lambda: 1, getDevice=lambda: 0,
                                      getDeviceProperties=lambda d: {"name": b"host stand-in"}))
    return types.SimpleNamespace(cuda=cuda, asarray=np.asarray, abs=np.abs, float32=np.float32,
                                 get_default_memory_pool=Pool)


@pytest.fixture
def benchmark_module(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import _gpu_timing
    monkeypatch.setattr(_gpu_timing, "gpu_or_exit", lambda script: host_cupy())
    monkeypatch.setattr(_gpu_timing, "copy_bandwidth", lambda cupy, runs, nbytes: 1e9)

    def load(name):
        monkeypatch.delitem(sys.modules, name, raising=False)
        return __import__(name)
    return load


@pytest.mark.parametrize("script, rows", [("bench_fused_gpu", 26), ("bench_fused1d_gpu", 12),
                                          ("bench_register_block", 8)])
def test_gpu_benchmark_scripts_run_and_check_their_paths(benchmark_module, script, rows,
                                                         tmp_path, capsys):
    out = tmp_path / "results.json"
    benchmark_module(script).main(["--smoke", "--runs", "50", "--json", str(out)])
    results = json.loads(out.read_text())["results"]
    assert len(results) == rows
    assert all(r["median_ms"] > 0 and r["m_min_bytes"] > 0 for r in results)
    assert "of copy" in capsys.readouterr().out


def test_latency_benchmark_cpu_rows(capsys):
    """benchmarks/bench_latency.py times both sides of every row (one round)."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import bench_latency
        rows = bench_latency.numpy_rows(repeats=1)
    finally:
        sys.path.remove(str(BENCHMARKS))
    assert [r["call"] for r in rows] == [c[0] for c in bench_latency.CALLS]
    assert all(r["pywt_us"] > 0 and r["cuwavelet_us"] > 0 for r in rows)
