"""Received faxes on disk and in the store: TIFF Class F and PDF with the sender's ident; a
call cut off by a crash keeps its pages and is finished, marked partial, at the next start."""

import json

import numpy as np
import pypdfium2
from PIL import Image

from faxgw.g3.tiff import read_tiff
from faxgw.inbound.record import RECEIVED_DIR, CallFolder
from faxgw.inbound.routing import InboundConfig
from faxgw.inbound.service import InboundService, LineInfo
from faxgw.outcome import Outcome
from faxgw.session import Coding, PageFormat, ReceivedPage, Resolution, SessionResult
from faxgw.store import Store
from faxgw.store.received import ReceivedStore


def received_page(index: int, resolution: Resolution) -> ReceivedPage:
    ink = np.zeros((300, 1728), bool)
    ink[40:80, 100 + 50 * index:400] = True
    fmt = PageFormat(Coding.MH, resolution, 1728, 0, 14400)
    return ReceivedPage(index, fmt, b"", image=Image.fromarray(~ink), total_lines=300,
                        bad_lines=index)


def test_a_received_fax_is_kept_as_tiff_class_f_and_pdf_with_the_senders_ident(tmp_path):
    fax = CallFolder(tmp_path / RECEIVED_DIR / "x", "x", "in1")
    pages = [received_page(i, Resolution.STANDARD) for i in range(2)]
    for page in pages:
        fax.keep(page)
    record = fax.finish(SessionResult(direction="receive", outcome=Outcome.SUCCESS,
                                      remote_ident="+1 555 0101"))
    assert record["remoteIdent"] == "+1 555 0101" and record["pages"] == 2 and record["complete"]
    stored = json.loads((fax.folder / "fax.json").read_text())
    assert stored == record
    tiff = read_tiff((fax.folder / "fax.tif").read_bytes())
    assert [(p.x_dpi, p.y_dpi) for p in tiff] == [(204.0, 98.0)] * 2
    for page, kept in zip(pages, tiff):
        assert np.array_equal(np.array(kept.image), np.array(page.image))
    pdf = pypdfium2.PdfDocument(fax.folder / "fax.pdf")
    width, height = pdf[0].get_size()  # 1728 x 300 lines at 204 x 98 dpi, in points
    assert len(pdf) == 2 and abs(width - 1728 / 204 * 72) < 1 and abs(height - 300 / 98 * 72) < 2


async def test_a_call_cut_off_by_a_crash_is_finished_partial_at_start(tmp_path):
    store = await Store.open(tmp_path)
    try:
        tenant, _ = await store.create_tenant("t")
        service = InboundService(ReceivedStore(store.db), tmp_path,
                                 InboundConfig(default_tenant=tenant))
        call = await service.answer("in1", LineInfo(called_number="555"))
        await call.page(received_page(0, Resolution.FINE))
        await call.page(received_page(1, Resolution.FINE))
        # the daemon dies here: no finish; a new one starts
        again = InboundService(ReceivedStore(store.db), tmp_path, InboundConfig())
        assert await again.finish_left_over() == [call.id]
        found = await ReceivedStore(store.db).get(tenant, call.id)
        obj = found["object"]
        assert obj["status"] == "partial" and obj["partial"] and obj["pageCount"] == 2
        assert obj["outcome"] == "interrupted" and obj["partialReason"]
        assert [p["badLines"] for p in obj["pages"]] == [0, 1]  # the rows written live are kept
        assert obj["calledNumber"] == "555" and obj["routedBy"] == "default"
        assert read_tiff((call.folder.folder / "fax.tif").read_bytes())[0].y_dpi == 196.0
        assert await again.finish_left_over() == []  # only once
        events = await store.db.fetchall("SELECT type FROM outbox WHERE fax_id = ?", (call.id,))
        assert [e["type"] for e in events] == ["faxgw.fax.InboundFaxReceived"]
    finally:
        await store.close()
