"""A received call's life in the product: routed to a tenant and recorded when answered,
each whole page kept (file, then row and events) as it arrives, and finished with its
TIFF, PDF and the InboundFaxReceived event; or finished at the next start when a crash
cut it off. The T.30 session calls ``InboundCall.page`` before it confirms the page, so
page work is short and runs off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from pathlib import Path

from faxgw.inbound.record import RECEIVED_DIR, CallFolder
from faxgw.inbound.routing import InboundConfig, Routing, route
from faxgw.store.received_statuses import ReceivedStatus, ended_status
from faxgw.outcome import Outcome
from faxgw.session import ReceivedPage, SessionResult
from faxgw.store.received import NewCall, PageRow, ReceivedCallEnd, ReceivedStore

log = logging.getLogger("faxgw.inbound")
TRACE_KEEP = 2000  # trace entries kept per call (a runaway call cannot grow a row forever)


@dataclass(frozen=True)
class LineInfo:
    """What the line reported before the call was answered (caller ID, DID)."""

    called_number: str | None = None
    caller_number: str | None = None
    caller_name: str | None = None


class InboundService:
    def __init__(self, store: ReceivedStore, state_dir: Path, config: InboundConfig) -> None:
        self.store, self.state_dir, self.config = store, Path(state_dir), config

    async def route(self, modem: str, line: LineInfo) -> Routing:
        decision = route(self.config, modem, line.called_number)
        if decision.tenant_id and not await self.store.tenant_exists(decision.tenant_id):
            log.warning("inbound route names tenant %s, which does not exist; the fax is "
                        "kept for the admin", decision.tenant_id)
            return Routing(None, "none")
        return decision

    async def answer(self, modem: str, line: LineInfo) -> "InboundCall":
        received_id = str(uuid.uuid4())
        decision = await self.route(modem, line)
        relative = f"{RECEIVED_DIR}/{received_id}"
        await self.store.begin(NewCall(received_id, modem, decision.tenant_id,
                                       decision.routed_by, relative, line.called_number,
                                       line.caller_number, line.caller_name))
        log.info("incoming call on %s (called %s, caller %s): fax %s for %s (by %s)", modem,
                 line.called_number or "?", line.caller_number or "?", received_id,
                 decision.tenant_id or "the admin", decision.routed_by)
        return InboundCall(self, CallFolder(self.state_dir / relative, received_id, modem))

    async def finish_left_over(self) -> list[str]:
        """At start: calls a crash cut off keep the pages that had arrived, marked partial."""
        done = []
        for row in await self.store.open_calls():
            folder = CallFolder.left_over(self.state_dir / row["folder"])
            call = InboundCall(self, folder)
            await call.finish(SessionResult(direction="receive", outcome=Outcome.INTERRUPTED),
                              recovered=True)
            done.append(row["id"])
        return done


class InboundCall:
    def __init__(self, service: InboundService, folder: CallFolder) -> None:
        self.service, self.folder = service, folder

    @property
    def id(self) -> str:
        return self.folder.id

    async def page(self, page: ReceivedPage) -> None:
        image = await asyncio.to_thread(self.folder.keep, page)
        number = page.index + 1
        row = PageRow(number, page.fmt.resolution.value, page.fmt.coding.value, image.width,
                      image.height, page.total_lines, page.bad_lines, page.fmt.ecm)
        try:
            await self.service.store.add_page(self.id, row, self._page_events(number))
        except Exception:  # noqa: BLE001 - the page is on disk; the call must go on
            log.exception("received fax %s: page %d kept on disk, not in the database",
                          self.id, number)

    def _page_events(self, number: int) -> list[int]:
        """A fax becomes long at ``page_events_from`` pages: then every page so far gets its
        event, and each later page its own."""
        start = self.service.config.page_events_from
        if not start or number < start:
            return []
        return list(range(1, number + 1)) if number == start else [number]

    async def finish(self, result: SessionResult, recovered: bool = False) -> dict | None:
        record = await asyncio.to_thread(self.folder.finish, result)
        store = self.service.store
        if recovered:  # pages written to disk just before a crash may lack their row
            for index, (name, resolution) in sorted(self.folder.pages.items()):
                await store.add_page(self.id, _recovered_page(self.folder, index, name,
                                                              resolution.value), [],
                                     recovered=True)
        pages = record["pages"]
        status = ended_status(result.success, pages)
        reason = None if status is ReceivedStatus.RECEIVED else _reason(result)
        details = result.to_dict()
        details["trace"] = details.get("trace", [])[-TRACE_KEEP:]
        end = ReceivedCallEnd(status, reason, result.outcome.value, result.remote_ident,
                              result.bit_rate,
                              result.resolution.value if result.resolution else None,
                              result.coding.value if result.coding else None,
                              result.ecm if result.coding else None, details)
        obj = await store.finish(self.id, end)
        log.info("received fax %s: %d page(s) from %r, %s", self.id, pages,
                 result.remote_ident, status)
        return obj


def _reason(result: SessionResult) -> str:
    return f"{result.reason} {result.detail}".strip() if result.detail else result.reason


def _recovered_page(folder: CallFolder, index: int, name: str, resolution: str) -> PageRow:
    from PIL import Image

    with Image.open(folder.folder / name) as image:
        width, height = image.size
    # Line counts were in memory only; the page itself is whole (it was written last).
    return PageRow(index + 1, resolution, "MH", width, height, height, 0, False)
