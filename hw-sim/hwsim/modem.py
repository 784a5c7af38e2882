"""A simulated fax modem: command state, result codes, the call it is on.

The modem reads bytes from its pty. In command state it assembles AT command lines
(V.250 clause 5.2) and runs them one command at a time; Hayes basics live in ``hayes.py``
and the T.31 Class 1 commands and data states in ``class1.py``. While a command runs in a
data state, a *sink* receives the DTE's bytes (frames or image data). The line side is a
``Call`` from ``line.py``.
"""

from __future__ import annotations

import asyncio
import inspect
import random
from typing import Awaitable, Callable

from . import class1, class2, hayes
from .atcommand import Command, ParseError, parse
from .line import Call, Exchange
from .port import XOFF, XON, PtyPort
from .profile import ModemProfile
from .results import format_info, format_result, garble
from .timing import Timing, now

DONE = "DONE"  # a handler that already sent its final result code
ERROR = "ERROR"
MAX_LINE = 256  # V.250 5.2.1 requires at least 40 characters per command line
MAX_TYPEAHEAD = 512
DEFAULT_S = {0: 0, 1: 0, 2: 43, 3: 13, 4: 10, 5: 8, 6: 2, 7: 50, 8: 2, 10: 14}

Sink = Callable[[bytes], int]


