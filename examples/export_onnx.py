"""Train a wavelet denoiser with bridges.torch, then export it to ONNX and run
it in ONNX Runtime, where cuwavelet is not needed.

    python examples/export_onnx.py [--steps 200] [--out denoiser.onnx]
    (pip install -e ".[onnx]" for onnx, onnxscript and onnxruntime)

The model: a learnable filter bank (DWT2D and IDWT2D sharing one bank,
started from db2) and a soft threshold per level; trained with Adam to
remove Gaussian noise from smooth images. Training runs on cuwavelet's
kernels; the export runs inside bt.portable(), which records the transforms
as plain torch operations, so the ONNX file holds the learned filters and
thresholds as constants and nothing of cuwavelet. ONNX Runtime's output is
compared with the model's own.
"""
from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import bridges.torch as bt  # noqa: E402


class Denoiser(torch.nn.Module):
    def __init__(self, level: int = 3):
        super().__init__()
        self.dwt = bt.DWT2D("db2", mode="symmetric", level=level, learnable=True)
        self.log_thresholds = torch.nn.Parameter(torch.full((level,), -2.0))

    def forward(self, x):
        a, *details = self.dwt(x)
        bank = self.dwt.filter_bank  # the inverse uses the same (learned) filters
        kept = [tuple(bt.threshold(d, t, "soft") for d in level)
                for level, t in zip(details, self.log_thresholds.exp())]
        return bt.waverec2([a, *kept], bank, mode="symmetric")


def smooth_images(batch: int, size: int, generator: torch.Generator) -> torch.Tensor:
    """Sums of a few random 2D Gaussian bumps."""
    grid = torch.linspace(0, 1, size)
    yy, xx = torch.meshgrid(grid, grid, indexing="ij")
    out = torch.zeros(batch, size, size)
    for _ in range(4):
        cy, cx, width = torch.rand(3, batch, 1, 1, generator=generator)
        out += torch.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (0.02 + 0.1 * width))
    return out


def train(steps: int = 200, report=print) -> tuple[Denoiser, list]:
    gen = torch.Generator().manual_seed(0)
    model = Denoiser()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    history = []
    for step in range(steps + 1):
        clean = smooth_images(16, 64, gen)
        noisy = clean + 0.1 * torch.randn(clean.shape, generator=gen)
        loss = (model(noisy) - clean).square().mean()
        history.append(loss.item())
        if step % max(1, steps // 5) == 0:
            report(f"step {step:4d}  mean squared error {loss.item():.5f}")
        if step < steps:
            opt.zero_grad()
            loss.backward()
            opt.step()
    return model.eval(), history


def export_and_run(model: Denoiser, path: str, report=print) -> float:
    """Exports model to `path`, runs it in ONNX Runtime on fresh noisy images
    and returns the largest difference from the model's own output."""
    import onnxruntime
    x = smooth_images(4, 64, torch.Generator().manual_seed(1)) + 0.1
    with bt.portable(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model, (x,), path, dynamo=True, verbose=False)
    session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    (got,) = session.run(None, {session.get_inputs()[0].name: x.numpy()})
    with torch.no_grad():
        difference = float((torch.from_numpy(got) - model(x)).abs().max())
    report(f"ONNX Runtime ran {path}: largest difference from the model {difference:.2e}")
    return difference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--out", default="denoiser.onnx")
    args = parser.parse_args()
    model, _ = train(args.steps)
    export_and_run(model, args.out)


if __name__ == "__main__":
    main()
