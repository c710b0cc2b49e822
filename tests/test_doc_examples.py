"""The Examples sections of the discrete-transform modules run as written."""
import doctest
import importlib

import pytest

MODULES = ["cuwavelet._stationary", "cuwavelet._thresholding", "cuwavelet._partial",
           "cuwavelet._fully_separable", "cuwavelet._mra", "cuwavelet._packets"]


@pytest.mark.parametrize("name", MODULES)
def test_examples_run(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
