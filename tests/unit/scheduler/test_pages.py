"""The pages a call sends: rendered once by the documents service, then only the ones the
receiver has not confirmed, in order, coded for the negotiated format."""

import numpy as np

import faxgw.g3 as g3
from faxgw.documents.service import FaxDocuments
from faxgw.documents.stored import read_pages
from faxgw.scheduler.pages import PageStore
from faxgw.session import Coding, PageFormat, Resolution
from faxgw.store import Claim, Document

from tests.integration.scheduler.gateway import make_pdf


def claim_for(tmp_path, pdf: bytes) -> Claim:
    folder = tmp_path / "faxes" / "f1"
    folder.mkdir(parents=True)
    (folder / "1.pdf").write_bytes(pdf)
    doc = Document(1, "pdf", "a.pdf", len(pdf), "0" * 64, "faxes/f1/1.pdf")
    return Claim(fax_id="f1", tenant_id="t", attempt_id="a", attempt_number=2, manual=False,
                 phone_number="5550100", resolution="fine", header_line=None,
                 documents=[doc], pages_confirmed=frozenset({1, 2}))


async def test_a_retry_sends_the_unconfirmed_pages_in_order(tmp_path):
    documents = FaxDocuments(workers=1)
    try:
        pages = PageStore(tmp_path, documents)
        path, total = await pages.prepare(claim_for(tmp_path, make_pdf(5)), None)
        again, _ = await pages.prepare(claim_for(tmp_path / "x", make_pdf(5)), None)
    finally:
        await documents.close()
    assert total == 5 and path.name == "pages.tif"
    stored = [p.image for p in read_pages(path)]
    source = pages.source(path, [3, 4, 5])
    assert source.page_count == 3 and source.resolution is Resolution.FINE
    fmt = PageFormat(Coding.MR, Resolution.FINE, 1728, 0, 14400)
    for index, number in enumerate([3, 4, 5]):
        image, report = g3.decode(source.encode(index, fmt), 1728, "MR")
        assert report.bad_lines == 0
        assert np.array_equal(np.array(image), np.array(stored[number - 1]))
    standard = PageFormat(Coding.MH, Resolution.STANDARD, 1728, 20, 9600)
    image, report = g3.decode(source.encode(0, standard), 1728, "MH")
    assert report.bad_lines == 0 and image.height == stored[2].height // 2