class Modem:
    def __init__(self, name: str, number: str, profile: ModemProfile, exchange: Exchange,
                 port_factory: Callable[[Callable[[bytes], None]], PtyPort],
                 tx_buffer_bytes: int = 16384, seed: int = 0) -> None:
        self.name = name
        self.number = number
        self.profile = profile
        self.exchange = exchange
        self.port = port_factory(self.on_dte_data)
        self.tx_buffer_bytes = tx_buffer_bytes
        self.rng = random.Random(seed)
        self.call: Call | None = None
        self.ringing_call: Call | None = None
        self.off_hook = False
        self.line_dead = False
        self.frozen = False
        self.gone = False
        self.garble_rate = 0.0
        # Caller ID and the dialled number (DID) printed before the first RING of a call, as
        # DID trunks deliver the digits before ringing; faxgw answers on the first RING.
        self.caller_id = False
        self.caller_id_after_first_ring = False  # analog lines: between RING 1 and 2
        self._line = bytearray()
        self._line_overflow = False
        self._last_line = ""
        self._typeahead = bytearray()
        self._op: asyncio.Task | None = None
        self._sink: Sink | None = None
        self._abort_code: str | None = None  # what a DTE character aborts with, if anything
        self._cancel_code: str | None = None
        self.line_op = False  # the running command needs the line: a hang-up ends it
        self.last_dte_activity = now()
        self.class1 = class1.Class1State()
        self.class2 = class2.Class2State(self)  # +FCLASS=2 / 2.0: T.30 in the modem
        self.reset_settings()

    # -- settings -------------------------------------------------------------------
    def reset_settings(self) -> None:
        self.echo = True
        self.verbose = True
        self.quiet = False
        self.x_level = 4
        self.s = dict(DEFAULT_S)
        self.fclass = "0"
        self.class1.reset()
        self.class2.reset()

    @property
    def timing(self) -> Timing:
        return self.exchange.timing

    @property
    def fax_class1(self) -> bool:
        return self.fclass in ("1", "1.0")

    @property
    def fax_class2(self) -> bool:
        return class2.in_class2(self)

    # -- output -----------------------------------------------------------------------
    def result(self, code: str) -> None:
        if self.quiet or self.gone:
            return
        line = format_result(code, self.verbose, self.s[3], self.s[4])
        if self.garble_rate and self.rng.random() < self.garble_rate:
            line = garble(line, self.rng)
        self.port.write(line)

    def info(self, text: str) -> None:
        if not self.gone:
            self.port.write(format_info(text, self.verbose, self.s[3], self.s[4]))

    def send_data(self, data: bytes) -> None:
        self.port.write(data)

    # -- input --------------------------------------------------------------------------
    def on_dte_data(self, data: bytes) -> None:
        if self.frozen or self.gone:
            return  # a hung modem reads nothing and answers nothing
        self.last_dte_activity = now()
        while data:
            if self._sink is not None:
                used = self._sink(data)
                data = data[used:]
            elif self._op is not None:
                data = self._input_while_busy(data)
            else:
                self._command_chars(data)
                data = b""

    def _input_while_busy(self, data: bytes) -> bytes:
        if self.class1.flo == 1:
            for byte in data:
                if byte in (XON, XOFF):
                    self.port.set_paused(byte == XOFF)
            data = bytes(b for b in data if b not in (XON, XOFF))
        if not data:
            return b""
        if self._abort_code is not None:
            # V.250 6.3.1 (dialing/answering) and T.31 8.3.1.2/8.3.3.2 (+FRH, +FRM, +FRS):
            # any character from the DTE aborts the command.
            self.abort_op(self._abort_code)
            return b""
        room = MAX_TYPEAHEAD - len(self._typeahead)
        self._typeahead += data[:max(room, 0)]
        return b""

    def _command_chars(self, data: bytes) -> None:
        # Echo (V.250 6.2.4) covers only what is read in command state; bytes after a
        # line that starts a command are typed ahead and echoed when they are read.
        echo = bytearray()
        for index, byte in enumerate(data):
            if self.echo:
                echo.append(byte)
            if self.class1.flo == 1 and byte in (XON, XOFF):
                self.port.set_paused(byte == XOFF)
            elif byte == self.s[3]:
                self.port.write(bytes(echo))
                echo.clear()
                self._end_of_line()
                if self._op is not None:  # the line started something: keep the rest
                    self._typeahead += data[index + 1:index + 1 + MAX_TYPEAHEAD]
                    return
            elif byte == self.s[5]:
                if self._line:
                    self._line.pop()
            elif byte == self.s[4] or byte == 0:
                continue
            elif len(self._line) >= MAX_LINE:
                self._line_overflow = True
            else:
                self._line.append(byte)
                if self._line[-2:].upper() == b"A/":  # V.250 5.2.4: repeat last line
                    self.port.write(bytes(echo))
                    echo.clear()
                    self._line.clear()
                    self._execute(self._last_line)
                    if self._op is not None:
                        self._typeahead += data[index + 1:index + 1 + MAX_TYPEAHEAD]
                        return
        self.port.write(bytes(echo))

    def _end_of_line(self) -> None:
        text = self._line.decode("latin-1")
        overflow, self._line_overflow = self._line_overflow, False
        self._line.clear()
        start = text.upper().find("AT")
        if start < 0:
            return  # V.250 5.2.1: characters before "AT" are ignored
        if overflow:
            self.result("ERROR")
            return
        self._last_line = text[start + 2:]
        self._execute(self._last_line)

    def _execute(self, body: str) -> None:
        try:
            commands = parse(body)
        except ParseError:
            self.result("ERROR")
            return
        self.start_op(self._run_line(commands))

    async def _run_line(self, commands: list[Command]) -> None:
        for command in commands:
            handler = (hayes.HANDLERS.get(command.name) or class2.handler_for(self, command.name)
                       or class1.handler_for(command.name))
            outcome = handler(self, command) if handler else ERROR
            if inspect.isawaitable(outcome):
                outcome = await outcome
            if outcome == ERROR:
                self.result("ERROR")
                return
            if outcome == DONE:
                return
        self.result("OK")

    # -- running commands -------------------------------------------------------------
    def start_op(self, coro: Awaitable[None]) -> None:
        task = asyncio.get_running_loop().create_task(self._guard(coro))
        task.add_done_callback(lambda t: self._op_done(t, coro))
        self._op = task

    async def _guard(self, coro: Awaitable[None]) -> None:
        await coro

    def _op_done(self, task: asyncio.Task, coro) -> None:
        # Runs however the command ended, even cancelled before its first step (when
        # ``coro`` was never awaited and must be closed here).
        coro.close()
        code, self._cancel_code = self._cancel_code, None
        if self._op is task:
            self._op = None
            self._sink = None
            self._abort_code = None
            self.line_op = False
        if self.gone:
            return
        if task.cancelled():
            if code:
                self.result(code)
        elif task.exception() is not None:
            self.result("ERROR")
            self.exchange.log.internal_error(self.name, task.exception())
        if self._typeahead and self._op is None and not self.frozen:
            pending, self._typeahead = bytes(self._typeahead), bytearray()
            self.on_dte_data(pending)

    def set_sink(self, sink: Sink | None) -> None:
        self._sink = sink

    def abortable(self, code: str | None) -> None:
        """While set, any DTE character ends the running command with ``code``."""
        self._abort_code = code

    def abort_op(self, code: str | None) -> None:
        if self._op is not None and not self._op.done():
            self._cancel_code = code
            self._op.cancel()

    # -- the line ---------------------------------------------------------------------
    def can_take_call(self) -> bool:
        return not self.off_hook and self.call is None and self.ringing_call is None

    def incoming(self, call: Call) -> None:
        self.ringing_call = call
        self.s[1] = 0

    def ring(self, call: Call) -> None:
        if call is not self.ringing_call or self.gone:
            return
        self.s[1] = min(self.s[1] + 1, 255)
        if self.frozen:
            return
        if self.caller_id and self.s[1] == 1 and not self.caller_id_after_first_ring:
            self._report_caller_id(call)
        self.result("RING")
        if self.caller_id and self.s[1] == 1 and self.caller_id_after_first_ring:
            self._report_caller_id(call)
        if self.s[0] and self.s[1] >= self.s[0] and self._op is None:
            self.start_op(self._auto_answer())  # V.250 6.3.5 / S0: answer after n rings

    def _report_caller_id(self, call: Call) -> None:
        self.info(f"NMBR = {call.caller.number}")
        self.info(f"NDID = {call.dialed}")

    async def _auto_answer(self) -> None:
        answer = class2.answer if self.fax_class2 else class1.answer
        if await answer(self) != DONE:
            self.result("ERROR")

    def call_ended(self, call: Call) -> None:
        if call is self.ringing_call:
            self.ringing_call = None
            self.s[1] = 0
        if call is self.call:
            self.call = None
            self.line_dead = True
            self.class1.detach()
            if self.line_op and self._op is not None and not self._op.done():
                self.abort_op("NO CARRIER")

    def hang_up(self, result: str | None = None) -> None:
        call, self.call = self.call, None
        if call is not None:
            call.hang_up(self.number, result)
        self.off_hook = False
        self.line_dead = False
        self.class1.detach()

    # -- faults -----------------------------------------------------------------------
    def freeze(self, frozen: bool = True) -> None:
        self.frozen = frozen

    def vanish(self) -> None:
        """The pty disappears, like a USB modem pulled out mid-call."""
        if self.gone:
            return
        self.gone = True
        if self.call is not None:
            call, self.call = self.call, None
            call.hang_up(self.number, "modem_gone")
        if self._op is not None:
            self._op.cancel()
        self.port.close()

    async def close(self) -> None:
        self.gone = True
        if self.call is not None:
            self.hang_up()
        if self._op is not None:
            self._op.cancel()
            await asyncio.gather(self._op, return_exceptions=True)
        self.class1.close()
        self.class2.detach()
        self.port.close()
