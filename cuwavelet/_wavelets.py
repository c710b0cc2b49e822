"""Wavelets and boundary modes as pywt knows them, turned into what the kernels take."""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pywt

# Our mode numbers: positions in pywt.Modes.modes, as in the Mode enum of
# kernels/dwt_math.cuh. (pywt.Modes.<name> integers follow another order.)
MODES = ("zero", "constant", "symmetric", "periodic", "smooth",
         "periodization", "reflect", "antisymmetric", "antireflect")
PERIODIZATION = MODES.index("periodization")
_NEEDS_TWO_SAMPLES = {MODES.index("reflect"), MODES.index("antireflect")}
_ALIASES = {"zpd": "zero", "cpd": "constant", "sym": "symmetric", "ppd": "periodic",
            "sp1": "smooth", "per": "periodization"}


def as_mode(mode) -> int:
    """Mode name, alias or pywt.Modes value (e.g. pywt.Modes.smooth) -> our number."""
    if isinstance(mode, (int, np.integer)) and not isinstance(mode, bool):
        by_value = {getattr(pywt.Modes, name): name for name in MODES}
        if int(mode) in by_value:
            return MODES.index(by_value[int(mode)])
        raise ValueError(f"Unknown mode number {mode!r} (pywt.Modes values are accepted).")
    if not isinstance(mode, str):  # None, floats...: a TypeError, as pywt
        raise TypeError(f"mode must be a mode name or a pywt.Modes value; got {mode!r}")
    name = _ALIASES.get(mode, mode)
    if name in MODES:
        return MODES.index(name)
    raise ValueError(f"Unknown mode name {mode!r}. Known modes: {', '.join(MODES)}.")


# Mode numbers below zero name a level of the stationary transform with its
# taps -mode samples apart (periodic; every coefficient array as long as the
# signal). The learned level operations (cuwavelet/_learned.py) and the
# filter gradients take them, so that a bridge runs a learned SWT level as
# one of its learned DWT operations, with another mode.
def stationary_mode(step: int) -> int:
    """The mode number of a stationary level whose taps are `step` apart."""
    if int(step) != step or step < 1:
        raise ValueError(f"a stationary level's dilation must be a positive integer; got {step!r}")
    return -int(step)


def dilation(mode: int) -> int:
    """The dilation of a stationary mode number; 0 for the DWT's modes."""
    return -int(mode) if mode < 0 else 0


def check_signal_length(mode: int, n: int) -> None:
    """Lengths the extension cannot handle, refused as pywt does."""
    if n < 1:
        raise ValueError("Value of data_len must be greater than zero.")
    if mode in _NEEDS_TWO_SAMPLES and n < 2:
        raise ValueError(f"Input data length must be greater than 1 for {MODES[mode]} mode.")


@dataclass(frozen=True)
class FilterBank:
    """The four filters of a discrete wavelet as float64 tuples (the cache key)."""
    dec_lo: tuple
    dec_hi: tuple
    rec_lo: tuple
    rec_hi: tuple
    name: str

    def __post_init__(self):  # banks key plans and caches: hash once
        object.__setattr__(self, "_hash", hash((self.dec_lo, self.dec_hi, self.rec_lo,
                                                self.rec_hi, self.name)))

    def __hash__(self):
        return self._hash

    @property
    def length(self) -> int:
        return len(self.dec_lo)


_banks: dict = {}


def as_filter_bank(wavelet) -> FilterBank:
    """Anything pywt accepts as a discrete wavelet -> its validated FilterBank."""
    if isinstance(wavelet, FilterBank):
        return wavelet
    if wavelet is None:
        raise ValueError("wavelet is None; give a name from pywt.wavelist(kind='discrete'), "
                         "a pywt.Wavelet or a filter bank.")
    if isinstance(wavelet, str):
        bank = _banks.get(wavelet)
        if bank is not None:
            return bank
        if wavelet.lower() not in pywt.wavelist(kind="discrete"):  # (pywt: any case)
            raise ValueError(f"Unknown wavelet name {wavelet!r}, check pywt.wavelist(kind='discrete') "
                             "for the list of available builtin wavelets.")
        bank = _bank_of(pywt.Wavelet(wavelet))
        _banks[wavelet] = bank
        return bank
    if isinstance(wavelet, pywt.Wavelet):
        return _bank_of(wavelet)
    if isinstance(wavelet, pywt.ContinuousWavelet):
        raise ValueError(f"{wavelet.name!r} is a continuous wavelet; the DWT needs a discrete one.")
    try:
        lengths = sorted({len(f) for f in wavelet})
    except TypeError:
        lengths = []
    if len(lengths) > 1:
        raise ValueError(f"The filter bank has filters of different lengths {lengths}; all four "
                         "(dec_lo, dec_hi, rec_lo, rec_hi) must have the same length.")
    try:
        return _bank_of(pywt.Wavelet("custom", filter_bank=wavelet))
    except Exception as exc:  # pywt's own message says what is wrong with the bank
        raise ValueError(f"Cannot use {wavelet!r} as a wavelet: {exc}") from None


