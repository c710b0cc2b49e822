"""Every CUDA kernel specialization compiles with NVRTC for sm_80 (the front
end alone, where compile errors are: -fdevice-syntax-only, which instantiates
every template and takes seconds, where generating PTX takes minutes) and
sm_90 (to machine code, through ptxas), and none
spills registers to local memory on sm_90 (ptxas's report, through
cuwavelet/_kernel_resources.py).

NVRTC needs no GPU, so this runs in CI and catches device-only compile errors
in the kernel sources. Where NVRTC is missing it skips, unless
CUWAVELET_REQUIRE_NVRTC=1 (set by .ci/run) makes that a failure.
"""
import concurrent.futures
import functools
import os
import types

import pytest

from cuwavelet import _filter_grad, _kernel_resources, _launch, _padding, _stationary
from cuwavelet._backends import cuda

# each kernel source with its number of specializations
KERNEL_MODULES = {
    "per-axis": (cuda.DWT_KERNELS, 4 * 9 * 2),  # operations x modes x dtypes
    # ((analysis/synthesis/analysis adjoint, then two levels) x modes, then the two-level
    # synthesis, zero-padded or periodization) x filters by value or by address x dtypes
    "fused-2d": (_launch.kernel_module("fused_device.cu"), (3 * 9 + 9 + 2) * 2 * 2),
    "fused-1d": (_launch.kernel_module("dwt1_multilevel_device.cu"), 9 * 2),  # modes x dtypes
    # synthesis (zero-padded or periodization) + analysis adjoint (every mode), x dtypes
    "fused-1d-coarse-to-fine": (_launch.kernel_module("dwt1_coarse_to_fine_device.cu"),
                                (2 + 9) * 2),
    # stationary transform: split and merge x dtypes
    "stationary": (_stationary.KERNELS, 2 * 2),
    # analysis / synthesis filter gradients x modes x dtypes, the stationary split / merge
    # ones x dtypes (periodic), then the partial sums x dtypes
    "filter-grad": (_filter_grad.KERNELS, 2 * 9 * 2 + 2 * 2 + 2),
    # pad and its adjoint x modes x sample types (float, double, unsigned integers of 4 sizes)
    "pad": (_padding.KERNELS, 2 * 9 * 6),
}


def _nvrtc():
    try:
        from cupy_backends.cuda.libs import nvrtc
        nvrtc.getVersion()
        return nvrtc
    except Exception as exc:
        if os.environ.get("CUWAVELET_REQUIRE_NVRTC") == "1":
            pytest.fail(f"NVRTC is required but unavailable: {exc}")
        pytest.skip(f"NVRTC unavailable: {exc}")


ARCHS = ["sm_80", "sm_90"]


@functools.lru_cache(maxsize=None)
def _front_end(which: str, arch: str):
    """(NVRTC's log, or None where it compiled; distinct lowered names): the
    front end alone for `arch` (templates instantiated, no code generated)."""
    nvrtc = _nvrtc()
    module, _ = KERNEL_MODULES[which]
    names = module.names()
    prog = nvrtc.createProgram(module.source(), module.entry, [], [])
    try:
        for name in names:
            nvrtc.addNameExpression(prog, name)
        try:
            nvrtc.compileProgram(prog, [f"-arch={arch.replace('sm_', 'compute_')}",
                                        "-fdevice-syntax-only", *cuda.COMPILE_OPTIONS])
        except Exception:
            return nvrtc.getProgramLog(prog), 0
        return None, len({nvrtc.getLoweredName(prog, n) for n in names})
    finally:
        nvrtc.destroyProgram(prog)


# Specializations per NVRTC program on sm_90: machine code for the 144 fused 2D
# kernels takes two minutes in one program; in chunks the fixture's threads
# share it (the front end, parsed again per chunk, takes a second).
CHUNK = 36


