"""Plans: a call's kernel launches worked out once per layout, then replayed.

Everything a transform decides (the route of every level and why, geometry
records, tiles, kernel handles, grid and block, output shapes) depends on its
operands' layout (shapes, strides, dtypes, device) and its parameters, never
on the values. So a `planned` function runs once per distinct signature on
stand-ins, PlannedArray objects with a layout and no memory, and everything it
does is recorded as a Program:

    buffers   arrays to allocate (through _arrays.empty, so a bridge's
              allocator still serves them), each allocated just before its
              first use and dropped after its last, as eagerly run code would;
    steps     kernel launches with their arguments packed, and the few
              array-level fills and copies (zeros, untrim);
    result    where each returned array lies (a buffer and a view of it);
    warnings  what the call warns about, repeated on every run (pywt warns on
              every call);
    notes     the route chosen at each level and the reason (Plan.describe).

A later call with the same signature finds its Program in a bounded LRU cache
and only allocates and launches: from a program's second run on, through one
straight-line Python function generated from its steps (_compile_replay),
since the interpreter's per-step work is most of a small call's host time.
The same internal functions also run eagerly when they are handed real
arrays (tests and tools call them so): launch() then runs at once, and fills
and copies are plain array assignments.
"""
from __future__ import annotations

import contextlib
import functools
import sys
import threading
from collections import OrderedDict

import numpy as np

from ._arrays import (STAND_IN_TYPES, aligned, allocator, array_module, current_allocator,
                      first_other_library_array, in_callers_library, is_aligned, is_cupy, is_dask,
                      to_core)

_state = threading.local()
CACHE_SIZE = 1024  # programs kept (least recently used out first)


# --- stand-ins ------------------------------------------------------------------

class _Device:
    __slots__ = ("id",)

    def __init__(self, id):
        self.id = id


class PlannedArray:
    """An array as a plan sees it: layout only. `buffer` numbers the Program
    buffer it lies in; `path` is how it is reached from that buffer's start
    (a sequence of ("index", key) / ("transpose", axes) steps) and `offset` its
    first element's byte offset there."""

    __slots__ = ("program", "buffer", "shape", "strides", "dtype", "offset", "path")

    def __init__(self, program, buffer, shape, strides, dtype, offset=0, path=()):
        self.program, self.buffer = program, buffer
        self.shape, self.strides = tuple(shape), tuple(strides)
        self.dtype, self.offset, self.path = np.dtype(dtype), offset, path

    ndim = property(lambda self: len(self.shape))
    size = property(lambda self: int(np.prod(self.shape, dtype=np.int64)))
    itemsize = property(lambda self: self.dtype.itemsize)
    device = property(lambda self: _Device(self.program.device))
    on_gpu = property(lambda self: self.program.device is not None)

    def __len__(self):
        if not self.shape:
            raise TypeError("len() of a 0-d array")
        return self.shape[0]

    def __repr__(self):
        return f"PlannedArray(buffer={self.buffer}, shape={self.shape}, dtype={self.dtype})"

    def __getitem__(self, key):
        """Basic indexing (ints, slices, Ellipsis, None): a view."""
        key = key if isinstance(key, tuple) else (key,)
        if any(k is Ellipsis for k in key):
            at = next(i for i, k in enumerate(key) if k is Ellipsis)
            fill = (slice(None),) * (self.ndim - sum(k is not None for k in key) + 1)
            key = key[:at] + fill + key[at + 1:]
        if sum(k is not None for k in key) > self.ndim:
            raise IndexError(f"too many indices for a {self.ndim}-d array")
        shape, strides, offset, d = [], [], self.offset, 0
        for k in key:
            if k is None:  # a new dimension of length 1
                shape.append(1)
                strides.append(0)
                continue
            n, s = self.shape[d], self.strides[d]
            d += 1
            if isinstance(k, slice):
                start, stop, step = k.indices(n)
                shape.append(len(range(start, stop, step)))
                strides.append(s * step)
                offset += start * s
            elif isinstance(k, (int, np.integer)) and not isinstance(k, bool):
                if not -n <= k < n:
                    raise IndexError(f"index {k} is out of bounds for size {n}")
                offset += (int(k) % n) * s
            else:
                raise TypeError(f"plans take basic indices only; got {k!r}")
        shape += self.shape[d:]
        strides += self.strides[d:]
        if offset == self.offset and tuple(shape) == self.shape and tuple(strides) == self.strides:
            return self  # the whole array (a[()], a[...]): no step on the path
        return PlannedArray(self.program, self.buffer, shape, strides, self.dtype, offset,
                            self.path + (("index", key),))

    def transpose(self, *axes):
        axes = tuple(axes[0]) if len(axes) == 1 and not isinstance(axes[0], int) else axes
        axes = tuple(int(a) for a in axes) or tuple(range(self.ndim))[::-1]
        return PlannedArray(self.program, self.buffer, [self.shape[a] for a in axes],
                            [self.strides[a] for a in axes], self.dtype, self.offset,
                            self.path + (("transpose", axes),))

    def reshape(self, *shape):
        """A view of another shape (-1: the remaining length), where one
        exists; planned arrays are never copied by a reshape."""
        shape = tuple(shape[0]) if len(shape) == 1 and not isinstance(shape[0], int) else shape
        shape = _full_shape(tuple(int(n) for n in shape), self.size)
        strides = _reshaped_strides(self.shape, self.strides, shape, self.dtype.itemsize)
        if strides is None:
            raise TypeError(f"plans reshape as views only: {self.shape} with strides "
                            f"{self.strides} has no view of shape {shape}")
        if shape == self.shape:
            return self
        return PlannedArray(self.program, self.buffer, shape, strides, self.dtype, self.offset,
                            self.path + (("reshape", shape),))

    def __iadd__(self, other):
        """self += other, in place (the same shape and dtype): a step of the plan."""
        if not isinstance(other, PlannedArray) or other.shape != self.shape \
                or other.dtype != self.dtype:
            raise TypeError("plans add planned arrays of one shape and dtype only")
        self.program.steps.append(_AddInto(_ref(self), _ref(other)))
        return self

    def __setitem__(self, key, value):
        target = self[key]
        if _is_array(value):  # a real array: the program holds it
            value = PlannedArray(self.program, self.program.constant(value), value.shape,
                                 value.strides, value.dtype)
        if isinstance(value, PlannedArray):
            if value.shape != target.shape:
                raise ValueError(f"cannot copy shape {value.shape} into {target.shape}")
            self.program.steps.append(_Copy(_ref(target), _ref(value)))
        elif np.ndim(value) == 0:
            self.program.steps.append(_Fill(_ref(target), value))
        else:
            raise TypeError("plans assign scalars or planned arrays only")

    def astype(self, dtype):
        dtype = np.dtype(dtype)
        if dtype == self.dtype:
            return self
        out = self.program.allocate(self.shape, dtype)
        out[...] = self
        return out


