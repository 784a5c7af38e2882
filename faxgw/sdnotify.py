"""A small sd_notify(3) client: tells systemd when faxgw is ready, what it is doing, and
that its event loop is alive.

The protocol is one AF_UNIX datagram of newline-separated ``KEY=value`` lines sent to the
socket named by $NOTIFY_SOCKET (a path, or an abstract name written with a leading '@').
Outside systemd the variable is unset and every call is a no-op that returns False, so the
daemon calls these unconditionally.

Where the daemon calls what (see systemd/README.md):
    API listening and modems probed -> notifier.ready(status="2/2 modems idle, 0 queued")
    the summary changes             -> notifier.status("1/2 modems busy, 5 queued")
    SIGHUP                          -> notifier.reloading(), re-read config, notifier.ready()
    SIGTERM                         -> notifier.stopping()
    right after ready()             -> start_watchdog(notifier); cancel the task at exit
"""
from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Mapping

log = logging.getLogger(__name__)


class Notifier:
    """Sends state changes to the service manager; does nothing when there is none."""

    def __init__(self, address: str | None, watchdog_usec: int | None = None) -> None:
        self.address = address
        self.watchdog_usec = watchdog_usec

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] = os.environ) -> Notifier:
        return cls(environ.get("NOTIFY_SOCKET") or None, _watchdog_usec(environ))

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def send(self, *assignments: str) -> bool:
        """Send ``KEY=value`` lines as one datagram; False if there is no one to tell.

        The socket is non-blocking: the watchdog ping runs on the event loop, and a
        stalled service manager must not stall the daemon with it.
        """
        if self.address is None:
            return False
        message = "\n".join(assignments).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.setblocking(False)
                sock.sendto(message, _socket_address(self.address))
        except OSError as error:
            log.warning("sd_notify to %s failed: %s", self.address, error)
            return False
        return True

    def ready(self, status: str | None = None) -> bool:
        """Startup (or a reload) is complete: the API listens, the modems are probed."""
        return self.send("READY=1", *_status_line(status))

    def status(self, text: str) -> bool:
        """A one-line summary shown by `systemctl status faxgw`."""
        return self.send(*_status_line(text))

    def reloading(self) -> bool:
        """SIGHUP received; follow with ready() when the new config is in force.

        MONOTONIC_USEC lets systemd >= 253 tell this reload from an earlier one.
        """
        now_usec = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
        return self.send("RELOADING=1", f"MONOTONIC_USEC={now_usec}")

    def stopping(self, status: str | None = None) -> bool:
        return self.send("STOPPING=1", *_status_line(status))

    def extend_timeout(self, seconds: float) -> bool:
        """Ask for more time to start or stop (e.g. a page still being sent)."""
        return self.send(f"EXTEND_TIMEOUT_USEC={int(seconds * 1_000_000)}")

    def watchdog(self) -> bool:
        return self.send("WATCHDOG=1")

    def watchdog_interval(self) -> float | None:
        """Seconds between pings: half of WatchdogSec=, as sd_watchdog_enabled(3) advises."""
        if self.address is None or not self.watchdog_usec:
            return None
        return self.watchdog_usec / 2 / 1_000_000


async def ping_watchdog(notifier: Notifier, interval: float) -> None:
    """Ping every `interval` seconds from the event loop itself.

    The ping is an event-loop timer, not a thread: when a callback blocks the loop the
    pings stop, and systemd restarts a daemon that has really hung.
    """
    while True:
        notifier.watchdog()
        await asyncio.sleep(interval)


def start_watchdog(notifier: Notifier) -> asyncio.Task | None:
    """Start the watchdog task on the running loop; None when systemd asked for none.

    The caller keeps the task and cancels it at shutdown.
    """
    interval = notifier.watchdog_interval()
    if interval is None:
        return None
    return asyncio.get_running_loop().create_task(
        ping_watchdog(notifier, interval), name="sd-watchdog")


def _socket_address(address: str) -> str | bytes:
    if address.startswith("@"):  # abstract namespace: a leading NUL, no file
        return b"\0" + address[1:].encode()
    return address


def _status_line(text: str | None) -> list[str]:
    if text is None:
        return []
    return ["STATUS=" + " ".join(text.split())]  # one line: newlines would split fields


def _watchdog_usec(environ: Mapping[str, str]) -> int | None:
    """WATCHDOG_USEC, if it is meant for this process (WATCHDOG_PID, when set, says whom)."""
    pid = environ.get("WATCHDOG_PID")
    if pid and pid != str(os.getpid()):
        return None
    try:
        usec = int(environ.get("WATCHDOG_USEC", ""))
    except ValueError:
        return None
    return usec if usec > 0 else None
