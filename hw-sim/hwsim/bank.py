"""A bank of simulated modems on one phone exchange, run by its own event-loop thread.

The bank is what tests, the demo and the ``faxgw-sim`` command use::

    with ModemBank(timing="accelerated") as bank:
        a = bank.add_modem("1001")
        b = bank.add_modem("1002")
        bank.fault_next_call("1002", Faults(busy=True))
        ...  # a DTE opens a.device and dials 1002
        record = bank.wait_for_call("1002", timeout=30)

Every method is safe to call from any thread; coroutines run on the bank's loop, so a
synchronous test, a pytest-asyncio test (whose own loop is a different one) and the CLI
all drive it the same way.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path

from .calllog import CallLog
from .faults import FaultBook, Faults
from .line import Exchange
from .modem import Modem
from .port import PtyPort
from .profile import ModemProfile, load_profile
from .timing import Timing, timing_from

CALL_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class ModemInfo:
    name: str
    number: str
    device: str  # the stable path to open (a symlink to the pty slave)
    pty: str  # the /dev/pts/N it points to


class ModemBank:
    def __init__(self, timing: Timing | str | float = "accelerated",
                 profile: ModemProfile | str | Path | None = None,
                 log_path: str | Path | None = None, link_dir: str | Path | None = None,
                 seed: int = 0, tx_buffer_bytes: int = 16384) -> None:
        self.timing = timing_from(timing)
        self.profile = profile if isinstance(profile, ModemProfile) else load_profile(profile)
        self.log = CallLog(log_path)
        self.faults = FaultBook()
        self.seed = seed
        self.tx_buffer_bytes = tx_buffer_bytes
        self._own_link_dir = link_dir is None
        self.link_dir = Path(link_dir or tempfile.mkdtemp(prefix="hwsim-"))
        self.link_dir.mkdir(parents=True, exist_ok=True)
        self._modems: dict[str, Modem] = {}
        self._cursor: dict[str | None, int] = {}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="hwsim-bank",
                                        daemon=True)
        self.exchange = Exchange(self.timing, self.faults, self.log, seed)
        self._started = False
        self._closed = False

    # -- lifecycle ------------------------------------------------------------------------
    def start(self) -> "ModemBank":
        if not self._started:
            self._started = True
            self._thread.start()
        return self

    def __enter__(self) -> "ModemBank":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._started:
            self._run(self._close_all(), timeout=10)
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
        self._loop.close()
        if self._own_link_dir:
            shutil.rmtree(self.link_dir, ignore_errors=True)

    async def _close_all(self) -> None:
        for call in list(self.exchange.active):
            call.hang_up("bank", "bank_closed")
        for modem in list(self._modems.values()):
            await modem.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _run(self, coro, timeout: float | None = 30):
        if not self._started:
            self.start()
        future: Future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        return future.result(timeout)

    def _call(self, fn, *args):
        async def wrapper():
            return fn(*args)
        return self._run(wrapper())

    # -- modems ---------------------------------------------------------------------------
    def add_modem(self, number: str | None = None, name: str | None = None,
                  profile: ModemProfile | str | Path | None = None,
                  classes: str | None = None) -> ModemInfo:
        """``classes``: the +FCLASS values the modem offers (e.g. "0,1,2.0"), instead of
        its profile's."""
        name = name or f"modem{len(self._modems)}"
        number = number or str(1001 + len(self._modems))
        if name in self._modems:
            raise ValueError(f"modem name {name} already used")
        prof = self.profile if profile is None else (
            profile if isinstance(profile, ModemProfile) else load_profile(profile))
        if classes is not None:
            prof = replace(prof, fclass=classes)
        return self._call(self._add, name, number, prof)

    def _add(self, name: str, number: str, profile: ModemProfile) -> ModemInfo:
        if number in self.exchange.numbers:  # before a pty is opened for nothing
            raise ValueError(f"number {number} already taken")
        loop = asyncio.get_running_loop()
        link = self.link_dir / name
        modem = Modem(name, number, profile, self.exchange,
                      lambda on_data: PtyPort(loop, link, on_data),
                      self.tx_buffer_bytes, seed=self.seed + len(self._modems))
        self.exchange.register(number, modem)
        self._modems[name] = modem
        return ModemInfo(name, number, modem.port.device, modem.port.slave_path)

    def add_number(self, modem: str, number: str) -> None:
        """One more number that rings ``modem`` (a DID: several numbers on one line)."""
        self._call(lambda: self.exchange.register(number, self._modem(modem)))

    def report_caller_id(self, modem: str, on: bool = True, after_first_ring: bool = False) -> None:
        """The modem prints ``NMBR = <caller>`` and ``NDID = <dialled number>`` before the
        first RING of each call (off by default, as on a modem without caller ID), or, with
        ``after_first_ring``, between the first and second RING, where an analog line's
        caller ID (Bellcore FSK) arrives."""
        def set_on() -> None:
            target = self._modem(modem)
            target.caller_id = on
            target.caller_id_after_first_ring = after_first_ring
        self._call(set_on)

    def modems(self) -> list[ModemInfo]:
        return [ModemInfo(m.name, m.number, m.port.device, m.port.slave_path)
                for m in self._modems.values()]

    def _modem(self, key: str) -> Modem:
        for modem in self._modems.values():
            if key in (modem.name, modem.number):
                return modem
        raise KeyError(key)

    # -- faults ---------------------------------------------------------------------------
    def set_faults(self, number: str, faults: Faults | None = None, **fields) -> None:
        """Faults on every call to or from ``number`` (None clears them)."""
        value = faults if faults is not None or not fields else Faults(**fields)
        self._call(self.faults.set, number, value)

    def fault_next_call(self, number: str, faults: Faults | None = None, **fields) -> None:
        """Faults on the next call to or from ``number`` only."""
        self._call(self.faults.set_next_call, number, faults or Faults(**fields))

    def drop_call(self, number: str) -> bool:
        """Drop the line of the call ``number`` is on, now."""
        return self._call(self.exchange.drop, number)

    def freeze(self, modem: str, frozen: bool = True) -> None:
        """The modem stops answering commands (or starts again)."""
        self._call(lambda: self._modem(modem).freeze(frozen))

    def vanish(self, modem: str) -> None:
        """The modem's pty disappears, as a USB modem pulled out."""
        self._call(lambda: self._modem(modem).vanish())

    def garble_results(self, modem: str, rate: float) -> None:
        """Corrupt this fraction of the modem's result lines."""
        if not 0 <= rate <= 1:
            raise ValueError("rate must be within [0, 1]")
        self._call(lambda: setattr(self._modem(modem), "garble_rate", rate))

    def split_writes(self, modem: str, gap_s: float | None = 0.002) -> None:
        """Send the DTE one byte per write, ``gap_s`` apart (None: back to normal)."""
        def apply() -> None:
            port = self._modem(modem).port
            port.dribble_s = gap_s
            port._flush()
        self._call(apply)

    # -- the call log ---------------------------------------------------------------------
    def calls(self) -> list[dict]:
        """Every ended call, oldest first, as JSON-ready dicts."""
        return self.log.ended()

    def active_calls(self) -> int:
        return self._call(lambda: len(self.exchange.active))

    def wait_for_call(self, number: str | None = None, timeout: float = CALL_TIMEOUT_S
                      ) -> dict:
        """The next ended call involving ``number`` (any call if None) that this method
        has not returned before. Raises TimeoutError."""
        def involves(record: dict) -> bool:
            return number is None or number in (record["caller"], record["dialed"])
        record, index = self.log.wait(involves, self._cursor.get(number, 0), timeout)
        if record is None:
            raise TimeoutError(f"no call involving {number or 'any number'} ended "
                               f"within {timeout} s")
        self._cursor[number] = index + 1
        return record

    def wait_for_connect(self, number: str, timeout: float = CALL_TIMEOUT_S) -> int:
        """Wait until a call involving ``number`` is answered; returns its call id. For
        faults injected at run time (drop_call, vanish) in the middle of a call."""
        def connected_call() -> int | None:
            for call in self.exchange.active:
                if call.connected and number in (call.caller.number, call.dialed):
                    return call.record.call_id
            return None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            call_id = self._call(connected_call)
            if call_id is not None:
                return call_id
            time.sleep(0.01)
        raise TimeoutError(f"no call involving {number} was answered within {timeout} s")

    async def wait_for_call_async(self, number: str | None = None,
                                  timeout: float = CALL_TIMEOUT_S) -> dict:
        return await asyncio.to_thread(self.wait_for_call, number, timeout)
