"""Regression: a line dropped while the called modem is in receive data state (+FRM) must
end the data with <DLE><ETX> before NO CARRIER (T.31 8.3.3). hw-sim sent only the result
code, so the receiving DTE (efax, in the scheduler's line-drop test) never left data state."""

import asyncio
import time

import pytest

from faxgw.modem.device import open_modem
from faxgw.modem.profiles import DRIVERS_DIR, find_profile
from faxgw.t30.link import DialResult, LinkError, Modulation
from hwsim import ModemBank

PROFILE = find_profile("hwsim-class1", [DRIVERS_DIR])
DIS = bytes([0xFF, 0x13, 0x80, 0x00, 0xCE, 0xF4, 0x80])
IMAGE = bytes((i * 13) % 251 or 1 for i in range(40_000))


async def test_receiver_leaves_data_state_when_the_line_drops_mid_page():
    with ModemBank(timing="accelerated") as bank:
        caller, called = bank.add_modem("1001"), bank.add_modem("1002")
        bank.fault_next_call("1002", drop_during_page=1, drop_after_page_bytes=4000)
        async with open_modem(caller.device, PROFILE) as a, \
                open_modem(called.device, PROFILE) as b:

            async def called_side():
                await b.wait_for_ring(20)
                link = b.class1_link()
                await link.answer(20)
                await link.send_frames([DIS])
                started = time.monotonic()
                with pytest.raises(LinkError):
                    data = await link.receive_image(Modulation.V17_14400, 10)
                    assert len(data) < len(IMAGE)  # what came before the drop, then an error
                    raise LinkError("carrier ended with the data cut short")
                await link.hang_up()
                return time.monotonic() - started

            async def calling_side():
                link = a.class1_link()
                assert await link.dial("1002", 30) is DialResult.CONNECTED
                await link.receive_frame(10)
                await link.send_silence(75)
                with pytest.raises(LinkError):
                    await link.send_image(Modulation.V17_14400, IMAGE)
                await link.hang_up()

            waited, _ = await asyncio.gather(called_side(), calling_side())
    # Without <DLE><ETX> the receiver waits for the link's data idle timeout (5 s).
    assert waited < PROFILE.timing.data_idle_timeout_s / 2
