"""ECM + MMR between faxgw and spandsp's fax terminal, through spandsp's T.31 modem, whose
+FTH=?/+FRH=? answer 3 alone: faxgw frames ECM's HDLC itself and carries it as +FTM/+FRM
image data, and spandsp's T.30, which nobody here wrote, must agree with every frame.

Both ways at 14400, 9600 and 7200, 64- and 256-octet frames, a noisy line that costs
resent frames and a lower speed, and a far end without ECM. Pages are compared pixel for
pixel through libtiff; faxgw's technician commands build their sessions as the daemon does."""

from __future__ import annotations

import json

import pytest

from tests.hwsim.efaxrun import make_pages
from tests.interop.spandsp.farend import (assert_same_pages, assert_success, far_end,
                                          tiff_pages)
from tests.interop.spandsp.test_faxgw_cli import A4_FINE_LINES, faxgw, page_image

pytestmark = pytest.mark.interop

# The line of the HylaFAX measurement: 25 dB of loss and noise at -55 dBm0 leave
# spandsp's signal 17.5 dB above the noise, where V.17 and V.29 at 9600 lose bits now and
# then: without ECM rows break, with ECM frames are resent.
NOISY_LINE = {"attenuation_db": 25.0, "noise_dbm0": -55.0}


async def send_to_spandsp(tmp_path, *flags: str, pages: int = 1, **far_options):
    png, ink = page_image(tmp_path)
    files = [str(png)] * pages
    async with far_end(tmp_path, "answer", tmp_path / "received.tif", ident="1002",
                       **far_options) as far:
        code, sent, err = await faxgw("send", "--device", far.device, "--ident", "1001",
                                      *flags, "1002", *files, timeout=240)
        result = await far.result(timeout=120)
    assert code == 0 and sent["success"], json.dumps(sent)[-3000:] + err + far.log()[-3000:]
    assert_success(result, far, pages=pages)
    assert_same_pages(tiff_pages(tmp_path / "received.tif"), [ink] * pages)
    return sent, result, far


async def receive_from_spandsp(tmp_path, **far_options):
    (page, ink), = make_pages(tmp_path, 1, lines=A4_FINE_LINES, fine=True)
    async with far_end(tmp_path, "originate", page, ident="1001", **far_options) as far:
        code, got, err = await faxgw("receive", "--device", far.device, "--ident", "1002",
                                     "--output", str(tmp_path / "in"), "--ring-timeout", "60",
                                     timeout=240)
        result = await far.result(timeout=120)
    assert code == 0 and got["success"], json.dumps(got)[-3000:] + err + far.log()[-3000:]
    assert_success(result, far, pages=1)
    files = sorted((tmp_path / "in").glob("fax-*.tif"))
    assert len(files) == 1
    assert_same_pages(tiff_pages(files[0]), [ink])
    return got, result, far


@pytest.mark.parametrize("rate", [14400, 9600, 7200])
async def test_faxgw_sends_ecm_mmr_to_spandsp(tmp_path, rate):
    sent, result, _ = await send_to_spandsp(tmp_path, max_rate=rate)
    assert sent["ecm"] is True and result.ecm is True
    assert sent["coding"] == "MMR" and result.compression == "MMR"
    assert sent["bit_rate"] == result.bit_rate == rate
    assert sent["ecm_frame_size"] == 256 and sent["pprs"] == 0
    assert sent["ecm_frames"] >= 5  # the page is about 1.7 KB of MMR


@pytest.mark.parametrize("rate", [14400, 9600, 7200])
async def test_faxgw_receives_ecm_mmr_from_spandsp(tmp_path, rate):
    got, result, _ = await receive_from_spandsp(tmp_path, max_rate=rate)
    assert got["ecm"] is True and result.ecm is True
    assert got["coding"] == "MMR" and result.compression == "MMR"
    assert got["bit_rate"] == result.bit_rate == rate
    assert got["ecm_frames"] >= 5 and got["pprs"] == 0


async def test_faxgw_sends_64_octet_frames_to_spandsp(tmp_path):
    sent, result, _ = await send_to_spandsp(tmp_path, "--ecm-frame-size", "64", pages=2)
    assert sent["ecm"] is True and sent["ecm_frame_size"] == 64 and result.ecm
    assert sent["coding"] == "MMR" and sent["pages_confirmed"] == 2
    assert sent["ecm_frames"] > 2 * 20  # 4 times the 256-octet frames


async def test_noisy_line_costs_resent_frames_and_speed_not_pixels(tmp_path):
    sent, result, far = await send_to_spandsp(tmp_path, **NOISY_LINE)
    assert sent["ecm"] is True and sent["coding"] == "MMR"
    assert sent["bit_rate"] == result.bit_rate < 14400, result
    assert sent["pprs"] >= 1 and sent["frames_retransmitted"] >= 1, json.dumps(sent)[-2000:]
    assert result.bad_rows == 0


async def test_noisy_line_receiving_from_spandsp_pages_still_exact(tmp_path):
    got, result, _ = await receive_from_spandsp(tmp_path, **NOISY_LINE)
    assert got["ecm"] is True and got["bit_rate"] == result.bit_rate < 14400, result
    assert got["pprs"] == result.ecm_retries or got["pprs"] >= 0


async def test_a_far_end_without_ecm_gets_mr_without_ecm(tmp_path):
    sent, result, _ = await send_to_spandsp(tmp_path, ecm=False)
    assert sent["ecm"] is False and result.ecm is False
    assert sent["coding"] == result.compression == "MR"
