"""Class 2.0 (ITU-T T.32) and Class 2 (EIA-592 draft, SP-2388) commands of a simulated modem.

With ``+FCLASS=2.0`` or ``+FCLASS=2`` the modem runs T.30 itself (``class2_firmware``:
spandsp's T.30 engine, with ECM and MMR); the
DTE sets capabilities and session parameters, dials or answers, and moves page data:

- send: ``ATD`` (``+FCO``, ``+FCI:``, ``+FIS:`` remote DIS, OK once DIS is heard),
  ``+FDT`` (``+FCS:`` negotiated, CONNECT; Class 2 then sends XON when ready), page data
  DLE-stuffed, ending with <DLE><ETX> (then ``+FET=n``) or, in T.32, <DLE><,;.> carrying
  the post-page message; ``+FPS:``/``+FPTS:`` tells the receiver's response, and
  ``+FHS:``/``+FHNG:`` the end of the call.
- receive: ``ATA`` (``+FCO``, ``+FTI:``, ``+FCS:``, OK), ``+FDR`` (CONNECT, the DTE sends
  DC2, the page, <DLE><ETX>, ``+FET:`` post-page message, OK); spandsp's T.30 judges
  each page itself (a DTE's ``+FPS=2``/``+FPTS=2`` is accepted but changes nothing);
  after the last page ``+FDR`` answers ``+FHS:00`` and OK.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from . import class2_params as cp, quirks
from . import spandsp_t30
from .atcommand import Command, numeric_parameter
from .class2_data import REVERSED, PageBuffer, StartChar
from .dialing import place_call
from .class2_firmware import Firmware, dcs_params, dis_params, ecm_supported
from .hdlc import DLE_ETX, dle_stuff
from .port import XON
from .timing import now

if TYPE_CHECKING:
    from .modem import Modem

DONE = "DONE"
ERROR = "ERROR"
T1_S = 35.0  # T.30 5.4.3: how long the caller listens for DIS
START_CHAR_S = 5.0  # the DTE's DC2 after +FDR's CONNECT
NO_CALL_WAIT_S = 5.0
ID_LENGTH = 20


class Class2State:
    """What a Class 2 modem remembers between commands, and its call's firmware."""

    def __init__(self, modem: "Modem") -> None:
        self.modem = modem
        self.fw: Firmware | None = None
        self.last_hangup = 0
        self.reset()

    def reset(self) -> None:
        self.caps = cp.Params()
        self.session = cp.Params()
        self.local_id = ""
        self.polling_id = ""
        self.bit_order = 0
        self.receive_enabled = 1  # +FCR
        self.reports = "0,0,0,0"  # +FNR
        self.page_verdict = cp.FPS_MCF  # +FPS / +FPTS set by a receiving DTE
        self.delivered = None  # the last RxPage handed to the DTE
        self.detach()

    @property
    def dialect(self) -> cp.Dialect:
        return cp.DIALECTS.get(self.modem.fclass, cp.T32)

    def detach(self) -> None:
        if self.fw is not None:
            self.fw.stop()
            self.last_hangup = self.fw.hangup or 0
            self.fw = None

    def reverse_tx(self) -> bool:
        return self.bit_order in (1, 3)

    def reverse_rx(self) -> bool:
        flipped = self.bit_order in (1, 3)
        return (flipped != self.dialect.rx_reversed) != quirks.class2_rx_bits_flipped(self.modem)


def in_class2(modem: "Modem") -> bool:
    return modem.fclass in cp.DIALECTS


# -- dialing and answering -------------------------------------------------------------------
async def dial(modem: "Modem", dial_string: str) -> str:
    await asyncio.to_thread(spandsp_t30.executable)  # built before the line is taken
    call = await place_call(modem, dial_string)
    if isinstance(call, str):
        return call
    state, d = modem.class2, modem.class2.dialect
    state.detach()
    fw = state.fw = Firmware(modem, call, sending=True)
    fw.line.listen_from = call.record.answered_at or now()
    try:
        heard = await fw.await_dis(T1_S)
    except asyncio.CancelledError:
        modem.hang_up("aborted")
        raise
    modem.abortable(None)
    if not heard:
        call.record.notes.append("no DIS from the far end")
        gone = modem.call is not call
        modem.hang_up("no_carrier")
        fw.hangup = cp.HS_TX_B if gone else cp.HS_NO_ANSWER_T1
        _report_hangup(modem, fw)
        modem.result("NO CARRIER")
        return DONE
    modem.info(d.connected)
    if fw.remote_ident:
        modem.info(f'{d.remote_csi}:"{fw.remote_ident}"')
    modem.info(f"{d.session}:{dis_params(fw.remote_dis).format()}")
    return None


