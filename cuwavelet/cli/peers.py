"""The implementations `bench` times side by side: cuwavelet, pywt and, where
torch and they are installed, the torch bridge, ptwt and pytorch_wavelets.

Each maker turns (workload, host input, device) into a Runner, or raises Skip
when that implementation cannot run that workload as specified."""
from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pywt

from . import _device
from .workloads import Workload, pywt_style


class Skip(Exception):
    """This implementation cannot run this workload; the message says why."""


@dataclass
class Runner:
    fn: Callable        # fn(x) -> output
    x: object           # the input, in the implementation's own array type
    clock: str          # "cpu" (perf_counter), "cupy" or "torch" (CUDA events)
    note: str = ""


@dataclass(frozen=True)
class Peer:
    name: str
    needs: tuple        # modules that must import for this peer to run
    make: Callable      # make(workload, x_host, device) -> Runner

    def missing(self) -> str | None:
        for module in self.needs:
            try:
                with warnings.catch_warnings():  # third-party import-time deprecation chatter
                    warnings.simplefilter("ignore")
                    importlib.import_module(module)
            except Exception as exc:  # ImportError, or a bridge that fails to import
                return f"{self.name} skipped: {module} not importable ({type(exc).__name__}: {exc})"
        return None


def _cuwavelet(w: Workload, x, device):
    import cuwavelet as cw
    return Runner(pywt_style(cw, w), _device.xp(device).asarray(x), "cupy" if device == "cuda" else "cpu")


def _pywt(w: Workload, x, device):
    # Always on the host; on a GPU run this is the CPU baseline.
    return Runner(pywt_style(pywt, w), x, "cpu")


def _tensor(x, device):
    import torch
    return torch.as_tensor(x, device=device), ("torch" if device == "cuda" else "cpu")


def _bridge(w: Workload, x, device):
    bridge = importlib.import_module("bridges.torch")
    t, clock = _tensor(x, device)
    return Runner(pywt_style(bridge, w), t, clock)


def _ptwt(w: Workload, x, device):
    import ptwt
    mode, note = w.mode, ""
    if mode == "periodization" and pywt.Wavelet(w.wavelet).dec_len == 2 and w.shape[-1] % 2 == 0:
        mode, note = "zero", "mode zero (same coefficients as haar periodization on even lengths)"
    elif mode not in ("symmetric", "zero", "reflect", "periodic", "constant"):
        raise Skip(f"ptwt has no {w.mode!r} mode")
    wav = pywt.Wavelet(w.wavelet)
    t, clock = _tensor(x, device)
    dec = ptwt.wavedec2 if w.op == "wavedec2" else ptwt.wavedec
    if w.op == "wavedec+waverec":
        return Runner(lambda v: ptwt.waverec(dec(v, wav, mode=mode, level=w.level), wav), t, clock, note)
    return Runner(lambda v: dec(v, wav, mode=mode, level=w.level), t, clock, note)


def _pytorch_wavelets(w: Workload, x, device):
    import torch
    from pytorch_wavelets import DWT1DForward, DWT1DInverse, DWTForward
    if w.mode not in ("zero", "symmetric", "periodization", "reflect", "periodic"):
        raise Skip(f"pytorch_wavelets has no {w.mode!r} mode")
    t, clock = _tensor(x, device)
    cast = dict(device=device, dtype=getattr(torch, w.dtype))
    # Its modules take (N, C, L) and (N, C, H, W): leading axes are folded into N.
    if w.op == "wavedec2":
        fwd = DWTForward(J=w.level, wave=w.wavelet, mode=w.mode).to(**cast)
        return Runner(fwd, t.reshape(-1, 1, *w.shape[-2:]), clock)
    fwd = DWT1DForward(J=w.level, wave=w.wavelet, mode=w.mode).to(**cast)
    t = t.reshape(-1, 1, w.shape[-1])
    if w.op == "wavedec":
        return Runner(fwd, t, clock)
    inv = DWT1DInverse(wave=w.wavelet, mode=w.mode).to(**cast)
    return Runner(lambda v: inv(fwd(v)), t, clock)


BRIDGE = "cuwavelet/torch-bridge"
# pywt first: its output is the reference the others are checked against.
PEERS = (
    Peer("pywt", (), _pywt),
    Peer("cuwavelet", (), _cuwavelet),
    Peer(BRIDGE, ("torch", "bridges.torch"), _bridge),
    Peer("ptwt", ("torch", "ptwt"), _ptwt),
    Peer("pytorch_wavelets", ("torch", "pytorch_wavelets"), _pytorch_wavelets),
)
DISPLAY_ORDER = ("cuwavelet", "pywt", BRIDGE, "ptwt", "pytorch_wavelets")


def max_abs_diff(out, reference) -> float | None:
    """max |out - reference| over all coefficient arrays, or None when the
    structures differ (pytorch_wavelets stacks its subbands differently)."""
    a, b = _device.leaves(_device.to_host(out)), _device.leaves(reference)
    if len(a) != len(b) or any(np.shape(u) != np.shape(v) for u, v in zip(a, b)):
        return None
    return max((float(np.max(np.abs(np.asarray(u, np.float64) - v))) for u, v in zip(a, b) if np.size(u)),
               default=0.0)
