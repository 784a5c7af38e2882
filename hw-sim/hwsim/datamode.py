"""The four T.31 data states: HDLC and image data, transmit and receive.

- ``+FTH=3`` (T.31 8.3.1.1): CONNECT, the DTE sends a frame ending with DLE ETX; the DCE
  adds the FCS, sends it at 300 bit/s after the 1 s flag preamble (first frame of the
  carrier only), then answers CONNECT (final bit clear: more frames on this carrier) or OK
  (final bit set: carrier off).
- ``+FRH=3`` (T.31 8.3.1.2): CONNECT once flags are heard; the frame *with* its two FCS
  octets, DLE ETX, then OK (FCS good) or ERROR. Frames of a carrier the modem already
  locked onto stay buffered for the next ``+FRH``; a carrier that started before the
  receiver listened loses the frames that began earlier.
- ``+FTM`` (8.3.3.1): CONNECT, image data paced at the bit rate after the training, DLE ETX
  ends it; OK once sent. A bounded buffer with XOFF/XON towards the DTE.
- ``+FRM`` (8.3.3.2): CONNECT after training, the data, DLE ETX and NO CARRIER when the
  carrier drops. The wrong modulation gives +FCERROR (or +FRH:3 with +FAR=1, 8.5.1).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from . import quirks
from .carrier import Carrier, Channel
from .hdlc import DLE_ETX, DleDecoder, dle_stuff, with_fcs
from .modulation import V21, Modulation
from .port import XOFF, XON
from .timing import now

if TYPE_CHECKING:
    from .modem import Modem

DONE = "DONE"
ERROR = "ERROR"
MAX_FRAME = 256  # T.30 frames are at most 130 octets (efax: 3.45 s at 300 bit/s)
MAX_ECM_FRAME = 264  # ECM: 4 octets of header and 256 of data (T.30 A.3.1)
HDLC_IDLE_LIMIT_S = 30.0  # wall seconds of flags before the DCE gives up on the DTE
CHUNK_WALL_S = 0.02  # pacing granularity of image data
# A high-speed transmitter ends its carrier with a turn-off sequence, and the far
# demodulator keeps delivering bits until it detects the carrier loss: the receiving DTE
# sees some fill after the last data (efax relies on it to see the RTC complete before
# DLE ETX). Modelled as this much line time of zero bits sent after the DTE's data.
TURN_OFF_LINE_S = 0.02
# A receiver's line signal detector reports carrier loss some time after the carrier
# stopped (V.29 clause 7.2 and V.17: on-to-off response 30 +- 9 ms). So the receiving
# DTE hears NO CARRIER a little after the transmitting DTE got its OK, which gives the
# transmitter the head start T.30 counts on to be listening before the answer comes.
CARRIER_OFF_DETECT_S = 0.030
HDLC_FLAG = b"\x7e"


async def sleep_until(at: float) -> float:
    delay = at - now()
    if delay > 0:
        await asyncio.sleep(delay)
    return now()


# -- HDLC transmit ---------------------------------------------------------------------
async def hdlc_transmit(modem: "Modem", modulation: Modulation = V21) -> str:
    modem.line_op = True
    call = modem.call
    state = modem.class1
    carrier = state.hdlc_tx if state.hdlc_tx and state.hdlc_tx.active else None
    if carrier is not None and carrier.modulation != modulation:
        carrier.end(now())
        carrier = None
    if carrier is None:
        carrier = call.start_carrier(modem, modulation)
        carrier.hdlc_at_speed = not modulation.is_hdlc
        state.hdlc_tx, state.hdlc_free_at = carrier, carrier.data_at
    state.detach_rx()
    reader = FrameReader(MAX_FRAME if modulation.is_hdlc else MAX_ECM_FRAME)
    # kept for the whole carrier: no byte falls between frames
    modem.set_sink(reader.sink)
    quirks.transmitted(modem)
    modem.result("CONNECT")
    try:
        while True:
            frame = await reader.next_frame()
            if frame is None or not frame:  # too long / idle, or DLE ETX alone: carrier off
                carrier.end(now())
                state.hdlc_tx = None
                return ERROR if frame is None else _ok(modem)
            await _send_frame(modem, call, carrier, frame)
            if len(frame) >= 2 and frame[1] & 0x10:  # final bit (T.30 5.3.5): carrier off
                carrier.end(now())
                state.hdlc_tx = None
                return _ok(modem)
            modem.result("CONNECT")
    finally:
        modem.set_sink(None)
        if reader.leftover:  # bytes after the last DLE ETX are commands again
            asyncio.get_running_loop().call_soon(modem.on_dte_data, bytes(reader.leftover))


def _ok(modem: "Modem") -> str:
    modem.result("OK")
    return DONE


async def _send_frame(modem: "Modem", call, carrier: Carrier, frame: bytes) -> None:
    state = modem.class1
    line = with_fcs(frame)
    start = max(now(), state.hdlc_free_at)
    # Frame, FCS and one closing flag; HDLC zero-bit insertion is not modelled.
    end = start + modem.timing.wall((len(line) + 1) * 8 / carrier.modulation.bit_rate)
    state.hdlc_free_at = end
    await sleep_until(end)
    call.send_frame(modem, carrier, line, start, end)


class FrameReader:
    """Frames from the DTE in HDLC transmit state, split at DLE ETX, bounded."""

    def __init__(self, max_frame: int = MAX_FRAME) -> None:
        self.max_frame = max_frame
        self.decoder = DleDecoder()
        self.current = bytearray()
        self.frames: list[bytes | None] = []
        self.leftover = bytearray()
        self.changed = asyncio.Event()

    def sink(self, data: bytes) -> int:
        total = len(data)  # everything is taken: frames, or leftover past the bound
        while data:
            payload, ended, used = self.decoder.feed(data)
            self.current += payload
            data = data[used:]
            if len(self.current) > self.max_frame:
                self.frames.append(None)
                self.current.clear()
            elif ended:
                frame = bytes(self.current)
                self.frames.append(frame)
                self.current.clear()
                if len(frame) >= 2 and frame[1] & 0x10:
                    # After the final frame the DCE is back in command state (T.31
                    # 8.3.1.1): what follows is commands.
                    self.leftover += data[:MAX_FRAME]
                    break
            if len(self.frames) > 8:  # a DTE racing far ahead of CONNECT: dropped
                break
        self.changed.set()
        return total

    async def next_frame(self) -> bytes | None:
        while not self.frames:
            self.changed.clear()
            try:
                await asyncio.wait_for(self.changed.wait(), HDLC_IDLE_LIMIT_S)
            except asyncio.TimeoutError:
                return None
        return self.frames.pop(0)


# -- HDLC receive -----------------------------------------------------------------------
async def hdlc_receive(modem: "Modem", listen_at: float | None = None,
                       deadline: float | None = None, abort_code: str = "OK",
                       modulation: Modulation = V21) -> str:
    modem.line_op = True
    state = modem.class1
    explicit = listen_at is None  # +FRH, not the listening that follows ATD
    listen_at = now() if listen_at is None else listen_at
    modem.abortable(abort_code)
    if explicit and modulation is V21 and quirks.false_frh_connect(modem):
        return DONE
    carrier, index = await _lock_on(modem, listen_at, deadline, want=None)
    if carrier is None:
        return DONE
    if not (carrier.carries_frames and carrier.modulation.matches(modulation)):
        # Not consumed: a following +FRM (or +FRH at another speed) may still lock on.
        return await quirks.wrong_carrier(modem)
    modem.result("CONNECT")
    while index >= len(carrier.segments):
        if not carrier.active:
            # Carrier lost before a whole frame: end the data, then say so.
            state.detach_rx(carrier)
            modem.send_data(DLE_ETX)
            modem.result("NO CARRIER")
            return DONE
        await carrier.changed()
    segment = carrier.segments[index]
    state.rx = (carrier, index + 1)
    double = not modem.profile.quirk("hdlc_dle_undoubled")
    modem.send_data(dle_stuff(quirks.frame_for_dte(modem, segment.data), double) + DLE_ETX)
    modem.result("OK" if segment.fcs_ok else "ERROR")
    return DONE


async def _lock_on(modem: "Modem", listen_at: float, deadline: float | None,
                   want: Modulation | None) -> tuple[Carrier | None, int]:
    """Find the carrier this receiver hears: the one it is locked onto if it still has
    frames, else the first carrier on or starting since ``listen_at``. Returns (None, 0)
    after sending the result itself (timeout, line gone)."""
    state = modem.class1
    if want is None and state.rx is not None:
        carrier, index = state.rx
        if index < len(carrier.segments) or carrier.active:
            return carrier, index
        state.detach_rx(carrier)
    while True:
        call = modem.call
        if call is None:
            modem.result("NO CARRIER")
            return None, 0
        channel: Channel = call.rx(modem)
        carrier = channel.find(listen_at, state.rx_last_seq)
        if carrier is not None:
            return carrier, carrier.first_index_for(listen_at)
        timeout = None if deadline is None else deadline - now()
        if timeout is not None and timeout <= 0:
            modem.result("NO CARRIER")
            return None, 0
        try:
            await asyncio.wait_for(channel.changed(), timeout)
        except asyncio.TimeoutError:
            pass


# -- image receive ----------------------------------------------------------------------
async def image_receive(modem: "Modem", modulation: Modulation) -> str:
    modem.line_op = True
    state = modem.class1
    state.detach_rx()
    listen_at = now()
    modem.abortable("OK")
    carrier, index = await _lock_on(modem, listen_at, None, want=modulation)
    if carrier is None:
        return DONE
    if carrier.hdlc_at_speed or not carrier.modulation.matches(modulation):
        if carrier.modulation.is_hdlc and state.far:
            modem.info("+FRH:3")  # T.31 8.5.1 adaptive reception: switch to HDLC
            return await hdlc_receive(modem, listen_at)
        # Not consumed: the +FRH=3 that follows must still hear these flags.
        return await quirks.wrong_carrier(modem)
    await sleep_until(carrier.data_at)  # the training must end before CONNECT
    modem.result("CONNECT")
    try:
        while True:
            while index < len(carrier.segments):
                modem.send_data(dle_stuff(carrier.segments[index].data))
                index += 1
            if not carrier.active:
                break
            await carrier.changed()
        state.rx_last_seq = carrier.seq
        await asyncio.sleep(modem.timing.signal(CARRIER_OFF_DETECT_S)
                            + modem.timing.wall(state.fcl * 0.01))  # +FCL: extra loss time
    except asyncio.CancelledError:
        # The line went (or the DTE aborted) mid-page, or while the line signal detector
        # was still timing the carrier's end (a sender that hangs up at once after its
        # page): the data stream still ends with <DLE><ETX> before the result code, or the
        # DTE never leaves receive data state (T.31 8.3.3). efax waited forever on a line
        # dropped during a page; faxgw's receiver did on a sender hanging up within 30 ms.
        modem.send_data(DLE_ETX)
        raise
    modem.send_data(DLE_ETX)
    modem.result("NO CARRIER")
    return DONE


# -- image transmit ---------------------------------------------------------------------
class TxBuffer:
    """The DCE's transmit buffer: XOFF at the high mark (T.31 8.4), and at capacity the
    port stops reading (the bytes wait in the pty, none is lost)."""

    def __init__(self, modem: "Modem", capacity: int) -> None:
        self.modem = modem
        self.capacity = capacity
        self.high = min(2048, capacity // 2)
        self.low = self.high // 4
        self.data = bytearray()
        self.ended = False
        self.xoff_sent = False
        self.first_byte_at: float | None = None
        self.decoder = DleDecoder()
        self.changed = asyncio.Event()

    def sink(self, data: bytes) -> int:
        payload, ended, used = self.decoder.feed(data)
        # One read may overshoot the capacity by at most a read chunk; then the port stops
        # reading, and the DTE's bytes queue in the pty like in a serial driver.
        if len(self.data) + len(payload) >= self.capacity:
            self.modem.port.pause_reading()
        if payload and self.first_byte_at is None:
            self.first_byte_at = now()
        self.data += payload
        if self.modem.class1.flo == 1 and not self.xoff_sent and len(self.data) >= self.high:
            self.modem.port.write_now(bytes((XOFF,)))
            self.xoff_sent = True
        if ended:
            self.ended = True
            self.modem.set_sink(None)
        self.changed.set()
        return used

    def take(self, limit: int) -> bytes:
        chunk = bytes(self.data[:limit])
        del self.data[:limit]
        if len(self.data) < self.capacity // 2:
            self.modem.port.resume_reading()
        if self.xoff_sent and len(self.data) <= self.low:
            self.modem.port.write_now(bytes((XON,)))
            self.xoff_sent = False
        return chunk

    def release(self) -> None:
        self.modem.port.resume_reading()
        if self.xoff_sent:
            self.modem.port.write_now(bytes((XON,)))
            self.xoff_sent = False


async def image_transmit(modem: "Modem", modulation: Modulation) -> str:
    modem.line_op = True
    call = modem.call
    modem.class1.detach_rx()
    carrier = call.start_carrier(modem, modulation)
    buffer = TxBuffer(modem, modem.tx_buffer_bytes)
    modem.set_sink(quirks.settling(modem, buffer.sink))
    quirks.transmitted(modem)
    modem.result("CONNECT")
    try:
        await _pump(modem, call, carrier, buffer)
    finally:
        buffer.release()
        modem.set_sink(None)
        carrier.end(now())
    modem.result("OK")
    return DONE


async def _pump(modem: "Modem", call, carrier: Carrier, buffer: TxBuffer) -> None:
    """Send the buffer at the bit rate; an empty buffer (underflow) idles the line."""
    wall_per_byte = modem.timing.wall(8 / carrier.modulation.bit_rate)
    chunk = max(16, int(CHUNK_WALL_S / wall_per_byte))
    t = await sleep_until(carrier.data_at)
    first_data_at = None
    while True:
        if not buffer.data:
            if buffer.ended:
                await _turn_off(modem, call, carrier, t)
                if first_data_at is not None:
                    await sleep_until(first_data_at + modem.timing.min_image_data_s)
                return
            buffer.changed.clear()
            await buffer.changed.wait()
            t = max(t, now())
            continue
        data = buffer.take(chunk)
        if first_data_at is None:
            first_data_at = buffer.first_byte_at
        if carrier.page_number is None and data.lstrip(b"\0")[:1] == HDLC_FLAG:
            carrier.hdlc_in_data = True  # the DTE frames ECM itself
        start, t = t, t + len(data) * wall_per_byte
        woke = await sleep_until(t)
        carrier.max_lag_s = max(carrier.max_lag_s, woke - t)
        call.send_bytes(modem, carrier, data, start, t)


async def _turn_off(modem: "Modem", call, carrier: Carrier, t: float) -> None:
    fill = bytes(max(1, int(carrier.modulation.bit_rate * TURN_OFF_LINE_S / 8)))
    start = max(t, now())
    end = start + modem.timing.wall(len(fill) * 8 / carrier.modulation.bit_rate)
    await sleep_until(end)
    call.send_bytes(modem, carrier, fill, start, end)
