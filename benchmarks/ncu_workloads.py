"""W5 and W6 calls for Nsight Compute (needs CuPy and a GPU): what
benchmarks/gpu_session.sh profiles. Forward, inverse and the forward's adjoint
of each workload, twice (the first run compiles; profile the second with
--launch-skip N --launch-count N, N the fused launches of a round, which
--count prints from the planners, without a GPU).

    python benchmarks/ncu_workloads.py [--mode symmetric] [--workloads W5 W6] [--count]
"""
import argparse

WORKLOADS = {"W5": ((32, 10**6), "db5", 10), "W6": ((32, 1000, 1000), "db5", 5)}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", default="symmetric")
    p.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    p.add_argument("--count", action="store_true",
                   help="print the fused launches of one round and exit")
    args = p.parse_args()
    if args.count:
        from kernel_resources import workload_launches
        calls = ("wavedec", "waverec", "adjoint.wavedec", "wavedec2", "waverec2",
                 "adjoint.wavedec2")
        print(sum(label in calls for name in args.workloads
                  for label, _ in workload_launches(name, args.mode)))
        return
    import cupy

    import cuwavelet as cw
    rng = cupy.random.default_rng(0)
    inputs = {name: rng.standard_normal(WORKLOADS[name][0], dtype=cupy.float32)
              for name in args.workloads}
    for _ in range(2):  # rounds outermost: the second is every workload's launches
        for name, x in inputs.items():
            _, wavelet, level = WORKLOADS[name]
            dec, rec = (cw.wavedec2, cw.waverec2) if x.ndim == 3 else (cw.wavedec, cw.waverec)
            adj = cw.adjoint.wavedec2 if x.ndim == 3 else cw.adjoint.wavedec
            c = dec(x, wavelet, args.mode, level=level)
            rec(c, wavelet, args.mode)
            adj(c, wavelet, args.mode, data_shape=x.shape)
    cupy.cuda.Device().synchronize()


if __name__ == "__main__":
    main()
