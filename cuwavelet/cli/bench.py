"""`python -m cuwavelet bench`: the workloads of cli/workloads.py timed side by
side, in one process, for cuwavelet and its peers (see cli/peers.py)."""
from __future__ import annotations

import json
import os
import statistics
import sys
import time

from . import _device
from .peers import BRIDGE, DISPLAY_ORDER, PEERS, Runner, Skip, max_abs_diff
from .workloads import WORKLOADS, for_device, names

GPU_RUNS = {False: (10, 50), True: (3, 10)}            # quick -> (warm-up, timed runs)
CPU_BUDGET = {False: (3.0, 5, 50), True: (0.5, 3, 10)}  # quick -> (s per row, min, max runs)
COPY_BYTES = 512 << 20


def _sync(clock):
    if clock == "cupy":
        import cupy
        cupy.cuda.get_current_stream().synchronize()
    elif clock == "torch":
        import torch
        torch.cuda.synchronize()


def _events(clock):
    """(start, end, seconds()) CUDA events on the current stream of CuPy or torch."""
    if clock == "cupy":
        import cupy
        start, end = cupy.cuda.Event(), cupy.cuda.Event()
        return start, end, lambda: cupy.cuda.get_elapsed_time(start, end) / 1e3
    import torch
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    return start, end, lambda: start.elapsed_time(end) / 1e3


def time_runner(runner: Runner, quick: bool):
    """(median seconds, timed runs, output of the first call)."""
    fn, x = runner.fn, runner.x
    out = fn(x)  # warm-up: compiles kernels, fills caches, gives the output to check
    _sync(runner.clock)
    times = []
    if runner.clock == "cpu":
        budget, lo, hi = CPU_BUDGET[quick]
        while len(times) < hi and (len(times) < lo or sum(times) < budget):  # slow rows get fewer runs
            t0 = time.perf_counter()
            fn(x)
            times.append(time.perf_counter() - t0)
    else:
        warm, runs = GPU_RUNS[quick]
        for _ in range(warm):
            fn(x)
        start, end, seconds = _events(runner.clock)
        for _ in range(runs):
            start.record()
            fn(x)
            end.record()
            end.synchronize()
            times.append(seconds())
    return statistics.median(times), len(times), out


def copy_bandwidth() -> float:
    """Bytes/s of a device-to-device copy (read + write), measured here."""
    import cupy
    src = cupy.empty(COPY_BYTES, cupy.uint8)
    dst = cupy.empty_like(src)
    median, _, _ = time_runner(Runner(lambda _: dst.data.copy_from_device_async(src.data, COPY_BYTES),
                                      None, "cupy"), quick=False)
    return 2 * COPY_BYTES / median


class Progress:
    """A bar on stderr when it is a terminal; one line per workload otherwise (logs)."""

    def __init__(self, total: int):
        self.total, self.done, self.tty = total, 0, sys.stderr.isatty()

    def step(self, workload: str, impl: str, first_of_workload: bool):
        if self.tty:
            filled = 30 * self.done // self.total
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} "
                             f"{workload} {impl:<24}")
        elif first_of_workload:
            sys.stderr.write(f"bench: {workload} ...\n")
        sys.stderr.flush()
        self.done += 1

    def close(self):
        if self.tty:
            sys.stderr.write("\r" + " " * 80 + "\r")


def run(device: str, quick: bool, json_path=None, dask_workers=None) -> int:
    if dask_workers is not None:
        from . import dask_bench
        return dask_bench.run(device, dask_workers, quick)
    machine = _device.label(device)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(f"cuwavelet bench on {machine}" + (f"; load average {load:.1f}" if load is not None else ""))
    if load is not None and load > 0.25 * (os.cpu_count() or 1):
        print("warning: other processes are using the CPU; multi-threaded CPU timings will be noisy")
    if quick:
        print("quick: full workload sizes, fewer timed runs (CPU: 3-10 runs within ~0.5 s a row; "
              f"CUDA: {GPU_RUNS[True][1]} runs); drop --quick for the reported numbers")
    missing = {p.name: p.missing() for p in PEERS}
    peers = [p for p in PEERS if missing[p.name] is None]
    copy_bw = copy_bandwidth() if device == "cuda" else None
    workloads = for_device(device)
    if device == "cpu":
        skipped = [w for w in WORKLOADS if w not in workloads]
        print(f"{names(skipped)} not run: GPU-sized inputs ("
              + "; ".join(f"{w.name} {w.description}" for w in skipped) + "); they run with --device cuda")
    progress, rows = Progress(len(workloads) * len(peers)), []
    for w in workloads:
        x = w.make_input()
        reference = [x] if w.op == "wavedec+waverec" else None  # a round trip must give x back
        for i, peer in enumerate(peers):
            progress.step(w.name, peer.name, i == 0)
            row, out = _measure(w, x, peer, device, quick, reference, copy_bw)
            rows.append(dict(row, machine=machine, load_avg=load, quick=quick))
            if reference is None and peer.name == "pywt":
                reference = out
        _free_device_memory(device)
    progress.close()
    _add_speedups(rows)
    order = {name: i for i, name in enumerate(DISPLAY_ORDER)}
    rows.sort(key=lambda r: (r["workload"], order.get(r["impl"], len(order))))
    print_table(rows, workloads, device, copy_bw, [note for note in missing.values() if note])
    if json_path is not None:
        json_path.write_text(json.dumps(rows, indent=2) + "\n")
        print(f"results written to {json_path}")
    failed = [r for r in rows if r["impl"] == "cuwavelet" and r["median_s"] is None]
    return 1 if failed else 0


