"""Regression: an image larger than hw-sim's transmit buffer (16 KB) must be paced by the
modem's XOFF/XON. The link used to write the whole page without yielding to the event loop,
so the XOFF was never read and the modem dropped bytes (found by the scheduler's efax test:
page 2 of a PDF, 16,474 bytes, lost its last 90 bytes and efax never saw the page end)."""

import asyncio

from faxgw.modem.device import open_modem
from faxgw.modem.profiles import DRIVERS_DIR, find_profile
from faxgw.t30.link import DialResult, Modulation
from hwsim import ModemBank

PROFILE = find_profile("hwsim-class1", [DRIVERS_DIR])
DIS = bytes([0xFF, 0x13, 0x80, 0x00, 0xCE, 0xF4, 0x80])
IMAGE = bytes((i * 7) % 251 for i in range(48_000)) + b"\x10\x03" * 20


async def test_a_large_image_is_paced_by_xoff_and_arrives_whole(tmp_path):
    with ModemBank(timing="accelerated", log_path=tmp_path / "calls.jsonl") as bank:
        caller, called = bank.add_modem("1001"), bank.add_modem("1002")
        async with open_modem(caller.device, PROFILE) as a, \
                open_modem(called.device, PROFILE) as b:

            page_received = asyncio.Event()

            async def called_side():
                await b.wait_for_ring(20)
                link = b.class1_link()
                await link.answer(20)
                await link.send_frames([DIS])
                image = await link.receive_image(Modulation.V17_14400, 10)
                page_received.set()
                await link.hang_up()
                return image

            async def calling_side():
                link = a.class1_link()
                assert await link.dial("1002", 30) is DialResult.CONNECTED
                await link.receive_frame(10)
                await link.send_silence(75)
                await link.send_image(Modulation.V17_14400, IMAGE)
                # Not hanging up under the receiver (see test_sender_hanging_up_right_after_
                # its_page in test_class1_link_hwsim.py, an hw-sim race).
                async with asyncio.timeout(10):
                    await page_received.wait()
                await link.hang_up()

            image, _ = await asyncio.gather(called_side(), calling_side())
        record = bank.wait_for_call("1002", timeout=10)
    assert not [n for n in record["notes"] if "overrun" in n], record["notes"]
    assert IMAGE in image
