"""spandsp's T.30 on hw-sim's line: the front end a Class 2 modem's firmware is to it.

spandsp's engine asks for transmissions (a V.21 carrier with frames, image bytes, ECM
frames at image speed, a pause, CED) and says what it listens for; this module performs
them on hw-sim's carriers and tells the engine what arrives, when each step is done and how
time passes. What it sees go by (DCS, CFR, post-page messages and their responses, ECM
blocks) it reports to the firmware (``Firmware.saw``), which meets the DTE.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from .class2_hdlc import Deframer, Framer
from .class2_line import BytesToSend, LineGone, NoSignal
from .datamode import CARRIER_OFF_DETECT_S, sleep_until
from .hdlc import with_fcs
from .modulation import CED, V21, by_code, Modulation
from .spandsp_t30 import (FAMILY, MODEM_CED, MODEM_PAUSE, MODEM_V21, Message,
                          SpandspT30)
from .timing import now

if TYPE_CHECKING:
    from .carrier import Carrier
    from .class2_firmware import Firmware

TICK_S = 0.02  # wall seconds between the engine's clock updates
CED_S = 3.0  # T.30 4.1.2: 2.6 to 4 s


def modulation_for(modem_type: int, bit_rate: int, short_train: bool) -> Modulation | None:
    """hw-sim's modulation for spandsp's modem type and rate."""
    family = FAMILY.get(modem_type)
    for code in (3, 24, 48, 72, 96, 73, 74, 97, 98, 121, 122, 145, 146):
        mod = by_code(code)
        if mod.family == family and mod.bit_rate == bit_rate:
            if family != "V.17" or (code % 2 == 0) == bool(short_train):
                return mod
    return None


class FrontEnd:
    def __init__(self, fw: "Firmware", engine: SpandspT30) -> None:
        self.fw, self.engine = fw, engine
        self.modem, self.call, self.line = fw.modem, fw.call, fw.line
        self.rx_type, self.rx_rate, self.rx_hdlc = 0, 0, False
        self.rx_changed = asyncio.Event()
        self.tx_carrier: "Carrier | None" = None
        self.tx_free_at = 0.0
        self.image = bytearray()
        self.waiting_frames: list[bytes] = []
        self.framer: Framer | None = None

    # -- the engine's requests, in order -----------------------------------------------
    async def perform(self, msg: Message) -> bool:
        """Carry out one message; False when the engine is done (phase E or gone)."""
        tag = msg.tag
        if tag == "X":
            await self._transmit(*msg.fields)
        elif tag == "R":
            self.rx_type, self.rx_rate, _, hdlc = msg.fields
            self.rx_hdlc = bool(hdlc)
            self.rx_changed.set()
        elif tag == "H":
            await self._frame(msg.data)
        elif tag == "I":
            if msg.data is not None:
                self.image += msg.data
            else:
                await self._send_image()
        elif tag == "Q":
            await self.fw.feed_page(self.engine)
        elif tag == "Z":
            self.fw.engine_done(*msg.fields)
            return False
        return True

    async def _transmit(self, modem_type: int, bit_rate: int, short_train: int,
                        hdlc: int) -> None:
        self.line.check()
        if modem_type == MODEM_PAUSE:
            await asyncio.sleep(self.modem.timing.wall(bit_rate / 1000))
            self.engine.send("S")
        elif modem_type == MODEM_CED:
            self.line._transmitting()
            carrier = self.call.start_carrier(self.modem, CED)
            await asyncio.sleep(self.modem.timing.wall(CED_S))
            carrier.end(now())
            self.line._transmitted()
            self.engine.send("S")
        elif modem_type == MODEM_V21 or (modem_type in FAMILY and hdlc):
            mod = V21 if modem_type == MODEM_V21 else modulation_for(modem_type, bit_rate,
                                                                    short_train)
            self.line._transmitting()
            self.tx_carrier = self.call.start_carrier(self.modem, mod)
            at_speed = not mod.is_hdlc
            self.framer = Framer() if at_speed and not self._far_frames_at(mod) else None
            self.tx_carrier.hdlc_at_speed = at_speed and self.framer is None
            # ECM framed here goes out as line bits: image data starting with flags
            self.tx_carrier.hdlc_in_data = self.framer is not None
            self.tx_free_at = self.tx_carrier.data_at
            waiting, self.waiting_frames = self.waiting_frames, []
            for frame in waiting:
                await self._frame(frame)
        elif modem_type in FAMILY:
            self.image = bytearray()
            self.tx_mod = modulation_for(modem_type, bit_rate, short_train)
        # CNG, NONE and DONE: nothing to carry (hw-sim's line has no calling tone)

    async def _frame(self, frame: bytes | None) -> None:
        if self.tx_carrier is None and frame is not None:
            # spandsp queues a burst's first frame before it names the modulation (as its
            # own modems buffer it): it goes out once the carrier is on
            self.waiting_frames.append(frame)
            return
        carrier = self.tx_carrier
        if carrier is None:
            self.engine.send("S")
            return
        if frame is None:  # the closing flags: the carrier goes off
            if self.framer is not None:
                await self._octets(carrier, self.framer.close())
            await sleep_until(self.tx_free_at)
            carrier.end(now())
            self.tx_carrier = None
            self.line._transmitted()
            self.engine.send("S")
            return
        if self.framer is not None:
            await self._octets(carrier, self.framer.frame(frame))
            self.fw.saw(frame, sent=True)
            self.engine.send("S")
            return
        line = with_fcs(frame)
        start = max(now(), self.tx_free_at)
        end = start + self.modem.timing.wall((len(line) + 1) * 8 / carrier.modulation.bit_rate)
        await sleep_until(end)
        self.line.check()
        self.call.send_frame(self.modem, carrier, line, start, end)
        self.tx_free_at = end
        self.fw.saw(frame, sent=True)
        self.engine.send("S")

    async def _octets(self, carrier: "Carrier", data: bytes) -> None:
        if not data:
            return
        start = max(now(), self.tx_free_at)
        end = start + self.modem.timing.wall(len(data) * 8 / carrier.modulation.bit_rate)
        await sleep_until(end)
        self.line.check()
        self.call.send_bytes(self.modem, carrier, data, start, end)
        self.tx_free_at = end

    def _far_frames_at(self, mod: Modulation) -> bool:
        """Whether the far modem frames HDLC at this speed itself (its profile's +FTH/+FRH
        lists the modulation): then hw-sim's line carries our ECM as frames, else as the
        bits a DTE framing ECM itself reads with +FRM. The bits on a real line are the
        same; hw-sim's line has the two forms, and a receiver reads one."""
        far = self.call.callee if self.modem is self.call.caller else self.call.caller
        profile = getattr(far, "profile", None)
        return profile is not None and far.fax_class1 and mod.code in profile.frh

    async def _send_image(self) -> None:
        """TCF as the engine made it; a page without ECM as the DTE sends it (the engine's
        own image of it is empty), at the line's pace with the DTE's flow control."""
        if not self.fw.page_due():
            await self.line.send_image(self.tx_mod, BytesToSend(bytes(self.image)))
            self.engine.send("S")
            return
        buffer = await self.fw.page_from_dte()
        try:
            await self.line.send_image(self.tx_mod, buffer)
        finally:
            self.fw.page_went_out(buffer)
        await self.fw.post_page_message_known(buffer, self.engine)
        self.engine.send("S")

    # -- the line, to the engine -------------------------------------------------------
    async def receive(self) -> None:
        """Every carrier the far end sends, to the engine (frames on V.21 always, image
        data when the engine listens for that modulation)."""
        while True:
            carrier, index = await self.line._next_carrier(None)
            if carrier.carries_frames:
                await self._frames_in(carrier, index)
            else:
                await self._image_in(carrier, index)

    async def _frames_in(self, carrier: "Carrier", index: int) -> None:
        path = "h"
        self.engine.send(f"C {path} up")
        while True:
            while index < len(carrier.segments):
                segment = carrier.segments[index]
                index += 1
                frame = segment.data[:-2]
                self.engine.send(f"F {int(segment.fcs_ok)} {frame.hex()}")
                if segment.fcs_ok:
                    self.fw.saw(frame, sent=False)
            if not carrier.active:
                break
            await carrier.changed()
        self.line._consumed(carrier)
        self.engine.send(f"C {path} down")

    async def _framed_data_in(self, carrier: "Carrier", index: int) -> None:
        """ECM a DTE framed itself (plain image data): this modem deframes it."""
        deframer = Deframer()
        await sleep_until(carrier.data_at)
        self.engine.send("C h up")
        while True:
            while index < len(carrier.segments):
                for frame, ok in deframer.feed(carrier.segments[index].data):
                    self.engine.send(f"F {int(ok)} {frame.hex()}")
                    if ok:
                        self.fw.saw(frame, sent=False)
                index += 1
            if not carrier.active:
                break
            await carrier.changed()
        self.line._consumed(carrier)
        self.engine.send("C h down")

    async def _image_in(self, carrier: "Carrier", index: int) -> None:
        # The engine may not yet have asked for this modulation (its CFR is barely out):
        # wait for it while the carrier lasts; the segments stay readable from the start.
        while not (self._listening_for(carrier) or self._listening_for(carrier, hdlc=True)) \
                and carrier.active:
            self.rx_changed.clear()
            changed = asyncio.ensure_future(self.rx_changed.wait())
            ended = asyncio.ensure_future(carrier.changed())
            await asyncio.wait({changed, ended}, return_when=asyncio.FIRST_COMPLETED)
            changed.cancel()
            ended.cancel()
        if self._listening_for(carrier, hdlc=True):
            await self._framed_data_in(carrier, index)
            return
        if not self._listening_for(carrier):
            self.line._consumed(carrier)
            return
        await sleep_until(carrier.data_at)
        page = self.fw.page_coming_in()
        self.engine.send("C n trained")
        while True:
            while index < len(carrier.segments):
                chunk = carrier.segments[index].data
                index += 1
                self.engine.send_hex("D", chunk)
                if page is not None:
                    self.fw.page_data(page, chunk)
            if not carrier.active:
                break
            await carrier.changed()
        self.line._consumed(carrier)
        await asyncio.sleep(self.modem.timing.signal(CARRIER_OFF_DETECT_S))
        if page is not None:
            self.fw.page_data_ended(page)
        self.engine.send("C n down")

    def _listening_for(self, carrier: "Carrier", hdlc: bool = False) -> bool:
        """The engine listens for this carrier's modulation: for image data, or (``hdlc``)
        for ECM frames at that speed."""
        if self.rx_type not in FAMILY or self.rx_hdlc != hdlc:
            return False
        mod = carrier.modulation
        return mod.family == FAMILY[self.rx_type] and mod.bit_rate == self.rx_rate

    async def tick(self) -> None:
        """The engine's clock: wall time, as its T.30 timers are for DTEs and far ends that
        run in wall time (efax, faxgw), whatever the line's time factor."""
        last = now()
        while True:
            await asyncio.sleep(TICK_S)
            t = now()
            self.engine.send(f"T {max(1, round((t - last) * 1000))}")
            last = t


__all__ = ["FrontEnd", "LineGone", "NoSignal", "modulation_for"]
