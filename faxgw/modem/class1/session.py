"""The Class 1 session: dial or answer, let the runner drive the I/O-free T.30 engine over
a ``Class1Link``, hang up, fill the result.

The hang-up at the end is shielded; ``CancelledError`` is re-raised after the hang-up, never
turned into an outcome (architecture habit 7).
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timezone

from faxgw.modem.class1.runner import Class1Config, Runner
from faxgw.modem.pages import PageDecoder, PagePipeline, ReceivedPages
from faxgw.outcome import Outcome
from faxgw.session import (CallOptions, Coding, PageConfirmedCallback, PageFormat,
                           PageReceivedCallback, PageSource, SessionResult)
from faxgw.t30 import events as ev
from faxgw.t30.frames import FCF, describe
from faxgw.t30.link import (CarrierLost, Class1Link, DialResult, LineDropped, LinkError,
                            LinkTimeout, Modulation, WrongCarrier)
from faxgw.t30.receiver import Receiver
from faxgw.t30.negotiate import LocalCapabilities, capability_names, speeds_up_to
from faxgw.t30.transmitter import Transmitter

_DIAL_OUTCOMES = {DialResult.BUSY: Outcome.BUSY, DialResult.NO_ANSWER: Outcome.NO_ANSWER,
                  DialResult.NO_CARRIER: Outcome.NO_CARRIER,
                  DialResult.NO_DIALTONE: Outcome.NO_DIALTONE,
                  DialResult.ERROR: Outcome.MODEM_FAULT}


async def send_fax(link: Class1Link, number: str, pages: PageSource, config: Class1Config,
                   on_page_confirmed: PageConfirmedCallback | None = None,
                   options: CallOptions | None = None) -> SessionResult:
    """Dial ``number`` and send ``pages``. Success only when the last page got MCF."""
    options = options or CallOptions()
    engine = Transmitter(config.local, pages.page_count, pages.resolution, pages.width_px,
                         config.timers, options, getattr(pages, "page_modes", None))
    pipeline = PagePipeline(pages)
    # Encode page 1 while we dial, in each format DIS may lead to (with ECM and without),
    # in threads: it warms the codec (its first use in a process costs a second), and
    # whichever the far end takes is ready; none is a coding the far end may refuse.
    for fmt in likely_formats(engine.local, pages, options):
        pipeline.prefetch(fmt, 0)
    runner = Runner(link, engine, config, pages=pipeline, on_page_confirmed=on_page_confirmed)
    result = _new_result("send", config, number, pages.page_count)
    result.options_used = options.describe()
    return await _session(runner, result, lambda: _dial(runner, number))


async def receive_fax(link: Class1Link, config: Class1Config, decoder: PageDecoder,
                      on_page_received: PageReceivedCallback | None = None) -> SessionResult:
    """Answer a ringing call and receive a fax; each accepted page goes to
    ``on_page_received`` (as it is accepted, before the call ends)."""
    engine = Receiver(config.local, config.quality, config.timers)
    received = ReceivedPages(decoder, on_page_received)
    received.warm_up()
    runner = Runner(link, engine, config, received=received)
    result = _new_result("receive", config, None, 0)
    return await _session(runner, result, lambda: _answer(runner))


def likely_formats(local: LocalCapabilities, pages: PageSource,
                   options: CallOptions = CallOptions()) -> tuple[PageFormat, ...]:
    """Page 1's formats before DIS is known: without ECM (MR, else MH), and with ECM
    (MMR) where we offer it. Both go: a far end may refuse ECM or MMR."""
    speeds = speeds_up_to(local.speeds(), options.max_bit_rate)
    top = speeds[0] if speeds else Modulation.V27TER_2400
    plain = PageFormat(Coding.MR if local.mr else Coding.MH, pages.resolution, pages.width_px,
                       0, top.bit_rate)
    if not local.ecm:
        return (plain,)
    return (plain, PageFormat(Coding.MMR if local.mmr else plain.coding, pages.resolution,
                              pages.width_px, 0, top.bit_rate, ecm=True))


class Class1Session:
    """``FaxSession`` over one Class 1 modem (see ``faxgw.session.FaxSession``)."""

    def __init__(self, link: Class1Link, config: Class1Config, decoder: PageDecoder) -> None:
        self.link, self.config, self.decoder = link, config, decoder

    async def send(self, number: str, pages: PageSource,
                   on_page_confirmed: PageConfirmedCallback | None = None,
                   options: CallOptions | None = None) -> SessionResult:
        return await send_fax(self.link, number, pages, self.config, on_page_confirmed,
                              options)

    async def receive(self, on_page_received: PageReceivedCallback | None = None
                      ) -> SessionResult:
        return await receive_fax(self.link, self.config, self.decoder, on_page_received)


def _new_result(direction: str, config: Class1Config, number: str | None,
                pages_total: int) -> SessionResult:
    return SessionResult(direction=direction, outcome=Outcome.PROTOCOL_ERROR, number=number,
                         local_ident=config.local.ident, pages_total=pages_total,
                         started_at=datetime.now(timezone.utc).isoformat(timespec="seconds"))


async def _session(runner: Runner, result: SessionResult, connect) -> SessionResult:
    started = time.monotonic()
    connected = False
    try:
        failed = await connect()
        connected = failed is None
        finish = failed or await runner.run()
    except BaseException as exc:
        # Cancelled (the scheduler stops the call) or a bug: hang up all the same, then
        # let it through; a CancelledError is never turned into an outcome.
        cancelled = isinstance(exc, asyncio.CancelledError)
        runner.trace.add("event", "cancelled" if cancelled else f"aborted: {exc!r}")
        # A call we stop (the daemon's stop grace ran out) still ends the T.30 way: DCN
        # tells the far end we are going before the line drops (T.30 5.3.6.1.8).
        await _end_call(runner, goodbye=cancelled and connected and not runner.engine.finished)
        raise
    await _end_call(runner)
    _fill_result(result, runner, finish)
    result.duration_s = round(time.monotonic() - started, 3)
    return result


async def _dial(runner: Runner, number: str) -> ev.Finish | None:
    """Phase A for the caller; a Finish when the call did not connect."""
    runner.trace.add("cmd", "dial", number)
    try:
        async with asyncio.timeout(runner.config.dial_timeout_s + runner.config.io_margin_s):
            outcome = await runner.link.dial(number, runner.config.dial_timeout_s)
    except TimeoutError:
        return _phase_a_end(runner, Outcome.MODEM_FAULT, "dial never returned")
    except ValueError as exc:  # the link refuses characters a modem cannot dial
        return _phase_a_end(runner, Outcome.BAD_NUMBER, str(exc))
    except LinkError as exc:
        return _phase_a_end(runner, _phase_a_outcome(exc), str(exc))
    runner.trace.add("event", f"dial: {outcome.name}")
    if outcome is DialResult.CONNECTED:
        return None
    return _phase_a_end(runner, _DIAL_OUTCOMES[outcome], outcome.name)


async def _answer(runner: Runner) -> ev.Finish | None:
    """Phase A for the called station: ATA, CED, V.21 up."""
    runner.trace.add("cmd", "answer")
    try:
        async with asyncio.timeout(runner.config.answer_timeout_s + runner.config.io_margin_s):
            await runner.link.answer(runner.config.answer_timeout_s)
    except TimeoutError:
        return _phase_a_end(runner, Outcome.MODEM_FAULT, "answer never returned")
    except LinkError as exc:
        return _phase_a_end(runner, _phase_a_outcome(exc), str(exc))
    return None


def _phase_a_outcome(exc: LinkError) -> Outcome:
    if isinstance(exc, LinkTimeout):
        return Outcome.NO_ANSWER
    if isinstance(exc, (LineDropped, CarrierLost, WrongCarrier)):
        return Outcome.NO_CARRIER
    return Outcome.MODEM_FAULT


def _phase_a_end(runner: Runner, outcome: Outcome, detail: str) -> ev.Finish:
    runner.trace.add("note", f"finish: {outcome.value}", detail)
    runner.engine.report.outcome, runner.engine.report.detail = outcome, detail
    return ev.Finish(outcome, detail)


async def _end_call(runner: Runner, goodbye: bool = False) -> None:
    """Hang up, then settle (callbacks, page workers), both to their end even when the
    session is cancelled meanwhile: nothing the session started may run on after it
    returned or raised. The cancellation propagates once they are done; both are bounded
    (the hang-up by its budget, the callbacks by their grace), so this cannot hang.
    `goodbye`: send DCN first (a call stopped from outside, still connected)."""
    ending = asyncio.ensure_future(_hang_up_and_settle(runner, goodbye))
    cancelled = False
    while True:
        try:
            await asyncio.shield(ending)
            break
        except asyncio.CancelledError:
            if ending.done():  # it was ending itself that got cancelled: nothing to wait for
                raise
            cancelled = True  # wait on; every cancel is kept for after (Task.cancelling)
    if cancelled:
        raise asyncio.CancelledError()


async def _hang_up_and_settle(runner: Runner, goodbye: bool = False) -> None:
    if goodbye:
        await _send_dcn(runner)
    await _hang_up(runner)
    await runner.settle()


async def _send_dcn(runner: Runner) -> None:
    """DCN on a call the engine did not end itself; bounded, and any failure only means
    the hang-up follows at once (the far end then ends by its own timers)."""
    frame = runner.engine.frame(FCF.DCN)
    runner.trace.add("tx", describe(frame), "the call was stopped from outside")
    try:
        async with asyncio.timeout(runner.config.io_margin_s):
            await runner.link.send_frames([frame])
    except (TimeoutError, LinkError, ValueError) as exc:
        runner.trace.add("event", "DCN not sent", repr(exc))


def hang_up_budget_s(link: Class1Link, config: Class1Config) -> float:
    """How long the hang-up may take: the link's own ``hang_up_budget_s`` when it declares
    one (``AtClass1Link``: ATH0 and its whole recovery ladder), never less than the
    config's bound. Stopping to wait before the link's budget would leave its recovery
    running on after we gave up on it."""
    return max(config.hang_up_timeout_s, getattr(link, "hang_up_budget_s", 0.0) or 0.0)


async def _hang_up(runner: Runner) -> None:
    """ATH, bounded: a dead modem must not hang us, and must not be left recovering in
    the background either."""
    runner.trace.add("cmd", "hang_up")
    task = asyncio.ensure_future(runner.link.hang_up())
    try:
        async with asyncio.timeout(hang_up_budget_s(runner.link, runner.config)):
            await asyncio.shield(task)
        return
    except (TimeoutError, LinkError) as exc:
        runner.trace.add("event", "hang-up failed", repr(exc))
    if task.done():
        return
    # Over its budget (a link that underrates its ladder): cancel it and see it end, for a
    # bounded grace, so that it does not go on talking to the port after we return.
    task.cancel()
    done, _ = await asyncio.wait({task}, timeout=runner.config.hang_up_timeout_s)
    if not done:
        runner.trace.add("event", "hang-up still running after cancel; left to finish")
        return
    if not task.cancelled() and task.exception() is not None:
        runner.trace.add("event", "hang-up ended with", repr(task.exception()))


def _fill_result(result: SessionResult, runner: Runner, finish: ev.Finish) -> None:
    report = runner.engine.report
    result.outcome, result.detail = finish.outcome, finish.detail
    result.phase = report.phase.value
    result.remote_ident = report.remote_ident
    result.remote_nsf = report.remote_nsf.hex() if report.remote_nsf is not None else None
    result.remote_capabilities = list(capability_names(report.remote_dis)) \
        if report.remote_dis else []
    result.failed_trainings = dict(report.failed_trainings)
    result.trainings = report.trainings
    result.pages = report.pages
    result.pages_confirmed = report.pages_confirmed
    if result.direction == "receive":
        result.pages_total = len(runner.received.kept) if runner.received else 0
    if report.dcs is not None:
        dcs = report.dcs
        result.bit_rate, result.modulation = dcs.modulation.bit_rate, dcs.modulation.family
        result.coding, result.resolution = dcs.coding, dcs.resolution
        result.width_px, result.min_scan_ms, result.ecm = dcs.width_px, dcs.min_scan_ms, dcs.ecm
        if dcs.ecm:
            result.ecm_frame_size = 64 if dcs.ecm_64_octet_frames else 256
    result.ecm_counters = report.ecm_counters
    result.trace = runner.trace.entries
