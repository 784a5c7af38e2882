"""Getting a confused modem back to a known command state.

The ladder, each rung only if the one before did not work:
  1. leave data state the way T.31 says: <DLE><ETX> ends our transmit data (clauses 8.3.3, 8.3.5),
     any character aborts a receive (+FRS/+FRM/+FRH, clauses 8.3.2, 8.3.4, 8.3.6);
  2. XON, in case stray data paused the modem's output; ``AT`` must answer OK; if not, the V.250 escape: guard silence, ``+++``, guard silence
     (for a modem left in online data state);
  3. hang up (``ATH0``) and reset (``ATZ`` plus the profile's init commands).
A modem that answers none of it raises ModemUnresponsive (a ModemFault).
"""

from __future__ import annotations

import asyncio
from contextlib import suppress
from typing import TYPE_CHECKING

from faxgw.modem.at import dle
from faxgw.modem.at.errors import ATError, ATTimeout, ModemUnresponsive
from faxgw.modem.at.states import ANY_FINAL, CAN, Mode

if TYPE_CHECKING:
    from faxgw.modem.at.channel import Transaction

ESCAPE = b"+++"


async def recover(tx: Transaction) -> None:
    channel = tx.channel
    await leave_data_state(tx)
    # A DC3 byte of our data, read by a DCE in command state as XOFF, pauses its output
    # for good: release it first (harmless otherwise, V.250 5.2.1 ignores it).
    tx.write_raw(bytes((dle.DC1,)), "XON (release a paused DCE)")
    if not await answers_at(tx):
        await escape(tx)
        if not await answers_at(tx):
            raise ModemUnresponsive(channel.port, "no OK to AT, even after +++")
    with suppress(ATError, ATTimeout):
        await tx.command(channel.settings.hangup_command, numeric=True)
    try:
        await tx.reset()
    except (ATError, ATTimeout) as exc:
        raise ModemUnresponsive(channel.port, f"reset failed: {exc}") from exc


async def leave_data_state(tx: Transaction) -> None:
    mode = tx.channel.mode
    if mode is Mode.COMMAND:
        return
    if mode is Mode.DATA_TX:
        tx.write_raw(dle.DLE_ETX, "<DLE><ETX> (end transmit data)")
    else:
        tx.write_raw(CAN, "CAN (abort receive)")
    tx.end_data()
    # The modem ends the data with a final result; whatever it is, it is not ours to use.
    with suppress(ATError, ATTimeout):
        await tx.read_final("(end of data)", accept=ANY_FINAL, numeric=True)


async def answers_at(tx: Transaction) -> bool:
    try:
        await tx.command("AT", numeric=True)
    except ATTimeout:
        return False
    except ATError:
        return True  # ERROR to a bare AT is odd, but the modem is listening
    return True


async def escape(tx: Transaction) -> None:
    guard_s = tx.channel.settings.escape_guard_s
    await asyncio.sleep(guard_s)
    tx.write_raw(ESCAPE, "+++ (escape to command state)")
    await asyncio.sleep(guard_s)
    with suppress(ATError, ATTimeout):
        await tx.read_final("+++", accept=ANY_FINAL, numeric=True)
