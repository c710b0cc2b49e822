"""`python -m cuwavelet bench --dask N`: wavedec2 over a stack of images larger
than one worker's memory share, on a distributed.LocalCluster of 1, 2, ... N
worker processes (dask_cuda.LocalCUDACluster, one worker per GPU, with
--device cuda), printing the throughput per worker.

The images are made on the workers from their index (no input travels through
the scheduler) and every level's detail energy is reduced to one number, so a
worker holds a few chunks at a time: the dataset streams through the cluster.
A second run without the transform (the same images, their energy only) shows
what making and reducing the data costs by itself."""
from __future__ import annotations

import os
import time

import numpy as np

from . import _device

IMAGE = (1024, 1024)
CHUNK_IMAGES = 8                       # 32 MiB float32 chunks
WAVELET, LEVEL, MODE = "db2", 3, "symmetric"
SIZES = {False: (4 << 30, 1 << 30), True: (1 << 30, 512 << 20)}   # quick -> (dataset, memory per worker)


def images(count: int, device: str):
    """A lazy (count, 1024, 1024) float32 stack whose chunks are computed where they are used."""
    import dask.array as da
    index = da.arange(count, chunks=CHUNK_IMAGES)
    meta = _device.xp(device).empty((0, 0, 0), np.float32)
    return index.map_blocks(_make_images, IMAGE, device, new_axis=[1, 2], dtype=np.float32, meta=meta,
                            chunks=(index.chunks[0], (IMAGE[0],), (IMAGE[1],)))


def _make_images(index, shape, device):
    xp = _device.xp(device)
    ramp = (xp.arange(shape[0] * shape[1], dtype=np.float32) % 251).reshape(shape)
    return xp.asarray(index, dtype=np.float32)[:, None, None] + ramp


def detail_energies(x):
    """One lazy scalar per level: the energy of its detail coefficients."""
    import cuwavelet as cw
    coeffs = cw.wavedec2(x, WAVELET, MODE, level=LEVEL)
    return [sum((d * d).sum(dtype=np.float64) for d in level) for level in coeffs[1:]]


def _cluster(device: str, workers: int, memory: int):
    if device == "cuda":
        from dask_cuda import LocalCUDACluster
        return LocalCUDACluster(n_workers=workers, threads_per_worker=1, memory_limit=memory,
                                dashboard_address=None)
    from distributed import LocalCluster
    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=memory,
                        dashboard_address=None)


def _seconds(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(device: str, max_workers: int, quick: bool) -> int:
    import dask
    from distributed import Client
    dataset, memory = SIZES[quick]
    count = dataset // (IMAGE[0] * IMAGE[1] * 4)
    if device == "cuda":
        import cupy
        max_workers = min(max_workers, cupy.cuda.runtime.getDeviceCount())
    # one thread per worker process: the host kernels would otherwise start a
    # thread per core in every worker
    os.environ.setdefault("CUWAVELET_NUM_THREADS", "1")
    print(f"cuwavelet bench --dask on {_device.label(device)}")
    print(f"wavedec2 {WAVELET} L{LEVEL} {MODE} of {count} float32 images {IMAGE[0]}x{IMAGE[1]} "
          f"({dataset / 2**30:.1f} GiB) in chunks of {CHUNK_IMAGES} images; each worker: 1 thread, "
          f"{memory / 2**30:.2f} GiB memory limit")
    head = ["workers", "seconds", "GB/s", "GB/s per worker", "data only, s", "max rel err"]
    rows = []
    for workers in range(1, max_workers + 1):
        with _cluster(device, workers, memory) as cluster, Client(cluster):
            x = images(count, device)
            small = x[:CHUNK_IMAGES * workers]
            dask.compute(detail_energies(small))   # warm-up: imports, kernels, filter caches
            seconds = _seconds(lambda: dask.compute(detail_energies(x)))
            data_only = _seconds(lambda: dask.compute((x * x).sum(dtype=np.float64)))
            err = _check_first_image(x)
        rate = dataset / seconds / 1e9
        rows.append([str(workers), f"{seconds:.2f}", f"{rate:.3g}", f"{rate / workers:.3g}",
                     f"{data_only:.2f}", f"{err:.1e}"])
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    print()
    for row in [head] + rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths)))
    print("\nGB/s = dataset bytes / seconds (the images are made, transformed and reduced on the "
          "workers); data only = the same images reduced without the transform.")
    print("max rel err = the first image's detail energies against pywt's.")
    return 0


def _check_first_image(x) -> float:
    """Largest relative difference of the first image's detail energies from pywt's."""
    import dask
    import pywt
    got = np.array([float(e) for e in dask.compute(*detail_energies(x[:1]))])
    first = _device.to_host(x[0].compute()).astype(np.float64)
    expected = np.array([sum(float((d ** 2).sum()) for d in level)
                         for level in pywt.wavedec2(first, WAVELET, MODE, level=LEVEL)[1:]])
    return float(np.max(np.abs(got - expected) / expected))
