"""The independent G3 implementations the codec is checked against: libtiff (through
Pillow, and its command-line tools fax2tiff and tiffcp) and ghostscript.

A missing tool fails the test loudly (shared/design/testing.md): a skipped interop test
would let the codec drift from what other fax software reads.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, features

FAX2TIFF_CODING = {"MH": ["-3", "-1"], "MR": ["-3", "-2"], "MMR": ["-4"]}


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} is not installed; .ci/run installs libtiff-tools and ghostscript")
    return path


def run(args: list[str], timeout: float = 60) -> subprocess.CompletedProcess:
    require(args[0])
    done = subprocess.run(args, capture_output=True, timeout=timeout)
    if done.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed: {done.stderr.decode(errors='replace')}")
    return done


def libtiff_black_masks(tiff: bytes) -> list[np.ndarray]:
    """Decode every page with libtiff (Pillow has no fax decoder of its own) and return
    True-is-black masks, honouring PhotometricInterpretation as libtiff reports it."""
    assert features.check("libtiff"), "Pillow was built without libtiff"
    masks = []
    with Image.open(io.BytesIO(tiff)) as image:
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            masks.append(~np.asarray(image.convert("1"), dtype=bool))
    return masks


def fax2tiff_black_mask(raw: bytes, width: int, coding: str, bit_order: str,
                        aligned: bool, tmp_path: Path) -> tuple[np.ndarray, str]:
    """Decode a raw G3/G4 stream with libtiff's fax2tiff; returns (mask, its stderr)."""
    source, target = tmp_path / "page.fax", tmp_path / "page.tif"
    source.write_bytes(raw)
    args = ["fax2tiff", *FAX2TIFF_CODING[coding], "-M" if bit_order == "msb" else "-L",
            "-A" if aligned else "-P", "-X", str(width), "-u", "-o", str(target), str(source)]
    done = run(args)
    (mask,) = libtiff_black_masks(target.read_bytes())
    return mask, done.stderr.decode(errors="replace")


def tiffcp(tiff: bytes, options: list[str], tmp_path: Path) -> bytes:
    source, target = tmp_path / "in.tif", tmp_path / "out.tif"
    source.write_bytes(tiff)
    run(["tiffcp", *options, str(source), str(target)])
    return target.read_bytes()


def ghostscript_fax_tiff(pdf: bytes, device: str, tmp_path: Path, resolution="204x196") -> bytes:
    source, target = tmp_path / "in.pdf", tmp_path / "out.tif"
    source.write_bytes(pdf)
    run(["gs", "-q", "-dNOPAUSE", "-dBATCH", "-dSAFER", f"-sDEVICE={device}",
         f"-r{resolution}", "-sPAPERSIZE=a4", f"-sOutputFile={target}", str(source)])
    return target.read_bytes()
