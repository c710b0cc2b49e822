"""Where a fused GPU kernel's registers go: the source lines at its register
peak, and any spills. No GPU needed.

    python benchmarks/register_peaks.py "fused_dwt2_kernel<2, 2, 1, float>" \
        [--source fused_device.cu] [--top 12] [--margin 2] [--depth 3] [--loops]

ptxas fits each kernel into the registers its launch bound leaves (64 at 4
blocks of 256 threads per SM), so the register count alone says little about
what to change: the most registers live at once anywhere in the kernel sets
it, and ptxas spills, or a kernel needs a looser bound, because of that one
place. This prints, for one specialization compiled as cuwavelet compiles it
(NVRTC to PTX, with line information; then ptxas for sm_90):

    registers   ptxas's count, and the most registers live at one instruction
    peak lines  the source lines (kernel headers, by file and line, with the
                lines of the functions they are inlined into) of the
                instructions within --margin of that peak, most first
    spills      every local-memory store or load ptxas added, with its line

With --loops it prints instead the kernel's loops (a backward branch and the
instructions from its target to it), innermost last, each with its size, its
instructions by opcode and the source lines most of them come from: what one
trip of a gather, a filter pass or a tile costs, compiled (static counts: a
trip runs the loop's straight-line part and the branches it takes; the
fused kernels' tap loops are unrolled to kMaxFusedTaps and left early).

Needs ptxas (the CUDA toolkit's, on PATH or under $CUDA_HOME/bin) and nvdisasm
(the toolkit's, or `pip install nvidia-cuda-nvdisasm`).
"""
from __future__ import annotations

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from cuwavelet import _kernel_resources as kr  # noqa: E402
from cuwavelet._backends import cuda  # noqa: E402


def tool(name: str) -> str:
    """A CUDA binary utility: on PATH, under $CUDA_HOME/bin, or from its pip
    package (nvidia/cu*/bin)."""
    found = shutil.which(name)
    if found:
        return found
    for home in filter(None, (os.environ.get("CUDA_HOME"), os.environ.get("CUDA_PATH"),
                              "/usr/local/cuda")):
        if (Path(home) / "bin" / name).is_file():
            return str(Path(home) / "bin" / name)
    try:
        import nvidia
        for root in nvidia.__path__:
            for candidate in sorted(Path(root).glob(f"cu*/bin/{name}")):
                return str(candidate)
    except ImportError:
        pass
    raise SystemExit(f"{name} not found: install the CUDA toolkit"
                     + (" or `pip install nvidia-cuda-nvdisasm`" if name == "nvdisasm" else ""))


def ptx_of(source: str, name: str) -> str:
    """PTX of one specialization, with line information naming the headers."""
    from cupy_backends.cuda.libs import nvrtc
    prog = nvrtc.createProgram(cuda.inline_source(source, line_markers=True), source, [], [])
    try:
        nvrtc.addNameExpression(prog, name)
        try:
            nvrtc.compileProgram(prog, [f"-arch=compute_{kr.DEFAULT_ARCH[3:]}", "-lineinfo",
                                        *cuda.COMPILE_OPTIONS])
        except Exception as exc:
            raise SystemExit(f"NVRTC failed on {name}:\n" + nvrtc.getProgramLog(prog)) from exc
        return nvrtc.getPTX(prog).decode().rstrip("\0")
    finally:
        nvrtc.destroyProgram(prog)


_ADDRESS = re.compile(r"^\s+/\*([0-9a-f]{4,})\*/\s+(.*?);")
_LINE = re.compile(r'//## File "([^"]+)", line (\d+)(?: inlined at "([^"]+)", line (\d+))?')
_LIVE = re.compile(r"//\s*\|\s*(\d+)")


def instructions(cubin: Path):
    """[(address, instruction, live registers, place)] of the cubin's one
    kernel, from nvdisasm's life ranges and line information; place: the
    source lines from the innermost inlined function out, ((file, line), ...)."""
    nvdisasm = tool("nvdisasm")
    lines = subprocess.run([nvdisasm, "-c", "-gi", str(cubin)], capture_output=True, text=True,
                           check=True).stdout
    where, chain, fresh = {}, (), True
    for text in lines.splitlines():
        m = _LINE.search(text)
        if m:
            at = (Path(m.group(1)).name, int(m.group(2)))
            chain = (at,) if fresh else chain  # the first line of a group is the innermost
            if m.group(3):
                chain += ((Path(m.group(3)).name, int(m.group(4))),)
            fresh = False
            continue
        m = _ADDRESS.match(text)
        if m:
            where[m.group(1)] = chain
            fresh = True
    ranges = subprocess.run([nvdisasm, "-c", "-plr", str(cubin)], capture_output=True,
                            text=True, check=True).stdout
    out = []
    for text in ranges.splitlines():
        m, live = _ADDRESS.match(text), _LIVE.search(text)
        if m and live:
            out.append((m.group(1), m.group(2).strip(), int(live.group(1)),
                        where.get(m.group(1), ())))
    return out


