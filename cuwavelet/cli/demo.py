"""`python -m cuwavelet demo`: a real image and two signals through cuwavelet,
written out as PNGs (coefficient mosaic, denoising, 1D coefficients per level)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pywt

import cuwavelet as cw

from . import _device

NOISE_SIGMA = 0.1  # on an image scaled to [0, 1]: a noisy PSNR of about 20 dB
SIGNAL_LEN = 1024  # pywt.data.ecg()'s length; the chirp is made to match


def max_level(wavelet: str) -> int:
    """The deepest level that still makes sense for the 512x512 images."""
    return pywt.dwt_max_level(512, pywt.Wavelet(wavelet).dec_len)


def run(out: Path, device: str, wavelet: str, level: int, mode: str, image_name: str) -> int:
    import matplotlib
    matplotlib.use("Agg")  # files only, never a window
    import matplotlib.pyplot as plt

    xp = _device.xp(device)
    out.mkdir(parents=True, exist_ok=True)
    image = getattr(pywt.data, image_name)().astype(np.float64) / 255.0
    print(f"cuwavelet {cw.__version__} demo on {_device.label(device)}")
    print(f"wavelet {wavelet}, level {level}, mode {mode}")
    files = [mosaic(plt, out, xp, image, image_name, wavelet, level, mode),
             denoise(plt, out, xp, image, image_name, wavelet, level, mode),
             signals(plt, out, xp, wavelet, level, mode)]
    print("wrote:")
    for f in files:
        print(f"  {f}")
    return 0


def _max_err(a, b) -> float:
    return float(np.max(np.abs(np.asarray(a, np.float64) - b)))


def mosaic(plt, out, xp, image, name, wavelet, level, mode) -> Path:
    coeffs = cw.wavedec2(xp.asarray(image), wavelet, mode, level)
    rec = _device.to_host(cw.waverec2(coeffs, wavelet, mode))[:image.shape[0], :image.shape[1]]
    host = _device.to_host(coeffs)
    reference = _device.leaves(pywt.wavedec2(image, wavelet, mode, level))
    vs_pywt = max(_max_err(a, b) for a, b in zip(_device.leaves(host), reference))
    print(f"[1] wavedec2 of {name} {image.shape[0]}x{image.shape[1]}: {3 * level + 1} subbands; "
          f"perfect-reconstruction error max|waverec2(wavedec2(x)) - x| = {_max_err(rec, image):.1e}; "
          f"max|cuwavelet - pywt| = {vs_pywt:.1e}")
    # Each subband scaled on its own, or the fine details would be invisible
    # next to the approximation: approximation min-max, details |d| up to
    # their 99.5th percentile.
    shown = [_unit(host[0])] + [tuple(_magnitude(d) for d in details) for details in host[1:]]
    to_array = getattr(cw, "coeffs_to_array", pywt.coeffs_to_array)  # pywt's semantics either way
    source = to_array.__module__.split(".")[0]
    arr, slices = to_array(shown, padding=1.0)
    fig, axes = plt.subplots(1, 2, figsize=(13, 6.8))
    axes[0].imshow(image, cmap="gray", vmin=0, vmax=1)
    axes[0].set_title(f"pywt.data.{name}()")
    axes[1].imshow(arr, cmap="gray", vmin=0, vmax=1)
    for box in [slices[0]] + [s for lvl in slices[1:] for s in lvl.values()]:  # subband borders
        (r0, r1), (c0, c1) = [(s.start or 0, s.stop) for s in box]
        axes[1].add_patch(plt.Rectangle((c0 - 0.5, r0 - 0.5), c1 - c0, r1 - r0, fill=False, ec="tab:orange", lw=0.8))
    axes[1].set_title(f"wavedec2 {wavelet}, level {level}, {mode} ({source}.coeffs_to_array)\n"
                      f"cA{level} top left; |details|, each subband scaled for display")
    for ax in axes:
        ax.axis("off")
    return _save(fig, out / "wavedec2_mosaic.png")


def _unit(a):
    lo, hi = a.min(), a.max()
    return (a - lo) / (hi - lo) if hi > lo else np.zeros_like(a)


def _magnitude(d):
    top = np.percentile(np.abs(d), 99.5)
    return np.clip(np.abs(d) / top, 0, 1) if top > 0 else np.zeros_like(d)


def psnr(reference, x) -> float:
    return float(10 * np.log10(1.0 / np.mean((np.asarray(x) - reference) ** 2)))


def _soft(xp, d, threshold):
    return xp.sign(d) * xp.maximum(xp.abs(d) - threshold, 0)


def _bayes_threshold(xp, d, sigma):
    """BayesShrink: sigma^2 / sigma_signal, per subband (everything when the
    subband looks like pure noise)."""
    signal_var = float(xp.mean(d * d)) - sigma ** 2
    return sigma ** 2 / np.sqrt(signal_var) if signal_var > 0 else float(xp.abs(d).max())


def denoise(plt, out, xp, image, name, wavelet, level, mode) -> Path:
    rng = np.random.default_rng(0)  # noise drawn on the host: the same picture on every device
    noisy = image + NOISE_SIGMA * rng.standard_normal(image.shape)
    coeffs = cw.wavedec2(xp.asarray(noisy), wavelet, mode, level)
    # Noise level from the finest diagonal details (Donoho): median(|cD1|) / 0.6745.
    sigma = float(xp.median(xp.abs(coeffs[-1][2]))) / 0.6745
    universal = sigma * np.sqrt(2 * np.log(image.size))  # VisuShrink: one threshold for all
    thresholds = {"universal": lambda d: universal, "BayesShrink": lambda d: _bayes_threshold(xp, d, sigma)}
    results = {}
    for rule, threshold in thresholds.items():
        shrunk = [coeffs[0]] + [tuple(_soft(xp, d, threshold(d)) for d in details) for details in coeffs[1:]]
        clean = _device.to_host(cw.waverec2(shrunk, wavelet, mode))[:image.shape[0], :image.shape[1]]
        results[rule] = (clean, psnr(image, clean))
    p_noisy = psnr(image, noisy)
    print(f"[2] denoising: Gaussian noise sigma={NOISE_SIGMA} (estimated {sigma:.3f}), soft thresholding of "
          f"all details; PSNR noisy {p_noisy:.2f} dB -> universal threshold ({universal:.3f}) "
          f"{results['universal'][1]:.2f} dB, BayesShrink {results['BayesShrink'][1]:.2f} dB")
    panels = [(image, f"original ({name})"), (noisy, f"noisy: PSNR {p_noisy:.2f} dB")]
    panels += [(clean, f"{rule}: PSNR {p:.2f} dB") for rule, (clean, p) in results.items()]
    fig, axes = plt.subplots(2, 4, figsize=(16, 8.6), gridspec_kw=dict(height_ratios=[1, 0.8]))
    rows, cols = crop = (slice(64, 224), slice(176, 336))  # a close-up where edges and texture meet
    for col, (img, title) in enumerate(panels):
        axes[0, col].imshow(img, cmap="gray", vmin=0, vmax=1)
        axes[0, col].set_title(title)
        axes[0, col].add_patch(plt.Rectangle((cols.start, rows.start), cols.stop - cols.start,
                                             rows.stop - rows.start, fill=False, ec="tab:orange", lw=1))
        axes[1, col].imshow(img[crop], cmap="gray", vmin=0, vmax=1)
    fig.suptitle(f"soft thresholding of {wavelet} level-{level} details ({mode}); close-ups below")
    for ax in axes.flat:
        ax.axis("off")
    return _save(fig, out / "denoise.png")


def signals(plt, out, xp, wavelet, level, mode) -> Path:
    t = np.linspace(0, 1, SIGNAL_LEN, endpoint=False)
    f0, f1 = 2.0, 400.0  # Hz at 1024 samples/s; geometric sweep: equal time per octave, so per level
    chirp = np.sin(2 * np.pi * f0 * ((f1 / f0) ** t - 1) / np.log(f1 / f0))
    batch = np.stack([pywt.data.ecg().astype(np.float64), chirp])
    coeffs = cw.wavedec(xp.asarray(batch), wavelet, mode, level)  # both signals in one batched call
    rec = _device.to_host(cw.waverec(coeffs, wavelet, mode))[:, :SIGNAL_LEN]
    host = _device.to_host(coeffs)
    print(f"[3] wavedec of ecg and a chirp as one (2, {SIGNAL_LEN}) batch: perfect-reconstruction error "
          f"{_max_err(rec, batch):.1e}")
    names = [f"cA{level}"] + [f"cD{level - i}" for i in range(level)]
    fig, axes = plt.subplots(level + 2, 2, figsize=(13, 1.6 * (level + 2)), sharex="col")
    for col, title in enumerate(["pywt.data.ecg()", "chirp 2 Hz -> 400 Hz (1024 samples/s)"]):
        axes[0, col].plot(batch[col], lw=0.7, color="black")
        axes[0, col].set_title(title)
        for row, (c, label) in enumerate(zip(host, names), start=1):
            # coefficient k of a level covers about samples [k, k+1) * 2**j: stretch to align in time
            x = np.linspace(0, SIGNAL_LEN, c.shape[-1], endpoint=False)
            axes[row, col].plot(x, c[col], lw=0.7, color="tab:blue" if row == 1 else "tab:red")
            axes[row, col].set_ylabel(label, rotation=0, ha="right", va="center")
    axes[-1, 0].set_xlabel("sample")
    axes[-1, 1].set_xlabel("sample")
    fig.suptitle(f"wavedec {wavelet}, level {level}, {mode}: coefficients per level")
    return _save(fig, out / "signal1d.png")


def _save(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt
    fig.tight_layout()
    fig.savefig(path, dpi=100, bbox_inches="tight")  # keep long titles inside
    plt.close(fig)
    return path.resolve()