@functools.lru_cache(maxsize=None)
def _machine_code(which: str, chunk: int) -> dict:
    module = KERNEL_MODULES[which][0]
    names = module.names()[chunk * CHUNK:(chunk + 1) * CHUNK]
    subset = types.SimpleNamespace(names=lambda: names, source=module.source, entry=module.entry)
    return _kernel_resources.resources.__wrapped__(subset, _kernel_resources.DEFAULT_ARCH)


def _chunks(which: str) -> range:
    return range(-(-KERNEL_MODULES[which][1] // CHUNK))


def _compile(which: str, arch: str):
    """sm_90: ptxas's resources of every specialization (kernel_resources'
    compile, chunk by chunk); other archs: the front end's verdict."""
    if arch == _kernel_resources.DEFAULT_ARCH:
        table = {}
        for chunk in _chunks(which):
            table.update(_machine_code(which, chunk))
        return table
    return _front_end(which, arch)


@pytest.fixture(scope="module")
def compiled():
    """Every (source, arch) compiled once, concurrently: NVRTC releases the GIL
    and compiles distinct programs in parallel, which divides this file's time
    (minutes on one core) by the cores there are. Results are cached; the
    tests below read them (and raise a failed compile's error themselves)."""
    _nvrtc()
    jobs = [(_machine_code, which, chunk) for which in KERNEL_MODULES for chunk in _chunks(which)]
    jobs += [(_front_end, which, arch) for which in KERNEL_MODULES for arch in ARCHS
             if arch != _kernel_resources.DEFAULT_ARCH]
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for future in [pool.submit(*job) for job in jobs]:
            try:
                future.result()
            except RuntimeError:  # reported by the test of that source
                pass


@pytest.mark.parametrize("arch", ARCHS)
@pytest.mark.parametrize("which", sorted(KERNEL_MODULES))
def test_every_specialization_compiles(compiled, which, arch):
    module, count = KERNEL_MODULES[which]
    names = module.names()
    assert len(names) == count
    if arch == _kernel_resources.DEFAULT_ARCH:
        try:
            table = _compile(which, arch)
        except RuntimeError as exc:
            pytest.fail(str(exc))
        assert sorted(table) == sorted(names)
        assert all(r.registers > 0 for r in table.values())
        return
    log, lowered = _compile(which, arch)
    if log is not None:
        pytest.fail("NVRTC failed:\n" + log)
    assert lowered == len(names)  # each name is its own kernel


@pytest.mark.parametrize("which", sorted(KERNEL_MODULES))
def test_no_kernel_spills_registers(compiled, which):
    """A spill is a store to local memory (DRAM behind L1) on every use of a
    value the registers could not hold; the fused kernels are bandwidth-bound
    and must not pay that. (Stack frames without spills are runtime-indexed
    local arrays: listed by benchmarks/kernel_resources.py, not refused.)"""
    table = _compile(which, _kernel_resources.DEFAULT_ARCH)
    spilling = {n: (r.spill_stores, r.spill_loads) for n, r in table.items()
                if r.spill_stores or r.spill_loads}
    assert not spilling, f"kernels spilling (store, load bytes) on {_kernel_resources.DEFAULT_ARCH}: {spilling}"


# the kernels that read inputs or write details with load_once / store_once
STREAMING_KERNELS = {
    "fused-2d": ["fused_dwt2_kernel<0, 0, 1, float>", "fused_dwt2_kernel<0, 2, 1, float>",
                 "fused_dwt2_kernel<0, 2, 0, float>", "fused_dwt2_kernel<0, 2, 1, double>",
                 "fused_dwt2_two_levels_kernel<2, 1, float>"],
    "fused-1d": ["fused_wavedec1d_kernel<0, float>", "fused_wavedec1d_kernel<2, float>"],
}


@pytest.mark.parametrize("which", sorted(STREAMING_KERNELS))
def test_streaming_variant_compiles_without_spills(which):
    """Kernels compiled with CUWAVELET_STREAMING=1 (cache-streaming input
    loads and detail stores: bench_fused_gpu.py's 'fused-stream', which a GPU
    times against the default) compile for sm_90 without spilling (the W5 and
    W6 forward kernels; a few, as each compile takes seconds)."""
    _nvrtc()
    module = KERNEL_MODULES[which][0]
    names = STREAMING_KERNELS[which]
    assert set(names) <= set(module.names())
    subset = types.SimpleNamespace(names=lambda: names, source=module.source, entry=module.entry)
    try:
        table = _kernel_resources.resources.__wrapped__(  # (uncached: a subset)
            subset, defines=("CUWAVELET_STREAMING=1",))
    except RuntimeError as exc:
        pytest.fail(str(exc))
    spilling = [n for n, r in table.items() if r.spill_stores or r.spill_loads]
    assert sorted(table) == sorted(names) and not spilling


# The variants benchmarks/gpu_session.sh profiles against the default (W6's
# launches in zero mode): one pair of outputs per thread, a value per load, and
# the extension for every window (the gathers before the interior path).
GATHER_VARIANTS = [("CUWAVELET_TWO_PAIRS=0",), ("CUWAVELET_VECTOR_GATHER=0",),
                   ("CUWAVELET_VECTOR_GATHER=0", "CUWAVELET_INTERIOR_GATHER=0")]


@pytest.mark.parametrize("defines", GATHER_VARIANTS, ids=lambda d: " ".join(d))
def test_gather_variants_compile_without_spills(defines):
    """The variants a card compares the 2D kernels with compile for sm_90
    without spilling: the zero-mode analysis, synthesis and analysis adjoint,
    which W6's wavedec2, waverec2 and their adjoints run."""
    _nvrtc()
    module = KERNEL_MODULES["fused-2d"][0]
    names = ["fused_dwt2_kernel<0, 0, 1, float>", "fused_dwt2_kernel<1, 0, 1, float>",
             "fused_dwt2_kernel<2, 0, 1, float>"]
    assert set(names) <= set(module.names())
    subset = types.SimpleNamespace(names=lambda: names, source=module.source, entry=module.entry)
    try:
        table = _kernel_resources.resources.__wrapped__(subset, defines=defines)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    spilling = [n for n, r in table.items() if r.spill_stores or r.spill_loads]
    assert sorted(table) == sorted(names) and not spilling


def test_compile_defines_set_and_restore_the_options():
    """The options every CUDA launch reads: COMPILE_OPTIONS itself (the very
    tuple, no rebuild per launch) unless a benchmark's compile_defines adds a
    definition, which nesting extends and leaving undoes."""
    assert cuda.compile_options() is cuda.COMPILE_OPTIONS
    with cuda.compile_defines(CUWAVELET_STREAMING=1):
        assert cuda.compile_options() == (*cuda.COMPILE_OPTIONS, "-DCUWAVELET_STREAMING=1")
        with cuda.compile_defines(A=2):
            assert cuda.compile_options() == (*cuda.COMPILE_OPTIONS, "-DA=2",
                                              "-DCUWAVELET_STREAMING=1")
        assert cuda.compile_options() == (*cuda.COMPILE_OPTIONS, "-DCUWAVELET_STREAMING=1")
    assert cuda.compile_options() is cuda.COMPILE_OPTIONS and not cuda._defines


def test_ptxas_report_is_read():
    """The parser reads ptxas's lines as NVRTC prints them (a captured log)."""
    log = """ptxas info    : Compiling entry function '_Z1kILi1EfEvv' for 'sm_90'
ptxas info    : Function properties for _Z1kILi1EfEvv
ptxas         .     40 bytes stack frame, 44 bytes spill stores, 64 bytes spill loads
ptxas info    : Used 80 registers, used 1 barriers, 40 bytes cumulative stack size
ptxas info    : Function properties for _Z1kILi2EfEvv
ptxas         .     0 bytes stack frame, 0 bytes spill stores, 0 bytes spill loads
ptxas info    : Used 32 registers, used 1 barriers, 1024 bytes smem, 400 bytes cmem[0]"""
    table = _kernel_resources.parse_ptxas_log(log, {"_Z1kILi1EfEvv": "k<1, float>",
                                                    "_Z1kILi2EfEvv": "k<2, float>"})
    R = _kernel_resources.Resources
    assert table == {"k<1, float>": R("k<1, float>", 80, 40, 44, 64, 0),
                     "k<2, float>": R("k<2, float>", 32, 0, 0, 0, 1024)}


@pytest.mark.parametrize("registers, shared, blocks, limiter", [
    # the theoretical occupancy Nsight Compute gave the fused kernels on an
    # H100 (registers, dynamic shared memory; 256 threads): 4 blocks = 50%, ...
    (32, 49152, 4, "shared memory"), (32, 7600, 8, "registers"), (66, 41500, 3, "registers"),
    (54, 39200, 4, "registers"), (32, 32900, 6, "shared memory"), (80, 34300, 3, "registers"),
    (255, 0, 1, "registers"), (32, 228 * 1024, 0, "shared memory")])
def test_occupancy_follows_cuda_rules(registers, shared, blocks, limiter):
    r = _kernel_resources.Resources("k", registers, 0, 0, 0, 0)
    occ = _kernel_resources.occupancy(r, shared)
    assert (occ.blocks_per_sm, occ.limiter) == (blocks, limiter)
    assert occ.fraction == blocks * 256 / 2048


def test_geometry_layout_matches_host_build():
    """The NumPy record the kernels receive has the C++ struct's size."""
    from cuwavelet import _host_kernels
    from cuwavelet._geometry import GEOMETRY_DTYPE, MAX_DIMS
    assert GEOMETRY_DTYPE.itemsize == _host_kernels.geometry_size
    assert MAX_DIMS == _host_kernels.max_dims


def _cupy_include_options():
    """The include directories CuPy's own ElementwiseKernel compiles with
    (cupy/complex.cuh and the CCCL headers it pulls in)."""
    import glob

    import cupy
    include = os.path.join(os.path.dirname(cupy.__file__), "_core", "include")
    return [f"-I{include}"] + [f"-I{d}" for d in sorted(glob.glob(
        os.path.join(include, "cupy", "_cccl", "*")))]


@pytest.mark.parametrize("arch", ["sm_80", "sm_90"])
def test_threshold_elementwise_body_compiles(arch):
    """The thresholds run as CuPy ElementwiseKernels whose preamble is
    threshold_math.cuh: every (mode, input, work, output) type combination the
    Python layer can ask for compiles with CuPy's complex type."""
    import itertools

    from cuwavelet import _thresholding
    nvrtc = _nvrtc()
    source = ("#include <cupy/complex.cuh>\n" + _thresholding.kernel_source() + """
template <int M, typename X, typename D, typename O>
__global__ void check(const X* x, O* y, D v, O s) {
  y[0] = cuwavelet::threshold_at<M, D, O, X>(x[0], v, v, v, v, s, true);
}
""")
    types = ["float", "double", "complex<float>", "complex<double>"]
    names = [f"check<{m}, {x}, {d}, {o}>" for m, x, d, o in itertools.product(
        range(6), types, ["float", "double"], types)
        if not (x.startswith("complex") and not o.startswith("complex"))]
    prog = nvrtc.createProgram(source, "threshold_check.cu", [], [])
    try:
        for name in names:
            nvrtc.addNameExpression(prog, name)
        try:
            nvrtc.compileProgram(prog, [f"-arch={arch}", *cuda.COMPILE_OPTIONS,
                                        *_cupy_include_options()])
        except Exception:
            pytest.fail("NVRTC failed:\n" + nvrtc.getProgramLog(prog))
        assert len({nvrtc.getLoweredName(prog, n) for n in names}) == len(names)
    finally:
        nvrtc.destroyProgram(prog)


# --- where the registers go (benchmarks/register_peaks.py) ----------------------

@pytest.mark.parametrize("entry", ["fused_device.cu", "dwt1_multilevel_device.cu",
                                   "dwt1_coarse_to_fine_device.cu", "dwt_device.cu"])
def test_line_markers_name_every_line_of_every_header(entry):
    """With line_markers, each line of the inlined source is the line of the
    file a #line directive says it is (so a compiler's line information
    points into the headers); without them, the source CuPy compiles and
    caches is the plain inlined text."""
    import re
    marked = cuda.inline_source(entry, line_markers=True)
    plain = cuda.inline_source(entry)
    assert "#line" not in plain
    assert [line for line in marked.splitlines() if not line.startswith("#line")
            and line.strip()] == [line for line in plain.splitlines() if line.strip()]
    files, place, checked = {}, None, 0
    for line in marked.splitlines():
        m = re.fullmatch(r'#line (\d+) "(.+)"', line)
        if m:
            place = [m.group(2), int(m.group(1))]
            continue
        name, number = place
        text = files.setdefault(name, (cuda.KERNEL_DIR / name).read_text().splitlines())
        if number <= len(text):
            original = text[number - 1]
            # an #include line is replaced by its header's text
            assert line == original.replace("#pragma once", "") or original.startswith("#include"), \
                (name, number)
            checked += 1
        else:  # the separator after an inlined header
            assert not line.strip(), (name, number)
        place[1] += 1
    assert checked > 500 and len(files) >= 2


def _register_peaks_module():
    """benchmarks/register_peaks.py as a module, or a skip where NVRTC, ptxas
    or nvdisasm is missing."""
    import importlib.util
    from pathlib import Path
    _nvrtc()
    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("register_peaks",
                                                  root / "benchmarks" / "register_peaks.py")
    register_peaks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(register_peaks)
    for name in ("ptxas", "nvdisasm"):
        try:
            register_peaks.tool(name)
        except SystemExit as exc:
            pytest.skip(str(exc))
    return register_peaks


def test_register_peaks_names_the_source_lines_at_a_kernels_peak(capsys):
    """benchmarks/register_peaks.py on a fused synthesis: ptxas's register
    count, the peak of live registers (at most that count) and the header
    lines of the instructions there, with the lines they are inlined into."""
    import re
    register_peaks = _register_peaks_module()
    register_peaks.main(["fused_dwt2_kernel<1, 2, 1, float>", "--top", "3"])
    out = capsys.readouterr().out
    m = re.search(r"(\d+) registers \(ptxas\), at most (\d+) live at one instruction", out)
    assert m, out
    registers, peak = int(m.group(1)), int(m.group(2))
    assert 16 <= peak <= registers <= 255
    # each peak row: a count, a header line, the lines it is inlined into
    rows = re.findall(r"^\s+\d+\s+(\S+\.cuh?):(\d+)((?: <- \S+\.cuh?:\d+)*)$", out, flags=re.M)
    assert rows and all(int(n) > 0 for _, n, _ in rows), out
    assert any(callers for _, _, callers in rows), out
    # (the kernel's own header: the peak's line or one it is inlined into)
    assert any("dwt2_fused.cuh" in f + callers for f, _, callers in rows), out


def test_register_peaks_loops_show_the_interior_gather_lighter_than_the_edges(capsys):
    """register_peaks.py --loops on the symmetric analysis: the loops of its
    input gathers are found and traced to load_input_window, and the one of
    the windows inside the image (plain strided loads) compiles to fewer
    instructions than the one that extends the image past its edges."""
    import re
    register_peaks = _register_peaks_module()
    register_peaks.main(["fused_dwt2_kernel<0, 2, 1, float>", "--loops", "--top", "4",
                         "--depth", "1"])
    out = capsys.readouterr().out
    loops = re.findall(r"^loop 0x[0-9a-f]+-0x[0-9a-f]+: (\d+) instructions.*\n((?:  .*\n)*)",
                       out, flags=re.M)
    assert len(loops) >= 4, out
    interior = [int(n) for n, lines in loops if "load_once(corner" in lines]
    extended = [int(n) for n, lines in loops if "wrap_index" in lines or "p < period" in lines]
    assert len(interior) == 1 and extended, out
    assert interior[0] < min(extended), out