async def answer(modem: "Modem") -> str:
    await asyncio.to_thread(spandsp_t30.executable)  # built before the line is taken
    call = modem.ringing_call
    state, d = modem.class2, modem.class2.dialect
    if call is None or call.state != "ringing" or not state.receive_enabled:
        modem.off_hook = True
        await asyncio.sleep(modem.timing.wall(modem.s[7] if call is None else NO_CALL_WAIT_S))
        modem.off_hook = False
        modem.result("NO CARRIER")
        return DONE
    modem.ringing_call = None
    modem.off_hook = True
    modem.line_dead = False
    modem.call = call
    call.connect(modem)  # the firmware's T.30 sends CED itself
    state.detach()
    fw = state.fw = Firmware(modem, call, sending=False)
    fw.start_receiving(state.caps, state.local_id)
    await fw.until(lambda: fw.pages_expected > 0 or fw.hangup is not None)
    if fw.hangup is not None and not fw.pages_expected:
        _report_hangup(modem, fw)
        modem.result("NO CARRIER")
        return DONE
    modem.info(d.connected)
    if fw.remote_ident:
        modem.info(f'{d.remote_tsi}:"{fw.remote_ident}"')
    modem.info(f"{d.negotiated}:{dcs_params(fw.dcs).format()}")
    return None


def _report_hangup(modem: "Modem", fw: Firmware) -> None:
    modem.class2.last_hangup = fw.hangup
    modem.info(f"{modem.class2.dialect.hangup}:{fw.hangup:02d}")


# -- sending pages ---------------------------------------------------------------------------
async def cmd_fdt(modem: "Modem", cmd: Command):
    state, d = modem.class2, modem.class2.dialect
    fw = state.fw
    if cmd.op or fw is None or not fw.sending:
        return ERROR
    if fw.hangup is not None:
        _report_hangup(modem, fw)
        return ERROR
    if fw.engine is None:
        fw.start_sending(state.caps, state.session, state.local_id)
    await fw.until(lambda: fw.wants_page or fw.hangup is not None)
    if fw.hangup is not None:
        _report_hangup(modem, fw)
        return ERROR
    modem.info(f"{d.negotiated}:{dcs_params(fw.dcs).format()}")
    buffer = PageBuffer(modem, modem.tx_buffer_bytes, d.in_band_ppm, state.reverse_tx())
    modem.set_sink(buffer.sink)
    fw.pages_in.append(buffer)
    fw.wake()
    modem.result("CONNECT")
    if d.xon_after_fdt:
        modem.send_data(bytes((XON,)))  # SP-2388: ready for the page data
    await fw.until(lambda: buffer.sent or fw.hangup is not None)
    if not buffer.ended:
        buffer.drop_rest()  # the call ended under the page: read the DTE's data to its end
        await _wait_event(buffer, lambda: buffer.ended, 60.0)
    if fw.hangup is not None and buffer.ppm is None:
        _report_hangup(modem, fw)
        return ERROR
    if buffer.ppm is None:
        return None  # <DLE><ETX>: the post-page message comes as +FET
    return await _post_page_result(modem, fw, buffer.ppm)


async def _wait_event(buffer: PageBuffer, predicate, timeout_s: float) -> None:
    deadline = now() + timeout_s
    while not predicate() and now() < deadline:
        buffer.changed.clear()
        try:
            await asyncio.wait_for(buffer.changed.wait(), deadline - now())
        except asyncio.TimeoutError:
            return


async def cmd_fet(modem: "Modem", cmd: Command):
    fw = modem.class2.fw
    if cmd.op == "=?":
        modem.info("(0-2)")
        return None
    if cmd.op != "=" or cmd.arg not in ("0", "1", "2") or fw is None or not fw.sending:
        return ERROR
    if fw.hangup is not None:
        _report_hangup(modem, fw)
        return ERROR
    fw.ppms_in.append(int(cmd.arg))
    fw.wake()
    return await _post_page_result(modem, fw, int(cmd.arg))


