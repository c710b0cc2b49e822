"""Forward and forward+backward timings of bridges.torch against ptwt and
pytorch_wavelets, side by side in one process (not a test).

    python benchmarks/bench_torch.py [--device cpu|cuda] [--quick] [--workloads W3 ...]
                                     [--modes zero symmetric] [--profile] [--issue] [--graphs]

Workloads (float32):
    W3  (16, 3, 256, 256)  db2  level 3   wavedec2
    W1  (256, 4096)        db4  level 5   wavedec
    W5  (32, 1_000_000)    db5  level 10  wavedec     (CUDA only)
    W6  (32, 1000, 1000)   db5  level 5   wavedec2    (CUDA only)
each in mode 'zero' (every peer computes pywt's coefficients there) and
'symmetric' (pywt's default; pytorch_wavelets' 'symmetric' is checked
against ours and reported as it is). forward+backward is the forward and
torch.autograd.grad of all coefficients with fixed random cotangents.
--modes sets the modes and their order (an effect of what ran first shows
when the order is reversed); --profile adds, for ours, a torch.profiler table
of one forward+backward's host and device time per operator; --issue, for
every implementation, the host's time to issue a call (until it returns)
against the time until the device has finished it: where the two are close,
the call is bound by its host, and faster kernels would not show; --graphs
(CUDA), every implementation's forward+backward captured in a CUDA graph
and timed as graph replays: the device's time alone, each launch's host
work gone (what torch.cuda.graphs or torch.compile's "reduce-overhead" mode
gives a training step), against the peers captured alike.
Times are medians of interleaved runs (on CUDA: CUDA events on the current
stream, at least 50 runs after warm-up); "x ours" is peer time / our time
(above 1: we are faster). On CUDA also the effective bandwidth, M_min / time
(M_min: the input read once + every coefficient written once; twice that for
forward+backward, which reads the cotangents and writes the gradient), and
its fraction of a device-to-device copy measured in the same process.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bridges.torch as bt  # noqa: E402

warnings.filterwarnings("ignore", category=UserWarning)  # pkg_resources, level warnings

WORKLOADS = {
    "W3": dict(shape=(16, 3, 256, 256), wavelet="db2", level=3, dims=2),
    "W1": dict(shape=(256, 4096), wavelet="db4", level=5, dims=1),
    "W5": dict(shape=(32, 1_000_000), wavelet="db5", level=10, dims=1, gpu_only=True),
    "W6": dict(shape=(32, 1000, 1000), wavelet="db5", level=5, dims=2, gpu_only=True),
}
GPU_MIN_RUNS = 50
MODES = ("zero", "symmetric")


def leaves(c):
    if isinstance(c, torch.Tensor):
        return [c]
    if isinstance(c, dict):
        c = list(c.values())
    return [t for v in c for t in leaves(v)]


def coarsest(c):
    return c[0] if isinstance(c, (list, tuple)) else c


def implementations():
    """name -> (make(workload, mode, device) -> f(x) -> coefficients, or None if
    unsupported) or a reason."""
    impls = {"bridges.torch": ours}
    try:
        import ptwt  # noqa: F401
        impls["ptwt"] = with_ptwt
    except ImportError as exc:
        impls["ptwt"] = f"not installed ({exc})"
    try:
        import pytorch_wavelets  # noqa: F401
        impls["pytorch_wavelets"] = with_pytorch_wavelets
    except ImportError as exc:
        impls["pytorch_wavelets"] = f"not installed ({exc})"
    return impls


def ours(w, mode, device):
    fn = bt.wavedec2 if w["dims"] == 2 else bt.wavedec
    return lambda x: fn(x, w["wavelet"], mode, level=w["level"])


def with_ptwt(w, mode, device):
    import ptwt
    import pywt
    wavelet = pywt.Wavelet(w["wavelet"])
    fn = ptwt.wavedec2 if w["dims"] == 2 else ptwt.wavedec
    return lambda x: fn(x, wavelet, mode=mode, level=w["level"])


def with_pytorch_wavelets(w, mode, device):
    import pytorch_wavelets as pw
    if mode not in ("zero", "symmetric", "reflect", "periodization"):
        return None
    if w["dims"] == 2:  # it wants (N, C, H, W)
        module2 = pw.DWTForward(J=w["level"], wave=w["wavelet"], mode=mode).to(device)
        return lambda x: module2(x if x.ndim == 4 else x.reshape(-1, 1, *x.shape[-2:]))
    module = pw.DWT1DForward(J=w["level"], wave=w["wavelet"], mode=mode).to(device)
    return lambda x: module(x.reshape(x.shape[0], 1, x.shape[-1]))  # it wants (N, C, L)


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn, device):
    """Seconds of one fn(): CUDA events on the current stream, or the host clock."""
    if device.type == "cuda":
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1e3
    t0 = time.perf_counter()
    fn()
    sync(device)
    return time.perf_counter() - t0


def copy_bandwidth(device, runs, nbytes=1 << 30):
    """Bytes per second of a device-to-device copy (read + write counted)."""
    src = torch.ones(nbytes // 4, device=device)
    dst = torch.empty_like(src)
    seconds = interleaved_medians({"copy": lambda: dst.copy_(src)}, device, 3, runs)["copy"] / 1e3
    src = dst = None  # free the 2 GB before the workloads
    torch.cuda.empty_cache()
    return 2 * nbytes / seconds


def interleaved_medians(fns: dict, device, warmup, repeats) -> dict:
    """Median ms of each callable, run in turn every round so that load from
    other processes spreads over all of them alike."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    sync(device)
    times = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            times[name].append(timed(fn, device))
    return {name: 1e3 * statistics.median(t) for name, t in times.items()}


