"""W5 and W6 calls for Nsight Compute (needs CuPy and a GPU): what
benchmarks/gpu_session.sh profiles. Forward, inverse and the forward's adjoint
of each workload, twice (the first run compiles; profile the second with
--launch-skip N --launch-count N, N the fused launches of a round, which
--count prints from the planners, without a GPU).

    python benchmarks/ncu_workloads.py [--mode symmetric] [--workloads W5 W6] [--count]
                                       [--define NAME=VALUE ...]

--define compiles the kernels with preprocessor definitions (cuwavelet's
compile_defines), so that two profiles compare a kernel variant on the same
launches: Nsight Compute's durations and instruction counts are steady from
run to run where a whole call's wall time is not.
"""
import argparse

WORKLOADS = {"W5": ((32, 10**6), "db5", 10), "W6": ((32, 1000, 1000), "db5", 5)}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--mode", default="symmetric")
    p.add_argument("--workloads", nargs="+", default=list(WORKLOADS), choices=list(WORKLOADS))
    p.add_argument("--count", action="store_true",
                   help="print the fused launches of one round and exit")
    p.add_argument("--define", nargs="+", default=[], metavar="NAME=VALUE",
                   help="compile the kernels with these preprocessor definitions")
    args = p.parse_args()
    defines = dict(d.split("=", 1) for d in args.define)
    if args.count:
        from kernel_resources import workload_launches
        calls = ("wavedec", "waverec", "adjoint.wavedec", "wavedec2", "waverec2",
                 "adjoint.wavedec2")
        print(sum(label in calls for name in args.workloads
                  for label, _ in workload_launches(name, args.mode)))
        return
    import cupy

    import cuwavelet as cw
    from cuwavelet._backends import cuda
    rng = cupy.random.default_rng(0)
    inputs = {name: rng.standard_normal(WORKLOADS[name][0], dtype=cupy.float32)
              for name in args.workloads}
    for _ in range(2):  # rounds outermost: the second is every workload's launches
        with cuda.compile_defines(**defines):
            round_of(cw, inputs, args.mode)
    cupy.cuda.Device().synchronize()


def round_of(cw, inputs, mode):
    """Forward, inverse and the forward's adjoint of each workload."""
    for name, x in inputs.items():
        _, wavelet, level = WORKLOADS[name]
        dec, rec = (cw.wavedec2, cw.waverec2) if x.ndim == 3 else (cw.wavedec, cw.waverec)
        adj = cw.adjoint.wavedec2 if x.ndim == 3 else cw.adjoint.wavedec
        c = dec(x, wavelet, mode, level=level)
        rec(c, wavelet, mode)
        adj(c, wavelet, mode, data_shape=x.shape)


if __name__ == "__main__":
    main()