_LABEL = re.compile(r"^\s*(\.L_x_\d+):")
_BRANCH = re.compile(r"\bBRA(?:\.\S+)?\s+`\((\.L_x_\d+)\)")


def loops(cubin: Path):
    """[(first address, last address)] of the cubin's loops: each backward
    branch and its target, from nvdisasm's labels."""
    text = subprocess.run([tool("nvdisasm"), "-c", str(cubin)], capture_output=True, text=True,
                          check=True).stdout
    labels, pending, branches = {}, [], []
    for line in text.splitlines():
        m = _LABEL.match(line)
        if m:
            pending.append(m.group(1))
            continue
        m = _ADDRESS.match(line)
        if m:
            at = int(m.group(1), 16)
            labels.update((label, at) for label in pending)
            pending = []
            b = _BRANCH.search(m.group(2))
            if b:
                branches.append((at, b.group(1)))
    return sorted({(labels[label], at) for at, label in branches if labels.get(label, at + 1) <= at})


def opcode(instruction: str) -> str:
    """An instruction's opcode without its predicate and modifiers (IMAD.WIDE.U32 -> IMAD)."""
    words = instruction.split()
    return (words[1] if words[0].startswith("@") else words[0]).split(".")[0]


def print_loops(table, spans, depth: int, top: int) -> None:
    for first, last in spans:
        body = [(t, place) for a, t, _, place in table if first <= int(a, 16) <= last]
        kinds = collections.Counter(opcode(t) for t, _ in body)
        print(f"\nloop {first:#06x}-{last:#06x}: {len(body)} instructions: "
              + ", ".join(f"{k} {n}" for k, n in kinds.most_common(8)))
        lines = collections.Counter(place[:1 + depth] for _, place in body)
        for place, count in lines.most_common(top):
            print(f"  {count:4d}  {describe(place, depth)}")


def code_at(file: str, line: int) -> str:
    path = cuda.KERNEL_DIR / file
    text = path.read_text().splitlines() if path.is_file() else []
    return text[line - 1].strip() if 0 < line <= len(text) else ""


def describe(place, depth: int) -> str:
    """The innermost line with its code, then its callers' lines."""
    if not place:
        return "?"
    (file, line), callers = place[0], place[1:1 + depth]
    via = "".join(f" <- {f}:{n}" for f, n in callers)
    return f"{file}:{line}{via}\n          {code_at(file, line)[:96]}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("name", help='a specialization, e.g. "fused_dwt2_kernel<2, 2, 1, float>"')
    p.add_argument("--source", default="fused_device.cu", help="its .cu file in cuwavelet/kernels")
    p.add_argument("--top", type=int, default=12)
    p.add_argument("--margin", type=int, default=2,
                   help="instructions within this many registers of the peak count")
    p.add_argument("--depth", type=int, default=3,
                   help="callers shown (and grouped on) past the innermost inlined line")
    p.add_argument("--loops", action="store_true",
                   help="print the kernel's loops: sizes, opcodes, source lines")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        ptx, cubin = Path(tmp) / "k.ptx", Path(tmp) / "k.cubin"
        ptx.write_text(ptx_of(args.source, args.name))
        log = subprocess.run([tool("ptxas"), f"-arch={kr.DEFAULT_ARCH}", "-v", str(ptx), "-o",
                              str(cubin)], capture_output=True, text=True, check=True).stderr
        table = instructions(cubin)
        spans = loops(cubin) if args.loops else []
    used = re.search(r"Used (\d+) registers", log)
    spilled = re.search(r"(\d+) bytes spill stores, (\d+) bytes spill loads", log)
    peak = max(live for _, _, live, _ in table)
    print(f"{args.name}: {used.group(1) if used else '?'} registers (ptxas), "
          f"at most {peak} live at one instruction; "
          f"spills {spilled.group(1) if spilled else 0} / {spilled.group(2) if spilled else 0} "
          f"bytes stored / loaded; {len(table)} instructions")
    if args.loops:
        print_loops(table, spans, args.depth, args.top)
        return
    near = collections.Counter(place[:1 + args.depth] for _, _, live, place in table
                               if live >= peak - args.margin)
    print(f"\ninstructions with at least {peak - args.margin} live registers, by source line"
          " (innermost <- its callers):")
    for place, count in near.most_common(args.top):
        print(f"  {count:4d}  {describe(place, args.depth)}")
    spills = [(address, text, place) for address, text, _, place in table
              if re.match(r"(@!?P\w+\s+)?(STL|LDL)\b", text)]
    if spills:
        print("\nspill stores and loads:")
        for address, text, place in spills:
            print(f"  {address}  {text:32s} {describe(place, args.depth)}")


if __name__ == "__main__":
    main()