async def _post_page_result(modem: "Modem", fw: Firmware, ppm: int):
    d = modem.class2.dialect
    await fw.until(lambda: bool(fw.page_status) or fw.hangup is not None)
    status = fw.page_status.popleft() if fw.page_status else None
    if status is not None:
        modem.info(f"{d.page_status}:{status}")
    if ppm == cp.PPM_EOP and status in (cp.FPS_MCF, cp.FPS_RTP, cp.FPS_PIP):
        await fw.until(lambda: fw.hangup is not None, 30.0)
    if fw.hangup is not None:
        _report_hangup(modem, fw)
    if status is None:
        return ERROR
    # efax (and T.32 DTEs) take OK as "page received": a page the receiver refused gets
    # ERROR after its +FPS:2 so that the DTE sends it again.
    return None if status != cp.FPS_RTN or not d.in_band_ppm else ERROR


# -- receiving pages -------------------------------------------------------------------------
async def cmd_fdr(modem: "Modem", cmd: Command):
    state, d = modem.class2, modem.class2.dialect
    fw = state.fw
    if cmd.op or fw is None or fw.sending:
        if fw is None and state.last_hangup is not None and modem.line_dead:
            modem.info(f"{d.hangup}:{state.last_hangup:02d}")
        return ERROR
    state.page_verdict = cp.FPS_MCF  # spandsp's T.30 judges the page itself

    def next_page():
        page = fw.rx_page
        return page is not None and page is not state.delivered and page.started

    await fw.until(lambda: next_page() or fw.hangup is not None)
    if not next_page():
        _report_hangup(modem, fw)
        return None  # no more pages: OK
    page = state.delivered = fw.rx_page
    modem.info(f"{d.negotiated}:{dcs_params(fw.dcs).format()}")
    started = StartChar(modem)
    modem.set_sink(started.sink)
    modem.result("CONNECT")
    if not await started.wait(START_CHAR_S):
        modem.set_sink(None)
    reverse = state.reverse_rx()
    while True:
        while page.chunks:
            chunk = page.chunks.popleft()
            modem.send_data(dle_stuff(chunk.translate(REVERSED) if reverse else chunk))
        if page.ended or (fw.hangup is not None and not page.chunks):
            break
        await fw.until(lambda: bool(page.chunks) or page.ended)
    modem.send_data(DLE_ETX)
    modem.set_sink(None)
    await fw.until(lambda: page.ppm is not None or fw.hangup is not None)
    if page.ppm is not None:
        modem.info(f"+FET:{page.ppm}")
    elif fw.hangup is not None:
        _report_hangup(modem, fw)
    return None


# -- parameters ------------------------------------------------------------------------------
def _params(attr: str):
    def handler(modem: "Modem", cmd: Command):
        state = modem.class2
        if cmd.op == "=?":
            modem.info(cp.ranges_text(ecm=ecm_supported()))
        elif cmd.op == "?":
            modem.info(getattr(state, attr).format())
        elif cmd.op == "=":
            try:
                limits = state.caps if attr == "session" else None
                setattr(state, attr, getattr(state, attr).merged(cmd.arg, limits,
                                                                 ecm=ecm_supported()))
            except ValueError:
                return ERROR
        else:
            return ERROR
        return None
    return handler


def cmd_negotiated(modem: "Modem", cmd: Command):
    if cmd.op != "?":
        return ERROR
    fw = modem.class2.fw
    dcs = fw.dcs if fw is not None else None
    modem.info(dcs_params(dcs).format() if dcs is not None else "0,0,0,0,0,0,0,0")
    return None


def _ident(attr: str):
    def handler(modem: "Modem", cmd: Command):
        state = modem.class2
        if cmd.op == "=?":
            modem.info(f"({ID_LENGTH}),(32-127)")
        elif cmd.op == "?":
            modem.info(f'"{getattr(state, attr)}"')
        elif cmd.op == "=":
            text = cmd.arg.strip()
            if len(text) >= 2 and text[0] == text[-1] == '"':
                text = text[1:-1]
            if len(text) > ID_LENGTH or any(not 32 <= ord(c) <= 127 for c in text):
                return ERROR
            setattr(state, attr, text)
        else:
            return ERROR
        return None
    return handler


