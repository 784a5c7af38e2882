"""The modem pool: every ``[[modem]]`` probed at start and kept in one of four states.

idle -> busy (a call) -> idle; a modem that fails ``max_failures`` calls in a row for
reasons of its own (modem faults, no dial tone) or stops answering goes offline, is closed,
and is probed again every ``reprobe_s`` until it answers; probing -> idle puts it back.
Every move is checked against ``MOVES``, the whole state machine in one table.
Calls only go to idle modems, so the jobs of an offline modem go to the others.
Receive-capable modems listen for RING while idle and hand the call to ``on_ring``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from enum import StrEnum

from faxgw.config import ModemConfig
from faxgw.logs import log_context
from faxgw.modem import ModemHandle, PageDecoder, SessionOptions
from faxgw.session import FaxSession

log = logging.getLogger("faxgw.scheduler.pool")

CHECK_TIMEOUT_S = 30.0  # an idle modem's AT, or the recovery after a failed call


class ModemState(StrEnum):
    IDLE = "idle"
    BUSY = "busy"
    OFFLINE = "offline"
    PROBING = "probing"


# Where a modem may go from each state, and why.
MOVES: dict[ModemState, frozenset[ModemState]] = {
    # not probed yet, or taken out: only a probe brings it back
    ModemState.OFFLINE: frozenset({ModemState.PROBING}),
    # opened and answering (idle), or not (offline); also the idle check's AT
    ModemState.PROBING: frozenset({ModemState.IDLE, ModemState.OFFLINE}),
    # a call out or a RING answered (busy), the idle check (probing)
    ModemState.IDLE: frozenset({ModemState.BUSY, ModemState.PROBING}),
    # the call ended: ready again, or the modem was at fault too often or stopped answering
    ModemState.BUSY: frozenset({ModemState.IDLE, ModemState.OFFLINE}),
}


class InvalidModemMove(RuntimeError):
    """A move ``MOVES`` does not allow: a bug in the pool, never the modem's doing."""


# Rings of one call come every 6 s (2 s on, 4 s off; ETSI and North America alike): a
# longer silence means the caller gave up and a RING after it is a new call.
RING_GAP_S = 8.0


