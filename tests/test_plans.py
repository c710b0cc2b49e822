"""Plans (cuwavelet/_program.py): a call's launches recorded once per layout
and replayed. The replayed results are checked against pywt; the cache's
keys, bounds, warnings, allocation order and thread safety directly."""
import re
import threading
import warnings

import numpy as np
import pytest
import pywt

import cuwavelet as cw
from conftest import leaves, random
from cuwavelet import _program


def _close(a, b):
    """Equal to rounding, on the scale of the coefficients and their dtype."""
    scale = max(1.0, float(np.max(np.abs(b))))
    assert a.shape == b.shape and a.dtype == b.dtype
    assert np.max(np.abs(a - b)) <= 16 * np.finfo(a.dtype).eps * scale


def test_a_replayed_plan_gives_fresh_results_for_new_data():
    x, y = random((4, 64), seed=1), random((4, 64), seed=2)
    first = cw.wavedec(x, "db3", level=3)
    assert _program.cache_info()["plans"] == 1
    second = cw.wavedec(y, "db3", level=3)  # same layout: the same plan
    assert _program.cache_info()["plans"] == 1
    for got, want in zip(second, pywt.wavedec(y, "db3", level=3)):
        _close(got, want)
    for got, want in zip(first, pywt.wavedec(x, "db3", level=3)):  # not overwritten
        _close(got, want)
    assert not any(np.shares_memory(a, b) for a in first for b in second)


@pytest.mark.parametrize("make", [
    lambda x: x,                      # C order
    lambda x: np.asfortranarray(x),   # another layout: another plan
    lambda x: x[:, ::-1],             # negative strides
    lambda x: x.astype(np.float32),   # another dtype
    lambda x: x.astype(np.int64),     # converted as pywt does, inside the plan
])
def test_every_layout_gets_its_own_plan(make):
    x = make(random((6, 40), seed=3) * 10)
    for _ in range(2):
        got = cw.wavedec2(x, "sym3", mode="periodization", level=2)
        want = pywt.wavedec2(x, "sym3", mode="periodization", level=2)
        _close(got[0], want[0])
        for g, w in zip(got[1:], want[1:]):
            for a, b in zip(g, w):
                _close(a, b)


def test_arguments_are_keyed_by_type_as_well_as_value():
    x = random(32)
    cw.wavedec(x, "db1", level=1)
    with pytest.raises(TypeError):  # True == 1, but level=True is refused
        cw.wavedec(x, "db1", level=True)


def test_warnings_repeat_on_every_call():
    x = random(8)
    for _ in range(3):
        with pytest.warns(UserWarning, match="Level value of 5 is too high"):
            cw.wavedec(x, "db2", level=5)


def test_failed_calls_are_not_cached():
    x = random(16)
    for _ in range(2):
        with pytest.raises(ValueError, match="Unknown wavelet"):
            cw.dwt(x, "nope")
    assert _program.cache_info()["plans"] == 0


def test_unhashable_arguments_and_lists_run_without_a_cached_plan():
    x = random((3, 20), seed=4)
    bank = [np.asarray(f) for f in pywt.Wavelet("db2").filter_bank]  # arrays: not hashable
    _close(cw.dwt(x, bank)[1], pywt.dwt(x, "db2")[1])
    _close(cw.dwt(x.tolist(), "db2")[0], pywt.dwt(x, "db2")[0])  # a list, not an array
    assert _program.cache_info()["plans"] == 0


def test_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(_program, "CACHE_SIZE", 4)
    for n in range(10, 20):
        cw.dwt(random(n), "haar")
    assert _program.cache_info()["plans"] == 4


def test_replays_allocate_through_the_allocator_hook():
    x = random((2, 16, 16))
    cw.wavedec2(x, "db2", level=2)  # recorded
    made = []

    def make_empty(xp, shape, dtype):
        made.append((shape, dtype))
        return xp.empty(shape, dtype)

    with cw.allocator(make_empty):
        cw.wavedec2(x, "db2", level=2)  # replayed
    assert made and all(dtype == x.dtype for _, dtype in made)


