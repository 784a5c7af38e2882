"""The documents wiring of the REST API, in-process: submit refuses unreadable documents with
their code, pages are rendered after the 201 and kept, GET /fax/{id}/pages/{n} shows them."""

import asyncio
import datetime as dt
import io
import time

import aiohttp
import numpy as np
import pytest
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image

import faxgw.g3 as g3
from faxgw.api.keys import SERVICES
from faxgw.config import load
from faxgw.daemon import running_app
from faxgw.documents import CoverPage, HeaderLine, RenderOptions, render_all
from faxgw.documents.stored import PAGES_FILE
from faxgw.session import Coding, PageFormat, Resolution
from tests.unit.documents import corpus
from tests.unit.documents.pagecheck import black, header_rows, header_sent_between


@pytest.fixture
async def api(tmp_path):
    config_path = tmp_path / "faxgw.toml"
    config_path.write_text(f'[server]\nlisten = "127.0.0.1:0"\n[storage]\nstate_dir = "{tmp_path / "state"}"\n'
                           '[sender]\nname = "Clinic Nord"\nnumber = "+49 30 1234"\n')
    async with running_app(load(config_path)) as app, TestClient(TestServer(app)) as client:
        keys = [(await app[SERVICES].store.create_tenant(name))[1] for name in ("a", "b")]
        yield client, keys, tmp_path / "state"


async def send(client, key, documents, **fields):
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("phoneNumber", "+15551234567")
    for name, value in fields.items():
        form.add_field(name, value)
    for index, data in enumerate(documents):
        form.add_field("document", data, filename=f"d{index}", content_type="application/octet-stream")
    async with client.post("/fax", data=form, headers={"Authorization": f"Bearer {key}"}) as response:
        return response.status, await response.json()


async def get(client, key, path):
    async with client.get(path, headers={"Authorization": f"Bearer {key}"}) as response:
        return response.status, response.content_type, await response.read()


@pytest.mark.parametrize("bad, status, code", [
    (corpus.encrypted_pdf(), 415, "document_encrypted"),
    (corpus.zero_page_pdf(), 422, "document_no_pages"),
    (corpus.truncated_pdf(), 415, "document_corrupt"),
    (corpus.bomb_png(), 413, "image_too_large"),
    ("Rechnung\nሰላም\n".encode(), 422, "text_unprintable"),  # Ethiopic: in no installed font
    ("Größe".encode("latin-1"), 415, None),  # the upload layer already refuses non-UTF-8 text
], ids=["encrypted", "no-pages", "truncated", "bomb", "unprintable", "latin-1"])
async def test_submit_refuses_unreadable_documents_and_stores_nothing(api, bad, status, code):
    client, (key, _), state = api
    answer, body = await send(client, key, [corpus.text_pdf(1), bad])
    assert answer == status
    if code:
        assert body["code"] == code and body["document"] == 2 and body["message"]
    assert not list((state / "faxes").iterdir())


async def test_pages_are_kept_and_served_as_transmitted(api):
    client, (key, other), state = api
    documents = [corpus.text_pdf(2), b"hello from the text part\n"]
    answer, fax = await send(client, key, documents, headerLine="ACME {literal}",
                             coverPage='{"to": "Ada", "subject": "Notes"}', resolution="fine")
    assert answer == 201
    fax_id = fax["faxId"]
    before = dt.datetime.now().astimezone()
    status, kind, png = await get(client, key, f"/fax/{fax_id}/pages/2")
    after = dt.datetime.now().astimezone()
    assert (status, kind) == (200, "image/png")
    page = Image.open(io.BytesIO(png))
    assert page.size == (1728, 2292) and page.info["dpi"] == pytest.approx((204, 196), abs=0.1)
    expected = render_all(documents, RenderOptions(cover=CoverPage(to="Ada", subject="Notes")))[1]
    rows = header_rows(196)
    assert np.array_equal(black(page)[rows:], black(expected.image)[rows:])
    # The client's headerLine is the sender (braces are its text, not fields), drawn with the
    # time of the request: "2026-11-27 08:05   From: ACME {literal}    Page 2 of 4".
    header = HeaderLine(sender_name="ACME {literal}", recipient_number="+15551234567")
    assert header_sent_between(page, header, 2, 4, before, after)
    assert (state / "faxes" / fax_id / PAGES_FILE).exists()
    for n in (1, 4):
        assert (await get(client, key, f"/fax/{fax_id}/pages/{n}"))[0] == 200
    assert (await get(client, key, f"/fax/{fax_id}/pages/5"))[0] == 404
    assert (await get(client, key, f"/fax/{fax_id}/pages/0"))[0] == 404
    foreign = await get(client, other, f"/fax/{fax_id}/pages/1")
    assert foreign[0] == 404 and b"fax_not_found" in foreign[2]