class PooledModem:
    def __init__(self, config: ModemConfig, ident: str = "", gaps: list[float] | None = None,
                 decoder: PageDecoder | None = None) -> None:
        self.config = config
        self.decoder = decoder  # judges received pages (None: the modem package's own)
        self.gaps = gaps if gaps is not None else []  # the pool's idle-gap samples
        self.name = config.name
        self.ident = ident  # TSI/CSI this modem's line sends
        self._state = ModemState.OFFLINE
        self.failures = 0  # calls in a row that failed because of this modem
        self.reason = "not probed yet"
        self.handle = ModemHandle(config.port, config.profile, SessionOptions(
            ident=ident, ecm=config.ecm, ecm_frame_size=config.ecm_frame_size))
        self.idle_since = time.monotonic()
        self.next_probe = 0.0
        self.retired = False  # SIGHUP took it out of the config: leaves the pool when free
        # Held by the dispatcher while it asks the store for a fax to send: not free for
        # another claim or a RING, yet still idle to anyone looking (GET /modems, metrics):
        # a modem that is only checked for work must not flicker to "busy".
        self.claiming = False
        self.fclass: str | None = None  # the +FCLASS it was last probed into
        self._remove_listener: Callable[[], None] | None = None
        self.caller_id: dict[str, str] = {}  # caller-ID fields of the ringing call
        self.caller_id_at = 0.0  # when the last caller-ID field came
        self.rings = 0  # RINGs of the call now ringing (answered at rings_before_answer)
        self.last_ring = 0.0

    @property
    def state(self) -> ModemState:
        return self._state

    @state.setter
    def state(self, target: ModemState) -> None:
        if target not in MOVES[self._state]:
            raise InvalidModemMove(f"modem {self.name}: {self._state.value} -> {target.value}")
        self._state = target

    @property
    def free(self) -> bool:
        """Idle and not held for a claim: may take a call or answer one."""
        return self.state is ModemState.IDLE and not self.claiming

    @property
    def in_use(self) -> bool:
        """In a call, or held for a claim that may become one."""
        return self.state is ModemState.BUSY or self.claiming

    def take_caller_id(self) -> dict[str, str]:
        """The caller-ID fields heard for the call being answered; cleared for the next."""
        fields, self.caller_id = self.caller_id, {}
        return fields

    def identity(self) -> dict[str, str | None]:
        """Profile, manufacturer and model of the open modem (None for what is unknown)."""
        return self.handle.identity()

    @property
    def modem(self) -> ModemHandle | None:
        """The open modem, None while it is not (closed, offline, not probed yet)."""
        return self.handle if self.handle.is_open else None

    async def open(self, on_ring: Callable[["PooledModem"], None],
                   on_caller_id: Callable[["PooledModem", str, str], None],
                   reprobe_s: float = 60.0) -> bool:
        self.state, self.reason = ModemState.PROBING, "probing"
        listen = (lambda: on_ring(self), lambda key, value: on_caller_id(self, key, value))
        if await self._open_once(listen, reprobe_s):
            return True
        log.info("modem %s: %s; trying to bring it back", self.name, self.reason)
        await self.handle.rescue()  # a dead daemon may have left it in a call
        if await self._open_once(listen, reprobe_s):
            return True
        self.state = ModemState.OFFLINE
        log.warning("modem %s offline: %s", self.name, self.reason)
        return False

    async def _open_once(self, listen: tuple[Callable[[], None], Callable[[str, str], None]],
                         reprobe_s: float) -> bool:
        try:
            await self.handle.open()
        except Exception as exc:  # noqa: BLE001 - any failure: rescue, or offline after it
            self.reason = f"probe failed: {exc}"
            return False
        self.fclass = self.handle.fclass
        self._remove_listener = self.handle.listen(*listen)
        self.state, self.reason, self.failures = ModemState.IDLE, "", 0
        self.idle_since = time.monotonic()
        self.next_probe = self.idle_since + reprobe_s  # when an idle modem is next asked AT
        log.info("modem %s idle (profile %s)", self.name, self.handle.identity()["profile"])
        return True

    async def close(self) -> None:
        if self._remove_listener:
            self._remove_listener()
            self._remove_listener = None
        await self.handle.close()

    def dialling(self) -> None:
        """The call starts now: the time since the last call ended was an idle gap (it
        includes claiming and rendering, which a modem waits for as much as for work)."""
        self.gaps.append(time.monotonic() - self.idle_since)

    def session(self) -> FaxSession:
        """A session for the call now starting (the modem package decides how)."""
        return self.handle.session(self.decoder)

    @property
    def service_class(self) -> str:
        """For status: "1" (Class 1 or 1.0, faxgw's T.30), "2.0" or "2" (the modem's)."""
        if self.fclass is None:
            return "unknown"
        return "1" if self.fclass in ("1", "1.0") else self.fclass

    def snapshot(self) -> dict:
        return {"name": self.name, "port": self.config.port, "state": self.state.value,
                "class": self.service_class,
                "send": self.config.send, "receive": self.config.receive,
                "failures": self.failures, "reason": self.reason}


