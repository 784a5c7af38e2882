"""A daemon that died mid-call leaves its modem in a data state; the next one's rescue must
bring it back at once, whatever the state: here, HDLC transmit at an image speed (an ECM
block) with a frame half written, which the modem does not leave on one <DLE><ETX>."""

from __future__ import annotations

import asyncio

from faxgw.modem.profiles import DRIVERS_DIR
from faxgw.modem.rescue import rescue
from hwsim import ModemBank
from tests.hwsim.dte import Dte
from tests.hwsim.test_modem import connect


async def test_rescue_ends_an_ecm_block_cut_mid_frame():
    # The one hw-sim modem that frames HDLC at image speed itself (+FTH=146).
    lucent = DRIVERS_DIR / "hwsim-class1-lucent.toml"
    with ModemBank(timing="accelerated") as bank:
        a = bank.add_modem("1001", name="a", profile=lucent)
        b = bank.add_modem("1002", name="b", profile=lucent)
        with Dte(a.device) as caller, Dte(b.device) as called:
            connect(caller, called)
            assert caller.at("+FTH=146").endswith(b"CONNECT\r\n")  # V.17 14400 frames
            caller.send(bytes.fromhex("ff0306") + bytes(100))  # a FCD frame, cut short
            caller.quiet_for(0.2)
        # The process is gone; the next daemon's rescue runs on the port.
        await asyncio.wait_for(rescue(a.device, "hwsim-class1-lucent"), 10)
        with Dte(a.device) as fresh:
            assert fresh.at("", timeout=2).endswith(b"OK\r\n")
