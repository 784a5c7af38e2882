"""ECM's HDLC framed by the modem itself at an image speed (T.31 8.3.1: ``+FTH=<mod>``,
``+FRH=<mod>``), for the few modems whose ``+FTH=?``/``+FRH=?`` list image modulations and
whose profile says their framing at speed works (``[driver] ecm_framing = "modem"``).
Everywhere else the host frames ECM (``ecm_host_framed``).

A mixin of ``AtClass1Link``: it uses that class's transactions and answer handling.
"""

from __future__ import annotations

from faxgw.modem.at.dle import DLE_ETX
from faxgw.modem.at.results import Kind
from faxgw.modem.at.states import ANY_FINAL, Mode
from faxgw.t30.link import CarrierLost, LinkTimeout, Modulation, ReceivedFrame, WrongCarrier

MODEM_FRAMING = "modem"  # a profile's [driver] ecm_framing (profiles.ECM_FRAMINGS)


def modem_framed_speeds(framing: str, fth: tuple[int, ...],
                        frh: tuple[int, ...]) -> frozenset[int]:
    """The image modulations at which the modem frames ECM itself: none unless the
    profile asks for modem framing, and then those it lists both ways."""
    if framing != MODEM_FRAMING:
        return frozenset()
    return frozenset(code for code in fth if code != Modulation.V21 and code in frh)


class ModemFramedEcm:
    """The modem-framed ECM carriers of ``AtClass1Link``."""

    async def _send_hdlc_modem_framed(self, modulation: Modulation, frames: list[bytes]) -> None:
        """One carrier of frames at ``modulation``: +FTH=<mod>, each frame after the
        CONNECT that asks for it, then <DLE><ETX> alone turns the carrier off (T.31 8.3.5)."""
        async with self._transaction() as tx:
            await self._start_transmit(tx, f"AT+FTH={modulation.value}")
            self._fast_tx_up = True
            try:
                for index, frame in enumerate(frames):
                    await self._send_one_frame(tx, frame, index == 0, modulation.bit_rate)
                    if not self._tx_up:
                        raise CarrierLost(f"+FTH={modulation.value}: carrier ended after "
                                          f"frame {index + 1} of {len(frames)}")
            finally:
                # _tx_up means a V.21 carrier that the next send_frames may use: never
                # this one (a DCN after a cancel must go on V.21, not at 14400).
                self._tx_up = False
            self._fast_tx_up = False
            await tx.write_data(DLE_ETX)
            tx.end_data()
            reply = await tx.read_final(f"AT+FTH={modulation.value} end", accept=ANY_FINAL,
                                        timeout_s=self._timing.tx_final_margin_s,
                                        data_mode=Mode.DATA_TX)
            if reply.kind is not Kind.OK:
                self._carrier_ended(reply, "after the last ECM frame")

    async def _receive_hdlc_modem_framed(self, modulation: Modulation,
                                         timeout_s: float) -> list[ReceivedFrame]:
        """The frames of the next carrier at ``modulation`` (+FRH=<mod>, again after each
        frame) until the carrier ends; frames with a bad FCS are kept, marked."""
        command = f"AT+FRH={modulation.value}"
        frames: list[ReceivedFrame] = []
        wait_s = timeout_s
        while True:
            try:
                async with self._transaction() as tx:
                    await self._start_receive(tx, command, wait_s)
                    data, fcs_ok = await self._frame_data(tx, command)
            except (CarrierLost, LinkTimeout, WrongCarrier):
                # After frames: the carrier ended after its last frame (NO CARRIER), or
                # it ended before this +FRH and the modem heard the next carrier, the far
                # end's V.21 command (+FCERROR, which leaves that carrier to +FRH=3).
                if frames:
                    return frames
                raise
            if len(data) > 2:
                frames.append(ReceivedFrame(data[:-2], fcs_ok))
            wait_s = self._timing.frame_timeout_s  # the next frame of this carrier
