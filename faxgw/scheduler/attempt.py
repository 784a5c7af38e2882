"""One outgoing call, from a claim to its record.

The claim (one conditional update in the store) has already opened the attempt and moved
the fax to FaxAttemptInitiated. Here: the pages not confirmed yet are sent, each page the
receiver confirms is written at once (a call that dies after page 3 of 5 leaves 3 on
record), and the attempt is closed with the session's result. The closing write is
shielded: a daemon that stops mid-call still records the attempt as interrupted.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from faxgw.config import RetryConfig
from faxgw.documents import DocumentError
from faxgw.logs import log_context
from faxgw.outcome import Outcome, RetryClass
from faxgw.scheduler import learning, policy
from faxgw.scheduler.dialplan import DialPlan
from faxgw.scheduler.pages import PageStore
from faxgw.scheduler.pool import PooledModem
from faxgw.session import PageResult, SessionResult
from faxgw.store import AttemptResult, Claim, Destination, Store
from faxgw.store.rows import now_ms

log = logging.getLogger("faxgw.scheduler.attempt")

# Outcomes for which the modem, not the line or the far end, is to blame.
MODEM_BLAMED = frozenset(o for o in Outcome if o.retry is RetryClass.MODEM)


@dataclass
class AttemptContext:
    store: Store
    pages: PageStore
    dial_plan: DialPlan
    retry: RetryConfig
    # Told (outcome, call seconds or None, modem name, seconds of each confirmed
    # page) once an attempt is recorded; the daemon's metrics set it (faxgw/ops_wiring.py).
    on_finished: Callable[[str, float | None, str, list[float]], None] | None = None


@dataclass
class CallEnd:
    """What the pool needs to know after the call."""

    modem_failed: bool
    reason: str = ""
    call_seconds: float | None = None  # dial to hang-up; None when no call was placed
    page_seconds: tuple[float, ...] = ()  # each confirmed page: start of its data to MCF


async def run_attempt(ctx: AttemptContext, claim: Claim, modem: PooledModem) -> CallEnd:
    with log_context(faxId=claim.fax_id, attemptId=claim.attempt_id, modem=modem.name,
                     tenantId=claim.tenant_id):
        log.info("attempt %d of fax %s on %s", claim.attempt_number, claim.fax_id, modem.name)
        try:
            record, end = await _call(ctx, claim, modem)
        except asyncio.CancelledError:
            await asyncio.shield(_finish(ctx, claim, policy.failure(
                Outcome.INTERRUPTED, ctx.retry, "the daemon stopped during the call")))
            _tell(ctx, Outcome.INTERRUPTED.value, None, modem.name, ())
            raise
        await asyncio.shield(_finish(ctx, claim, record))
        _tell(ctx, record.outcome, end.call_seconds, modem.name, end.page_seconds)
        return end


def _tell(ctx: AttemptContext, outcome: str, call_seconds: float | None, modem: str,
          pages: tuple[float, ...]) -> None:
    if ctx.on_finished is not None:
        try:
            ctx.on_finished(outcome, call_seconds, modem, list(pages))
        except Exception:  # noqa: BLE001 - a metrics fault must not fail the call
            log.exception("attempt listener failed")


async def _call(ctx: AttemptContext, claim: Claim, modem: PooledModem
                ) -> tuple[AttemptResult, CallEnd]:
    fax = await ctx.store.fax_row(claim.fax_id)
    try:
        pages_file, total = await ctx.pages.prepare(claim, fax["cover_page"] if fax else None)
    except DocumentError as exc:
        return policy.failure(Outcome.DOCUMENT_ERROR, ctx.retry, exc.reason), CallEnd(False)
    except FileNotFoundError as exc:  # documents purged after the retention period
        return policy.failure(Outcome.DOCUMENT_ERROR, ctx.retry, str(exc),
                              give_up=True), CallEnd(False)
    await ctx.store.set_page_count(claim.fax_id, total)
    numbers = [n for n in range(1, total + 1) if n not in claim.pages_confirmed]
    if not numbers:
        return AttemptResult(success=True, outcome=Outcome.SUCCESS.value, pages_total=total,
                             details={"detail": policy.ALL_CONFIRMED_DETAIL}), CallEnd(False)
    source = await asyncio.to_thread(ctx.pages.source, pages_file, numbers)
    dialled = ctx.dial_plan.dial_string(claim.phone_number)
    key = ctx.dial_plan.destination_key(claim.phone_number)
    learned = await ctx.store.destination(key)
    pin = learning.pin_for(fax, learned)
    modem.dialling()
    dialled_at = time.monotonic()
    try:
        result = await modem.session().send(
            dialled, source, _confirmer(ctx, claim, numbers),
            options=learning.call_options(learned, pin))
    except Exception as exc:  # noqa: BLE001 - an engine or link bug ends this call only
        log.exception("session failed")
        detail = f"{type(exc).__name__}: {exc}"
        return policy.failure(Outcome.PROTOCOL_ERROR, ctx.retry, detail, total), \
            CallEnd(True, detail, time.monotonic() - dialled_at)
    call_seconds = time.monotonic() - dialled_at
    await _learn(ctx, key, learned, result)
    earlier = await _earlier_no_fax(ctx.store, claim)
    details = _details(result, numbers, dialled)
    details["learned"] = learning.used(learned, pin, bool(fax and fax["verify_recipient"]))
    record = policy.attempt_result(result, ctx.retry, total, earlier, details)
    return record, CallEnd(result.outcome in MODEM_BLAMED, result.outcome.sentence, call_seconds,
                           page_seconds(result))


async def _learn(ctx: AttemptContext, key: str, learned: Destination | None,
                 result: SessionResult) -> None:
    """What this call teaches the next one to the number. A failure to write it costs the
    lesson, never the attempt's record."""
    try:
        await ctx.store.save_destination(learning.learn(learned, key, result, now_ms()))
    except Exception:  # noqa: BLE001 - the attempt is recorded all the same
        log.exception("could not record what the call to %s taught", key)


def page_seconds(result: SessionResult) -> tuple[float, ...]:
    """Seconds from the start of each confirmed page's image data to its confirmation, as
    the session measured them (``PageResult.sending_s``), in page order."""
    return tuple(p.sending_s for p in result.pages if p.sending_s is not None)


def _confirmer(ctx: AttemptContext, claim: Claim, numbers: list[int]):
    async def confirmed(page: PageResult) -> None:
        await ctx.store.record_page_confirmed(claim.attempt_id, numbers[page.index])
    return confirmed


async def _earlier_no_fax(store: Store, claim: Claim) -> int:
    attempts = await store.attempts(claim.fax_id)
    codes = {o.value for o in policy.NO_FAX_OUTCOMES}
    return sum(1 for a in attempts if a["id"] != claim.attempt_id and a["outcome"] in codes)


def _details(result: SessionResult, numbers: list[int], dialled: str) -> dict:
    data = result.to_dict()
    data["pagesSent"] = [numbers[p.index] for p in result.pages if p.attempts > 0]
    data["pagesAttempted"] = numbers
    data["dialled"] = dialled
    return data


async def _finish(ctx: AttemptContext, claim: Claim, record: AttemptResult) -> None:
    try:
        row = await ctx.store.finish_attempt(claim.attempt_id, record)
    except LookupError:
        log.warning("attempt %s was already closed", claim.attempt_id)
        return
    log.info("attempt %d of fax %s ended %s; fax now %s", claim.attempt_number,
             claim.fax_id, record.outcome, row["status"])
