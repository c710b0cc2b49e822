"""The command line: `python -m cuwavelet demo`, `bench`, and its usage errors."""
import json
import re
import subprocess
import sys

import pytest

from cuwavelet.cli import main
from conftest import gpu_skip
from cuwavelet.cli._device import cuda_available

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
DEMO_FILES = ("wavedec2_mosaic.png", "denoise.png", "signal1d.png")
needs_gpu = gpu_skip(cuda_available())


def _cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "cuwavelet", *args], capture_output=True, text=True,
                          timeout=timeout)


def _check_demo_output(folder, stdout):
    import matplotlib.image as mpimg
    for name in DEMO_FILES:
        path = folder / name
        assert path.read_bytes()[:8] == PNG_MAGIC
        image = mpimg.imread(path)
        assert image.ndim == 3 and image.shape[2] in (3, 4)
        assert image.shape[0] >= 400 and image.shape[1] >= 800
        assert image[..., :3].std() > 0.05  # something was drawn
        assert str(path.resolve()) in stdout
    errors = [float(e) for e in re.findall(r"perfect-reconstruction error[^\n]*?([0-9.]+e[-+]\d+)", stdout)]
    # pywt's own round trip errs as much: its sym3 filters are good to ~1e-11 only
    assert len(errors) == 2 and max(errors) < 1e-6
    noisy, universal, bayes = map(float, re.search(
        r"PSNR noisy ([\d.]+) dB -> universal threshold \([\d.]+\) ([\d.]+) dB, BayesShrink ([\d.]+) dB",
        stdout).groups())
    assert universal > noisy + 1 and bayes > noisy + 1  # thresholding removed noise


def test_no_subcommand_prints_help():
    result = _cli()
    assert result.returncode == 0
    assert result.stdout.startswith("usage: python -m cuwavelet")
    assert "demo" in result.stdout and "bench" in result.stdout


def test_demo_default_device_writes_pngs(tmp_path):
    # Through `python -m`, with no --device: the GPU when there is one, else the CPU.
    result = _cli("demo", "--out", str(tmp_path), "--level", "2")
    assert result.returncode == 0, result.stderr
    assert ("demo on cuda:" if cuda_available() else "demo on cpu") in result.stdout
    _check_demo_output(tmp_path, result.stdout)


def test_demo_options(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path / "new" / "dir"), "--device", "cpu", "--wavelet", "sym3",
                 "--level", "4", "--mode", "periodization", "--image", "ascent"]) == 0
    out = capsys.readouterr().out
    assert "wavelet sym3, level 4, mode periodization" in out and "ascent 512x512" in out
    _check_demo_output(tmp_path / "new" / "dir", out)


def test_demo_without_matplotlib_says_which_extra(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib raises ImportError
    assert main(["demo", "--out", str(tmp_path), "--device", "cpu"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == ("python -m cuwavelet demo draws with matplotlib, which is not installed: "
                           "pip install 'cuwavelet[demo]'")
    assert not any(tmp_path.iterdir())


def test_help_names_the_workloads_of_each_device():
    result = _cli("bench", "--help")
    assert result.returncode == 0
    text = " ".join(result.stdout.split())
    assert "W1-W4 on the CPU; on a CUDA device also W5 and W6, whose inputs are GPU-sized" in text


def test_bench_quick_prints_table_and_writes_json(tmp_path, capsys):
    path = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--device", "cpu", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "quick:" in out and "cw speedup" in out
    assert "W5 and W6 not run: GPU-sized inputs" in out  # said, not silently dropped
    rows = json.loads(path.read_text())
    assert {r["workload"] for r in rows} == {"W1", "W2", "W3", "W4"}  # W5, W6 are GPU only
    if any(r["impl"] == "cuwavelet/torch-bridge" and r["median_s"] for r in rows):
        assert "cuwavelet/torch-bridge = the same kernels, called through bridges.torch" in out
    for w in ("W1", "W2", "W3", "W4"):
        assert re.search(rf"^{w}\s+cuwavelet\s+cpu\s+[\d.]+ [mu]?s", out, re.M)
        assert re.search(rf"^{w}\s+pywt\s+cpu\s+[\d.]+ [mu]?s", out, re.M)
        ours = next(r for r in rows if r["workload"] == w and r["impl"] == "cuwavelet")
        assert ours["median_s"] > 0 and ours["runs"] >= 3 and ours["cw_speedup"] == 1.0
        assert ours["max_abs_err"] < 1e-4  # the same coefficients as pywt (W3, W4 are float32)


@pytest.mark.parametrize("argv, message", [
    (["frobnicate"], "invalid choice"),
    (["bench", "--device", "tpu"], "invalid choice"),
    (["bench", "--bogus"], "unrecognized arguments"),
    (["bench", "--json", "/nonexistent-folder/out.json"], "does not exist"),
    (["demo", "--level", "0"], "must be >= 1"),
    (["demo", "--level", "three"], "not an integer"),
    (["demo", "--level", "9"], "too deep"),
    (["demo", "--wavelet", "db99"], "unknown discrete wavelet"),
    (["demo", "--wavelet", "morl"], "unknown discrete wavelet"),  # continuous: no DWT
    (["demo", "--mode", "mirror"], "invalid choice"),
    (["demo", "--out", __file__], "not a folder"),
])
def test_bad_arguments_exit_2_with_usage(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m cuwavelet") and message in err


def test_bad_argument_gives_no_traceback():
    result = _cli("demo", "--level", "-1")
    assert result.returncode == 2
    assert "usage:" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(cuda_available(), reason="this machine has a GPU")
def test_cuda_requested_without_gpu_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["bench", "--device", "cuda"])
    assert exit_info.value.code == 2
    assert "no CUDA device" in capsys.readouterr().err


@pytest.mark.gpu
@needs_gpu
def test_demo_on_gpu(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path), "--device", "cuda"]) == 0
    out = capsys.readouterr().out
    assert "demo on cuda:" in out
    _check_demo_output(tmp_path, out)


@pytest.mark.gpu
@needs_gpu
def test_bench_quick_on_gpu(tmp_path, capsys):
    path = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--device", "cuda", "--json", str(path)]) == 0
    out = capsys.readouterr().out
    assert "GB/s" in out and "copy measured here" in out
    rows = json.loads(path.read_text())
    ours = {r["workload"]: r for r in rows if r["impl"] == "cuwavelet"}
    assert set(ours) == {"W1", "W2", "W3", "W4", "W5", "W6"}
    for r in ours.values():
        assert r["device"] == "cuda" and r["median_s"] > 0 and 0 < r["copy_fraction"] < 1.5
        assert r["max_abs_err"] < 1e-3
