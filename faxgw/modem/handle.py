"""One configured modem as the layers above see it: opened and probed, asked for fax
sessions, listened to for rings and caller ID, checked, rescued, closed.

The scheduler's pool holds one ``ModemHandle`` per ``[[modem]]``; AT channels, Class 1
links and T.31 bytes stay below this line.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from faxgw.modem.at.results import Kind, Result, caller_id_field
from faxgw.modem.device import Modem, open_modem
from faxgw.modem.pages import PageDecoder
from faxgw.modem.probe import ModemInfo, check_class
from faxgw.modem.profiles import Profile
from faxgw.modem.rescue import rescue
from faxgw.modem.sessions import SessionOptions, build_session
from faxgw.session import FaxSession

OPEN_TIMEOUT_S = 30.0  # open, reset and probe; each command has its own, shorter timeout


class ModemHandle:
    def __init__(self, port: str, profile: str = "",
                 options: SessionOptions | None = None) -> None:
        self.port, self.profile_name = port, profile
        self.options = options or SessionOptions()
        self._modem: Modem | None = None
        self._stack: contextlib.AsyncExitStack | None = None

    @property
    def is_open(self) -> bool:
        return self._modem is not None

    @property
    def fclass(self) -> str | None:
        """The +FCLASS value of the class the modem is driven in (None until opened)."""
        return self._modem.fclass if self._modem else None

    @property
    def profile(self) -> Profile | None:
        """The profile the open modem was matched to."""
        return self._modem.profile if self._modem else None

    @property
    def info(self) -> ModemInfo | None:
        """What the probe found out about the open modem (None if it was not probed)."""
        return self._modem.info if self._modem else None

    def identity(self) -> dict[str, str | None]:
        """The profile it was matched to and what it says it is (None until opened)."""
        modem = self._modem
        info = modem.info if modem else None
        return {"profile": modem.profile.name if modem else None,
                "manufacturer": info.manufacturer if info else None,
                "model": info.model if info else None}

    async def open(self) -> None:
        """Open the port, reset and probe; raises (ModemFault, OSError, TimeoutError...)
        when the modem cannot be used, also when it offers no fax class faxgw drives."""
        stack = contextlib.AsyncExitStack()
        try:
            async with asyncio.timeout(OPEN_TIMEOUT_S):
                modem = await stack.enter_async_context(
                    open_modem(self.port, self.profile_name or None))
                check_class(modem)
        except BaseException:
            await stack.aclose()
            raise
        self._modem, self._stack = modem, stack

    async def close(self) -> None:
        stack, self._stack, self._modem = self._stack, None, None
        if stack is not None:
            with contextlib.suppress(Exception):
                await stack.aclose()

    async def rescue(self) -> None:
        """End whatever data state a dead process left the modem in (best effort; call it
        while closed, before opening again)."""
        await rescue(self.port, self.profile_name)

    def session(self, decoder: PageDecoder | None = None) -> FaxSession:
        """A fax session on the open modem, built as for every caller (``sessions``)."""
        return build_session(self._open_modem(), self.options, decoder)

    def listen(self, on_ring: Callable[[], None],
               on_caller_id: Callable[[str, str], None]) -> Callable[[], None]:
        """Call ``on_ring`` for each RING and ``on_caller_id(field, value)`` for each
        caller-ID line the modem prints; returns the function that stops listening."""
        def listener(result: Result) -> None:
            if result.kind is Kind.CALLER_ID:
                on_caller_id(*caller_id_field(result.text))
            elif result.kind is Kind.RING:
                on_ring()

        return self._open_modem().channel.add_listener(listener)

    async def recover(self) -> None:
        """Back to a known command state after a failed call, or ModemFault."""
        await self._open_modem().channel.recover()

    async def check(self) -> None:
        """``AT`` must answer OK (an idle modem's health check)."""
        await self._open_modem().channel.command("AT")

    def _open_modem(self) -> Modem:
        if self._modem is None:
            raise RuntimeError(f"modem on {self.port} is not open")
        return self._modem
