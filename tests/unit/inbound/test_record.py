"""Received faxes: TIFF Class F and PDF with the sender's ident; pages of a call cut off by
a crash are finished at the next start, not lost."""

import json

import numpy as np
import pypdfium2
from PIL import Image

from faxgw.g3.tiff import read_tiff
from faxgw.outcome import Outcome
from faxgw.scheduler.receiver import RECEIVED_DIR, ReceivedFax, finish_left_over
from faxgw.session import Coding, PageFormat, ReceivedPage, Resolution, SessionResult


def received_page(index: int, resolution: Resolution) -> ReceivedPage:
    ink = np.zeros((300, 1728), bool)
    ink[40:80, 100 + 50 * index:400] = True
    fmt = PageFormat(Coding.MH, resolution, 1728, 0, 14400)
    return ReceivedPage(index, fmt, b"", image=Image.fromarray(~ink), total_lines=300)


def test_a_received_fax_is_kept_as_tiff_class_f_and_pdf_with_the_senders_ident(tmp_path):
    fax = ReceivedFax(tmp_path / RECEIVED_DIR, "in1")
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


def test_pages_of_a_call_cut_off_by_a_crash_are_finished_at_start(tmp_path):
    fax = ReceivedFax(tmp_path / RECEIVED_DIR, "in1")
    fax.keep(received_page(0, Resolution.FINE))  # then the daemon died: no fax.json
    assert finish_left_over(tmp_path) == [fax.id]
    record = json.loads((fax.folder / "fax.json").read_text())
    assert record["pages"] == 1 and not record["complete"] and record["outcome"] == "interrupted"
    assert read_tiff((fax.folder / "fax.tif").read_bytes())[0].y_dpi == 196.0
    assert finish_left_over(tmp_path) == []  # only once