def test_intermediates_are_dropped_after_their_last_use():
    # a wavedec2 level's row-pass buffer must not live until the call ends:
    # peak memory as with eagerly run code; results are never dropped
    plan, _ = cw.wavedec2.program_for((np.zeros((64, 64)), "db2"), {"level": 3})
    released = {b for _, _, buffers in plan._schedule for b in buffers}
    kept = set(_program._template_buffers(plan.result))
    assert released and not released & kept


def test_describe_names_the_launches():
    plan, _ = cw.wavedec.program_for((np.zeros((4, 256)), "db4"), {"level": 3})
    text = plan.describe()
    assert "wavedec" in text and f"{plan.launches} kernel launch" in text
    assert plan.launches == 3  # one per level on the CPU


def test_concurrent_first_calls_agree():
    xs = [random((8, 96), seed=s) for s in range(8)]
    results = [None] * len(xs)

    def work(i):
        results[i] = cw.wavedec(xs[i], "coif2", mode="antisymmetric", level=2)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(xs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for x, got in zip(xs, results):
        for a, b in zip(got, pywt.wavedec(x, "coif2", mode="antisymmetric", level=2)):
            _close(a, b)


def test_planned_arrays_support_what_the_transforms_use():
    program = _program.Program("test", np, None)
    a = program.allocate((3, 4, 5), np.float32)
    assert a.strides == (80, 20, 4)
    v = a[1, ::2]
    assert v.shape == (2, 5) and v.strides == (40, 4) and v.offset == 80
    t = a.transpose(2, 0, 1)
    assert t.shape == (5, 3, 4) and t.strides == (4, 80, 20)
    with pytest.raises(TypeError, match="basic indices"):
        a[[0, 1]]
    with pytest.raises(IndexError):
        a[3]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a[...] = 0  # a fill step
    assert len(program.steps) == 1


@pytest.mark.parametrize("device", [None, 0])
def test_copies_between_planned_arrays_stay_in_the_plan(device):
    """A planned array assigned into another is a copy step between buffers,
    also in a program for a GPU (where stand-ins count as CuPy arrays to
    is_cupy), never an array the program would hold and take the address of."""
    program = _program.Program("test", np, device)
    a = program.allocate((2, 3), np.float64)
    b = program.allocate((2, 3), np.float64)
    a[...] = b
    assert not program.constants
    assert [type(s).__name__ for s in program.steps] == ["_Copy"]
    held = np.ones((2, 3))
    a[...] = held  # a real array: held by the program
    assert list(program.constants.values()) == [held]


def test_arrays_of_another_library_are_planned_as_their_views():
    """An object that only speaks DLPack is viewed as NumPy and its calls are
    planned (cached) like NumPy calls, with the results as pywt's."""
    class DLPackOnly:
        def __init__(self, a):
            self._a = a

        def __dlpack__(self, **kwargs):
            return self._a.__dlpack__(**kwargs)

        def __dlpack_device__(self):
            return self._a.__dlpack_device__()

    x = random((3, 40))
    cw.clear_plan_cache()
    for _ in range(2):
        coeffs = cw.wavedec(DLPackOnly(x), "db2", level=2)
        for got, expected in zip(coeffs, pywt.wavedec(x, "db2", level=2)):
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    assert _program.cache_info()["plans"] >= 1


def test_public_plan_objects():
    x = random((3, 40), seed=5)
    plan = cw.get_plan(cw.wavedec, x, "sym4", "reflect", level=2)
    assert plan.launches == 2 and "wavedec" in plan.describe()
    y = random((3, 40), seed=6)
    for got, want in zip(plan(y), pywt.wavedec(y, "sym4", "reflect", level=2)):
        _close(got, want)
    with pytest.raises(ValueError, match="layout"):
        plan(random((3, 41)))
    with pytest.raises(ValueError, match="layout"):
        plan(np.asfortranarray(random((3, 40))))
    with pytest.raises(TypeError, match="array argument"):
        plan(y, y)
    c = cw.wavedec2(random((2, 16, 16)), "db2", level=2)
    inverse = cw.get_plan(cw.waverec2, c, "db2")
    _close(inverse(c), pywt.waverec2(c, "db2"))
    with pytest.raises(TypeError, match="not a transform"):
        cw.get_plan(np.fft.fft, x)
    with pytest.raises(TypeError, match="cannot be planned"):
        cw.get_plan(cw.dwt, x.tolist(), "db2")


class _Boxed:
    """An array of 'another library': a NumPy array in a box the core does not know."""

    def __init__(self, a):
        self.a = a


class _BoxAdapter:
    """What Planned.run_foreign asks of a bridge, for boxed NumPy arrays."""

    def __init__(self):
        self.allocated = []

    def empty(self, xp, shape, dtype):
        box = _Boxed(np.empty(shape, dtype))
        self.allocated.append(box)
        return box

    @staticmethod
    def address(box):
        return box.a.ctypes.data

    @staticmethod
    def view(arrays, ref):
        a = arrays[ref[0]]
        return _program.follow(a.a if isinstance(a, _Boxed) else a, ref[1])

    @staticmethod
    def result(a, path, whole):
        return _program.follow(a.a if isinstance(a, _Boxed) else a, path)


def _foreign(box):
    return _program.ForeignArray(box, box.a.shape, box.a.strides, box.a.dtype)


@pytest.mark.parametrize("fn,args", [
    (cw.wavedec, ("db3", "symmetric", 3)),
    (cw.wavedec2, ("db2", "periodization", 2)),
    (cw.dwtn, ("bior2.2", "reflect")),
])
def test_foreign_arrays_run_their_plan_on_their_own_memory(fn, args):
    """run_foreign keys the plan by the layout a NumPy view would have (the
    same plan as NumPy's), addresses the arrays through the adapter and
    allocates through it: the results are pywt's."""
    x = random((3, 20, 22) if fn is cw.dwtn else (3, 40, 41), seed=5)
    adapter = _BoxAdapter()
    got = fn.planned.run_foreign((_foreign(_Boxed(x)), *args), {}, adapter)
    assert adapter.allocated  # every buffer came from the adapter ...
    want = getattr(pywt, fn.__name__)(x, *args)
    ours, ref = leaves(got), leaves(want)
    assert len(ours) == len(ref)
    for o, r in zip(ours, ref):
        o = o.a if isinstance(o, _Boxed) else o  # (a buffer returned whole comes back boxed)
        assert any(np.shares_memory(o, b.a) for b in adapter.allocated)  # ... and holds the results
        _close(o, r)
    plans = _program.cache_info()["plans"]
    fn(x, *args)  # NumPy's call of the same layout finds the same plan
    assert _program.cache_info()["plans"] == plans


def test_foreign_arrays_with_unhashable_arguments_are_not_planned():
    box = _Boxed(random((2, 16), seed=1))
    bank = [np.array(f) for f in pywt.Wavelet("db1").filter_bank]  # arrays: not hashable
    assert cw.dwt.planned.run_foreign((_foreign(box), bank), {}, _BoxAdapter()) is NotImplemented
    assert _program.cache_info()["plans"] == 0


def test_results_into_writes_whole_results_into_the_destinations():
    """results_into: a result the plan allocates whole is written into the
    destination at its place (and returned as it); views, mismatched layouts
    and places without a destination get arrays of their own."""
    for run in range(3):  # step by step, then the straight-line replay (compiled, reused)
        _results_into_a_wavedec_and_a_waverec()
    program, _ = cw.wavedec.program_for((random((3, 64)), "db2"), {"level": 2})
    assert program._replays[0] is not None


def _results_into_a_wavedec_and_a_waverec():
    x = random((3, 64), seed=2)
    want = pywt.wavedec(x, "db2", level=2)
    dest = [np.empty_like(w) for w in want]
    dest[1] = np.empty(want[1].shape, np.float32)  # another dtype: not taken
    dest[2] = np.empty(want[2].shape[::-1]).T       # F order: not taken
    with _program.results_into(dest):
        got = cw.wavedec(x, "db2", level=2)
    assert got[0] is dest[0] and got[1] is not dest[1] and got[2] is not dest[2]
    for g, w in zip(got, want):
        _close(g, w)
    with _program.results_into({"cA": np.empty(3)}):  # a structure that does not fit: ignored
        again = cw.wavedec(x, "db2", level=2)
    for g, w in zip(again, want):
        _close(g, w)
    image = np.empty(x.shape)
    with _program.results_into(image):
        y = cw.waverec(want, "db2")
    assert y is image
    _close(y, pywt.waverec(want, "db2"))
    assert cw.waverec(want, "db2") is not image  # for that one call only


def _replay_cases():
    """Calls whose plans hold every kind of step and result: launches only,
    views of one buffer as results (wavedec2), a fill (idwt2 with a missing
    band), a copy (idwt's mixed dtypes), a held array and a dict result."""
    x, image = random((3, 37), seed=7), random((2, 21, 19), seed=8)
    cA, cD = pywt.dwt(x, "db3")
    bands = pywt.dwt2(image, "db2")
    return [
        (cw.dwt, (x, "db3"), {}),
        (cw.wavedec2, (image, "db2"), {"level": 2}),
        (cw.idwt2, ((bands[0], (bands[1][0], None, None)), "db2"), {}),
        (cw.idwt, (cA.astype(np.float32), cD, "db3"), {}),
        (cw.dwtn, (image, "sym2"), {"mode": "periodization"}),
        (cw.swt, (random((2, 32), seed=9), "db2"), {"level": 2}),
    ]


def _boxed(obj):
    """obj with its arrays as ForeignArray boxes (nested tuples kept)."""
    if isinstance(obj, tuple):
        return tuple(_boxed(v) for v in obj)
    return _foreign(_Boxed(obj)) if isinstance(obj, np.ndarray) else obj


def _unboxed(obj):
    return [a.a if isinstance(a, _Boxed) else a for a in leaves(obj)]


@pytest.mark.parametrize("case", range(6))
def test_straight_line_replay_runs_the_plans_steps(case):
    """From its second run on, a cached call runs its plan's straight-line
    replay (_compile_replay), plain and through an adapter, and that gives
    the step-by-step replay's results bit for bit (the first run; the
    allocator hook also forces it) and pywt's."""
    fn, args, kwargs = _replay_cases()[case]
    want = getattr(pywt, fn.__name__)(*args, **kwargs)
    stepwise = fn(*args, **kwargs)  # recorded, run step by step
    program, _ = fn.program_for(args, kwargs)
    assert program._replays == [None, None]
    fn(*args, **kwargs)  # compiled
    calls, replay = [], program._replays[0]
    program._replays[0] = lambda inputs: calls.append(1) or replay(inputs)
    got = fn(*args, **kwargs)
    assert calls == [1]
    with cw.allocator(lambda xp, shape, dtype: xp.empty(shape, dtype)):
        hooked = fn(*args, **kwargs)
    assert calls == [1]
    assert type(got) is type(want) is type(stepwise) is type(hooked)
    for g, s, h, w in zip(leaves(got), leaves(stepwise), leaves(hooked), leaves(want)):
        assert g.dtype == s.dtype == h.dtype and np.array_equal(g, s) and np.array_equal(g, h)
        _close(g, w.astype(g.dtype))
    adapted = [fn.planned.run_foreign(_boxed(args), kwargs, _BoxAdapter()) for _ in range(3)]
    assert program._replays[1] is not None
    for run in adapted:
        assert type(run) is type(want)
        assert all(np.array_equal(a, s) for a, s in zip(_unboxed(run), leaves(stepwise)))


def test_straight_line_replay_drops_buffers_after_their_last_use():
    plan, _ = cw.wavedec2.program_for((np.zeros((64, 64)), "db2"), {"level": 3})
    released = [b for _, _, buffers in plan._schedule for b in buffers]
    assert released
    plan._replay_after_first_run(False)
    lines = plan._replay_after_first_run(False).source.splitlines()
    for buffer in released:
        dropped = lines.index(f"    del b{buffer}")
        used = re.compile(rf"\b[bp]{buffer}\b")
        assert not any(used.search(line) for line in lines[dropped + 1:])


def test_calls_that_warn_replay_step_by_step():
    with pytest.warns(UserWarning, match="boundary effects"):
        cw.wavedec(random(8), "db4", level=2)
    program, _ = cw.wavedec.program_for((random(8), "db4"), {"level": 2})
    for _ in range(3):
        with pytest.warns(UserWarning, match="boundary effects"):
            cw.wavedec(random(8), "db4", level=2)
    assert program.warnings and program._replays == [None, None]


def test_straight_line_replay_of_a_gpu_program_takes_device_pointers():
    """A program of another array module (CuPy's stand-in: arrays whose
    address is .data.ptr) allocates through that module and launches with
    those addresses, as the step-by-step replay does."""
    class DeviceArray:
        def __init__(self, shape, dtype):
            self.host = np.zeros(shape, dtype)
            self.data = type("Memory", (), {"ptr": _program.address(self.host)})()

    class Module:
        @staticmethod
        def empty(shape, dtype):
            return DeviceArray(shape, dtype)

    seen = []
    program = _program.Program("test", Module, 0)
    x = program.input(np.zeros((2, 3)))
    out = program.allocate((2, 3), np.float64)
    program.launch(lambda *args: seen.append(args), (7, x[1], out, 2.5), "test")
    program.finish({"out": out})
    given = DeviceArray((2, 3), np.float64)
    result = _program._compile_replay(program)([given])
    assert set(result) == {"out"} and isinstance(result["out"], DeviceArray)
    assert seen == [(7, given.data.ptr + 24, result["out"].data.ptr, 2.5)]


# --- stand-ins: reshapes, new axes, sums in place; the level functions of the
# stationary and packet transforms, which the bridges call, planned ------------------

def _random_views(rng, count):
    """Views of small C-order arrays: slices, steps, integer indices and transposes."""
    for _ in range(count):
        base = tuple(int(n) for n in rng.choice([1, 2, 3, 4, 6], size=rng.integers(2, 5)))
        a = np.zeros(base, np.float32)
        index = tuple(slice(None) if n == 1 else
                      [slice(None), slice(None, None, 2), slice(1, None), 0][rng.integers(4)]
                      for n in base)
        v = a[index]
        if not isinstance(v, np.ndarray):  # (every index an integer: a NumPy scalar)
            continue
        if rng.random() < 0.5:
            v = v.transpose(rng.permutation(v.ndim))
        yield v


def _factorings(rng, size, count):
    for _ in range(count):
        n, shape = size, []
        for _ in range(rng.integers(0, 4)):
            d = int(rng.choice([d for d in range(1, n + 1) if n % d == 0]))
            shape.append(d)
            n //= d
        shape.append(n)
        yield tuple(int(d) for d in rng.permutation(shape))


def test_planned_reshapes_are_the_views_numpy_makes():
    """A stand-in reshapes where NumPy can without a copy (setting .shape of
    a view, NumPy's own test), with NumPy's strides, and refuses elsewhere."""
    rng = np.random.default_rng(11)
    program = _program.Program("reshape", np, None)
    views = refused = 0
    for v in _random_views(rng, 400):
        stand_in = _program.PlannedArray(program, 0, v.shape, v.strides, v.dtype)
        for shape in list(_factorings(rng, v.size, 5)) + [v.shape[::-1], (-1,)]:
            try:
                w = v.view()
                w.shape = shape
            except AttributeError:
                with pytest.raises(TypeError, match="views only"):
                    stand_in.reshape(shape)
                refused += 1
                continue
            got = stand_in.reshape(shape)
            assert got.shape == w.shape
            assert all(g == s for g, s, n in zip(got.strides, w.strides, w.shape) if n > 1)
            assert _program.follow(v, got.path).strides == w.strides if got.path else True
            views += 1
    assert views > 500 and refused > 100


def test_planned_indexing_takes_new_axes():
    program = _program.Program("index", np, None)
    a = np.zeros((3, 4, 5))[:, 1:, ::2]
    stand_in = _program.PlannedArray(program, 0, a.shape, a.strides, a.dtype)
    for key in [None, (None, 0), (slice(None), None, ...), (..., None), (1, None, slice(1, None))]:
        got = stand_in[key]
        assert got.shape == a[key].shape
        assert got.offset == a[key].__array_interface__["data"][0] - \
            a.__array_interface__["data"][0] + 0
        assert _program.follow(a, got.path).shape == a[key].shape


def _level_cases():
    """(level function, arguments): every stationary and packet level
    function the bridges call, with sums of cotangents (the SWT adjoint with
    every approximation given), trimmed packet levels (reshapes of strided
    views) and padded cotangents."""
    from cuwavelet import _packets as pk, _stationary as st
    from cuwavelet._wavelets import as_filter_bank, as_mode
    db2, db3 = as_filter_bank("db2"), as_filter_bank("db3")
    sym = [as_mode("symmetric")] * 2
    shapes = pk._level_shapes((3, 21, 19), [1, 2], [db2, db3], sym, 2)
    x, image = random((3, 32), seed=1), random((2, 16, 8), seed=2)
    cots = [{"a": random((3, 32), seed=3), "d": random((3, 32), seed=4)},
            {"a": random((3, 32), seed=5), "d": None}]  # finest first, every approximation
    details = [{"ad": random((2, 16, 8), seed=6), "da": random((2, 16, 8), seed=7),
                "dd": random((2, 16, 8), seed=8)}]
    return [
        (st.swtn_levels, (x, [1], [db2], 0, 2)),
        (st.swtn_levels, (image, [1, 2], [db2, db3], 1, 2)),
        (st.swtn_levels_adjoint, (cots, [1], [db2], 0, (3, 32), np, np.dtype(np.float64))),
        (st.iswtn_levels, (random((2, 16, 8), seed=9), details, [1, 2], [db2, db3])),
        (st.iswtn_levels_adjoint, (random((2, 16, 8), seed=10), 1, [1, 2], [db2, db3])),
        (pk.decompose_level, (random((3, 21, 19), seed=11), [1, 2], [db2, db3], sym, 2)),
        (pk.reconstruct_level, (random((16,) + shapes[-1], seed=12), [1, 2], [db2, db3], sym, 2,
                                shapes)),
        (pk.decompose_level_adjoint, (random((16,) + shapes[-1], seed=13), [1, 2], [db2, db3],
                                      sym, shapes)),
        (pk.reconstruct_level_adjoint, (random((3, 21, 19), seed=14), [1, 2], [db2, db3], sym,
                                        shapes)),
    ]


def _arrays_of(result):
    return [a for a in leaves(result) if a is not None]


@pytest.mark.parametrize("case", range(9))
def test_level_functions_replay_their_plans(case):
    """The level functions run planned: recorded, then replayed as
    straight-line code, plain and through a bridge's adapter, every run bit
    for bit the function run eagerly on the arrays (no plan)."""
    fn, args = _level_cases()[case]
    eager = _arrays_of(fn.planned.fn(*args))
    program, _ = fn.program_for(args, {})
    assert program is not None and program.launches > 0
    for _ in range(3):  # recorded (run step by step), compiled, replayed
        runs = _arrays_of(fn(*args))
        assert len(runs) == len(eager)
        assert all(g.dtype == e.dtype and np.array_equal(g, e) for g, e in zip(runs, eager))
    assert program._replays[0] is not None

    def boxed(obj):
        if isinstance(obj, (list, tuple)):
            return type(obj)(boxed(v) for v in obj)
        if isinstance(obj, dict):
            return {k: boxed(v) for k, v in obj.items()}
        return _foreign(_Boxed(obj)) if isinstance(obj, np.ndarray) else obj
    for _ in range(3):
        runs = [a.a if isinstance(a, _Boxed) else a
                for a in _arrays_of(fn.planned.run_foreign(boxed(args), {}, _BoxAdapter()))]
        assert all(np.array_equal(g, e) for g, e in zip(runs, eager))
    assert program._replays[1] is not None


@pytest.mark.parametrize("forward, adjoint", [(0, 2), (4, 3), (5, 7), (6, 8)],
                         ids=["swtn", "iswtn", "packet decompose", "packet reconstruct"])
def test_replayed_level_functions_are_adjoint_pairs(forward, adjoint):
    """<F x, y> = <x, F^T y> on the replayed plans (each run three times), with
    x and y of the shapes the cases give: the dot-product test."""
    cases = _level_cases()
    f, f_args = cases[forward]
    t, t_args = cases[adjoint]
    for _ in range(3):
        fx, ty = f(*f_args), t(*t_args)

    def dot(u, v):  # (None: a zero array)
        pairs = list(zip(leaves(u), leaves(v)))
        assert len(pairs) == len(leaves(u)) == len(leaves(v))
        return sum(float(np.vdot(a, b)) for a, b in pairs if a is not None and b is not None)
    x = [f_args[i] for i in sorted(f.planned.positions)]  # the array arguments
    y = [t_args[i] for i in sorted(t.planned.positions)]
    lhs, rhs = dot(fx, y), dot(x, ty)
    assert lhs != 0 and abs(lhs - rhs) <= 1e-12 * abs(lhs) * 100
