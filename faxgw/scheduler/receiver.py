"""Incoming faxes: a ringing receive-capable modem is answered by the T.30 receiver, and
the call is handed to ``faxgw.inbound``, which routes it to a tenant and keeps every whole
page as it arrives (see faxgw/inbound/service.py). The scheduler only answers and runs the
session; what a received fax is, is not its business.
"""

from __future__ import annotations

import asyncio
import logging

from faxgw.inbound.service import InboundService, LineInfo
from faxgw.logs import log_context
from faxgw.scheduler.pool import PooledModem
from faxgw.outcome import Outcome
from faxgw.session import ReceivedPage, SessionResult

log = logging.getLogger("faxgw.scheduler.receiver")


def line_info(fields: dict[str, str]) -> LineInfo:
    """Caller-ID fields the modem printed around RING (``NMBR = ...``; ``NDID`` / ``DDI``
    for the dialled number on DID lines) as the inbound side wants them."""
    called = fields.get("NDID") or fields.get("DDI") or fields.get("CALLED NUMBER")
    return LineInfo(called_number=called or None,
                    caller_number=fields.get("NMBR") or fields.get("CALLER NUMBER") or None,
                    caller_name=fields.get("NAME") or None)


async def receive_call(modem: PooledModem, inbound: InboundService) -> dict | None:
    """Answer the ringing ``modem`` and receive; returns the fax object stored."""
    with log_context(modem=modem.name):
        call = await inbound.answer(modem.name, line_info(modem.take_caller_id()))

        async def keep(page: ReceivedPage) -> None:
            await call.page(page)

        try:
            result = await modem.session().receive(keep)
        except BaseException as exc:
            # A stop (cancelled) or a bug: the pages that arrived are kept and the record is
            # finished now; should that fail too, the next start finishes it.
            stopped = isinstance(exc, asyncio.CancelledError)
            ended = SessionResult(direction="receive",
                                  outcome=Outcome.INTERRUPTED if stopped else Outcome.MODEM_FAULT,
                                  detail="" if stopped else repr(exc))
            try:
                await asyncio.shield(call.finish(ended))
            except Exception:  # noqa: BLE001 - the original error is the one to report
                log.exception("received fax %s: record left for the next start", call.id)
            raise
        return await asyncio.shield(call.finish(result))
