"""The README's Python blocks, run in order in one namespace as a new user
would paste them (the CuPy block only where there is a GPU), and the claims
their comments make checked against pywt and the explicit adjoint."""
import re
from pathlib import Path

import numpy as np
import pytest
import pywt

from conftest import HAS_CUDA

README = Path(__file__).resolve().parent.parent / "README.md"


def _python_blocks():
    return re.findall(r"^```python\n(.*?)^```$", README.read_text(), flags=re.S | re.M)


def test_the_readme_has_its_python_blocks():
    """The examples the test below runs are there (a renamed fence would
    otherwise leave it running nothing)."""
    blocks = _python_blocks()
    assert len(blocks) >= 6
    assert any("cw.wavedec2" in b for b in blocks) and any("bridges import torch" in b for b in blocks)


def test_the_readme_examples_run_and_say_what_is_true():
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    pytest.importorskip("dask.array")
    ns = {}
    for i, block in enumerate(_python_blocks()):
        if "import cupy" in block and not HAS_CUDA:
            continue
        exec(compile(block, f"README.md python block {i + 1}", "exec"), ns)
        if "cw.adjoint.wavedec2" in block:
            x, coeffs = ns["x"], ns["coeffs"]
            np.testing.assert_allclose(ns["y"], x, rtol=0, atol=1e-5)  # "== x to rounding"
            want = pywt.wavedec2(x, "db2", mode="symmetric", level=3)
            np.testing.assert_allclose(coeffs[0], want[0], rtol=0, atol=1e-4)
            assert ns["g"].shape == x.shape
        if "loss.backward()" in block:  # "x.grad = the exact adjoint"
            import cuwavelet as cw
            import torch
            coeffs = [ns["coeffs"][0].detach().numpy()] + [
                tuple(np.sign(d.detach().numpy()) for d in level) for level in ns["coeffs"][1:]]
            coeffs[0] = np.zeros_like(coeffs[0])
            want = cw.adjoint.wavedec2(coeffs, "db2", mode="symmetric", data_shape=tuple(ns["x"].shape))
            np.testing.assert_allclose(ns["x"].grad.numpy(), want, rtol=0, atol=1e-5)
            assert isinstance(ns["y"], torch.Tensor) and ns["y"].shape == (4, 1, 64, 64)
        if "da.random" in block:
            x, y = ns["x"], ns["y"]
            assert y.shape == x.shape
            head = x[:2].compute()
            np.testing.assert_allclose(y[:2].compute(), head, rtol=0, atol=1e-5)
    assert {"coefs", "freqs", "model", "cwj"} <= ns.keys()