def forward_backward(f, x, device):
    xg = x.detach().requires_grad_(True)
    gen = torch.Generator(device=device).manual_seed(1)
    cots = [torch.randn(t.shape, dtype=t.dtype, device=device, generator=gen) for t in leaves(f(xg))]
    return lambda: torch.autograd.grad(leaves(f(xg)), xg, cots)


def issue_and_finish_ms(fn, device, repeats) -> tuple:
    """Medians of the time until fn() returns and until the device has
    finished what it issued (host clock, from an idle device)."""
    issued, finished = [], []
    for _ in range(repeats):
        sync(device)
        t0 = time.perf_counter()
        fn()
        t1 = time.perf_counter()
        sync(device)
        issued.append(t1 - t0)
        finished.append(time.perf_counter() - t0)
    return 1e3 * statistics.median(issued), 1e3 * statistics.median(finished)


def graph_replay(fn, device):
    """fn captured in a CUDA graph (after warm-up on a side stream, as
    torch.cuda.graphs asks): a function that replays it."""
    side = torch.cuda.Stream(device)
    side.wait_stream(torch.cuda.current_stream(device))
    with torch.cuda.stream(side):
        for _ in range(3):
            fn()
    torch.cuda.current_stream(device).wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        fn()
    return graph.replay


def profile(fn, device, title, rows=15):
    """torch.profiler's table of 5 runs of fn (after the timed ones: warm):
    host time per operator and, on CUDA, the kernels each launched."""
    from torch.profiler import ProfilerActivity
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == "cuda" else [])
    with torch.profiler.profile(activities=activities) as prof:
        for _ in range(5):
            fn()
        sync(device)
    print(f"profile of ours, 5 x forward+backward, {title}:")
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=rows))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cpu", "cuda"],
                        default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--workloads", nargs="+", choices=list(WORKLOADS), default=list(WORKLOADS),
                        help="which workloads (default: all the device runs)")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES),
                        help="modes, in the order they run")
    parser.add_argument("--profile", action="store_true",
                        help="also profile one forward+backward of ours per workload and mode")
    parser.add_argument("--issue", action="store_true",
                        help="also time each call's host issue against its finish")
    parser.add_argument("--graphs", action="store_true",
                        help="also time forward+backward replayed from a CUDA graph (CUDA)")
    args = parser.parse_args()
    device = torch.device(args.device)
    warmup, repeats = (1, 7) if args.quick else (3, 25)
    if device.type == "cuda":
        warmup, repeats = 5, max(repeats, GPU_MIN_RUNS)
    impls = implementations()
    copy_bps = copy_bandwidth(device, repeats) if device.type == "cuda" else None

    where = (torch.cuda.get_device_name(device) if device.type == "cuda" else
             f"{os.cpu_count()} cores, {torch.get_num_threads()} torch threads, load average "
             f"{os.getloadavg()[0]:.1f} at start: other processes skew CPU timings")
    print(f"device: {device} ({where}), torch {torch.__version__}, "
          f"medians of {repeats} interleaved runs after {warmup} warm-up")
    if copy_bps:
        print(f"device-to-device copy: {copy_bps / 1e9:.0f} GB/s; GB/s columns: M_min / median, "
              "and its fraction of that copy")
    for name, impl in impls.items():
        if isinstance(impl, str):
            print(f"skipped {name}: {impl}")
    header = (f"{'workload':<28}{'mode':<11}{'implementation':<18}{'fwd ms':>9}{'fwd+bwd ms':>12}"
              f"{'fwd x ours':>12}{'f+b x ours':>12}{'max|cA - ours|':>16}"
              + (f"{'fwd GB/s':>10}{'of copy':>9}{'f+b GB/s':>10}{'of copy':>9}" if copy_bps else ""))
    print(header)
    print("-" * len(header))
    summary = []
    for wname, w in WORKLOADS.items():
        if wname not in args.workloads or w.get("gpu_only") and device.type != "cuda":
            continue
        x = torch.randn(w["shape"], generator=torch.Generator().manual_seed(0)).to(device)
        label = f"{wname} {tuple(w['shape'])} {w['wavelet']} L{w['level']}"
        for mode in args.modes:
            fns, diffs, ref = {}, {}, None
            for name, impl in impls.items():
                f = None if isinstance(impl, str) else impl(w, mode, device)
                if f is None:
                    if not isinstance(impl, str):
                        print(f"{label:<28}{mode:<11}{name:<18}{'(mode not supported)':>21}")
                    continue
                try:
                    with torch.no_grad():
                        out = f(x)
                        cA = coarsest(out)
                except Exception as exc:  # a peer that cannot run this case: say so, go on
                    print(f"{label:<28}{mode:<11}{name:<18}  failed: {type(exc).__name__}: {exc}")
                    continue
                if ref is None:  # ours: M_min from our coefficients (pywt's lengths)
                    ref = cA
                    m_min = 4 * (x.numel() + sum(t.numel() for t in leaves(out)))
                del out
                diffs[name] = (f"{float((cA.reshape(ref.shape) - ref).abs().max()):.1e}"
                               if cA.numel() == ref.numel() else f"shape {tuple(cA.shape)}")
                fns[name] = f
            fwd = interleaved_medians({n: (lambda f=f: f(x)) for n, f in fns.items()},
                                      device, warmup, repeats)
            fb = interleaved_medians({n: forward_backward(f, x, device) for n, f in fns.items()},
                                     device, warmup, repeats)
            ours_name = next(iter(fns))
            for name in fns:
                bandwidth = ""
                if copy_bps:
                    f_bps, b_bps = m_min / (fwd[name] / 1e3), 2 * m_min / (fb[name] / 1e3)
                    bandwidth = (f"{f_bps / 1e9:>10.0f}{f_bps / copy_bps:>9.1%}"
                                 f"{b_bps / 1e9:>10.0f}{b_bps / copy_bps:>9.1%}")
                print(f"{label:<28}{mode:<11}{name:<18}{fwd[name]:>9.2f}{fb[name]:>12.2f}"
                      f"{fwd[name] / fwd[ours_name]:>12.2f}{fb[name] / fb[ours_name]:>12.2f}"
                      f"{diffs[name]:>16}{bandwidth}")
            if args.issue:
                for name, f in fns.items():
                    times = [issue_and_finish_ms(fn, device, repeats)
                             for fn in (lambda f=f: f(x), forward_backward(f, x, device))]
                    print(f"{label:<28}{mode:<11}{name:<18}host issue / finish ms: fwd "
                          f"{times[0][0]:.2f} / {times[0][1]:.2f}, fwd+bwd "
                          f"{times[1][0]:.2f} / {times[1][1]:.2f}")
            if args.graphs and device.type == "cuda":
                replays = {}
                for name, f in fns.items():
                    try:
                        replays[name] = graph_replay(forward_backward(f, x, device), device)
                    except Exception as exc:  # a peer that cannot be captured: say so, go on
                        print(f"{label:<28}{mode:<11}{name:<18}  capture failed: "
                              f"{type(exc).__name__}: {exc}")
                graphed = interleaved_medians(replays, device, warmup, repeats)
                for name, ms in graphed.items():
                    versus = f", x ours {ms / graphed[ours_name]:.2f}" if ours_name in graphed else ""
                    print(f"{label:<28}{mode:<11}{name:<18}CUDA-graph replay, fwd+bwd ms "
                          f"{ms:.2f}{versus}")
                replays = None
            if args.profile:
                profile(forward_backward(fns[ours_name], x, device), device, f"{label} {mode}")
            fns = None
            if device.type == "cuda":
                torch.cuda.empty_cache()
            peers = {n: fb[n] for n in fb if n != ours_name}
            if peers:
                best = min(peers, key=peers.get)
                summary.append(f"{wname} {mode}: {peers[best] / fb[ours_name]:.2f}x ({best})")
    if summary:
        print("forward+backward, faster peer's time / ours: " + "; ".join(summary))


if __name__ == "__main__":
    main()
