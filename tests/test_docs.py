"""The documentation: every public function's docstring has numpydoc's
Parameters, Returns and Examples sections, names every parameter of its
signature, and its examples run (doctests); the API reference builds from the
docstrings without a warning and lists every public function."""
import doctest
import importlib
import inspect
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

import cuwavelet as cw

ROOT = Path(__file__).resolve().parent.parent
# pywt's own objects: pywt documents them
PYWT_NAMES = {"Modes", "Wavelet", "wavelist", "families", "qmf", "orthogonal_filter_bank",
              "ContinuousWavelet", "DiscreteContinuousWavelet", "integrate_wavelet",
              "central_frequency", "scale2frequency", "frequency2scale"}


def _public_functions():
    return list(_each_public_function())


def _each_public_function():
    for module, prefix in ((cw, "cw"), (cw.adjoint, "cw.adjoint")):
        for name in module.__all__:
            obj = getattr(module, name)
            if name in PYWT_NAMES or isinstance(obj, types.ModuleType) or inspect.isclass(obj):
                continue
            yield pytest.param(obj, id=f"{prefix}.{name}")


def _section(doc: str, title: str) -> str:
    """The text of a numpydoc section (up to the next underlined title)."""
    match = re.search(rf"^\s*{title}\n\s*-{{{len(title)}}}\n(.*?)(?=^\s*\w[\w ]*\n\s*-{{3,}}\n|\Z)",
                      doc, re.S | re.M)
    return match.group(1) if match else ""


def _bridge_modules():
    """The bridges that import here (torch and JAX are optional)."""
    modules = []
    for name in ("bridges.torch", "bridges.jax"):
        try:
            modules.append(importlib.import_module(name))
        except ImportError:
            pass
    return modules


def _bridge_functions():
    """Every public function of each bridge (its nn modules are classes)."""
    return [pytest.param(getattr(m, n), id=f"{m.__name__}.{n}") for m in _bridge_modules()
            for n in m.__all__ if not inspect.isclass(getattr(m, n))]


@pytest.mark.parametrize("fn", _public_functions() + _bridge_functions())
def test_docstring_documents_every_parameter(fn):
    doc = inspect.getdoc(fn)
    signature = inspect.signature(fn)
    for title in ("Parameters", "Returns", "Examples"):
        if title == "Parameters" and not signature.parameters:
            continue
        assert _section(doc, title).strip(), f"{fn.__qualname__}: no {title} section"
    documented = set()
    for line in _section(doc, "Parameters").splitlines():
        if line and not line[0].isspace():  # "name : type", "a, b : type" or "*args, **kwargs"
            documented.update(n.strip() for n in line.split(" : ")[0].split(","))
    documented = {n.lstrip("*") for n in documented}
    assert set(signature.parameters) <= documented, fn.__qualname__
    assert "{" + "data}" not in doc and "{" + "wavelet}" not in doc  # shared paragraphs filled in
    assert signature.return_annotation is not inspect.Signature.empty


@pytest.mark.parametrize("fn", _public_functions())
def test_docstring_examples_run(fn):
    tests = doctest.DocTestFinder(recurse=False).find(fn, fn.__qualname__, globs={})
    assert tests and tests[0].examples, f"{fn.__qualname__}: no doctest examples"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    for test in tests:
        runner.run(test)
    assert runner.failures == 0, f"{runner.failures} failing example(s) in {fn.__qualname__}"


def test_api_reference_lists_every_public_function():
    api = (ROOT / "docs" / "api.rst").read_text()
    core, rest = api.split("currentmodule:: cuwavelet.adjoint")
    adjoint, rest = rest.split("currentmodule:: bridges.torch")
    torch_part, jax_part = rest.split("currentmodule:: bridges.jax")
    listed = lambda text: set(re.findall(r"^\.\. auto(?:function|class):: (\w+)$", text, re.M))  # noqa: E731
    assert listed(core) == {n for n in cw.__all__ if n not in PYWT_NAMES and n != "adjoint"}
    assert listed(adjoint) == set(cw.adjoint.__all__)
    for module in _bridge_modules():
        part = torch_part if module.__name__ == "bridges.torch" else jax_part
        assert listed(part) == set(module.__all__), module.__name__


def test_api_reference_builds_without_warnings(tmp_path):
    pytest.importorskip("sphinx", reason="the docs extra is not installed")
    result = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-E", "-q", "-b", "html",
                             "-d", str(tmp_path / "doctrees"), str(ROOT / "docs"), str(tmp_path / "html")],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "html" / "api.html").read_text()
    assert "wavedec2" in page and "Examples" in page and "data_shape" in page
