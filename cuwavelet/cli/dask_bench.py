"""`python -m cuwavelet bench --dask N`: transforms over datasets larger than
one worker's memory share, on a distributed.LocalCluster of 1, 2, ... N worker
processes (dask_cuda.LocalCUDACluster, one worker per GPU, with --device
cuda), printing the throughput per worker. Two workloads:

* images: wavedec2 of a stack of 1024x1024 float32 images in chunks of 8
  images (the transform axes whole: one task per chunk);
* signal: wavedec of one long float32 signal in chunks of 8 Mi samples (the
  transform axis split: every level exchanges halos between chunks).

The data are made on the workers (no input travels through the scheduler) and
every level's detail energy is reduced to one number, so a worker holds a few
chunks at a time: the dataset streams through the cluster. The same data
reduced without the transform ("data only") shows what making and reducing
them costs by themselves."""
from __future__ import annotations

import os
import time

import numpy as np

from . import _device

IMAGE = (1024, 1024)
CHUNK_IMAGES = 8                       # 32 MiB float32 chunks
CHUNK_SAMPLES = 8 << 20                # 32 MiB float32 chunks
SIZES = {False: (4 << 30, 1 << 30), True: (1 << 30, 512 << 20)}   # quick -> (dataset, memory per worker)
WORKLOADS = {  # name -> (function, wavelet, mode, level)
    "images": ("wavedec2", "db2", "symmetric", 3),
    "signal": ("wavedec", "db4", "periodization", 5),
}


def dataset(name: str, nbytes: int, device: str):
    """A lazy float32 dataset of about nbytes whose chunks are made where they are used."""
    import dask.array as da
    if name == "images":
        count = max(nbytes // (4 * IMAGE[0] * IMAGE[1]), 1)
        index = da.arange(count, chunks=CHUNK_IMAGES)
        meta = _device.xp(device).empty((0, 0, 0), np.float32)
        return index.map_blocks(_make_images, IMAGE, device, new_axis=[1, 2], dtype=np.float32,
                                meta=meta, chunks=(index.chunks[0], (IMAGE[0],), (IMAGE[1],)))
    samples = da.arange(max(nbytes // 4, 1), chunks=CHUNK_SAMPLES, dtype=np.int64)
    return samples.map_blocks(_ramp, device, dtype=np.float32,
                              meta=_device.xp(device).empty((0,), np.float32))


def _make_images(index, shape, device):
    xp = _device.xp(device)
    ramp = (xp.arange(shape[0] * shape[1], dtype=np.float32) % 251).reshape(shape)
    return xp.asarray(index, dtype=np.float32)[:, None, None] + ramp


def _ramp(samples, device):
    return _device.xp(device).asarray(samples % 251, dtype=np.float32)


def detail_energies(name: str, x):
    """One lazy scalar per level: the energy of its detail coefficients."""
    import cuwavelet as cw
    function, wavelet, mode, level = WORKLOADS[name]
    coeffs = getattr(cw, function)(x, wavelet, mode, level=level)
    return [sum((d * d).sum(dtype=np.float64) for d in _device.leaves(details))
            for details in coeffs[1:]]


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
    nbytes, memory = SIZES[quick]
    if device == "cuda":
        import cupy
        max_workers = min(max_workers, cupy.cuda.runtime.getDeviceCount())
    # one thread per worker process: the host kernels would otherwise start a
    # thread per core in every worker
    os.environ.setdefault("CUWAVELET_NUM_THREADS", "1")
    print(f"cuwavelet bench --dask on {_device.label(device)}; each worker: 1 thread, "
          f"{memory / 2**30:.2f} GiB memory limit")
    for name, (function, wavelet, mode, level) in WORKLOADS.items():
        x = dataset(name, nbytes, device)
        print(f"  {name}: {function} {wavelet} L{level} {mode} of float32 {x.shape} "
              f"({x.nbytes / 2**30:.2f} GiB) in chunks of {x.chunksize}")
    head = ["workload", "workers", "seconds", "GB/s", "GB/s per worker", "data only, s", "max rel err"]
    rows = []
    for workers in range(1, max_workers + 1):
        with _cluster(device, workers, memory) as cluster, Client(cluster):
            for name in WORKLOADS:
                x = dataset(name, nbytes, device)
                dask.compute(detail_energies(name, x[:x.chunks[0][0] * workers]))  # warm-up
                seconds = _seconds(lambda: dask.compute(detail_energies(name, x)))
                data_only = _seconds(lambda: dask.compute((x * x).sum(dtype=np.float64)))
                rate = x.nbytes / seconds / 1e9
                rows.append([name, str(workers), f"{seconds:.2f}", f"{rate:.3g}", f"{rate / workers:.3g}",
                             f"{data_only:.2f}", f"{_check(name, x):.1e}"])
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    print()
    for row in [head] + rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths))))
    print("\nGB/s = dataset bytes / seconds (the data are made, transformed and reduced on the "
          "workers); data only = the same data reduced without the transform.")
    print("max rel err = detail energies of a piece (the first image; the signal's first 2 Mi "
          "samples in 4 chunks) against pywt's.")
    return 0


def _check(name: str, x) -> float:
    """Largest relative difference of a piece's detail energies from pywt's."""
    import dask
    import pywt
    piece = x[:1] if name == "images" else x[:2 << 20].rechunk(1 << 19)
    data, *energies = dask.compute(piece, *detail_energies(name, piece))  # one graph: shared keys
    got = np.array([float(e) for e in energies])
    function, wavelet, mode, level = WORKLOADS[name]
    data = _device.to_host(data).astype(np.float64)
    expected = np.array([sum(float((d ** 2).sum()) for d in _device.leaves(details))
                         for details in getattr(pywt, function)(data, wavelet, mode, level=level)[1:]])
    return float(np.max(np.abs(got - expected) / expected))
