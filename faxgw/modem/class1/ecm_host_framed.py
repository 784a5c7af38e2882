"""ECM's HDLC framed by the host and carried as image data (``+FTM``/``+FRM``).

Most Class 1 modems frame HDLC only at V.21: ``+FTH=?`` and ``+FRH=?`` list 3 alone. An ECM
partial page then goes the way HylaFAX sends it: the host frames it (``hdlc_framer``) and
the modem carries the octets as plain image data at the page's modulation.

- Sending: ``+FTM=<mod>``, CONNECT, 200 ms of flags (T.30 A.3.2), the frames back to back
  with one flag between them (the least T.30 5.3.6 allows), flags after the last RCP for
  the far demodulator to flush, <DLE><ETX>; the modem turns the carrier off once it has
  sent everything and answers OK (T.31 8.3.3).
- Receiving: ``+FRM=<mod>``, CONNECT after the training, then the deframer eats the data as
  it comes: flags are hunted through the training's noise, a frame with a bad FCS becomes
  a hole for the PPR map. The partial page ends with its RCP frames; a carrier that ends
  early (<DLE><ETX> with NO CARRIER mid-block) ends it too, with what arrived.

A mixin of ``AtClass1Link``: it uses that class's transactions and answer handling.
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing
from enum import Enum

from faxgw.modem.at.dle import DLE_ETX, stuff
from faxgw.modem.at.errors import ATTimeout
from faxgw.modem.at.transaction import Transaction
from faxgw.modem.at.results import Kind
from faxgw.modem.class1.hdlc_framer import HdlcDeframer, encode, preamble_flags
from faxgw.modem.at.states import ANY_FINAL, CAN
from faxgw.t30.ecm import is_rcp
from faxgw.t30.link import CarrierLost, Modulation, ReceivedFrame

# Flags after the last frame: the far demodulator delivers the last bits some time after
# they left (its equaliser and descrambler delay), and a carrier turned off right after the
# closing flag may take the last RCP with it. 20 ms of flags, as for TCF's turn-off.
CLOSING_SECONDS = 0.02
# Framing a block of this many octets or more costs over a few ms (about 10 ms for 64 KB):
# done in a worker thread, so T.30 timing holds meanwhile.
ENCODE_OFF_LOOP_OCTETS = 8192
# After the block's RCP the carrier ends within its own turn-off; a modem slow to see the
# carrier go is stopped after this much, for the PPS that follows must find us on V.21.
AFTER_RCP_GRACE_S = 0.5
SLACK = 1.1  # line time plus 10 % for the modem's buffer fill and training


class HostFramedEcm:
    """The host-framed ECM carriers of ``AtClass1Link``."""

    async def _send_hdlc_host_framed(self, modulation: Modulation, frames: list[bytes]) -> None:
        data = await _framed(frames, modulation.bit_rate)
        command = f"AT+FTM={modulation.value}"
        async with self._transaction() as tx:
            await self._start_transmit(tx, command)
            self._ch.note("ecm>", f"{len(frames)} frames, {len(data)} octets host-framed "
                          f"at {modulation.name}")
            await tx.write_data(stuff(data) + DLE_ETX)
            tx.end_data()
            line_s = len(data) * 8 * SLACK / modulation.bit_rate
            reply = await tx.read_final(f"{command} ECM block", accept=ANY_FINAL,
                                        timeout_s=line_s + self._timing.tx_final_margin_s)
            if reply.kind is not Kind.OK:
                self._carrier_ended(reply, "after a host-framed ECM block")

    async def _receive_hdlc_host_framed(self, modulation: Modulation,
                                        timeout_s: float) -> list[ReceivedFrame]:
        command = f"AT+FRM={modulation.value}"
        deframer = HdlcDeframer()
        frames: list[ReceivedFrame] = []
        async with self._transaction() as tx:
            await self._start_receive(tx, command, timeout_s)
            end = await self._deframe_until_rcp(tx, deframer, frames)
            if end is _End.DATA_ENDED:
                detail = (await tx.read_final(f"{command} end", accept=ANY_FINAL)).result.text
            elif end is _End.AFTER_RCP:  # the carrier is still reported on: abort the +FRM
                tx.write_raw(CAN, f"CAN (end {command} after RCP)")
                tx.end_data()
                await tx.read_final(f"{command} (after RCP)", accept=ANY_FINAL)
                tx.mark_synced()
                detail = "stopped after RCP"
            else:
                detail = "data went quiet mid-block"
        bad = sum(1 for frame in frames if not frame.fcs_ok)
        self._ch.note("ecm<", f"{len(frames)} frames ({bad} with bad FCS) host-deframed at "
                      f"{modulation.name}, {detail}")
        if not frames:
            raise CarrierLost(f"{command}: the carrier held no ECM frame ({detail})")
        return frames

    async def _deframe_until_rcp(self, tx: Transaction, deframer: HdlcDeframer,
                                 frames: list[ReceivedFrame]) -> _End:
        """Feed the deframer until <DLE><ETX>, or a short grace after the first good RCP,
        or until the data goes quiet (then the +FRM is aborted here)."""
        loop = asyncio.get_running_loop()
        rcp_at: float | None = None
        try:
            async with aclosing(tx.data_chunks(self._timing.data_idle_timeout_s)) as chunks:
                async with asyncio.timeout(None) as guard:
                    async for data in chunks:
                        for frame in deframer.feed(data):
                            frames.append(frame)
                            if rcp_at is None and frame.fcs_ok and is_rcp(frame.data):
                                rcp_at = loop.time()
                                guard.reschedule(rcp_at + AFTER_RCP_GRACE_S)
        except TimeoutError:  # only the guard, which is set once RCP came
            return _End.AFTER_RCP
        except ATTimeout:
            if rcp_at is not None:
                return _End.AFTER_RCP  # the rest went quiet: nothing of the block is missing
            await self._abort_data(tx, "AT+FRM")
            if frames:
                return _End.ABORTED  # the carrier died silently: keep what came
            raise CarrierLost("ECM data stopped before <DLE><ETX>") from None
        finally:
            deframer.end()
        return _End.DATA_ENDED


class _End(Enum):
    DATA_ENDED = "data ended"  # <DLE><ETX>: the result code follows
    AFTER_RCP = "after RCP"  # the modem is still in receive data state
    ABORTED = "aborted"  # the +FRM was aborted and its answer read


async def _framed(frames: list[bytes], bit_rate: int) -> bytes:
    closing = max(2, round(bit_rate * CLOSING_SECONDS / 8))
    octets = sum(len(frame) + 4 for frame in frames)

    def frame_them() -> bytes:
        return encode(frames, leading_flags=preamble_flags(bit_rate), flags_between=1,
                      closing_flags=closing)

    if octets >= ENCODE_OFF_LOOP_OCTETS:
        return await asyncio.to_thread(frame_them)
    return frame_them()
