"""pytest plugin: cuwavelet's functions standing in for pywt's.

Loaded with `-p pywt_standin` (tests/test_pywt_suite.py runs pywt's shipped
test files that way): before any test module is imported, every function and
class that both packages define (the wavelet packet trees and their nodes
too) is replaced on the `pywt` module by cuwavelet's, so the tests'
`pywt.dwt(...)` calls run cuwavelet. pywt's other names (those cuwavelet does
not define, and the pywt objects cuwavelet re-exports: Wavelet, Modes, ...)
stay pywt's own.
"""
import pywt

import cuwavelet

STOOD_IN = []


def pytest_configure(config):
    for name in cuwavelet.__all__:
        ours = getattr(cuwavelet, name)
        if hasattr(pywt, name) and callable(ours) and getattr(pywt, name) is not ours:
            setattr(pywt, name, ours)
            STOOD_IN.append(name)
    assert STOOD_IN and all(getattr(pywt, n) is getattr(cuwavelet, n) for n in STOOD_IN)


def pytest_report_header(config):
    return (f"cuwavelet ({cuwavelet.__file__}) stands in for pywt's "
            f"{', '.join(sorted(STOOD_IN))}")
