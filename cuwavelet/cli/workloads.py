"""The benchmark workloads (W1-W6), defined once for `python -m cuwavelet bench`
and benchmarks/bench_cpu.py."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pywt


@dataclass(frozen=True)
class Workload:
    name: str
    op: str            # "wavedec", "wavedec+waverec" or "wavedec2"
    shape: tuple
    dtype: str
    wavelet: str
    level: int
    mode: str
    gpu_only: bool = False  # too large to be worth timing on a CPU

    @property
    def description(self) -> str:
        shape = "x".join(map(str, self.shape))
        return f"{self.op} {shape} {self.dtype} {self.wavelet} L{self.level} {self.mode}"

    def make_input(self, seed: int = 0) -> np.ndarray:
        rng = np.random.default_rng(seed)
        return rng.standard_normal(self.shape, dtype=np.dtype(self.dtype))

    def coefficient_count(self) -> int:
        """Number of coefficients wavedec/wavedec2 returns (pywt's lengths)."""
        ndim = 2 if self.op == "wavedec2" else 1
        batch = int(np.prod(self.shape[:-ndim]))
        lens, filter_len, total = list(self.shape[-ndim:]), pywt.Wavelet(self.wavelet).dec_len, 0
        for _ in range(self.level):
            lens = [pywt.dwt_coeff_len(n, filter_len, self.mode) for n in lens]
            total += (2 ** ndim - 1) * int(np.prod(lens))  # detail subbands of this level
        return batch * (total + int(np.prod(lens)))          # + the final approximation

    def minimal_bytes(self) -> int:
        """Bytes a minimal implementation moves: the input read once and every
        coefficient written once (for the round trip also the coefficients
        read once more and the output written once)."""
        moved = (int(np.prod(self.shape)) + self.coefficient_count()) * np.dtype(self.dtype).itemsize
        return 2 * moved if self.op == "wavedec+waverec" else moved


WORKLOADS = (
    Workload("W1", "wavedec", (256, 4096), "float64", "db4", 5, "symmetric"),
    Workload("W2", "wavedec+waverec", (256, 4096), "float64", "db4", 5, "symmetric"),
    Workload("W3", "wavedec2", (16, 3, 256, 256), "float32", "db2", 3, "symmetric"),
    Workload("W4", "wavedec", (256, 65536), "float32", "haar", 1, "periodization"),
    Workload("W5", "wavedec", (32, 1_000_000), "float32", "db5", 10, "symmetric", gpu_only=True),
    Workload("W6", "wavedec2", (32, 1000, 1000), "float32", "db5", 5, "symmetric", gpu_only=True),
)


def for_device(device: str) -> list[Workload]:
    return [w for w in WORKLOADS if device == "cuda" or not w.gpu_only]


def names(workloads) -> str:
    """'W1-W4' for consecutive workloads, else 'W1, W3'."""
    names = [w.name for w in workloads]
    numbers = [int(n[1:]) for n in names]
    if len(names) > 2 and numbers == list(range(numbers[0], numbers[0] + len(numbers))):
        return f"{names[0]}-{names[-1]}"
    return ", ".join(names) if len(names) != 2 else f"{names[0]} and {names[1]}"


def pywt_style(lib, w: Workload):
    """w as a function of the input, for a module with pywt's API (pywt,
    cuwavelet, the torch bridge)."""
    if w.op == "wavedec":
        return lambda x: lib.wavedec(x, w.wavelet, w.mode, w.level)
    if w.op == "wavedec2":
        return lambda x: lib.wavedec2(x, w.wavelet, w.mode, w.level)
    if w.op == "wavedec+waverec":
        return lambda x: lib.waverec(lib.wavedec(x, w.wavelet, w.mode, w.level), w.wavelet, w.mode)
    raise ValueError(f"unknown workload op {w.op!r}")