def _measure(w, x, peer, device, quick, reference, copy_bw):
    """(row of results, output as a list of host arrays or None)."""
    row = dict(workload=w.name, description=w.description, impl=peer.name, device="cpu",
               median_s=None, runs=0, cw_speedup=None, max_abs_err=None, bytes=w.minimal_bytes(),
               gb_per_s=None, copy_fraction=None, note="")
    try:
        runner = peer.make(w, x, device)
        median, runs, out = time_runner(runner, quick)
    except Skip as exc:
        return dict(row, note=str(exc)), None
    except Exception as exc:  # one failing peer must not end the run
        return dict(row, note=f"error: {type(exc).__name__}: {exc}"), None
    row.update(median_s=median, runs=runs, note=runner.note, device="cpu" if runner.clock == "cpu" else "cuda")
    out = _device.leaves(_device.to_host(out))
    if reference is not None:
        row["max_abs_err"] = max_abs_diff(out, reference)
    if row["device"] == "cuda":
        row["gb_per_s"] = row["bytes"] / median / 1e9
        row["copy_fraction"] = row["bytes"] / median / copy_bw
    return row, out


def _add_speedups(rows):
    cw = {r["workload"]: r["median_s"] for r in rows if r["impl"] == "cuwavelet" and r["median_s"]}
    for r in rows:
        if r["median_s"] and r["workload"] in cw:
            r["cw_speedup"] = r["median_s"] / cw[r["workload"]]


def _free_device_memory(device):
    if device != "cuda":
        return
    import cupy
    cupy.get_default_memory_pool().free_all_blocks()
    if "torch" in sys.modules:
        sys.modules["torch"].cuda.empty_cache()


def _fmt_time(s):
    if s is None:
        return "-"
    return f"{s * 1e6:.0f} us" if s < 1e-3 else f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.2f} s"


def print_table(rows, workloads, device, copy_bw, notes):
    print()
    for w in workloads:
        print(f"  {w.name}: {w.description}")
    head = ["workload", "impl", "device", "median", "runs", "cw speedup", "max|err|"]
    if device == "cuda":
        head += ["GB/s", "of copy BW"]
    table, skipped = [head], []
    for r in rows:
        if r["median_s"] is None:
            skipped.append(f"{r['workload']} {r['impl']}: {r['note']}")
            continue
        err = r["max_abs_err"]
        line = [r["workload"], r["impl"], r["device"], _fmt_time(r["median_s"]), str(r["runs"]),
                f"{r['cw_speedup']:.2f}" if r["cw_speedup"] else "-",
                "ref" if err is None and r["impl"] == "pywt" else "-" if err is None else f"{err:.1e}"]
        if device == "cuda":
            line += [f"{r['gb_per_s']:.0f}", f"{r['copy_fraction']:.0%}"] if r["gb_per_s"] else ["-", "-"]
        table.append(line)
        if r["note"]:
            skipped.append(f"{r['workload']} {r['impl']}: {r['note']}")
    widths = [max(len(row[i]) for row in table) for i in range(len(head))]
    print()
    for row in table:
        print("  ".join(c.ljust(wd) if i < 3 else c.rjust(wd) for i, (c, wd) in enumerate(zip(row, widths))))
    print("\ncw speedup = this row's median / cuwavelet's median (> 1: cuwavelet is faster).")
    if any(r["impl"] == BRIDGE and r["median_s"] for r in rows):
        print(f"{BRIDGE} = the same kernels, called through bridges.torch on torch tensors (outputs "
              "from torch's allocator). Its row measures the bridge's overhead; where it is faster than "
              "the cuwavelet row, the difference is memory allocation (NumPy's outputs touch fresh pages, "
              "and the first row of a workload pays the most for them) or run-to-run noise, not the "
              "transform.")
    print("max|err| = largest |coefficient - pywt's| (W2: |waverec(wavedec(x)) - x|).")
    if copy_bw:
        print(f"GB/s = (input read once + all coefficients written once) / median; device-to-device "
              f"copy measured here: {copy_bw / 1e9:.0f} GB/s.")
    for line in notes + skipped:
        print(f"note: {line}")
