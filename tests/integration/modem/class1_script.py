"""A scripted T.31 modem for link tests before (and beside) hw-sim.

It answers the Class 1 commands by a small script: frames and image data to deliver,
results to give. It is the hardware edge: it knows T.31's wire format (CONNECT, DLE
stuffing, <DLE><ETX>, FCS after +FRH frames) and nothing of faxgw.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass, field

from tests.integration.modem.ptymodem import PtyModem

DLE, ETX = b"\x10", b"\x03"
CAN = b"\x18"


def fcs16(frame: bytes) -> bytes:
    """ISO 3309 / T.30 clause 5.3.7 frame check sequence, low octet first."""
    crc = 0xFFFF
    for byte in frame:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return (crc ^ 0xFFFF).to_bytes(2, "little")


def dle_stuff(data: bytes) -> bytes:
    return data.replace(DLE, DLE + DLE)


def dle_unstuff(data: bytes) -> bytes:
    return data.replace(DLE + DLE, DLE)


@dataclass
class Script:
    dial_result: str = "CONNECT"
    after_dial: list[bytes] = field(default_factory=list)  # raw wire bytes right after CONNECT
    incoming_frames: deque = field(default_factory=deque)   # (frame, final_result) per +FRH=3
    frh_result: str | None = None                           # e.g. "NO CARRIER", "+FCERROR"
    frm_result: str | None = None
    image: bytes = b""
    sent_frames: list[bytes] = field(default_factory=list)
    sent_images: list[bytes] = field(default_factory=list)
    silent: bool = False


async def class1_modem(m: PtyModem, command: str, s: Script) -> None:
    c = command.upper()
    if s.silent:
        return
    if c.startswith("ATD"):
        if s.dial_result == "WAIT":
            await m.read_until(CAN, 10)
            m.reply("NO CARRIER")
            return
        m.reply(s.dial_result)
        for chunk in s.after_dial:
            m.send(chunk)
    elif c == "AT+FTH=3" or c == "ATA":
        m.reply("CONNECT")
        while True:
            frame = await read_dle_block(m)
            s.sent_frames.append(frame)
            final = len(frame) > 1 and frame[1] & 0x10
            m.reply("OK" if final else "CONNECT")
            if final:
                return
    elif c == "AT+FRH=3":
        await _deliver_frame(m, s)
    elif c.startswith("AT+FTM="):
        m.reply("CONNECT")
        s.sent_images.append(await read_dle_block(m))
        m.reply("OK")
    elif c.startswith("AT+FRM="):
        if s.frm_result:
            m.reply(s.frm_result)
            return
        m.reply("CONNECT")
        m.send(dle_stuff(s.image) + DLE + ETX)
        m.reply("NO CARRIER")
    else:
        m.reply("OK")


async def _deliver_frame(m: PtyModem, s: Script) -> None:
    if s.frh_result:
        m.reply(s.frh_result)
        return
    if not s.incoming_frames:
        await m.read_until(CAN, 30)  # nothing on the line: wait for the DTE to abort
        m.reply("OK")
        return
    wire, result = s.incoming_frames.popleft()
    m.reply("CONNECT")
    m.send(wire + DLE + ETX)
    m.reply(result)


def frame_on_wire(frame: bytes, *, doubled: bool = True) -> bytes:
    data = frame + fcs16(frame)
    return dle_stuff(data) if doubled else data


async def read_dle_block(m: PtyModem, timeout_s: float = 10.0) -> bytes:
    """DTE data up to <DLE><ETX>, unstuffed as a DCE does (T.31 clause 8.3.3)."""
    async with asyncio.timeout(timeout_s):
        while True:
            parsed = _parse_block(bytes(m.inbox))
            if parsed is not None:
                data, used = parsed
                del m.inbox[:used]
                return data
            await m.wait_more()


def _parse_block(buf: bytes) -> tuple[bytes, int] | None:
    out, i = bytearray(), 0
    while i < len(buf):
        if buf[i] != 0x10:
            out.append(buf[i])
            i += 1
        elif i + 1 >= len(buf):
            return None
        elif buf[i + 1] == 0x03:
            return bytes(out), i + 2
        else:
            if buf[i + 1] == 0x10:
                out.append(0x10)
            i += 2
    return None


def run(modem: PtyModem, script: Script) -> Script:
    async def handler(m: PtyModem, command: str) -> None:
        await class1_modem(m, command, script)

    modem.run(handler)
    return script


async def settle() -> None:
    await asyncio.sleep(0.05)
