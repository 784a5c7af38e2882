"""faxgw's technician commands (``faxgw modem send`` / ``receive``) on spandsp's T.31 modem,
with spandsp's fax terminal at the far end: faxgw against a modem and a T.30 it did not write.
The profile is probed and matched, as a technician on a new modem would run it."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.hwsim.efaxrun import make_pages
from tests.interop.spandsp.farend import (assert_same_pages, assert_success, far_end,
                                          tiff_pages)

pytestmark = pytest.mark.interop

A4_FINE_LINES = 2292  # what faxgw's documents keep as is at fine


async def faxgw(*args: str, timeout: float = 120) -> tuple[int, dict, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "faxgw", "modem", *args,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    text = out.decode(errors="replace")
    return proc.returncode, json.loads(text) if text.strip() else {}, err.decode()[-3000:]


def page_image(directory: Path, seed: int = 1) -> tuple[Path, np.ndarray]:
    """An A4 fine page of random rectangles as a PNG faxgw renders without scaling."""
    directory.mkdir(exist_ok=True)
    (_, ink), = make_pages(directory, 1, lines=A4_FINE_LINES, fine=True, seed=seed)
    path = directory / "page.png"
    Image.fromarray(~ink).save(path, dpi=(204, 196))
    return path, ink


# Offered everything, faxgw uses ECM (framed by itself: this modem's +FTH=? is 3 alone)
# and with it MMR; offered MH alone, MH.
@pytest.mark.parametrize("offered,coding", [(("mh", "mr", "mmr"), "MMR"), (("mh",), "MH")])
async def test_faxgw_sends_to_spandsp(tmp_path, offered, coding):
    png, ink = page_image(tmp_path)
    _, decoy = page_image(tmp_path / "decoy", seed=2)
    async with far_end(tmp_path, "answer", tmp_path / "received.tif", ident="1002",
                       compressions=offered) as far:
        code, sent, err = await faxgw("send", "--device", far.device, "--ident", "1001",
                                      "1002", str(png))
        result = await far.result(timeout=60)
    assert code == 0 and sent["success"], json.dumps(sent)[-3000:] + err + far.log()[-3000:]
    assert_success(result, far, pages=1)
    assert sent["pages_confirmed"] == 1 and sent["remote_ident"] == "1002"
    assert result.remote_ident == "1001" and result.bit_rate == sent["bit_rate"] == 14400
    assert result.compression == coding and sent["coding"] == coding
    assert_same_pages(tiff_pages(tmp_path / "received.tif"), [ink], decoy=decoy)


async def test_faxgw_receives_from_spandsp(tmp_path):
    (page, ink), = make_pages(tmp_path, 1, lines=A4_FINE_LINES, fine=True)
    async with far_end(tmp_path, "originate", page, ident="1001") as far:
        code, got, err = await faxgw("receive", "--device", far.device, "--ident", "1002",
                                     "--output", str(tmp_path / "in"), "--ring-timeout", "60")
        result = await far.result(timeout=60)
    assert code == 0 and got["success"], json.dumps(got)[-3000:] + err + far.log()[-3000:]
    assert_success(result, far, pages=1)
    assert got["remote_ident"] == "1001" and result.remote_ident == "1002"
    files = sorted((tmp_path / "in").glob("fax-*.tif"))
    assert len(files) == 1
    assert_same_pages(tiff_pages(files[0]), [ink])