def as_pywt_wavelet(wavelet) -> pywt.Wavelet:
    """A pywt.Wavelet for what as_filter_bank accepts (for the result objects
    that expose pywt's wavelets: FswavedecnResult, the wavelet packets)."""
    if isinstance(wavelet, pywt.Wavelet):
        return wavelet
    bank = as_filter_bank(wavelet)
    if isinstance(wavelet, str):
        return pywt.Wavelet(wavelet)
    return pywt.Wavelet(bank.name, filter_bank=(bank.dec_lo, bank.dec_hi, bank.rec_lo, bank.rec_hi))


def _bank_of(w: pywt.Wavelet) -> FilterBank:
    filters = [tuple(float(c) for c in f) for f in w.filter_bank]
    lengths = {len(f) for f in filters}
    if len(lengths) != 1:
        raise ValueError(f"Wavelet {w.name!r} has filters of different lengths {sorted(lengths)}; "
                         "all four must have the same length.")
    length = lengths.pop()
    if length < 2 or length % 2:
        raise ValueError(f"Wavelet {w.name!r} has filter length {length}; it must be even and >= 2.")
    if not all(np.isfinite(filters).ravel()):
        raise ValueError(f"Wavelet {w.name!r} has non-finite filter coefficients.")
    return FilterBank(*filters, name=w.name)


def per_axis(value, axes, what: str) -> list:
    """One wavelet or mode for every axis, or one given per axis (as pywt allows)."""
    if isinstance(value, (str, pywt.Wavelet, FilterBank, int, np.integer)) or value is None:
        return [value] * len(axes)
    try:
        values = list(value)
    except TypeError:
        return [value] * len(axes)
    if what == "wavelet" and len(values) == 4 and all(np.ndim(v) == 1 for v in values) \
            and not any(isinstance(v, (str, pywt.Wavelet)) for v in values):
        return [value] * len(axes)  # a filter bank given as four arrays
    if len(values) == 1:  # as pywt: a one-element sequence serves every axis
        return values * len(axes)
    if len(values) != len(axes):
        raise ValueError(f"The number of {what}s ({len(values)}) must match the number of axes "
                         f"({len(axes)}).")
    return values


@dataclass(frozen=True, eq=False)
class FilterPair:
    """A low-pass and a high-pass filter given as arrays (a learned filter
    bank's, say), used as they are by whichever operation receives them in
    place of a FilterBank: analysis and its adjoint take the analysis pair,
    synthesis and its adjoint the synthesis pair. Never cached (the values
    may change between calls, and reading them would synchronize a GPU); the
    arrays must be contiguous, on the data's device, in its real dtype.
    (F,) arrays serve every line; (items, F) arrays give each index of the
    data's first dimension its own bank (cuwavelet._primitives)."""
    lo: object
    hi: object
    name: str = "filter arrays"

    @property
    def length(self) -> int:
        return int(self.lo.shape[-1])


_device_filters: "OrderedDict" = OrderedDict()
_device_filters_lock = threading.Lock()
DEVICE_FILTER_CACHE_SIZE = 256  # filter banks that change every call (learned ones) must not pile up


def device_filters(bank: FilterBank, synthesis: bool, dtype, xp):
    """(lo, hi) filter arrays in the kernel's dtype on the array module's current
    device, cached (least recently used out first) so repeated calls copy
    nothing to the GPU."""
    if isinstance(bank, FilterPair):
        if bank.lo.dtype != dtype or bank.hi.dtype != dtype:
            raise TypeError(f"filter arrays of dtype {bank.lo.dtype} given for {np.dtype(dtype)} "
                            "data; convert them to the data's real dtype")
        return bank.lo, bank.hi
    device = xp.cuda.runtime.getDevice() if xp is not np else -1
    key = (bank, synthesis, np.dtype(dtype).str, device)
    with _device_filters_lock:
        pair = _device_filters.get(key)
        if pair is not None:
            _device_filters.move_to_end(key)
            return pair
    lo, hi = (bank.rec_lo, bank.rec_hi) if synthesis else (bank.dec_lo, bank.dec_hi)
    pair = (xp.asarray(np.asarray(lo, dtype=dtype)), xp.asarray(np.asarray(hi, dtype=dtype)))
    with _device_filters_lock:
        pair = _device_filters.setdefault(key, pair)
        while len(_device_filters) > DEVICE_FILTER_CACHE_SIZE:
            _device_filters.popitem(last=False)
    return pair
