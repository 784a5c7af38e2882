"""A noisy, lossy line: 14400 fails spandsp's training check and the sender (efax, then faxgw)
falls back until a rate carries the page, which must still arrive exact. No ECM: neither
sender uses it here, so one wrong bit shows as a wrong row.

Only spandsp receives: efax's own TCF check passes 14400 on this line and it accepts pages
with up to ten bad rows (its -q default), so efax receiving would prove nothing about fallback."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.hwsim.efaxrun import expected_received
from tests.interop.spandsp.farend import (assert_same_pages, assert_success, far_end,
                                          tiff_pages)
from tests.interop.spandsp.test_efax import a4_page
from tests.interop.spandsp.test_faxgw_cli import faxgw, page_image

pytestmark = pytest.mark.interop

# 25 dB of loss puts spandsp's -12.5 dBm0 signal at -37.5 dBm0, 22.5 dB above this noise:
# too little for V.17 at 14400 (TCF's zero runs break after a few thousand bits), enough for
# V.17 at 12000 to carry an A4 page without an error (measured with efax sending: 10 calls out
# of 10 got FTT at 14400 and a clean page at 12000).
NOISY_LINE = {"attenuation_db": 25.0, "noise_dbm0": -60.0}


def training_failures(log: str) -> int:
    return log.count("FTT with final frame tag")


async def test_efax_falls_back_on_a_noisy_line_and_the_page_arrives_exact(efax, tmp_path):
    page, ink = a4_page(tmp_path, fine=True)
    async with far_end(tmp_path, "answer", tmp_path / "received.tif", **NOISY_LINE) as far:
        sent = await asyncio.to_thread(efax.send, far.device, "1002", [page])
        result = await far.result(timeout=90)
    assert sent.returncode == 0, sent.log[-3000:] + far.log()[-3000:]
    assert_success(result, far, pages=1)
    assert result.bit_rate < 14400 and training_failures(far.log()) >= 1, result
    assert result.bad_rows == 0
    assert_same_pages(tiff_pages(tmp_path / "received.tif"), [expected_received(ink, True)])


async def test_faxgw_falls_back_on_a_noisy_line_and_the_page_arrives_exact(tmp_path):
    png, ink = page_image(tmp_path)
    async with far_end(tmp_path, "answer", tmp_path / "received.tif", **NOISY_LINE) as far:
        code, sent, err = await faxgw("send", "--device", far.device, "1002", str(png))
        result = await far.result(timeout=90)
    assert code == 0 and sent["success"], json.dumps(sent)[-3000:] + err + far.log()[-3000:]
    assert_success(result, far, pages=1)
    assert sent["bit_rate"] == result.bit_rate < 14400, result
    assert training_failures(far.log()) >= 1 and result.bad_rows == 0
    assert_same_pages(tiff_pages(tmp_path / "received.tif"), [ink])
