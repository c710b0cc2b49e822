"""This project's CPU path and pywt (and the torch-based peers where installed)
side by side in one run on W1-W4; the workloads live in cuwavelet/cli/workloads.py.

    python benchmarks/bench_cpu.py [--quick] [--json PATH]

Same as `python -m cuwavelet bench --device cpu ...`."""
import sys

from cuwavelet.cli import main

if __name__ == "__main__":
    raise SystemExit(main(["bench", "--device", "cpu", *sys.argv[1:]]))
