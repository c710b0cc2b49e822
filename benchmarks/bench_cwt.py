"""The continuous wavelet transform against pywt.cwt and ptwt.cwt, in one
process, side by side (not a test).

    python benchmarks/bench_cwt.py [--device cpu|cuda] [--rounds N] [--workloads C1 ...] [--smoke]

Workloads:
    C1  (1, 4096)     float64  morl         scales 1..128 (128)     a scalogram
    C2  (32, 2048)    float32  cmor1.5-1.0  64 scales 1..64 (geom)  a batch, complex wavelet
    C3  (8, 16384)    float32  mexh         scales 1..32 (32)       long signals
    C4  (256, 16384)  float32  cmor1.5-1.0  64 scales 1..64 (geom)  a training batch (CUDA only)
CPU: pywt's two methods ('conv', 'fft'), cuwavelet on NumPy arrays, the
torch bridge and ptwt on CPU tensors (for cmor also the bridge with the
wavelet's parameters as tensors: "learned"), forward and forward+backward
(torch.autograd.grad of the coefficients with a fixed random cotangent);
medians of interleaved rounds, ratios to pywt's faster method and to ptwt.
CUDA (--device cuda): cuwavelet on CuPy arrays, the torch bridge and ptwt on
CUDA tensors, CUDA-event medians of at least 50 runs; ratios to ptwt. Every
result is checked against pywt's first (a mismatch is printed, not timed);
pywt's float64 values are accepted for float32 data (pywt samples the
wavelet on a float32 grid for float32 data) and said so; ptwt is timed even
where its values differ from both, and that is printed.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import warnings
from pathlib import Path

import numpy as np
import pywt

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import cuwavelet as cw  # noqa: E402
from bench_discrete import interleaved  # noqa: E402

WORKLOADS = {
    "C1": ((1, 4096), np.float64, "morl", np.arange(1, 129)),
    "C2": ((32, 2048), np.float32, "cmor1.5-1.0", np.geomspace(1, 64, 64)),
    "C3": ((8, 16384), np.float32, "mexh", np.arange(1, 33)),
    "C4": ((256, 16384), np.float32, "cmor1.5-1.0", np.geomspace(1, 64, 64)),
}
CPU_WORKLOADS = ("C1", "C2", "C3")


def relative_error(got, ref) -> float:
    got = got.detach().cpu().numpy() if hasattr(got, "detach") else \
        got.get() if hasattr(got, "get") else np.asarray(got)
    return float(np.abs(got - ref).max() / np.abs(ref).max())


def torch_runners(x_np, scales, wavelet, device):
    """(forward, forward+backward) of the torch bridge and of ptwt (None where
    ptwt is missing), on one tensor."""
    import torch
    from bridges import torch as bt
    x = torch.as_tensor(x_np, device=device).requires_grad_()
    ours_y = bt.cwt(x, scales, wavelet)[0]
    cot = torch.randn(ours_y.shape, dtype=ours_y.dtype, device=device,
                      generator=torch.Generator(device).manual_seed(0))

    def both(fn):
        def forward():
            with torch.no_grad():
                return fn(x)

        def forward_backward():
            return torch.autograd.grad(fn(x), x, cot)[0]
        return forward, forward_backward
    runners = {"bridge": both(lambda t: bt.cwt(t, scales, wavelet)[0])}
    if wavelet.startswith("cmor"):  # the same wavelet with its parameters as tensors
        b, c = (torch.tensor(float(v), device=device, requires_grad=True)
                for v in wavelet[4:].split("-"))
        runners["learned"] = both(lambda t: bt.cwt(t, scales, ("cmor", b, c))[0])
    try:
        import ptwt
        runners["ptwt"] = both(lambda t: ptwt.cwt(t, scales, wavelet)[0])
    except ImportError as exc:
        print(f"  (ptwt: not installed: {exc})")
    return x, runners


def checked(name, y, *refs) -> bool:
    """Whether y is one of refs (pywt's for the data's dtype, or for the same
    data in float64: pywt's float32 sampling grid differs at some scales).
    A peer that is neither is timed all the same, and said so."""
    errors = [relative_error(y, ref) for ref in refs]
    if min(errors) <= 1e-4:
        if errors[0] > 1e-4:
            print(f"  ({name}: pywt's float64 values, {errors[0]:.1e} from its float32 ones)")
        return True
    peer = name == "ptwt"
    print(f"  {name}: differs from pywt by {min(errors):.1e} of the largest coefficient"
          + (" (timed all the same)" if peer else ": not timed"))
    return peer


def run_cpu(names, rounds):
    for name in names:
        shape, dtype, wavelet, scales = WORKLOADS[name]
        x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
        print(f"{name} {shape} {np.dtype(dtype).name} {wavelet}, {len(scales)} scales")
        ref = pywt.cwt(x, scales, wavelet)[0]
        ref64 = pywt.cwt(x.astype(np.float64), scales, wavelet)[0]
        fns = {"pywt conv": lambda: pywt.cwt(x, scales, wavelet),
               "pywt fft": lambda: pywt.cwt(x, scales, wavelet, method="fft"),
               "cuwavelet": lambda: cw.cwt(x, scales, wavelet)}
        checked("cuwavelet", cw.cwt(x, scales, wavelet)[0], ref)
        _, runners = torch_runners(x, scales, wavelet, "cpu")
        for impl, (forward, forward_backward) in runners.items():
            if checked(impl, forward(), ref, ref64):
                fns[f"{impl} fwd"] = forward
                fns[f"{impl} fwd+bwd"] = forward_backward
        medians = interleaved(fns, rounds)
        best_pywt = min(medians["pywt conv"], medians["pywt fft"])
        for impl, m in medians.items():
            extra = ""
            if impl.startswith(("cuwavelet", "bridge", "learned")):
                extra = f"   pywt's best / this = {best_pywt / m:5.2f}x"
                peer = medians.get("ptwt " + impl.split()[-1]) if impl != "cuwavelet" else None
                if peer is not None:
                    extra += f"   ptwt / this = {peer / m:5.2f}x"
            print(f"  {impl:18s} {m * 1e3:9.2f} ms{extra}")


def run_cuda(names, runs):
    import torch
    from _gpu_timing import event_median_ms, gpu_or_exit
    cupy = gpu_or_exit("bench_cwt.py")

    def torch_ms(fn):
        for _ in range(5):
            fn()
        torch.cuda.synchronize()
        times = []
        for _ in range(runs):
            start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            stop.record()
            stop.synchronize()
            times.append(start.elapsed_time(stop))
        return statistics.median(times)

    print(f"device: {torch.cuda.get_device_name()}")
    for name in names:
        shape, dtype, wavelet, scales = WORKLOADS[name]
        x = np.random.default_rng(0).standard_normal(shape).astype(dtype)
        print(f"{name} {shape} {np.dtype(dtype).name} {wavelet}, {len(scales)} scales")
        ref = pywt.cwt(x, scales, wavelet, method="fft")[0]
        ref64 = pywt.cwt(x.astype(np.float64), scales, wavelet, method="fft")[0]
        xg = cupy.asarray(x)
        if checked("cuwavelet", cw.cwt(xg, scales, wavelet)[0], ref):
            ms = event_median_ms(cupy, lambda: cw.cwt(xg, scales, wavelet), runs)
            out_bytes = ref.size * np.dtype(ref.dtype).itemsize
            print(f"  {'cuwavelet (CuPy)':24s} {ms:8.3f} ms   output written at "
                  f"{out_bytes / (ms * 1e-3) / 1e9:6.0f} GB/s")
        _, runners = torch_runners(x, scales, wavelet, "cuda")
        medians = {}
        for impl, (forward, forward_backward) in runners.items():
            if checked(impl, forward(), ref, ref64):
                medians[f"{impl} fwd"] = torch_ms(forward)
                medians[f"{impl} fwd+bwd"] = torch_ms(forward_backward)
        for impl, m in medians.items():
            peer = medians.get("ptwt " + impl.split()[-1]) \
                if impl.startswith(("bridge", "learned")) else None
            extra = f"   ptwt / this = {peer / m:5.2f}x" if peer else ""
            print(f"  {impl:24s} {m:8.3f} ms{extra}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--rounds", type=int, default=9, help="CPU: interleaved rounds")
    parser.add_argument("--runs", type=int, default=50, help="CUDA: timed runs (>= 50)")
    parser.add_argument("--workloads", nargs="+", choices=list(WORKLOADS))
    parser.add_argument("--smoke", action="store_true", help="small shapes (checks the script)")
    args = parser.parse_args(argv)
    if args.smoke:
        for name, (shape, dtype, wavelet, scales) in WORKLOADS.items():
            WORKLOADS[name] = (shape[:-1] + (256,), dtype, wavelet, scales[:8])
    warnings.simplefilter("ignore")
    print(f"cuwavelet {cw.__version__}, pywt {pywt.__version__}; load average "
          f"{os.getloadavg()[0]:.1f} at the start")
    if args.device == "cpu":
        run_cpu(args.workloads or CPU_WORKLOADS, args.rounds)
    else:
        run_cuda(args.workloads or list(WORKLOADS), max(args.runs, 50))


if __name__ == "__main__":
    main()
