"""T.31 Class 1 / 1.0 commands, and dialing and answering on a fax line.

Parameters (+FCLASS, +FAR, +FCL, +FIT, +FPR, +FLO) and the capability queries come from
the modem's profile; the data states are in ``datamode``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from . import datamode, quirks
from .atcommand import Command, numeric_parameter
from .carrier import Carrier
from .dialing import place_call
from .modulation import CED, by_code
from .timing import now

if TYPE_CHECKING:
    from .modem import Modem

DONE = "DONE"
ERROR = "ERROR"
CED_S = 3.0  # T.30 4.1.2: 2100 Hz for 2.6 to 4 s after answering
NO_FAX_CLASS_WAIT_S = 5.0


class Class1State:
    """What a Class 1 modem remembers between commands."""

    def __init__(self) -> None:
        self.hdlc_tx: Carrier | None = None  # a V.21 carrier kept on after a non-final frame
        self.hdlc_free_at = 0.0
        self.rx: tuple[Carrier, int] | None = None  # the carrier +FRH is locked onto
        self.rx_last_seq = 0
        self.fit_task: asyncio.Task | None = None
        self.reset()

    def reset(self) -> None:
        self.far = 0
        self.fcl = 0
        self.fit = (0, 0)
        self.fpr = 0
        self.flo = 1  # XON/XOFF: what fax modems default to (T.31 8.4)
        self.close()

    def detach_rx(self, carrier: Carrier | None = None) -> None:
        current = carrier or (self.rx[0] if self.rx else None)
        if current is not None:
            self.rx_last_seq = max(self.rx_last_seq, current.seq)
        self.rx = None

    def detach(self) -> None:
        self.detach_rx()
        self.hdlc_tx = None
        self.rx_last_seq = 0

    def close(self) -> None:
        if self.fit_task is not None:
            self.fit_task.cancel()
            self.fit_task = None


# -- dialing and answering ----------------------------------------------------------------
async def dial(modem: "Modem", dial_string: str) -> str:
    modem.line_op = True
    call = await place_call(modem, dial_string)
    if isinstance(call, str):
        return call
    if not modem.fax_class1:
        return await _no_carrier_after(modem, call)
    # T.31 8.3.1.2 / Annex: after ATD in Class 1 the DCE behaves as after +FRH=3 and
    # reports CONNECT on the answerer's V.21 flags; S7 bounds the wait.
    deadline = now() + modem.timing.wall(modem.s[7])
    try:
        outcome = await datamode.hdlc_receive(modem, listen_at=call.record.answered_at,
                                              deadline=deadline, abort_code="NO CARRIER")
    except asyncio.CancelledError:
        modem.hang_up("aborted")  # V.250 6.3.1: a DTE character abandons the call
        raise
    if modem.call is call and call.rx(modem).find(call.record.answered_at) is None:
        call.record.notes.append("no fax tones from the far end")
        modem.hang_up("no_carrier")
    return outcome


async def answer(modem: "Modem") -> str:
    call = modem.ringing_call
    modem.line_op = True
    modem.abortable("NO CARRIER")
    if call is None or call.state != "ringing":
        # Off hook on a line where nobody calls: nothing to hear until S7 runs out.
        modem.off_hook = True
        await asyncio.sleep(modem.timing.wall(modem.s[7]))
        modem.off_hook = False
        modem.result("NO CARRIER")
        return DONE
    modem.ringing_call = None
    modem.off_hook = True
    modem.line_dead = False
    modem.call = call
    call.connect(modem)
    if not modem.fax_class1:
        return await _no_carrier_after(modem, call)
    modem.abortable(None)
    ced = call.start_carrier(modem, CED)
    await asyncio.sleep(modem.timing.wall(CED_S))
    ced.end(now())
    # T.31: after ATA in Class 1 the DCE sends CED then acts as after +FTH=3.
    return await datamode.hdlc_transmit(modem)


async def _no_carrier_after(modem: "Modem", call) -> str:
    """Class 0 (data) needs a data modem pump, which hw-sim does not simulate."""
    await asyncio.sleep(modem.timing.wall(NO_FAX_CLASS_WAIT_S))
    modem.hang_up("no_carrier")
    modem.result("NO CARRIER")
    return DONE


# -- commands ------------------------------------------------------------------------------
def _online(modem: "Modem") -> str | None:
    """None when a data command may run; otherwise the result it gets."""
    if not modem.fax_class1:
        return ERROR
    if modem.call is None or not modem.call.connected:
        if modem.line_dead:
            modem.result("NO CARRIER")
            return DONE
        return ERROR
    return None


def _mod_list(codes) -> str:
    return ",".join(str(c) for c in codes)


def _data_command(kind: str):
    def handler(modem: "Modem", cmd: Command):
        p = modem.profile
        allowed = {"+FTH": p.fth, "+FRH": p.frh, "+FTM": p.ftm, "+FRM": p.frm}[kind]
        if cmd.op == "=?":
            if not modem.fax_class1:
                return ERROR
            modem.info(_mod_list(allowed))
            return None
        if cmd.op != "=" or not cmd.arg.isdigit() or int(cmd.arg) not in allowed:
            return ERROR
        blocked = _online(modem)
        if blocked:
            return blocked
        modulation = by_code(int(cmd.arg))
        if kind == "+FTH":  # <mod> other than 3: ECM frames at an image speed
            return datamode.hdlc_transmit(modem, modulation)
        if kind == "+FRH":
            return datamode.hdlc_receive(modem, modulation=modulation)
        if kind == "+FTM":
            return datamode.image_transmit(modem, modulation)
        return datamode.image_receive(modem, modulation)
    return handler


def cmd_fts(modem: "Modem", cmd: Command):
    """+FTS=n: stop transmitting and stay silent n x 10 ms (T.31 8.3.4)."""
    if cmd.op == "=?":
        modem.info("0-255")
        return None
    if cmd.op != "=" or not cmd.arg.isdigit() or int(cmd.arg) > 255:
        return ERROR
    blocked = _online(modem)
    if blocked:
        return blocked
    if quirks.fts_refused(modem):
        return ERROR
    state = modem.class1
    if state.hdlc_tx is not None:
        state.hdlc_tx.end(now())
        state.hdlc_tx = None
    return _wait_then_ok(modem, modem.timing.wall(int(cmd.arg) * 0.01))


async def _wait_then_ok(modem: "Modem", wall_s: float):
    modem.line_op = True
    await asyncio.sleep(wall_s)
    return None


def cmd_frs(modem: "Modem", cmd: Command):
    """+FRS=n: wait until the line has been silent n x 10 ms (T.31 8.3.5)."""
    if cmd.op == "=?":
        modem.info("0-255")
        return None
    if cmd.op != "=" or not cmd.arg.isdigit() or int(cmd.arg) > 255:
        return ERROR
    blocked = _online(modem)
    if blocked:
        return blocked
    if quirks.frs_resets(modem):
        return None
    return _wait_silence(modem, modem.timing.wall(int(cmd.arg) * 0.01))


async def _wait_silence(modem: "Modem", wall_s: float):
    modem.line_op = True
    modem.abortable("OK")  # a DTE character ends the wait with OK
    while True:
        call = modem.call
        if call is None:
            modem.result("NO CARRIER")
            return DONE
        channel = call.rx(modem)
        quiet_since = channel.silent_since()
        if quiet_since is not None:
            remaining = quiet_since + wall_s - now()
            if remaining <= 0:
                return None
            try:
                await asyncio.wait_for(channel.changed(), remaining)
            except asyncio.TimeoutError:
                return None
        else:
            await channel.current.changed()


def cmd_fclass(modem: "Modem", cmd: Command):
    values = modem.profile.fclass_values
    if cmd.op == "=?":
        modem.info(modem.profile.fclass)
    elif cmd.op == "?":
        modem.info(modem.fclass)
    elif cmd.op == "=" and cmd.arg in values:
        modem.fclass = cmd.arg
    else:
        return ERROR
    return None


def _numeric_param(attr: str, allowed: range, listing: str):
    return numeric_parameter(lambda modem: modem.class1, attr, allowed, listing)


def cmd_fit(modem: "Modem", cmd: Command):
    """+FIT=time,action: hang up after ``time`` s without DTE activity (T.31 8.5.4)."""
    state = modem.class1
    if cmd.op == "=?":
        modem.info("(0-255),(0-1)")
        return None
    if cmd.op == "?":
        modem.info(f"{state.fit[0]},{state.fit[1]}")
        return None
    parts = cmd.arg.split(",") if cmd.op == "=" else []
    if not 1 <= len(parts) <= 2 or not all(p.isdigit() for p in parts):
        return ERROR
    seconds, action = int(parts[0]), int(parts[1]) if len(parts) == 2 else 0
    if seconds > 255 or action > 1:
        return ERROR
    state.fit = (seconds, action)
    state.close()
    if seconds:
        state.fit_task = asyncio.get_running_loop().create_task(_inactivity(modem))
    return None


async def _inactivity(modem: "Modem") -> None:
    # DTE inactivity is measured in wall time: the DTE is a real process.
    seconds, action = modem.class1.fit
    while True:
        idle = now() - modem.last_dte_activity
        if idle >= seconds and modem.off_hook and modem.call is not None:
            modem.hang_up("dte_inactive")
            if action == 0:
                modem.fclass = "0"
            idle = 0
        await asyncio.sleep(max(0.05, seconds - idle))


_HANDLERS = {
    "+FTH": _data_command("+FTH"),
    "+FRH": _data_command("+FRH"),
    "+FTM": _data_command("+FTM"),
    "+FRM": _data_command("+FRM"),
    "+FTS": cmd_fts,
    "+FRS": cmd_frs,
    "+FCLASS": cmd_fclass,
    "+FAR": _numeric_param("far", range(0, 2), "0,1"),
    "+FCL": _numeric_param("fcl", range(0, 256), "0-255"),
    "+FPR": _numeric_param("fpr", range(0, 256), "0-255"),
    "+FLO": _numeric_param("flo", range(0, 3), "0-2"),
    "+FIT": cmd_fit,
}


def handler_for(name: str):
    return _HANDLERS.get(name)