async def test_the_scheduler_sends_exactly_the_previewed_pages(api):
    """The preview must be the transmitted page: a claimed attempt takes the very pages.tif
    the preview rendered (header line, cover page, resolution and all), not a rendering of
    its own. Replaces a check that two separate option readers agreed: since the scheduler
    uses the documents service, there is only one rendering, and this proves it."""
    from faxgw.scheduler.pages import PageStore

    client, (key, _), state = api
    app = client.server.app
    answer, fax = await send(client, key, [corpus.text_pdf(2)], headerLine="ACME {x} Clinic",
                             coverPage='{"to": "Ada", "subject": "Notes"}', resolution="superfine")
    assert answer == 201
    before = dt.datetime.now().astimezone()
    preview = await get(client, key, f"/fax/{fax['faxId']}/pages/1")
    assert preview[0] == 200
    pages = state / "faxes" / fax["faxId"] / PAGES_FILE
    rendered = pages.stat().st_mtime_ns
    claim = await app[SERVICES].store.claim_next_job("modem0")
    assert claim is not None and claim.fax_id == fax["faxId"]
    row = await app[SERVICES].store.fax_row(claim.fax_id)
    store = PageStore(state, app[SERVICES].documents)
    path, count = await store.prepare(claim, row["cover_page"])
    assert (path, count) == (pages, 3)  # cover + 2 pages, the file the preview made
    assert pages.stat().st_mtime_ns == rendered  # not rendered again
    # The first page as the call codes it, header line drawn as it is sent, is the preview.
    source = await asyncio.to_thread(store.source, path, [1])
    sent, _ = g3.decode(source.encode(0, PageFormat(Coding.MMR, Resolution.SUPERFINE, 1728, 0, 14400)),
                        1728, "MMR")
    after = dt.datetime.now().astimezone()
    shown = Image.open(io.BytesIO(preview[2]))
    rows = header_rows(391)
    assert np.array_equal(black(sent)[rows:], black(shown)[rows:])
    header = HeaderLine(sender_name="ACME {x} Clinic", recipient_number="+15551234567")
    sent.info["dpi"] = (204, 391)
    assert header_sent_between(shown, header, 1, 3, before, after)
    assert header_sent_between(sent, header, 1, 3, before, after)


async def test_pages_are_rendered_once_on_demand_and_kept(api):
    client, (key, _), state = api
    answer, fax = await send(client, key, [corpus.text_pdf(3)])
    assert answer == 201
    pages = state / "faxes" / fax["faxId"] / PAGES_FILE
    assert not pages.exists()  # submit only checks; nothing renders during a burst of uploads
    before = dt.datetime.now().astimezone()
    first = await get(client, key, f"/fax/{fax['faxId']}/pages/3")
    assert first[0] == 200 and getattr(Image.open(pages), "n_frames", 1) == 3
    kept = pages.stat().st_mtime_ns
    again = await get(client, key, f"/fax/{fax['faxId']}/pages/3")
    after = dt.datetime.now().astimezone()
    assert pages.stat().st_mtime_ns == kept
    # The [sender] of the config names the sender: "... From: Clinic Nord +49 30 1234 ...".
    header = HeaderLine(sender_name="Clinic Nord", sender_number="+49 30 1234", recipient_number="+15551234567")
    for png in (first[2], again[2]):
        assert header_sent_between(Image.open(io.BytesIO(png)), header, 3, 3, before, after)


async def test_api_answers_promptly_while_a_long_fax_renders(api):
    client, (key, _), _ = api
    await send(client, key, [corpus.text_pdf(1)])  # start the pool
    answer, fax = await send(client, key, [corpus.text_pdf(50)])
    assert answer == 201
    preview = asyncio.ensure_future(get(client, key, f"/fax/{fax['faxId']}/pages/50"))  # renders 50 pages
    latencies = []
    while not preview.done():
        started = time.perf_counter()
        assert (await get(client, key, f"/fax/{fax['faxId']}"))[0] == 200
        latencies.append(time.perf_counter() - started)
        await asyncio.sleep(0.01)
    assert (await preview)[0] == 200 and len(latencies) >= 5  # many requests answered meanwhile
    assert max(latencies) < 0.25, latencies
