"""Wavelet statistics of an image stack larger than a worker's memory, on a Dask cluster.

    python examples/dask_cluster.py --workers 2 --gib 4 --memory-per-worker 1GiB

Starts a distributed.LocalCluster of worker processes (a dask_cuda.LocalCUDACluster,
one worker per GPU, when CuPy sees a GPU: the chunks are then CuPy arrays), makes
a stack of float32 images lazily on the workers (in practice: da.from_zarr or
da.from_array on a memory-mapped file), decomposes it with cuwavelet.wavedec2,
reduces every level's details to its energy, reconstructs with waverec2 and
reduces the round trip's error, then prints the throughput per worker.
Nothing but a few numbers ever reaches this process.

Needs: pip install "cuwavelet[dask]" (and dask-cuda for the GPU).
"""
import argparse
import os
import time

import dask
import dask.array as da
import numpy as np

import cuwavelet as cw


def on_gpu() -> bool:
    try:
        import cupy
        return cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def start_cluster(workers: int, memory: str, gpu: bool):
    if gpu:
        from dask_cuda import LocalCUDACluster
        return LocalCUDACluster(n_workers=workers, threads_per_worker=1, memory_limit=memory)
    from distributed import LocalCluster
    # one thread per worker process, and cuwavelet's host kernels on that thread alone
    os.environ["CUWAVELET_NUM_THREADS"] = "1"
    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, memory_limit=memory)


def make_images(index, shape, gpu):
    """The images numbered `index`: a ramp plus the image number (made where they are used)."""
    xp = __import__("cupy") if gpu else np
    ramp = (xp.arange(shape[0] * shape[1], dtype=np.float32) % 251).reshape(shape)
    return xp.asarray(index, dtype=np.float32)[:, None, None] + ramp


def statistics(images):
    """Lazy: each level's detail energy, and the largest error of a round trip."""
    coeffs = cw.wavedec2(images, "db2", mode="symmetric", level=3)
    energies = [sum((d * d).sum(dtype=np.float64) for d in level) for level in coeffs[1:]]
    round_trip = abs(cw.waverec2(coeffs, "db2", mode="symmetric") - images).max()
    return energies, round_trip


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--gib", type=float, default=4.0, help="size of the image stack (GiB)")
    parser.add_argument("--memory-per-worker", default="1GiB")
    parser.add_argument("--image", type=int, default=1024, help="image side (pixels)")
    parser.add_argument("--images-per-chunk", type=int, default=8)
    args = parser.parse_args()
    gpu = on_gpu()
    shape = (args.image, args.image)
    count = int(args.gib * 2**30) // (4 * args.image**2)

    from distributed import Client
    with start_cluster(args.workers, args.memory_per_worker, gpu) as cluster, Client(cluster):
        index = da.arange(count, chunks=args.images_per_chunk)
        meta = (__import__("cupy") if gpu else np).empty((0, 0, 0), np.float32)
        images = index.map_blocks(make_images, shape, gpu, new_axis=[1, 2], dtype=np.float32,
                                  meta=meta, chunks=(index.chunks[0], (shape[0],), (shape[1],)))

        # lazy: the coefficient shapes are known before anything is computed
        coeffs = cw.wavedec2(images, "db2", mode="symmetric", level=3)
        print(f"{count} images of {shape[0]}x{shape[1]} ({images.nbytes / 2**30:.2f} GiB) on "
              f"{args.workers} {'GPU' if gpu else 'CPU'} worker(s), {args.memory_per_worker} each; "
              f"cA3 {coeffs[0].shape}, level-1 details {coeffs[-1][0].shape}")

        dask.compute(statistics(images[:args.images_per_chunk * args.workers]))  # warm-up
        start = time.perf_counter()
        energies, round_trip = dask.compute(*statistics(images))
        seconds = time.perf_counter() - start

    rate = images.nbytes / seconds / 1e9
    print("detail energy per level (coarsest first): " + ", ".join(f"{e:.4g}" for e in energies))
    print(f"max |waverec2(wavedec2(x)) - x| = {float(round_trip):.2e}")
    print(f"{seconds:.2f} s: {rate:.3f} GB/s, {rate / args.workers:.3f} GB/s per worker "
          "(wavedec2 + energies + waverec2 + error, images made on the workers)")


if __name__ == "__main__":
    main()
