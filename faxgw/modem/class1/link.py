"""``Class1Link`` over AT commands: the T.31 primitives the T.30 runner drives.

Frames cross without FCS (the modem adds it on ``+FTH``, and passes it after the frame on
``+FRH`` where we strip it, T.31 clauses 8.3.5 / 8.3.6); ECM's frames at image speed are
framed by the host and cross as image data (``ecm_host_framed``) unless the profile trusts
the modem's own framing at speed (``ecm_modem_framed``); image data crosses LSB-first as the
line carries it, DLE-stuffed here (clauses 8.3.3 / 8.3.4). Answers become the exception types of
``faxgw.t30.link``: ``+FCERROR`` -> WrongCarrier, NO CARRIER -> CarrierLost, a silent or
vanished modem -> ModemFault. Every wait is bounded by the profile's [timing].
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from faxgw.modem import quirks as quirk_hooks
from faxgw.modem.at.channel import AtChannel, Reply, Transaction
from faxgw.modem.at.dle import DLE_ETX, stuff
from faxgw.modem.at.errors import ATChannelError, ATError, ATTimeout, ModemGone
from faxgw.modem.profiles import Profile
from faxgw.modem.at.recovery import leave_data_state
from faxgw.modem.at.results import Kind
from faxgw.modem.at.states import ANY_FINAL, CAN, Mode
from faxgw.modem.class1.ecm_host_framed import HostFramedEcm
from faxgw.modem.class1.ecm_modem_framed import ModemFramedEcm
from faxgw.t30.link import (
    CarrierLost, DialResult, LineDropped, LinkError, LinkTimeout, ModemFault, Modulation,
    ReceivedFrame, WrongCarrier,
)

V21_BIT_RATE = 300
PREAMBLE_S = 1.0  # T.30 clause 5.3.1: 1 s of flags before the first frame of a carrier
HDLC_OVERHEAD_BYTES = 4  # FCS (2) and flags around a frame
MAX_NOISE_FRAMES = 3  # empty frames (DLE ETX noise after dialling) skipped per receive
REPEATED_CONNECT = b"\r\nCONNECT\r\n"
DIALLABLE = re.compile(r"[0-9*#+,WTPwtp!@]{1,40}")

_DIAL_RESULTS = {Kind.CONNECT: DialResult.CONNECTED, Kind.BUSY: DialResult.BUSY,
                 Kind.NO_ANSWER: DialResult.NO_ANSWER, Kind.NO_CARRIER: DialResult.NO_CARRIER,
                 Kind.NO_DIALTONE: DialResult.NO_DIALTONE, Kind.ERROR: DialResult.ERROR}


class AtClass1Link(HostFramedEcm, ModemFramedEcm):
    """One modem's Class 1 link. ``fclass`` is the value sent with ``AT+FCLASS=``;
    ``modem_hdlc`` the image modulation codes at which the modem frames ECM itself
    (``ecm_modem_framed.modem_framed_speeds``); at every other speed the host does."""

    def __init__(self, channel: AtChannel, profile: Profile, fclass: str = "1",
                 modem_hdlc: frozenset[int] = frozenset()) -> None:
        self._ch = channel
        self._modem_hdlc = modem_hdlc
        self._profile = profile
        self._timing = profile.timing
        self._fclass = fclass
        self._rx_up = False  # ATD's CONNECT: the modem listens on V.21 already (implicit +FRH=3)
        self._tx_up = False  # ATA's or a non-final frame's CONNECT: V.21 transmit carrier is on
        # send_hdlc was stopped (cancelled) with its image-speed carrier still on: the next
        # transaction turns it off first (<DLE><ETX>, twice if a frame was half written).
        self._fast_tx_up = False

    @property
    def channel(self) -> AtChannel:
        return self._ch

    @property
    def hang_up_budget_s(self) -> float:
        """The longest ``hang_up`` can take: ATH0, then the whole recovery ladder (leave
        data state, AT, escape, AT, ATH0, ATZ, init). A caller bounding hang-up should
        allow this much, or the recovery goes on after it stopped waiting."""
        t, settings = self._timing, self._ch.settings
        commands = 5 + len(settings.init_commands)
        return commands * t.command_timeout_s + t.reset_timeout_s + 2 * t.escape_guard_s \
            + 2 * t.resync_quiet_s

    # --- call set-up --------------------------------------------------------------------

    async def dial(self, number: str, timeout_s: float) -> DialResult:
        if not DIALLABLE.fullmatch(number):
            raise ValueError(f"not a diallable number: {number!r}")
        command = f"{self._profile.dial_command}{number}"
        async with self._transaction() as tx:
            await self._select_class(tx)
            try:
                reply = await tx.command(command, timeout_s=timeout_s, accept=ANY_FINAL,
                                         data_mode=Mode.DATA_RX)
            except ATTimeout:
                reply = await self._abort_wait(tx, command)
                if reply.kind is not Kind.CONNECT:
                    return DialResult.NO_ANSWER
            result = _DIAL_RESULTS.get(reply.kind, DialResult.ERROR)
            self._rx_up = result is DialResult.CONNECTED
            return result

    async def answer(self, timeout_s: float) -> None:
        async with self._transaction() as tx:
            await self._select_class(tx)
            try:
                reply = await tx.command("ATA", timeout_s=timeout_s, accept=ANY_FINAL,
                                         data_mode=Mode.DATA_TX)
            except ATTimeout:
                await self._abort_wait(tx, "ATA", Mode.DATA_TX)
                raise LinkTimeout(f"no CONNECT to ATA within {timeout_s:.0f} s") from None
            if reply.kind is Kind.CONNECT:
                self._tx_up = True  # T.31: after ATA the modem sends CED, then V.21 flags
                return
            if reply.kind is Kind.ERROR:
                raise ModemFault("ATA answered ERROR (no call to answer?)")
            raise LineDropped(f"ATA answered {reply.result.text}")

    # --- V.21 HDLC frames -----------------------------------------------------------------

    async def send_frames(self, frames: list[bytes]) -> None:
        if not frames or any(len(frame) < 3 for frame in frames):
            raise ValueError("send_frames needs frames of address, control and FCF at least")
        async with self._transaction() as tx:
            for index, frame in enumerate(frames):
                if not self._tx_up:
                    await self._start_transmit(tx, "AT+FTH=3")
                self._tx_up = False
                await self._send_one_frame(tx, frame, first=index == 0)

    async def _send_one_frame(self, tx: Transaction, frame: bytes, first: bool,
                              bit_rate: int = V21_BIT_RATE) -> None:
        self._ch.note("frame>", frame.hex(" ") if bit_rate == V21_BIT_RATE
                      else f"{frame[:4].hex(' ')} .. ({len(frame)} bytes)")
        await tx.write_data(stuff(frame) + DLE_ETX)
        tx.end_data()
        line_s = (len(frame) + HDLC_OVERHEAD_BYTES) * 8 * 1.25 / bit_rate  # 1.25: bit stuffing
        timeout_s = line_s + (PREAMBLE_S if first else 0) + self._timing.tx_final_margin_s
        reply = await tx.read_final("+FTH frame", timeout_s=timeout_s, accept=ANY_FINAL,
                                    data_mode=Mode.DATA_TX)
        if reply.kind is Kind.CONNECT:
            self._tx_up = True  # not final (T.31 8.3.5): the carrier waits for the next frame
        elif reply.kind is not Kind.OK:
            self._carrier_ended(reply, "after an HDLC frame")

    # --- ECM's HDLC at an image modulation (T.30 Annex A) ---------------------------------

    async def send_hdlc(self, modulation: Modulation, frames: list[bytes]) -> None:
        """One carrier of ECM frames at ``modulation``, framed by the host (``+FTM``) or,
        where the profile trusts it at that speed, by the modem (``+FTH``)."""
        if not frames or any(len(frame) < 3 for frame in frames):
            raise ValueError("send_hdlc needs frames of address, control and FCF at least")
        if modulation.value in self._modem_hdlc:
            await self._send_hdlc_modem_framed(modulation, frames)
        else:
            await self._send_hdlc_host_framed(modulation, frames)

    async def receive_hdlc(self, modulation: Modulation, timeout_s: float) -> list[ReceivedFrame]:
        """The ECM frames of the next carrier at ``modulation``; frames with a bad FCS are
        kept, marked."""
        if modulation.value in self._modem_hdlc:
            return await self._receive_hdlc_modem_framed(modulation, timeout_s)
        return await self._receive_hdlc_host_framed(modulation, timeout_s)

    async def _frame_data(self, tx: Transaction, command: str) -> tuple[bytes, bool]:
        try:
            data = await tx.read_data(self._timing.frame_timeout_s,
                                      doubled=quirk_hooks.hdlc_data_doubled(self._profile.quirks))
        except ATTimeout:
            await self._abort_data(tx, command)
            raise CarrierLost("frame data stopped before <DLE><ETX>") from None
        reply = await tx.read_final(f"{command} frame", accept=ANY_FINAL)
        # spandsp's T.31 modem may say CONNECT twice before a V.21 frame (once for the
        # flags, once more as the frame begins); the second lands in the frame data, where
        # it can never be content: a frame starts with its address octet, 0xFF.
        while data.startswith(REPEATED_CONNECT):
            data = data[len(REPEATED_CONNECT):]
        if reply.kind in (Kind.OK, Kind.ERROR):
            return data, reply.kind is Kind.OK  # T.31 8.3.6: ERROR after a frame = bad FCS
        self._carrier_ended(reply, "during an HDLC frame")

    async def receive_frame(self, timeout_s: float) -> ReceivedFrame:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        for _ in range(MAX_NOISE_FRAMES + 1):
            data, fcs_ok = await self._receive_raw_frame(max(0.0, deadline - loop.time()))
            if not quirk_hooks.frame_is_noise(self._profile.quirks, data):
                # the modem passes the FCS: drop it
                frame = ReceivedFrame(quirk_hooks.frame_without_fcs(self._profile.quirks, data),
                                      fcs_ok)
                self._ch.note("frame<", f"{frame.data.hex(' ')} ({'FCS ok' if fcs_ok else 'bad FCS'})")
                return frame
            self._ch.note("note", f"skipped {len(data)}-byte frame (line noise)")
            if loop.time() >= deadline:
                break
        raise LinkTimeout("only line noise where a frame was expected")

    async def _receive_raw_frame(self, timeout_s: float) -> tuple[bytes, bool]:
        async with self._transaction() as tx:
            if self._rx_up:
                self._rx_up = False  # ATD's CONNECT stands for this +FRH=3
            else:
                await self._start_receive(tx, "AT+FRH=3", timeout_s)
            return await self._frame_data(tx, "AT+FRH=3")

    # --- image data -------------------------------------------------------------------------

    async def send_image(self, modulation: Modulation, data: bytes) -> None:
        async with self._transaction() as tx:
            await self._start_transmit(tx, f"AT+FTM={modulation.value}")
            self._ch.note("image>", f"{len(data)} bytes at {modulation.name}")
            await tx.write_data(stuff(data) + DLE_ETX)
            tx.end_data()
            # Without flow control the whole page may sit in the modem's buffer: allow its
            # line time (10 % slack for fill and training) on top of the margin.
            line_s = len(data) * 8 * 1.1 / modulation.bit_rate
            reply = await tx.read_final(f"AT+FTM={modulation.value} data", accept=ANY_FINAL,
                                        timeout_s=line_s + self._timing.tx_final_margin_s)
            if reply.kind is not Kind.OK:
                self._carrier_ended(reply, "after image data")

    async def receive_image(self, modulation: Modulation, timeout_s: float) -> bytes:
        async with self._transaction() as tx:
            wait_s, silence_is_v21 = quirk_hooks.image_receive_wait_s(self._profile.quirks,
                                                                      timeout_s)
            try:
                await self._start_receive(tx, f"AT+FRM={modulation.value}", wait_s)
            except LinkTimeout:
                if silence_is_v21:
                    raise WrongCarrier(f"AT+FRM={modulation.value}: no carrier in "
                                       f"{wait_s:.1f} s (this modem never says +FCERROR)") from None
                raise
            try:
                data = await tx.read_data(self._timing.data_idle_timeout_s)
            except ATTimeout:
                await self._abort_data(tx, f"AT+FRM={modulation.value}")
                raise CarrierLost("image data stopped without <DLE><ETX>") from None
            # The data ends with <DLE><ETX> and NO CARRIER (or OK): the page is what came.
            reply = await tx.read_final(f"AT+FRM={modulation.value} end", accept=ANY_FINAL)
            self._ch.note("image<", f"{len(data)} bytes at {modulation.name}, {reply.result.text}")
            return data

    # --- silence ----------------------------------------------------------------------------

    async def send_silence(self, ms: int) -> None:
        await self._silence("AT+FTS", ms)

    async def wait_silence(self, ms: int) -> None:
        await self._silence("AT+FRS", ms)

    async def _silence(self, command: str, ms: int) -> None:
        units = max(1, math.ceil(ms / 10))  # T.31 8.3.1 / 8.3.2: +FTS/+FRS count 10 ms
        if quirk_hooks.silence_by_host(self._profile.quirks, command):
            self._ch.note("note", f"{command} not used: {units * 10} ms on the host's clock")
            await asyncio.sleep(units / 100)
            return
        command = f"{command}={units}"
        timeout_s = units / 100 + self._timing.command_timeout_s
        async with self._transaction() as tx:
            try:
                reply = await tx.command(command, timeout_s=timeout_s, accept=ANY_FINAL)
            except ATTimeout:
                await self._abort_wait(tx, command)
                raise LinkTimeout(f"{command}: line not silent within {timeout_s:.1f} s") from None
            if reply.kind is not Kind.OK:
                self._carrier_ended(reply, command)

    # --- hang-up ----------------------------------------------------------------------------

    async def hang_up(self) -> None:
        """Shielded: a cancelled caller still gets the line dropped, then the cancel."""
        task = asyncio.ensure_future(self._hang_up())
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            await asyncio.wait({task})  # bounded by the command timeouts inside
            if not task.cancelled():
                task.exception()  # mark it retrieved: the cancellation is what propagates
            raise

    async def _hang_up(self) -> None:
        self._rx_up = self._tx_up = False
        if not self._ch.is_open:
            return
        try:
            async with self._ch.transaction() as tx:
                await leave_data_state(tx)
                await tx.command(self._profile.hangup_command, accept=ANY_FINAL)
        except ModemGone:
            return  # nothing left to hang up
        except (ATTimeout, ATError):
            try:
                await self._ch.recover()  # raises ModemUnresponsive (a ModemFault)
            except ModemGone:
                return

    # --- helpers ------------------------------------------------------------------------------

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Transaction]:
        """A channel transaction whose unexpected AT errors become ModemFault."""
        try:
            async with self._ch.transaction() as tx:
                if self._fast_tx_up:
                    await self._end_fast_carrier(tx)
                if self._ch.mode is not Mode.COMMAND and not (self._rx_up or self._tx_up):
                    await leave_data_state(tx)  # a cancelled operation left data state
                yield tx
        except (LinkError, ValueError):
            raise
        except ATChannelError as exc:
            raise ModemFault(f"{self._ch.port}: {exc}") from exc

    async def _end_fast_carrier(self, tx: Transaction) -> None:
        """Turn off the image-speed HDLC carrier of a send_hdlc that was stopped: wait for
        the answer to the frame it wrote last if it has not come, then <DLE><ETX> alone
        (T.31 8.3.5: carrier off, OK); one more if that only ended a half-written frame."""
        self._fast_tx_up = False
        label = "+FTH=<mod> (carrier off)"
        for _ in range(3):
            if self._ch.mode is not Mode.DATA_TX:  # the answer to our last frame is due
                try:
                    reply = await tx.read_final(label, accept=ANY_FINAL, data_mode=Mode.DATA_TX,
                                                timeout_s=self._timing.tx_final_margin_s)
                except ATTimeout:
                    return
                if reply.kind is not Kind.CONNECT:
                    return
            await tx.write_data(DLE_ETX)
            tx.end_data()

    async def _select_class(self, tx: Transaction) -> None:
        self._rx_up = self._tx_up = False
        if self._ch.mode is not Mode.COMMAND:
            await leave_data_state(tx)
        await tx.command(f"AT+FCLASS={self._fclass}")

    async def _start_transmit(self, tx: Transaction, command: str) -> None:
        await self._leave_other_carrier(tx)
        reply = await tx.command(command, timeout_s=self._timing.connect_timeout_s,
                                 accept=ANY_FINAL, data_mode=Mode.DATA_TX)
        if reply.kind is not Kind.CONNECT:
            self._carrier_ended(reply, command)
        delay_s = quirk_hooks.connect_to_data_delay_s(self._profile.quirks, command,
                                                      self._timing.after_connect_delay_ms)
        if delay_s:
            await asyncio.sleep(delay_s)

    async def _start_receive(self, tx: Transaction, command: str, timeout_s: float) -> None:
        await self._leave_other_carrier(tx)
        try:
            reply = await tx.command(command, timeout_s=timeout_s, accept=ANY_FINAL,
                                     data_mode=Mode.DATA_RX)
        except ATTimeout:
            reply = await self._abort_wait(tx, command)
            if reply.kind is not Kind.CONNECT:
                raise LinkTimeout(f"{command}: no carrier within {timeout_s:.1f} s") from None
        if reply.kind is Kind.CONNECT:
            return
        if quirk_hooks.receive_refusal_means_wrong_carrier(self._profile.quirks, reply.kind):
            raise WrongCarrier(f"{command}: {reply.result.text}")
        self._carrier_ended(reply, command)

    async def _leave_other_carrier(self, tx: Transaction) -> None:
        """A carrier left up by ATD/ATA or a non-final frame ends before another command."""
        if self._rx_up or self._tx_up:
            self._rx_up = self._tx_up = False
            await leave_data_state(tx)

    async def _abort_wait(self, tx: Transaction, command: str,
                          data_mode: Mode = Mode.DATA_RX) -> Reply:
        """Abort a wait for CONNECT with a character (T.31 8.3.2 / 8.3.4 / 8.3.6, V.250 6.3.1). The modem
        answers OK/NO CARRIER, or CONNECT if the carrier came in the meantime."""
        tx.write_raw(CAN, f"CAN (abort {command})")
        reply = await tx.read_final(f"{command} (aborted)", accept=ANY_FINAL, data_mode=data_mode)
        tx.mark_synced()  # the timed-out command's answer has come: nothing late is due
        return reply

    async def _abort_data(self, tx: Transaction, command: str) -> None:
        """Stop a receive whose data went quiet: a character makes the DCE leave data
        state with a result (T.31 8.3.4 / 8.3.6), after <DLE><ETX> or not, as DCEs differ. The rest
        of the data is read as (discarded) lines. No answer: ATTimeout (a modem fault)."""
        tx.write_raw(CAN, f"CAN (abort {command} data)")
        tx.end_data()
        await tx.read_final(f"{command} (aborted)", accept=ANY_FINAL)
        tx.mark_synced()

    def _carrier_ended(self, reply: Reply, where: str) -> None:
        text = f"{where}: {reply.result.text}"
        if reply.kind is Kind.NO_CARRIER:
            raise CarrierLost(text)
        if reply.kind is Kind.FCERROR:
            raise WrongCarrier(text)
        if reply.kind in (Kind.BUSY, Kind.NO_ANSWER, Kind.NO_DIALTONE):
            raise LineDropped(text)
        raise ModemFault(text)
