"""Getting a modem back that a dead process left in a call.

A modem left in a call by a crashed daemon still waits for its data (ATZ is data to it):
end the data the T.31 way before anything else, then the channel's recovery ladder.
"""

from __future__ import annotations

import asyncio
import logging

from faxgw.modem.at.channel import AtChannel
from faxgw.modem.at.dle import DLE_ETX
from faxgw.modem.device import GENERIC
from faxgw.modem.profiles import find_profile, profile_dirs
from faxgw.modem.at.states import CAN

log = logging.getLogger("faxgw.modem.rescue")

RESCUE_TIMEOUT_S = 30.0


async def rescue(port: str, profile_name: str) -> None:
    """Best effort: <DLE><ETX> twice, CAN, then the channel's recovery ladder (AT, +++,
    ATH, ATZ). Failures are left to the next probe.

    The first <DLE><ETX> ends image data (+FTM) or the frame a dead process left half
    written (+FTH); in HDLC transmit the modem then waits for the next frame, and only the
    second, empty frame turns the carrier off (T.31 8.3.3) -- without it an ECM call cut
    mid-block keeps the modem deaf until the far end hangs up. CAN aborts a receive."""
    try:
        profile = find_profile(profile_name or GENERIC, profile_dirs())
        channel = await AtChannel.open(port, profile.channel_settings())
    except Exception:  # noqa: BLE001 - the probe that follows reports why
        return
    try:
        async with asyncio.timeout(RESCUE_TIMEOUT_S):
            async with channel.transaction() as tx:
                tx.write_raw(DLE_ETX + DLE_ETX + CAN, "end any data state left by a previous run")
                await asyncio.sleep(0.3)
            await channel.recover()
    except Exception as exc:  # noqa: BLE001
        log.info("rescue of %s failed: %s", port, exc)
    finally:
        await channel.close()
