"""Running the daemon: the web app on its socket, signals, an orderly stop."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys

from aiohttp import web

from faxgw.api import webhook_events
from faxgw.api.app import create_app
from faxgw.config import Config
from faxgw.logs import _stream_is_journal as stream_is_journal, setup_logging
from faxgw.ops_wiring import Operations, install as install_ops
from faxgw.webhooks.worker_lock import WorkerLockHeld

log = logging.getLogger("faxgw")
# sysexits.h EX_TEMPFAIL: the state directory is in use by another daemon; it may be free later.
EXIT_STATE_DIR_BUSY = 75


def run(config: Config, config_path: str | None = None) -> int:
    # stderr, not stdout: stdout carries the one "listening on" line that scripts wait for;
    # under systemd both go to the journal alike.
    fmt = config.logging.format
    if fmt == "auto":
        fmt = "json" if stream_is_journal(sys.stderr) else "text"
    setup_logging(config.logging.level, fmt, stream=sys.stderr)
    try:
        asyncio.run(serve(config, config_path=config_path))
    except WorkerLockHeld as exc:  # issue 10: a second daemon on the same state directory
        log.error("not starting: %s", exc)
        return EXIT_STATE_DIR_BUSY
    return 0


async def serve(config: Config, app: web.Application | None = None,
                config_path: str | None = None) -> None:
    if app is None:
        app = create_app(config)
        from faxgw.scheduler.wiring import install as install_scheduler  # issue 8

        install_scheduler(app)
        install_ops(app)  # issue 11: after the scheduler, whose attempts it counts
    # Handlers first: a SIGTERM right after the "listening" line must stop us cleanly.
    stop = _stop_on_signals()
    # access_log=None: a line per request costs throughput; errors are still logged.
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    ops = Operations(app)
    loop = asyncio.get_running_loop()
    try:
        # Inside the try: when a context fails at start, the ones already entered (store,
        # document workers) are still closed, or their threads keep the process alive.
        await runner.setup()
        site = web.TCPSite(runner, config.server.host, config.server.port, reuse_address=True)
        await site.start()
        host, port = site._server.sockets[0].getsockname()[:2]  # the real port when 0 was asked
        webhook_events.listening_on(app, port)  # issue 10: no webhook to our own port
        # One line on stdout that scripts (and tests) wait for.
        print(f"faxgw listening on http://{host}:{port}", flush=True)
        # READY only now: the cleanup contexts (store, scheduler and its modem probes) ran
        # in runner.setup(), and the socket accepts connections.
        await ops.ready()
        # SIGHUP (systemctl reload): re-read the config; without a handler it would kill us.
        loop.add_signal_handler(signal.SIGHUP, ops.start_reload, config_path)
        await stop.wait()
        log.info("stopping")
        ops.stopping()
    finally:
        loop.remove_signal_handler(signal.SIGHUP)
        await ops.close()
        await runner.cleanup()
        for sig in SIGNALS:
            loop.remove_signal_handler(sig)


SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    return stop