STAND_IN_TYPES.add(PlannedArray)  # what _arrays.is_planned looks for


def _ref(a: PlannedArray):
    return a.buffer, a.path


def _view(arrays, ref):
    buffer, path = ref
    return follow(arrays[buffer], path)


def follow(a, path):
    """The view of NumPy/CuPy array `a` that `path` (PlannedArray.path) reaches."""
    for kind, arg in path:
        a = a[arg] if kind == "index" else a.transpose(arg) if kind == "transpose" \
            else a.reshape(arg)
    return a


def _full_shape(shape, size) -> tuple:
    """shape with its -1 (if any) resolved for an array of `size` elements."""
    if shape.count(-1) > 1 or any(n < -1 for n in shape):
        raise ValueError(f"invalid shape {shape}")
    known = int(np.prod([n for n in shape if n != -1], dtype=np.int64))
    if -1 in shape:
        if known == 0 or size % known:
            raise ValueError(f"cannot reshape an array of size {size} into shape {shape}")
        shape = tuple(size // known if n == -1 else n for n in shape)
    elif known != size:
        raise ValueError(f"cannot reshape an array of size {size} into shape {shape}")
    return shape


def _reshaped_strides(shape, strides, new_shape, itemsize):
    """The strides of a view of (shape, strides) with new_shape, or None where
    no view has it (NumPy's rule: each group of old dimensions that new
    dimensions split or merge must be contiguous within itself)."""
    if 0 in shape:
        return _c_strides(new_shape, np.dtype(f"V{itemsize}"))
    old = [(n, s) for n, s in zip(shape, strides) if n != 1]
    new = [n for n in new_shape if n != 1]
    found, i, j = [], 0, 0
    while i < len(old) or j < len(new):
        if i == len(old) or j == len(new):
            return None
        oi, nj, group_old, group_new = i, j, old[i][0], new[j]
        while group_old != group_new:
            if group_old < group_new:
                i += 1
                group_old *= old[i][0]
            else:
                j += 1
                group_new *= new[j]
        for k in range(oi, i):  # the group's old dimensions, contiguous among themselves
            if old[k][1] != old[k + 1][0] * old[k + 1][1]:
                return None
        step = old[i][1]
        group = []
        for k in range(j, nj - 1, -1):
            group.append(step)
            step *= new[k]
        found += group[::-1]
        i, j = i + 1, j + 1
    it = iter(found)
    return tuple(next(it) if n != 1 else itemsize for n in new_shape)


class ForeignArray:
    """Another library's array (a bridge's tensor) as an argument of a
    planned function, for Planned.run_foreign: the array, and the layout a
    NumPy (device None) or CuPy (device: its id) view of it would have, which
    is what the plan's key and stand-ins are made of. A program then runs on
    the arrays themselves through the bridge's adapter (Program.run), with no
    NumPy/CuPy views made per call."""
    __slots__ = ("array", "shape", "strides", "dtype", "device", "key")

    def __init__(self, array, shape, strides, dtype, device=None):
        self.array, self.shape, self.strides = array, tuple(shape), tuple(strides)
        self.dtype, self.device = np.dtype(dtype), device
        self.key = (self.shape, self.strides, self.dtype) if device is None else \
            (self.shape, self.strides, self.dtype, device)  # as _layout_key makes them


# --- programs -----------------------------------------------------------------------

class _Launch:
    """fn(*args) with the addresses of buffers filled in at run time."""
    __slots__ = ("fn", "args", "refs", "buffers", "kernel", "info")

    def __init__(self, fn, args, refs, kernel, info=None):
        self.fn, self.args, self.refs = fn, args, refs  # refs: (position, buffer, byte offset)
        self.buffers = {b for _, b, _ in refs}
        self.kernel = kernel  # what runs (a kernel family's name), for describe()
        self.info = info      # what the launcher says about it (_launch.LaunchInfo), or None

    def run(self, arrays, addresses, view):
        args = list(self.args)
        for position, buffer, offset in self.refs:
            args[position] = addresses[buffer] + offset
        _counted(self.kernel, self.fn, args)


class _Fill:
    __slots__ = ("target", "value", "buffers")

    def __init__(self, target, value):
        self.target, self.value, self.buffers = target, value, {target[0]}

    def run(self, arrays, addresses, view):
        target = view(arrays, self.target)
        target[...] = self.value
        _count(dict(kind="fill", global_store_bytes=target.nbytes))


class _Transfer:
    """A step from one planned array into another of its shape: _Copy
    (target = source) or _AddInto (target += source)."""
    __slots__ = ("target", "source", "buffers")
    kind, loads = None, 0  # (for the counters: arrays read per element)

    def __init__(self, target, source):
        self.target, self.source = target, source
        self.buffers = {target[0], source[0]}

    def run(self, arrays, addresses, view):
        target = view(arrays, self.target)
        self.apply(target, view(arrays, self.source))
        _count(dict(kind=self.kind, global_load_bytes=self.loads * target.nbytes,
                    global_store_bytes=target.nbytes))


class _Copy(_Transfer):
    __slots__ = ()
    kind, loads = "copy", 1

    @staticmethod
    def apply(target, source):
        target[...] = source


class _AddInto(_Transfer):
    """target += source: a cotangent summed where two paths meet."""
    __slots__ = ()
    kind, loads = "add", 2

    @staticmethod
    def apply(target, source):
        add_into(target, source)


def add_into(target, source):
    """target += source in place, for NumPy, CuPy and torch arrays alike (an
    indexed `t[...] += s` would also copy the sum onto itself)."""
    target += source


class Program:
    """What one planned call does, replayable on new operands of the same layout."""

    def __init__(self, name: str, xp, device):
        self.name, self.xp, self.device = name, xp, device
        self.inputs = 0         # buffers 0 .. inputs-1 are the call's arrays
        self.allocations = []   # (buffer, shape, dtype) of the buffers it allocates
        self.constants = {}     # buffer -> array the plan holds (filters, converted data)
        self.steps = []
        self.result = None
        self.warnings = []      # (message, category)
        self.notes = []         # route notes, in order
        self._schedule = None   # set by finish()

    # recording
    def input(self, a) -> PlannedArray:
        if self.allocations or self.constants:
            raise RuntimeError("inputs come first")
        planned = PlannedArray(self, self.inputs, a.shape, a.strides, a.dtype)
        self.inputs += 1
        return planned

    def allocate(self, shape, dtype) -> PlannedArray:
        dtype = np.dtype(dtype)
        shape = tuple(int(n) for n in shape)
        buffer = self._next_buffer()
        self.allocations.append((buffer, shape, dtype))
        return PlannedArray(self, buffer, shape, _c_strides(shape, dtype), dtype)  # as _arrays.empty

    def constant(self, a) -> int:
        """A real array the program holds on to (buffer number)."""
        for buffer, held in self.constants.items():
            if held is a:
                return buffer
        buffer = self._next_buffer()
        self.constants[buffer] = a
        return buffer

    def _next_buffer(self) -> int:
        return self.inputs + len(self.allocations) + len(self.constants)

    def launch(self, fn, args, kernel, info=None):
        refs, packed = [], list(args)
        for position, a in enumerate(args):
            if isinstance(a, PlannedArray):
                if a.program is not self:
                    raise RuntimeError("a planned array of another program")
                refs.append((position, a.buffer, a.offset))
                packed[position] = None
            elif _is_array(a):
                refs.append((position, self.constant(a), 0))
                packed[position] = None
        self.steps.append(_Launch(fn, tuple(packed), tuple(refs), kernel, info))

    @property
    def kernels(self) -> list:
        """What each launch runs, in order."""
        return [s.kernel for s in self.steps if isinstance(s, _Launch)]

    @property
    def launch_infos(self) -> list:
        """What the launcher said about each launch (None where nothing), in order."""
        return [s.info for s in self.steps if isinstance(s, _Launch)]

    @property
    def launches(self) -> int:
        return len(self.kernels)

    def finish(self, result):
        """Close the recording: where the result lies, and when each buffer
        is allocated (before its first step) and dropped (after its last)."""
        self.result = template = _template(result, self)
        first, last = {}, {}
        for i, step in enumerate(self.steps):
            for b in step.buffers:
                first.setdefault(b, i)
                last[b] = i
        kept = set(_template_buffers(template))
        end = len(self.steps)  # buffers no step uses are allocated at the end
        allocate = [[] for _ in range(end + 1)]
        release = [[] for _ in range(end + 1)]
        for buffer, shape, dtype in self.allocations:
            allocate[first.get(buffer, end)].append((buffer, shape, dtype))
            if buffer in last and buffer not in kept:
                release[last[buffer]].append(buffer)
        self._schedule = tuple(zip(self.steps + [None], allocate, release))
        n = self.inputs + len(self.allocations) + len(self.constants)
        self._arrays, self._addresses = [None] * n, [0] * n
        for buffer, a in self.constants.items():
            self._arrays[buffer], self._addresses[buffer] = a, address(a)
        self._template = template
        self._build, self._build_foreign = _builder(template, _array_leaf), None
        self._allocated = frozenset(b for b, _, _ in self.allocations)
        # where each buffer returned whole lies in the result (results_into)
        layouts = {b: (shape, dtype, _c_strides(shape, dtype)) for b, shape, dtype in self.allocations}
        self._result_slots = tuple((position, buffer) + layouts[buffer] for position, (buffer, path)
                                   in _template_leaves(template, ())
                                   if not path and buffer in self._allocated)
        self._replays = [None, None]  # straight-line replays: [plain, through an adapter]
        self._stepwise_runs = [False, False]  # whether each has run step by step yet
        return self

    # running
    def run(self, inputs, adapter=None, into=None):
        """The program on `inputs`: NumPy/CuPy arrays, or (with an adapter,
        see ForeignArray) arrays of another library, which the adapter
        allocates (empty(xp, shape, dtype)), addresses (address(a)) and views
        for fills and copies (view(arrays, ref)); each array the result holds
        is adapter.result(array, path, whole): the view `path` of a buffer
        (an input, an allocation, an array the plan holds), whole: a buffer
        this run allocated, returned whole. into: see results_into."""
        if len(inputs) != self.inputs:
            raise ValueError(f"{self.name}: {self.inputs} arrays expected, got {len(inputs)}")
        adapted = adapter is not None
        if not _counting_blocks and (adapted or current_allocator() is None) and \
                (into is None or not adapted):
            replay = self._replays[adapted] or self._replay_after_first_run(adapted)
            if replay is not None:  # the usual call: straight-line code (_compile_replay)
                if adapted:
                    return replay(inputs, adapter.empty, adapter.address, adapter.view,
                                  adapter.result)
                return replay(inputs) if into is None else replay(inputs, self._destinations(into))
        if adapter is None:
            make_empty, address_of, view = current_allocator(), address, _view
        else:
            make_empty, address_of, view = adapter.empty, adapter.address, adapter.view
        arrays, addresses = self._arrays.copy(), self._addresses.copy()
        for i, a in enumerate(inputs):
            arrays[i] = a
            addresses[i] = address_of(a)
        xp = self.xp
        given = self._destinations(into) if into is not None else None
        for step, allocate, release in self._schedule:
            for buffer, shape, dtype in allocate:
                a = given.get(buffer) if given else None
                if a is None:
                    a = xp.empty(shape, dtype) if make_empty is None else make_empty(xp, shape, dtype)
                arrays[buffer] = a
                addresses[buffer] = address_of(a)
            if step is not None:
                step.run(arrays, addresses, view)
            for buffer in release:
                arrays[buffer] = None
        if self.warnings:
            import warnings
            for message, category in self.warnings:
                warnings.warn(message, category, stacklevel=4)
        if adapter is None:
            return self._build(arrays)
        if self._build_foreign is None:
            self._build_foreign = _builder(self._template, self._foreign_leaf)
        return self._build_foreign((arrays, adapter.result))

    def _replay_after_first_run(self, adapted: bool):
        """The straight-line replay (compiled now), or None on the first run,
        so that a plan run once (an unhashable call's) never compiles one, and
        for plans that warn (the step-by-step run repeats the warnings)."""
        if self.warnings or not self._stepwise_runs[adapted]:
            self._stepwise_runs[adapted] = True
            return None
        self._replays[adapted] = replay = _compile_replay(self, adapted)
        return replay

    def _foreign_leaf(self, buffer, path):
        """A leaf of a run with an adapter: env is (arrays, adapter.result)."""
        whole = not path and buffer in self._allocated
        return lambda env: env[1](env[0][buffer], path, whole)

    def _destinations(self, into) -> dict:
        """buffer -> the array of `into` at its place in the result, where
        that array can stand in for the buffer (its shape, dtype and C-order
        strides, in the program's array module)."""
        found, numpy = {}, self.xp is np
        for position, buffer, shape, dtype, strides in self._result_slots:
            a = into
            try:
                for key in position:
                    a = a[key]
            except (KeyError, IndexError, TypeError):
                continue
            if a is not None and a.shape == shape and a.strides == strides and \
                    a.dtype == dtype and (type(a) is np.ndarray) == numpy:
                found[buffer] = a
        return found

    def describe(self) -> str:
        lines = [f"{self.name}: {self.launches} kernel launch(es) "
                 f"({', '.join(self.kernels) or 'none'}), {len(self.allocations)} allocation(s)"]
        lines += [f"  {note}" for note in self.notes]
        return "\n".join(lines)


def _template(obj, program):
    """The returned structure with planned arrays replaced by ("array", ref)."""
    if isinstance(obj, PlannedArray):
        return ("array", _ref(obj))
    if isinstance(obj, (list, tuple)):
        return (type(obj), [_template(v, program) for v in obj])
    if isinstance(obj, dict):
        return (dict, {k: _template(v, program) for k, v in obj.items()})
    if _is_array(obj):  # a real array: the program holds it
        return ("array", (program.constant(obj), ()))
    return ("value", obj)


def _template_leaves(t, position):
    """(position, ref) of every array in a template; position: the keys and
    indices that reach it from the result's root."""
    kind, body = t
    if kind == "array":
        yield position, body
    elif kind is dict:
        for k, v in body.items():
            yield from _template_leaves(v, position + (k,))
    elif kind != "value":
        for i, v in enumerate(body):
            yield from _template_leaves(v, position + (i,))


def _c_strides(shape, dtype) -> tuple:
    strides, step = [], np.dtype(dtype).itemsize
    for n in reversed(shape):
        strides.append(step)
        step *= max(n, 1)
    return tuple(strides[::-1])


def _template_buffers(t):
    """The buffer of every array in a template."""
    return (ref[0] for _, ref in _template_leaves(t, ()))


def _builder(t, leaf):
    """A function env -> the result structure (built once per program);
    leaf(buffer, path) makes the function env -> the array at each leaf."""
    kind, body = t
    if kind == "array":
        return leaf(*body)
    if kind == "value":
        return lambda env: body
    if kind is dict:
        parts = [(k, _builder(v, leaf)) for k, v in body.items()]
        return lambda env: {k: f(env) for k, f in parts}
    parts = [_builder(v, leaf) for v in body]
    if kind is tuple:
        return lambda env: tuple([f(env) for f in parts])
    return lambda env: kind([f(env) for f in parts])


def _array_leaf(buffer, path):
    """A leaf of a run without an adapter: env is the arrays."""
    if not path:
        return lambda arrays: arrays[buffer]
    return lambda arrays: follow(arrays[buffer], path)


def _compile_replay(program, adapted: bool = False):
    """Program.run without counting or an allocator hook, as one straight-line
    Python function: each buffer a local (b<n>, its address p<n>), each
    launch a call with its arguments in place, each dropped buffer deleted
    after its last step, the result built in one expression. It does what
    the step-by-step loop does (allocate before the first use, drop after the
    last) in a few bytecodes a step: a small call's host time is mostly the
    interpreter's. Plain: replay(inputs, given={}) with the program's array
    module and no allocator hook (given: results_into's destinations, buffer
    -> array); adapted: replay(inputs, empty, address, view, result)
    with an adapter's functions (Program.run). The source is the function's
    `source` attribute."""
    names, lines = {}, []

    def constant(value) -> str:
        """A name in the function's globals for `value`."""
        name = f"K{len(names)}"
        names[name] = value
        return name

    held = program.constants
    addressed = {b for s in program.steps if isinstance(s, _Launch) for _, b, _ in s.refs}
    address_of = "{}.data.ptr" if program.xp is not np and not adapted else "address({})"
    allocate_with = f"empty({constant(program.xp)}, {{}}, {{}})" if adapted else "empty({}, {})"

    def array(buffer) -> str:
        return constant(held[buffer]) if buffer in held else f"b{buffer}"

    def at(ref) -> str:  # (follow, written out)
        buffer, path = ref
        if adapted:
            return f"view({{{buffer}: {array(buffer)}}}, {constant(ref)})"
        code = array(buffer)
        for kind, arg in path:
            code += f"[{constant(arg)}]" if kind == "index" else \
                f".{kind}({constant(arg)})"  # (transpose, reshape)
        return code

    def leaf(ref) -> str:
        if not adapted:
            return at(ref)
        buffer, path = ref
        whole = not path and buffer in program._allocated
        return f"result({array(buffer)}, {constant(path)}, {whole})"

    def argument(value) -> str:
        return repr(value) if value is None or type(value) in (int, bool) else constant(value)

    inputs = [f"b{i}" for i in range(program.inputs)]
    if inputs:
        lines.append(f"{', '.join(inputs)}, = inputs")
    lines += [f"p{i} = {address_of.format(f'b{i}')}" for i in range(program.inputs) if i in addressed]
    destined = set() if adapted else {slot[1] for slot in program._result_slots}
    for step, allocate, release in program._schedule:
        for buffer, shape, dtype in allocate:
            made = allocate_with.format(repr(shape), constant(dtype))
            if buffer in destined:  # (a result that a destination may hold)
                lines += [f"b{buffer} = given.get({buffer})", f"if b{buffer} is None:",
                          f"    b{buffer} = {made}"]
            else:
                lines.append(f"b{buffer} = {made}")
            if buffer in addressed:
                lines.append(f"p{buffer} = {address_of.format(f'b{buffer}')}")
        if isinstance(step, _Launch):
            args = [argument(a) for a in step.args]
            for position, buffer, offset in step.refs:
                if buffer in held:
                    args[position] = str(int(program._addresses[buffer] + offset))
                else:
                    args[position] = f"p{buffer} + {offset}" if offset else f"p{buffer}"
            lines.append(f"{constant(step.fn)}({', '.join(args)})")
        elif isinstance(step, _Fill):
            lines.append(f"{at(step.target)}[...] = {constant(step.value)}")
        elif isinstance(step, _Copy):
            lines.append(f"{at(step.target)}[...] = {at(step.source)}")
        elif isinstance(step, _AddInto):
            lines.append(f"{constant(add_into)}({at(step.target)}, {at(step.source)})")
        elif step is not None:  # pragma: no cover - every step kind is above
            raise TypeError(f"no replay for {type(step).__name__}")
        lines += [f"del b{buffer}" for buffer in release]

    def build(t) -> str:
        kind, body = t
        if kind == "array":
            return leaf(body)
        if kind == "value":
            return constant(body)
        if kind is dict:
            return "{" + ", ".join(f"{constant(k)}: {build(v)}" for k, v in body.items()) + "}"
        parts = "".join(f"{build(v)}, " for v in body)
        if kind is tuple:
            return f"({parts})"
        return f"[{parts}]" if kind is list else f"{constant(kind)}([{parts}])"

    lines.append(f"return {build(program._template)}")
    parameters = "inputs, empty, address, view, result" if adapted else "inputs, given=_NOTHING"
    source = f"def replay({parameters}):\n" + "".join(f"    {line}\n" for line in lines)
    scope = names if adapted else dict(names, empty=program.xp.empty, address=_host_address(),
                                       _NOTHING={})
    exec(compile(source, f"<replay of {program.name}>", "exec"), scope)
    replay = scope["replay"]
    replay.source = source
    return replay


def _is_array(a) -> bool:
    """A real array (a plan's stand-ins count as CuPy arrays to is_cupy, not here)."""
    return isinstance(a, np.ndarray) or (is_cupy(a) and not isinstance(a, PlannedArray))


def address(a) -> int:
    """Address of an array's first element."""
    if isinstance(a, np.ndarray):
        return _numpy_address(a)
    if is_cupy(a):
        return a.data.ptr
    raise TypeError(f"not an array: {type(a).__name__}")


def _host_address():
    """The fastest function NumPy array -> address of its first element."""
    _numpy_address(np.empty(0))  # binds the extension's function where it is built
    return _numpy_address


def _numpy_address(a) -> int:
    global _numpy_address
    try:
        from ._host_kernels import address as _numpy_address
    except ImportError:  # pragma: no cover - the extension is not built
        def _numpy_address(a):
            return a.__array_interface__["data"][0]
    return _numpy_address(a)


# --- the recording context ---------------------------------------------------------

def recording():
    """The Program being recorded on this thread, or None."""
    return getattr(_state, "program", None)


@contextlib.contextmanager
def _recording(program):
    """Record on this thread: every allocation (_arrays.empty) becomes a
    buffer of `program`, every launch() a step of it."""
    global _recording_blocks
    previous = getattr(_state, "program", None)
    _state.program = program
    with _cache_lock:
        _recording_blocks += 1
    try:
        with allocator(lambda xp, shape, dtype: program.allocate(shape, dtype)):
            yield program
    finally:
        _state.program = previous
        with _cache_lock:
            _recording_blocks -= 1


_recording_blocks = 0  # _recording blocks open, on all threads (spares planned calls a lookup)


def launch(kernel: str, fn, *args, info=None):
    """Run fn(*args), array arguments replaced by their addresses and None
    ones (an absent operand) by 0, a null pointer: now, or (while a plan is
    recorded) on every run of the plan. kernel: what runs (a name for
    Plan.describe and the tests that count launches); info: what else the
    launcher tells about it (Program.launch_infos)."""
    args = tuple(0 if a is None else a for a in args)
    program = recording()
    if program is not None:
        program.launch(fn, args, kernel, info)
        return
    _counted(kernel, fn, [address(a) if _is_array(a) else a for a in args])


# --- counting what the steps move (benchmarks/kernel_traffic.py, tests) ----------------

@contextlib.contextmanager
def counting(sample: bool = True):
    """Collect what every step run on this thread moves, as a list of dicts
    with a 'kind': the fused kernels' launches through the emulator append the
    kernel's own counts (cuwavelet/_launch.py; sample: run the blocks of one
    batch item and scale, exact since every item repeats them), fills and
    copies their bytes, any other launch (the per-axis kernels) its name with
    'uncounted': True."""
    global _counting_blocks
    previous = getattr(_state, "counts", None), getattr(_state, "count_sample", True)
    _state.counts = found = []
    _state.count_sample = sample
    with _cache_lock:
        _counting_blocks += 1
    try:
        yield found
    finally:
        _state.counts, _state.count_sample = previous
        with _cache_lock:
            _counting_blocks -= 1


_counting_blocks = 0  # counting() blocks open, on all threads: plans then replay step by step


def counts():
    """(the list counting() collects into on this thread or None, whether it samples)."""
    return getattr(_state, "counts", None), getattr(_state, "count_sample", True)


def _count(entry: dict):
    found = getattr(_state, "counts", None)
    if found is not None:
        found.append(entry)


def _counted(kernel, fn, args):
    found = getattr(_state, "counts", None)
    before = None if found is None else len(found)
    fn(*args)
    if found is not None and len(found) == before:  # the launch counted nothing itself
        found.append(dict(kind=kernel, uncounted=True))


def note(text: str):
    """A route decision, for Plan.describe() (nothing outside a recording)."""
    program = recording()
    if program is not None:
        program.notes.append(text)


def warn(message: str, category=UserWarning, stacklevel: int = 2):
    """warnings.warn, or (while recording) a warning the plan repeats on every run."""
    program = recording()
    if program is not None:
        program.warnings.append((message, category))
        return
    import warnings
    warnings.warn(message, category, stacklevel=stacklevel + 1)


# --- planned functions -----------------------------------------------------------------

_cache: "OrderedDict" = OrderedDict()
_cache_lock = threading.Lock()
_ARRAYS = object()  # where the array arguments stand in a key


def clear_cache() -> None:
    """Forget every cached plan (they are rebuilt on their next call), and
    the other caches that hold arrays (the continuous transform's filter
    spectra), freeing the memory they hold.

    Returns
    -------
    None

    Examples
    --------
    >>> import cuwavelet as cw
    >>> cw.clear_plan_cache()
    """
    with _cache_lock:
        _cache.clear()
    for clear in ARRAY_CACHES:
        clear()


# clear() functions of other modules' caches of arrays, run by clear_cache
ARRAY_CACHES: list = []


def cache_info() -> dict:
    with _cache_lock:
        return {"plans": len(_cache), "max_plans": CACHE_SIZE}


def _layout_key(a):
    if type(a) is not np.ndarray and is_cupy(a):
        return (a.shape, a.strides, a.dtype, a.device.id)
    return (a.shape, a.strides, a.dtype)


def _scan(obj, arrays, key, nested):
    """Collect an array argument's arrays (their layouts into key): the
    argument itself, or (nested) the arrays and Nones of nested lists, tuples
    and dicts. False where something else is found."""
    t = type(obj)
    if t is ForeignArray:
        arrays.append(obj)
        key.append(obj.key)
        return True
    if t is np.ndarray or (t is not list and t is not tuple and t is not dict and is_cupy(obj)):
        if not is_aligned(obj):
            obj = aligned(obj)
        arrays.append(obj)
        key.append(_layout_key(obj))
        return True
    if not nested:
        return False
    if obj is None:
        key.append(None)
        return True
    if t is list or t is tuple:
        key.append((t, len(obj)))
        return all(_scan(v, arrays, key, True) for v in obj)
    if t is dict:
        key.append(tuple(obj))
        return all(_scan(v, arrays, key, True) for v in obj.values())
    return False


def _collect_arrays(obj, found):
    """NumPy/CuPy arrays anywhere in nested lists, tuples and dicts."""
    if isinstance(obj, np.ndarray) or is_cupy(obj):
        found.append(obj)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _collect_arrays(v, found)
    elif isinstance(obj, dict):
        for v in obj.values():
            _collect_arrays(v, found)


def _holds_dask(obj) -> bool:
    """Whether a dask array is in obj (nested lists, tuples and dict values)."""
    t = type(obj)
    if t is list or t is tuple:
        return any(_holds_dask(v) for v in obj)
    if t is dict:
        return any(_holds_dask(v) for v in obj.values())
    return is_dask(obj)


def _substitute(obj, planned_iter):
    if obj is None:
        return None
    t = type(obj)
    if t is list or t is tuple:
        return t(_substitute(v, planned_iter) for v in obj)
    if t is dict:
        return {k: _substitute(v, planned_iter) for k, v in obj.items()}
    return next(planned_iter)


def _static_key(value):
    """A hashable stand-in for a non-array argument, typed (True is not 1)."""
    t = type(value)
    if t is str or value is None:
        return value
    if t is int or t is float or t is bool:
        return (t, value)
    if t is list or t is tuple:
        return (t, tuple([_static_key(v) for v in value]))
    if t is dict:
        return (dict, tuple([(k, _static_key(v)) for k, v in value.items()]))
    if t is np.ndarray or is_cupy(value):
        raise TypeError  # arrays outside the array arguments: not cached
    return (t, value)


class Planned:
    """fn with its calls planned: see the module docstring. `arrays` names the
    parameters that hold one array, `structures` those that hold nested lists,
    tuples and dicts of arrays (and Nones); every other argument is part of
    the plan's key. Other values in those parameters (lists of numbers, say)
    are planned for that call alone."""

    def __init__(self, fn, arrays=(), structures=()):
        import inspect
        self.fn = fn
        names = list(inspect.signature(fn).parameters)
        names_in_order = sorted((*arrays, *structures), key=names.index)
        self.nested = {a: a in structures for a in names_in_order}
        self.positions = {names.index(a): self.nested[a] for a in self.nested}
        self.names = self.nested
        self.__name__ = fn.__name__
        self.__qualname__ = getattr(fn, "__qualname__", fn.__name__)
        self.__doc__ = fn.__doc__
        self.__module__ = fn.__module__
        self.__wrapped__ = fn

    def __repr__(self):
        return f"<plans of {self.__module__}.{self.__qualname__}>"

    def __call__(self, *args, **kwargs):
        if _recording_blocks and recording() is not None:  # called from within a plan: part of it
            return self.fn(*args, **kwargs)
        program, arrays = self.program_for(args, kwargs)
        if program is None:
            if arrays is None:  # not planned at all: dask arrays, whose graph cuwavelet/_dask.py builds
                from . import _dask
                return _dask.call(self, args, kwargs)
            # arrays of another library: planned as their NumPy/CuPy views, results back in theirs
            core_args, core_kwargs = to_core(args), to_core(kwargs)
            program, arrays = self.program_for(core_args, core_kwargs)
            if program is None:  # pragma: no cover - to_core leaves no other library's array
                raise TypeError("arrays of another library could not be viewed as NumPy/CuPy")
            return in_callers_library(self._run(program, arrays), args, kwargs)
        return self._run(program, arrays)

    def program_for(self, args, kwargs):
        """(Program, the call's arrays in the program's input order); (None,
        None) when dask arrays are among them (cuwavelet/_dask.py); (None, [])
        when arrays of another library are (see __call__)."""
        key, arrays, program = self._lookup(args, kwargs)
        if key is not None:
            return program or self._record_cached(key, args, kwargs, arrays), arrays
        if _holds_dask(args) or _holds_dask(kwargs):
            return None, None
        if (first_other_library_array(args) is not None
                or first_other_library_array(kwargs.values()) is not None):
            return None, []
        return self._record(args, kwargs, None), []  # recorded on the call's own arguments, run once

    def run_foreign(self, args, kwargs, adapter):
        """The call with ForeignArray objects for its arrays, run on their
        arrays through `adapter` (Program.run), or NotImplemented where the
        call cannot be planned (an argument that is not hashable, such as a
        filter bank of arrays): the caller then runs it on NumPy/CuPy views.
        The adapter's caller has made the arrays' device current."""
        key, arrays, program = self._lookup(args, kwargs)
        if key is None:
            return NotImplemented
        program = program or self._record_cached(key, args, kwargs, arrays)
        return program.run([a.array for a in arrays], adapter)

    def _lookup(self, args, kwargs):
        """(the plan's cache key, the call's arrays in input order, the cached
        Program or None), or (None, None, None) where the call is not planned
        from a cache."""
        key, arrays = self._key(args, kwargs)
        if key is None:
            return None, None, None
        try:
            program = _cache.get(key)  # (single dict operations need no lock)
        except TypeError:  # an unhashable argument (arrays as a filter bank, say)
            return None, None, None
        if program is not None and len(_cache) > CACHE_SIZE // 2:
            # Use order matters only once the cache is full. Below half full a hit
            # skips the reordering (part of a small call's time); a plan still in
            # use is moved back at its next hit past half, before the cache
            # holds the CACHE_SIZE // 2 newer plans it would take to evict it.
            try:
                _cache.move_to_end(key)
            except KeyError:  # evicted by another thread meanwhile
                pass
        return key, arrays, program

    def _key(self, args, kwargs):
        """(the plan's cache key, not yet hashed; the call's arrays in input
        order), or (None, None) where an argument cannot be part of a key."""
        arrays, layout, static = [], [], []
        positions, names = self.positions, self.names
        try:
            for i, a in enumerate(args):
                nested = positions.get(i)
                if nested is None:
                    static.append(a if type(a) is str else _static_key(a))
                    continue
                if type(a) is np.ndarray:  # (the usual array argument: _scan, written out)
                    if not a.flags.aligned:
                        a = aligned(a)
                    arrays.append(a)
                    layout.append((a.shape, a.strides, a.dtype))
                elif not _scan(a, arrays, layout, nested):
                    return None, None
                static.append(_ARRAYS)
            for name, a in kwargs.items():
                if name in names:
                    if not _scan(a, arrays, layout, names[name]):
                        return None, None
                    static.append((name, _ARRAYS))
                else:
                    static.append((name, _static_key(a)))
        except TypeError:  # an array where a key holds values (_static_key)
            return None, None
        return (self, tuple(static), tuple(layout)), arrays

    def _record_cached(self, key, args, kwargs, arrays):
        """The call recorded (a cache miss) and its Program cached."""
        program = self._record(args, kwargs, arrays)
        with _cache_lock:
            _cache[key] = program
            while len(_cache) > CACHE_SIZE:
                _cache.popitem(last=False)
        return program

    def _record(self, args, kwargs, arrays):
        """Run fn on stand-ins for `arrays` (None: on the call's own arguments,
        which are then held by the program)."""
        # The stand-ins all take the program's device: arrays of several
        # devices are refused here, before a kernel could get a host address.
        if arrays is None:  # the call's own arguments: the device of their CuPy arrays
            found = []
            _collect_arrays((args, kwargs), found)
            xp = array_module(*[a for a in found if is_cupy(a)])
            device = next((a.device.id for a in found if is_cupy(a)), None)
        elif arrays and type(arrays[0]) is ForeignArray:  # (run_foreign)
            device = arrays[0].device
            if any(type(a) is not ForeignArray or a.device != device for a in arrays):
                raise TypeError("arrays on different devices were mixed")
            xp = np if device is None else _cupy()
        else:
            xp = array_module(*arrays)
            device = arrays[0].device.id if xp is not np else None
        program = Program(self.__qualname__, xp, device)
        if arrays is not None:
            planned = iter([program.input(a) for a in arrays])
            args = tuple(_substitute(a, planned) if i in self.positions else a
                         for i, a in enumerate(args))
            kwargs = {k: (_substitute(v, planned) if k in self.names else v)
                      for k, v in kwargs.items()}
        with _recording(program), _on_device(device):
            result = self.fn(*args, **kwargs)
        return program.finish(result)

    @staticmethod
    def _run(program, arrays):
        into = None
        if _into_blocks:  # (a thread's results_into; the count spares other calls the lookup)
            into = getattr(_state, "into", None)
            _state.into = None  # for this call only, not for the calls it makes
        if program.device is None:
            return program.run(arrays, into=into)
        with _on_device(program.device):
            return program.run(arrays, into=into)


_into_blocks = 0  # results_into blocks open, on all threads


@contextlib.contextmanager
def results_into(destinations):
    """The next planned call on this thread writes its results into
    `destinations` where it can, instead of arrays of its own: a structure
    like its result (the same nesting of lists, tuples and dicts) holding
    arrays or None. A result array takes the destination at its place when
    that has its shape, dtype and C-order strides and the call allocates it
    whole (a view into a larger buffer cannot); the call returns the
    destination there, so a caller sees which results landed (`is`). For a
    bridge whose framework hands it the output buffers (XLA's)."""
    global _into_blocks
    _state.into = destinations
    with _cache_lock:
        _into_blocks += 1
    try:
        yield
    finally:
        _state.into = None
        with _cache_lock:
            _into_blocks -= 1


def _cupy():
    import cupy
    return cupy


@contextlib.contextmanager
def _on_device(device):
    if device is None:
        yield
        return
    import cupy
    with cupy.cuda.Device(device):
        yield


def planned(*arrays, structures=()):
    """Decorator: plan fn's calls (see Planned). The result is a plain
    function (help() shows fn's signature and docstring) whose `planned`
    attribute is the Planned and `program_for` its method."""
    def wrap(fn):
        plans = Planned(fn, arrays, structures)

        run = plans.__call__

        @functools.wraps(fn)
        def call(*args, **kwargs):
            return run(*args, **kwargs)
        call.planned = plans
        call.program_for = plans.program_for
        return call
    return wrap


def lazy_for_dask(fn):
    """Decorator for a public function that is not planned: a call holding
    dask arrays builds its graph (cuwavelet/_dask.py: the function on every
    block) rather than computing them, as a planned function's call does."""
    @functools.wraps(fn)
    def call(*args, **kwargs):
        if "dask" in sys.modules and (_holds_dask(args) or _holds_dask(kwargs)):
            from . import _dask
            return _dask.call(call, args, kwargs)
        return fn(*args, **kwargs)
    return call


# --- the public plan object -----------------------------------------------------------

class Plan:
    """A transform call planned once, to run on new arrays of the same layout.

    Made by :func:`cuwavelet.get_plan`. Calling it runs the transform on the
    arrays given (in the order of the function's array parameters: ``data``
    for the forward transforms, ``coeffs`` for the inverses, ...), which must
    have the shapes, strides, dtypes and device of the arrays it was planned
    for; everything else (wavelet, mode, level, axes) is fixed.
    """

    def __init__(self, function, program, layout, positions):
        self.function, self._program = function, program
        self._layout, self._positions = layout, positions

    def __call__(self, *arrays):
        if len(arrays) != len(self._positions):
            raise TypeError(f"this plan of {self.function.__name__} takes {len(self._positions)} "
                            f"array argument(s); got {len(arrays)}")
        found, layout = [], []
        if not all(_scan(a, found, layout, nested) for a, nested in zip(arrays, self._positions)) \
                or tuple(layout) != self._layout:
            raise ValueError(f"these arrays do not have the layout this plan of "
                             f"{self.function.__name__} was made for (shapes, strides, dtypes, "
                             "device, structure); make a plan for them with cuwavelet.get_plan")
        return Planned._run(self._program, found)

    @property
    def launches(self) -> int:
        """Kernel launches per call."""
        return self._program.launches

    def describe(self) -> str:
        """What a call does: its launches, allocations and the route of each level."""
        return self._program.describe()

    def __repr__(self):
        return f"<cuwavelet plan: {self.describe()}>"


def get_plan(function, *args, **kwargs) -> Plan:
    """Plan ``function(*args, **kwargs)`` once and return it as a callable.

    The transforms of ``cuwavelet`` and ``cuwavelet.adjoint`` keep a cache of
    such plans and use it on every call, so most code never needs this. A
    plan object makes the reuse explicit (as cuFFT plans do), shows what a call
    does (``describe()``: kernel launches, allocations, the route of every
    level and the reason) and skips even the cache lookup.

    Parameters
    ----------
    function : callable
        A transform of ``cuwavelet`` or ``cuwavelet.adjoint``.
    *args, **kwargs
        A call of it, with arrays of the layout to plan for.

    Returns
    -------
    Plan
        Callable with new arrays of the same layout (the function's array
        arguments, in order); every other argument is fixed.

    Examples
    --------
    >>> import numpy as np
    >>> import cuwavelet as cw
    >>> x = np.random.default_rng(0).standard_normal((8, 256))
    >>> plan = cw.get_plan(cw.wavedec, x, "db2", level=3)
    >>> coeffs = plan(x + 1.0)
    >>> [c.shape for c in coeffs]
    [(8, 34), (8, 34), (8, 66), (8, 129)]
    >>> plan.launches
    3
    """
    plans = getattr(function, "planned", None)
    if not isinstance(plans, Planned):
        raise TypeError(f"{getattr(function, '__name__', function)!r} is not a transform of "
                        "cuwavelet or cuwavelet.adjoint")
    program, arrays = plans.program_for(args, kwargs)
    found, layout = [], []
    given = _array_arguments(plans, args, kwargs)
    if not arrays or not all(_scan(a, found, layout, nested) for a, nested in given):
        raise TypeError(f"this call of {function.__name__} cannot be planned: give its data as "
                        "NumPy or CuPy arrays and its other arguments as hashable values")
    if [id(a) for a in found] != [id(a) for a in arrays]:
        raise TypeError(f"give the array arguments of {function.__name__} in the order of its "
                        "parameters to plan it")
    return Plan(function, program, tuple(layout), [nested for _, nested in given])


def _array_arguments(plans, args, kwargs):
    """(value, nested) of the call's array arguments, in parameter order."""
    import inspect
    bound = inspect.signature(plans.fn).bind(*args, **kwargs)
    return [(bound.arguments[name], plans.nested[name]) for name in bound.arguments
            if name in plans.nested]