class ModemPool:
    def __init__(self, configs: tuple[ModemConfig, ...], max_failures: int, reprobe_s: float,
                 on_ring: Callable[[PooledModem], Awaitable[None]] | None = None,
                 idents: dict[str, str] | None = None, default_ident: str = "",
                 decoder: PageDecoder | None = None) -> None:
        idents = idents or {}
        self.idents, self.default_ident = idents, default_ident  # for modems added by reload
        self.replacements: dict[str, ModemConfig] = {}  # changed while busy: opened after
        self.gaps: list[float] = []  # seconds a send modem sat idle between two calls
        self.decoder = decoder
        self.modems = [PooledModem(c, idents.get(c.name, default_ident), self.gaps, decoder)
                       for c in configs]
        self.max_failures = max_failures
        self.reprobe_s = reprobe_s
        self.on_ring = on_ring
        self.changed = asyncio.Condition()
        self._tasks: set[asyncio.Task] = set()
        self._reprober: asyncio.Task | None = None

    async def start(self) -> None:
        await asyncio.gather(*(self._open(m) for m in self.modems))
        self._reprober = asyncio.create_task(self._reprobe_loop(), name="modem-reprobe")

    async def stop(self) -> None:
        if self._reprober:
            self._reprober.cancel()
            await asyncio.gather(self._reprober, return_exceptions=True)
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await asyncio.gather(*(m.close() for m in self.modems))

    async def _open(self, modem: PooledModem) -> None:
        with log_context(modem=modem.name):  # probe and rescue lines carry the modem
            ok = await modem.open(self._ring, self._caller_id, self.reprobe_s)
        if modem.retired and modem not in self.modems:  # reloaded away while probing
            await modem.close()
            return
        if not ok:
            modem.next_probe = time.monotonic() + self.reprobe_s
        await self._notify()

    async def _notify(self) -> None:
        async with self.changed:
            self.changed.notify_all()

    # --- sending --------------------------------------------------------------------------
    def idle_sender(self) -> PooledModem | None:
        """The send modem idle the longest, held for a claim (``occupy`` it for the call,
        or ``give_back``); None when all are taken."""
        idle = [m for m in self.modems if m.free and m.config.send and not m.retired]
        if not idle:
            return None
        modem = min(idle, key=lambda m: m.idle_since)
        modem.claiming = True
        return modem

    def occupy(self, modem: PooledModem) -> None:
        """The claim found a fax: the modem is in a call from now on."""
        modem.claiming, modem.state = False, ModemState.BUSY

    async def wait_for_change(self, timeout_s: float) -> None:
        async with self.changed:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout_s):
                    await self.changed.wait()

    def give_back(self, modem: PooledModem) -> None:
        """Unused (nothing to send after all): idle again, still since its last call."""
        modem.claiming = False
        if modem.retired:  # reloaded away while the dispatcher held it for a claim
            self._spawn(self._retire(modem))
        self._spawn(self._notify())

    async def release(self, modem: PooledModem, modem_failed: bool, reason: str = "") -> None:
        """After a call: ``modem_failed`` when the modem itself was at fault."""
        if modem.retired:  # reloaded away during the call, which it was allowed to finish
            await self._retire(modem)
            await self._notify()
            return
        modem.failures = modem.failures + 1 if modem_failed else 0
        if modem.failures >= self.max_failures:
            await self._take_offline(modem, f"{modem.failures} failed calls in a row: {reason}")
        elif modem_failed and not await self._still_answers(modem):
            await self._take_offline(modem, f"stopped answering after: {reason}")
        else:
            modem.state, modem.idle_since = ModemState.IDLE, time.monotonic()
        await self._notify()

    async def _still_answers(self, modem: PooledModem) -> bool:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                await modem.handle.recover()
            return True
        except Exception:  # noqa: BLE001 - any failure here means: not answering
            return False

    async def _take_offline(self, modem: PooledModem, reason: str) -> None:
        with log_context(modem=modem.name):
            log.warning("modem %s offline: %s", modem.name, reason)
        modem.state, modem.reason = ModemState.OFFLINE, reason
        modem.next_probe = time.monotonic() + self.reprobe_s
        await modem.close()

    async def _reprobe_loop(self) -> None:
        while True:
            await asyncio.sleep(min(self.reprobe_s, 1.0))
            now = time.monotonic()
            due = [m for m in self.modems
                   if m.state is ModemState.OFFLINE and m.next_probe <= now]
            idle = [m for m in self.modems if m.free and m.next_probe <= now]
            await asyncio.gather(*(self._open(m) for m in due),
                                 *(self._check_idle(m) for m in idle))

    async def _check_idle(self, modem: PooledModem) -> None:
        """An idle modem is asked ``AT`` every ``reprobe_s``: one that stopped answering
        (or whose port vanished) is taken out before a fax is given to it."""
        if not modem.free:  # taken for a call (or a claim) since the loop looked
            return
        modem.next_probe = time.monotonic() + self.reprobe_s
        modem.state = ModemState.PROBING  # no call or RING handling meanwhile
        try:
            async with asyncio.timeout(CHECK_TIMEOUT_S):
                await modem.handle.check()
        except Exception as exc:  # noqa: BLE001 - whatever it is, the modem is not usable
            await self._take_offline(modem, f"stopped answering while idle: {exc}")
        else:
            modem.state = ModemState.IDLE
        await self._notify()

    # --- reload (SIGHUP) -------------------------------------------------------------------
    async def reconfigure(self, configs: tuple[ModemConfig, ...]) -> None:
        """The new modem list: added modems are probed, removed or changed ones are closed,
        but a modem in a call keeps it to the end (release() closes it and opens its new
        config, if any). Unchanged modems are not touched."""
        wanted = {c.name: c for c in configs}
        self.replacements = {}  # this reload's list replaces what an earlier one left
        for modem in list(self.modems):
            if modem.retired or wanted.get(modem.name) == modem.config:
                continue
            modem.retired = True
            if modem.in_use:
                log.info("modem %s: left the config; closed after its call", modem.name)
            else:
                await self._retire(modem)
        for config in configs:
            current = next((m for m in self.modems if m.name == config.name), None)
            if current is None:
                await self._add(config)
            elif current.retired:  # still in its call: the new config is opened after it
                self.replacements[config.name] = config
        await self._notify()

    async def _add(self, config: ModemConfig) -> None:
        modem = PooledModem(config, self.idents.get(config.name, self.default_ident), self.gaps,
                            self.decoder)
        self.modems.append(modem)
        log.info("modem %s added by reload", config.name)
        await self._open(modem)

    async def _retire(self, modem: PooledModem) -> None:
        if modem in self.modems:
            self.modems.remove(modem)
        await modem.close()
        log.info("modem %s removed by reload", modem.name)
        replacement = self.replacements.pop(modem.name, None)
        if replacement is not None:
            await self._add(replacement)

    # --- receiving ------------------------------------------------------------------------
    def _caller_id(self, modem: PooledModem, key: str, value: str) -> None:
        if modem.free:
            modem.caller_id[key] = value
            modem.caller_id_at = time.monotonic()

    def _ring(self, modem: PooledModem) -> None:
        if not modem.config.receive or self.on_ring is None:
            return
        if not modem.free:  # in a call, or being claimed: the caller rings again
            return
        if self._count_ring(modem) < modem.config.rings_before_answer:
            return  # caller ID of an analog line comes after the first ring
        modem.rings = 0
        modem.state = ModemState.BUSY
        self._spawn(self._answer(modem))

    @staticmethod
    def _count_ring(modem: PooledModem) -> int:
        """This RING's number in its call: rings more than RING_GAP_S apart are two calls,
        and caller ID heard before the previous call's silence is that call's, not this."""
        now = time.monotonic()
        if now - modem.last_ring > RING_GAP_S:
            modem.rings = 0
            if now - modem.caller_id_at > RING_GAP_S:
                modem.caller_id = {}
        modem.rings += 1
        modem.last_ring = now
        return modem.rings

    async def _answer(self, modem: PooledModem) -> None:
        failed, reason = False, ""
        try:
            await self.on_ring(modem)
        except Exception as exc:  # noqa: BLE001 - a failed receive must not stop the pool
            log.exception("receive on %s failed", modem.name)
            failed, reason = True, repr(exc)
        await self.release(modem, failed, reason)

    def _spawn(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def snapshot(self) -> list[dict]:
        return [m.snapshot() for m in self.modems]
