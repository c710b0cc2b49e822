"""Command line: `python -m cuwavelet demo` (PNGs of a real image and signals
through cuwavelet) and `python -m cuwavelet bench` (the benchmark workloads
against pywt and, where installed, the torch-based peers)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pywt

from . import _device
from .workloads import WORKLOADS, names

__all__ = ["main", "build_parser"]


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _wavelet(name: str) -> str:
    if name not in pywt.wavelist(kind="discrete"):
        raise argparse.ArgumentTypeError(f"unknown discrete wavelet {name!r} (e.g. haar, db1-db38, sym2-sym20, "
                                         "coif1-coif17, bior1.1-bior6.8, rbio*, dmey)")
    return name


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__
    parser = argparse.ArgumentParser(prog="python -m cuwavelet", description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", action="version", version=f"cuwavelet {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{demo,bench}")
    device_help = "where to transform (default: cuda when CuPy sees a GPU, else cpu)"

    demo = sub.add_parser("demo", help="decompose an image PyWavelets ships and write PNGs",
                          description="Decompose pywt.data.camera() (or ascent()) and two 1D signals "
                                      "and write PNGs: coefficient mosaic, denoising, 1D coefficients.")
    demo.add_argument("--out", type=Path, default=Path("cuwavelet-demo"), help="output folder (default: %(default)s)")
    demo.add_argument("--device", choices=("cpu", "cuda"), help=device_help)
    demo.add_argument("--wavelet", type=_wavelet, default="db4", help="discrete wavelet (default: %(default)s)")
    demo.add_argument("--level", type=_positive_int, default=3, help="decomposition level (default: %(default)s)")
    demo.add_argument("--mode", choices=pywt.Modes.modes, default="symmetric", metavar="MODE",
                      help="signal extension mode: " + ", ".join(pywt.Modes.modes) + " (default: %(default)s)")
    demo.add_argument("--image", choices=("camera", "ascent"), default="camera",
                      help="which image PyWavelets ships (default: %(default)s)")
    demo.set_defaults(parser=demo)

    cpu, gpu_only = names(w for w in WORKLOADS if not w.gpu_only), names(w for w in WORKLOADS if w.gpu_only)
    bench = sub.add_parser("bench", help=f"time {cpu} on the CPU ({names(WORKLOADS)} on CUDA) against pywt and peers",
                           description=f"Time the benchmark workloads side by side against pywt (and ptwt, "
                                       f"pytorch_wavelets and the torch bridge where installed): {cpu} on the "
                                       f"CPU; on a CUDA device also {gpu_only}, whose inputs are GPU-sized.")
    bench.add_argument("--device", choices=("cpu", "cuda"), help=device_help)
    bench.add_argument("--quick", action="store_true", help="fewer timed runs (a smoke test, not for reporting)")
    bench.add_argument("--json", type=Path, metavar="PATH", help="also write the results (a list of dicts) here")
    bench.add_argument("--dask", type=_positive_int, metavar="WORKERS",
                       help="instead: wavedec2 of images and wavedec of a long signal, each larger than a "
                            "worker's memory share, on a Dask LocalCluster of 1..WORKERS workers; "
                            "throughput per worker")
    bench.set_defaults(parser=bench)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        device = _device.resolve(args.device)
    except ValueError as exc:
        args.parser.error(str(exc))  # exits 2 with the subcommand's usage
    if args.command == "demo":
        try:
            import matplotlib  # noqa: F401  (the demo draws its pictures with it)
        except ImportError:
            print("python -m cuwavelet demo draws with matplotlib, which is not installed: "
                  "pip install 'cuwavelet[demo]'", file=sys.stderr)
            return 1
        from . import demo
        if args.out.exists() and not args.out.is_dir():
            args.parser.error(f"--out {args.out}: exists and is not a folder")
        if args.level > demo.max_level(args.wavelet):
            args.parser.error(f"--level {args.level} is too deep for a 512x512 image with {args.wavelet} "
                              f"(at most {demo.max_level(args.wavelet)})")
        return demo.run(args.out, device, args.wavelet, args.level, args.mode, args.image)
    from . import bench
    if args.json is not None and not args.json.parent.is_dir():
        args.parser.error(f"--json {args.json}: folder {args.json.parent} does not exist")
    if args.dask is not None and args.json is not None:
        args.parser.error("--dask prints its table only (no --json)")
    if args.dask is not None and not _has_dask(device):
        args.parser.error("--dask needs dask[array] and distributed: pip install 'cuwavelet[dask]' "
                          "(and dask-cuda with --device cuda)")
    return bench.run(device, args.quick, args.json, dask_workers=args.dask)


def _has_dask(device: str) -> bool:
    import importlib.util
    needed = ["dask", "distributed"] + (["dask_cuda"] if device == "cuda" else [])
    return all(importlib.util.find_spec(name) is not None for name in needed)