def _number(attr: str, allowed: range, listing: str):
    return numeric_parameter(lambda modem: modem.class2, attr, allowed, listing)


def _zeros(listing: str, count: int):
    """Parameters of which this modem supports only 0 (+FCQ copy quality checking,
    +FPP packet protocol): the DTE checks pages itself."""
    def handler(modem: "Modem", cmd: Command):
        if cmd.op == "=?":
            modem.info(listing)
        elif cmd.op == "?":
            modem.info(",".join("0" * count))
        elif cmd.op == "=" and all(p.strip() in ("", "0") for p in cmd.arg.split(",")) \
                and len(cmd.arg.split(",")) <= count:
            pass
        else:
            return ERROR
        return None
    return handler


def cmd_fnr(modem: "Modem", cmd: Command):
    if cmd.op == "=?":
        modem.info("(0-1),(0-1),(0-1),(0-1)")
        return None
    if cmd.op == "?":
        modem.info(modem.class2.reports)
        return None
    parts = cmd.arg.split(",") if cmd.op == "=" else []
    if not 1 <= len(parts) <= 4 or any(p.strip() not in ("", "0", "1") for p in parts):
        return ERROR
    modem.class2.reports = cmd.arg
    return None


def cmd_fip(modem: "Modem", cmd: Command):
    """+FIP: the T.32 parameters back to their defaults (clause 8.3.6)."""
    if cmd.op not in ("", "="):
        return ERROR
    fw = modem.class2.fw
    modem.class2.fw = None  # the call, if any, goes on
    modem.class2.reset()
    modem.class2.fw = fw
    return None


def cmd_abort(modem: "Modem", cmd: Command):
    """+FKS / +FK: end the session now (DCN is not sent: T.32 8.3.7 allows it)."""
    if cmd.op:
        return ERROR
    state = modem.class2
    if state.fw is not None and state.fw.hangup is None:
        state.fw.stop()
        modem.hang_up("aborted")
        state.last_hangup = cp.HS_ABORTED
    state.detach()
    return None


def cmd_hangup_status(modem: "Modem", cmd: Command):
    if cmd.op != "?":
        return ERROR
    fw = modem.class2.fw
    code = fw.hangup if fw is not None and fw.hangup is not None else modem.class2.last_hangup
    modem.info(str(code))
    return None


def _identity(field: str):
    def handler(modem: "Modem", cmd: Command):
        if cmd.op not in ("", "?"):
            return ERROR
        modem.info(getattr(modem.profile, field))
        return None
    return handler


# name -> (dialect attribute that must name it, or None for both; handler)
_BY_ROLE = {
    "caps": _params("caps"), "session": _params("session"), "negotiated": cmd_negotiated,
    "local_id": _ident("local_id"), "polling_id": _ident("polling_id"),
    "bit_order": _number("bit_order", range(0, 4), "(0-3)"),
    "page_status": _number("page_verdict", range(1, 6), "(1-5)"),
    "abort": cmd_abort, "hangup": cmd_hangup_status,
}
_COMMON = {
    "+FDT": cmd_fdt, "+FDR": cmd_fdr, "+FET": cmd_fet,
    "+FCR": _number("receive_enabled", range(0, 2), "(0,1)"),
    "+FCQ": _zeros("(0),(0)", 2), "+FPP": _zeros("(0)", 1),
}
_T32_ONLY = {"+FNR": cmd_fnr, "+FIP": cmd_fip}
_SP2388_ONLY = {"+FMFR": _identity("manufacturer"), "+FMDL": _identity("model"),
                "+FREV": _identity("revision")}


def handler_for(modem: "Modem", name: str):
    """The handler of ``name`` in the modem's current Class 2 dialect, if any."""
    if not in_class2(modem):
        return None
    dialect = modem.class2.dialect
    for role, handler in _BY_ROLE.items():
        if getattr(dialect, role) == name:
            return handler
    extra = _T32_ONLY if dialect is cp.T32 else _SP2388_ONLY
    return _COMMON.get(name) or extra.get(name)
