"""RowOf (kernels/fused_launch.cuh): the fused 2D kernels take a cell's row
from its flat index by a float reciprocal and one correction instead of an
integer division. Checked against the division itself, compiled by the host
C++ compiler from the kernels' header (the GPU performs the same IEEE
single-precision operations)."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

KERNELS = Path(__file__).resolve().parent.parent / "cuwavelet" / "kernels"

CHECK = r"""
#include <cstdio>
#include "fused_launch.cuh"
int main() {
  const int limit = 1 << 20;  // block-local indices stay below this (shared memory)
  long wrong = 0, checked = 0;
  auto check = [&](const cuwavelet::RowOf& row_of, int cols, int e) {
    ++checked;
    if (row_of(e) != e / cols) {
      if (wrong++ < 5) std::printf("e %d cols %d: %d, not %d\n", e, cols, row_of(e), e / cols);
    }
  };
  for (int cols = 1; cols <= 1024; ++cols) {  // every index for the widths tiles have
    const cuwavelet::RowOf row_of(cols);
    for (int e = 0; e < limit; e += cols < 64 ? 1 : 3) check(row_of, cols, e);
    for (int k = 0; k * cols < limit; ++k)  // next to every multiple
      for (int o = -1; o <= 1; ++o)
        if (k * cols + o >= 0 && k * cols + o < limit) check(row_of, cols, k * cols + o);
  }
  for (int cols = 1025; cols < limit; cols = cols * 5 / 4 + 1) {
    const cuwavelet::RowOf row_of(cols);
    for (int e = 0; e < limit; e += 1) check(row_of, cols, e);
  }
  std::printf("%ld checked, %ld wrong\n", checked, wrong);
  return wrong != 0;
}
"""


def test_row_of_is_the_integer_quotient(tmp_path):
    cxx = os.environ.get("CXX", "g++")
    if shutil.which(cxx) is None:
        pytest.skip(f"no C++ compiler ({cxx})")
    source, binary = tmp_path / "row_of.cpp", tmp_path / "row_of"
    source.write_text(CHECK)
    subprocess.run([cxx, "-std=c++17", "-O2", f"-I{KERNELS}", str(source), "-o", str(binary)],
                   check=True, capture_output=True, text=True, timeout=120)
    done = subprocess.run([str(binary)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout
    assert " 0 wrong" in done.stdout
