"""The daemon's composition root: every service built in order, the API on its socket,
systemd told, signals handled, and everything stopped in reverse."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from typing import AsyncIterator

from aiohttp import web

from faxgw.api.app import create_app
from faxgw.api.connection_guard import ConnectionLimits, GuardedSite, connection_cap, raise_descriptor_limit
from faxgw.api.services import AttemptCounters, Services, no_modems
from faxgw.api.status import attempt_listener, new_metrics
from faxgw.api.uploads import DirSync
from faxgw.api.validation import BatchedValidation
from faxgw.archive import running_archive, sweep_orphans
from faxgw.config import Config
from faxgw.documents.options import HeaderLine
from faxgw.documents.service import FaxDocuments
from faxgw.logs import setup_logging, stream_is_journal
from faxgw.operations import Operations
from faxgw.preflight import EXIT_IN_USE, CannotStart
from faxgw.preflight import check as preflight_check
from faxgw.scheduler.service import Scheduler
from faxgw.state_dir import StateDir
from faxgw.store import Store
from faxgw.webhooks.worker import WebhookWorker
from faxgw.webhooks.worker_lock import WorkerLockHeld

log = logging.getLogger("faxgw")
EXIT_STATE_DIR_BUSY = EXIT_IN_USE  # the state directory is in use by another daemon
SIGNALS = (signal.SIGTERM, signal.SIGINT)


def run(config: Config, config_path: str | None = None) -> int:
    # stderr, not stdout: stdout carries the one "listening on" line that scripts wait for;
    # under systemd both go to the journal alike.
    fmt = config.logging.format
    if fmt == "auto":
        fmt = "json" if stream_is_journal(sys.stderr) else "text"
    setup_logging(config.logging.level, fmt, stream=sys.stderr)
    warn_without_sender(config)
    try:
        preflight_check(config)
        asyncio.run(serve(config, config_path))
    except CannotStart as exc:  # port taken, state directory in use: one line, no traceback
        log.error("%s", exc)
        return EXIT_IN_USE
    except WorkerLockHeld as exc:  # a second daemon that won the race past the check
        log.error("not starting: %s", exc)
        return EXIT_STATE_DIR_BUSY
    return 0


async def serve(config: Config, config_path: str | None = None) -> None:
    """Run until SIGTERM or SIGINT: services, the API, READY, reloads on SIGHUP; then stop
    in reverse (the exit stack): no more reloads, the socket closed and requests finished,
    then the services, the scheduler first so calls end while the store is still open."""
    # Handlers first: a SIGTERM right after the "listening" line must stop us cleanly.
    stop = _stop_on_signals()
    loop = asyncio.get_running_loop()
    async with contextlib.AsyncExitStack() as stack:
        stack.callback(_remove_signal_handlers, loop, SIGNALS)
        # Inside the stack: when a service fails at start, the ones already started are still
        # stopped, or their threads and worker processes keep the process alive.
        services, scheduler = await stack.enter_async_context(started_services(config))
        app = create_app(config, services)
        runner = await _started_http_server(app, config)
        stack.push_async_callback(runner.cleanup)
        host, port = runner.addresses[0][:2]  # the real port when 0 was asked
        # The API's port is one of the box's own that no webhook may reach; with port 0 this
        # is the first time it is known, so before we say we listen.
        services.webhook_worker.add_own_ports((port,))
        # One line on stdout that scripts (and tests) wait for.
        print(f"faxgw listening on http://{host}:{port}", flush=True)
        ops = Operations(services, scheduler)
        stack.push_async_callback(ops.close)
        # READY only now: the store is open, the modems were probed (the scheduler's start),
        # and the socket accepts connections.
        await ops.ready()
        # SIGHUP (systemctl reload): re-read the config; without a handler it would kill us.
        loop.add_signal_handler(signal.SIGHUP, ops.start_reload, config_path)
        stack.callback(loop.remove_signal_handler, signal.SIGHUP)
        await stop.wait()
        log.info("stopping")
        ops.stopping()


async def _started_http_server(app: web.Application, config: Config) -> web.AppRunner:
    """The API on its socket, behind the connection caps and read deadlines."""
    server = config.server
    limits = ConnectionLimits(
        max_connections=connection_cap(server.max_connections, raise_descriptor_limit()),
        max_connections_per_client=server.max_connections_per_client,
        header_timeout_s=server.header_timeout_s, body_timeout_s=server.body_timeout_s)
    # access_log=None: a line per request costs throughput; errors are still logged.
    runner = web.AppRunner(app, handle_signals=False, access_log=None,
                           keepalive_timeout=server.keepalive_timeout_s)
    await runner.setup()
    try:
        await GuardedSite(runner, server.host, server.port, limits).start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner


@contextlib.asynccontextmanager
async def started_services(config: Config, run_scheduler: bool = True,
                           ) -> AsyncIterator[tuple[Services, Scheduler | None]]:
    """Every service of the daemon, started in order; stopped in reverse on leaving. The
    scheduler runs when the config enables it, unless `run_scheduler` is False."""
    async with contextlib.AsyncExitStack() as stack:
        state = StateDir(config.state_dir)
        state.prepare()
        store = await Store.open(state.root, config.retry.max_automatic_retries)
        stack.push_async_callback(store.close)
        await sweep_orphans(store, state.root)  # before the first request (see its docstring)
        # Right after the store: the worker's lock is what refuses a second daemon on the same
        # state directory, before it starts anything of its own (archive, renderers, modems).
        worker = await stack.enter_async_context(_webhook_worker(store, config))
        await stack.enter_async_context(running_archive(store, config))
        documents = await stack.enter_async_context(_documents(config))
        metrics, attempts = new_metrics(store), AttemptCounters()
        scheduler = None
        if run_scheduler and config.scheduler.enabled:
            # After the store and the documents, so stopped before them: calls end (and their
            # attempts are recorded, counted in the metrics) before the store and the
            # renderers close.
            scheduler = Scheduler(config, store, documents, attempt_listener(metrics, attempts))
            stack.push_async_callback(scheduler.stop)
            await scheduler.start()
        yield Services(
            config=config, state=state, store=store, faxes_dir_sync=DirSync(state.faxes),
            webhook_worker=worker, documents=documents,
            validation=BatchedValidation(documents), metrics=metrics, attempts=attempts,
            modems=scheduler.modem_statuses if scheduler is not None else no_modems,
        ), scheduler


@contextlib.asynccontextmanager
async def running_app(config: Config) -> AsyncIterator[web.Application]:
    """The app over started services, without a socket, signals or scheduler: for callers
    that serve it themselves (aiohttp's TestServer, their own AppRunner) and make the
    attempts themselves; nothing dials their faxes."""
    async with started_services(config, run_scheduler=False) as (services, _):
        yield create_app(config, services)


@contextlib.asynccontextmanager
async def _webhook_worker(store: Store, config: Config) -> AsyncIterator[WebhookWorker]:
    api_ports = (config.server.port,) if config.server.port else ()  # 0: see serve()
    worker = WebhookWorker(store, config.webhooks, api_ports=api_ports)
    await worker.start()
    store.db.commit_listeners.append(worker.commit_listener)
    try:
        yield worker
    finally:
        store.db.commit_listeners.remove(worker.commit_listener)
        await asyncio.shield(worker.stop())


@contextlib.asynccontextmanager
async def _documents(config: Config) -> AsyncIterator[FaxDocuments]:
    """The renderer's process pool, warming up while the rest starts."""
    documents = FaxDocuments()
    try:
        documents.warm_up_soon()
        documents.header = configured_header(config)  # [sender]: the header line's sender
        yield documents
    finally:
        await documents.close()


def configured_header(config: Config) -> HeaderLine | None:
    """The ``[sender]`` section as the header line every fax starts from; the number is the
    TSI the modems send when the section names none."""
    sender = config.sender
    if not sender.header_format:
        return None
    return HeaderLine(sender_name=sender.name, sender_number=sender.number or config.scheduler.local_ident,
                      format=sender.header_format)


def warn_without_sender(config: Config) -> None:
    """Every page's header line says who sent it; without [sender] it reads "From:" and
    nothing, which the receiver cannot call back (and US rules, 47 CFR 64.1604, forbid)."""
    sender = config.sender
    if not sender.header_format:
        return
    missing = [what for what, given in (("name", sender.name),
                                        ("number", sender.number or config.scheduler.local_ident))
               if not given]
    if missing:
        log.warning("[sender] has no %s: the header line of every page sent says 'From:' "
                    "without it; set [sender] name and number in the config",
                    " and no ".join(missing))


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in SIGNALS:
        loop.add_signal_handler(sig, stop.set)
    return stop


def _remove_signal_handlers(loop: asyncio.AbstractEventLoop, signals) -> None:
    for sig in signals:
        loop.remove_signal_handler(sig)
