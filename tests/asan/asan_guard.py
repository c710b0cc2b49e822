"""pytest plugin loaded by tests/asan/run.sh (-p asan_guard): refuses to run
unless cuwavelet's compiled extensions are the sanitizer builds in
$CUWAVELET_ASAN_SITE and the ASan runtime is loaded, so that a path mix-up
cannot turn the sanitizer run into a plain one."""
import os

import pytest


def pytest_configure(config):
    site = os.path.realpath(os.environ["CUWAVELET_ASAN_SITE"])
    import cuwavelet
    from cuwavelet import _host_kernels
    for module in (cuwavelet, _host_kernels):
        if not os.path.realpath(module.__file__).startswith(site + os.sep):
            raise pytest.UsageError(f"{module.__name__} was imported from {module.__file__}, "
                                    f"not from the sanitizer build in {site}")
    with open("/proc/self/maps") as f:
        maps = f.read()
    for runtime in ("libasan", "libubsan"):
        if runtime not in maps:
            raise pytest.UsageError(f"{runtime} is not loaded: the run would not be sanitized")
