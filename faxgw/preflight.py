"""What can stop the daemon from starting, checked before anything is printed, minted or
started: the API's port taken by another program, the state directory in use by another
daemon. Each is one line for the person at the terminal, not a traceback after a banner."""

from __future__ import annotations

import errno
import socket
from pathlib import Path

from faxgw.config import Config
from faxgw.state_dir import DATABASE_FILE
from faxgw.webhooks.worker_lock import WorkerLock, WorkerLockHeld

# sysexits.h EX_TEMPFAIL: what is in use now may be free later.
EXIT_IN_USE = 75


class CannotStart(RuntimeError):
    """One line saying why the daemon cannot start now, and what to do."""


def check(config: Config) -> None:
    """Raise CannotStart when the state directory is in use or the port is taken."""
    _state_dir_free(Path(config.state_dir))
    _port_free(config.server.host, config.server.port)


def _state_dir_free(state_dir: Path) -> None:
    if not (state_dir / DATABASE_FILE).exists():
        return  # a new state directory: nobody can be using it
    lock = WorkerLock(state_dir / DATABASE_FILE)
    try:
        lock.acquire()
    except WorkerLockHeld as exc:
        raise CannotStart(f"not starting: {exc}") from None
    except OSError:
        return  # an unreadable state directory: the start-up proper says why
    lock.release()


def _port_free(host: str, port: int) -> None:
    if not port:
        return  # 0: the kernel picks a free one
    try:
        infos = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                   flags=socket.AI_PASSIVE)
    except socket.gaierror:
        return  # the start-up proper reports an unknown host
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # As the API's own socket does: a port in TIME_WAIT after our last run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CannotStart(
                    f"not starting: {host}:{port} is in use by another program (another "
                    f"faxgw?); stop it, or listen on another port") from None
            if exc.errno == errno.EACCES:
                raise CannotStart(
                    f"not starting: no permission to listen on {host}:{port} (ports below "
                    f"1024 need privileges); choose a port above 1023") from None
            raise CannotStart(f"not starting: cannot listen on {host}:{port}: {exc.strerror}") from None
