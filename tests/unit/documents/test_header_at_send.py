"""The header line is drawn when a page is coded for the line, not when it is rendered: the
time on it is the time of transmission (also on a retry hours later), the sender comes from
[sender] and the fax's own fields, and the preview shows the page as it would be sent now."""

import datetime as dt

import numpy as np
import pytest

import faxgw.g3
from faxgw.config import DEFAULT_HEADER_FORMAT as CONFIG_DEFAULT_FORMAT, from_dict
from faxgw.daemon import configured_header
from faxgw.documents import HeaderLine, RenderOptions, Resolution, render_all
from faxgw.documents.header import header_text, strip_image
from faxgw.documents.options import DEFAULT_HEADER_FORMAT
from faxgw.documents.sending import StoredPages
from faxgw.documents.service import header_for
from faxgw.documents.stored import STORED_CODING, STORED_ENCODE_OPTIONS, write_pages
from faxgw.session import Coding, PageFormat, Resolution as SessionResolution
from tests.unit.documents import corpus
from tests.unit.documents.pagecheck import black, header_rows

SENT_AT = dt.datetime(2026, 11, 27, 8, 5, tzinfo=dt.timezone.utc)
CONFIGURED = HeaderLine(sender_name="Clinic Nord", sender_number="+49 30 1234")


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    pages = render_all([corpus.text_pdf(3)], RenderOptions(
        coding=STORED_CODING, encode_options=tuple(STORED_ENCODE_OPTIONS.items())))
    return write_pages(tmp_path_factory.mktemp("stored"), pages), pages


def sent(source: StoredPages, index: int, resolution=SessionResolution.FINE) -> np.ndarray:
    fmt = PageFormat(Coding.MR, resolution, 1728, 10, 9600)
    image, report = faxgw.g3.decode(source.encode(index, fmt), 1728, "MR")
    assert report.bad_lines == 0
    return black(image)


def test_the_header_shows_the_time_the_page_is_sent_and_its_number_in_the_fax(stored):
    path, pages = stored
    header = HeaderLine(sender_name="ACME", sender_number="+1 555 0100", recipient_number="+4930123")
    times = iter([SENT_AT, SENT_AT + dt.timedelta(hours=3)])
    source = StoredPages(path, only=[1, 2], header=header, clock=lambda: next(times))  # a retry
    first, later = sent(source, 0), sent(source, 0)
    rows = header_rows(196)
    assert np.array_equal(first[rows:], black(pages[1].image)[rows:])  # the page itself is untouched
    text = header_text(header, 2, 3, SENT_AT)
    assert text == "2026-11-27 08:05   From: ACME +1 555 0100   Page 2 of 3"  # of the whole fax
    assert np.array_equal(first[:rows], black(strip_image(text, Resolution.FINE)))
    again = header_text(header, 2, 3, SENT_AT + dt.timedelta(hours=3))
    assert np.array_equal(later[:rows], black(strip_image(again, Resolution.FINE)))
    assert not black(pages[1].image)[:rows].any()  # what is kept has no header: it is drawn per call


def test_the_header_is_drawn_at_the_negotiated_resolution(stored):
    path, _ = stored
    source = StoredPages(path, header=CONFIGURED, clock=lambda: SENT_AT)
    standard = sent(source, 0, SessionResolution.STANDARD)
    text = header_text(CONFIGURED, 1, 3, SENT_AT)
    rows = header_rows(98)
    assert np.array_equal(standard[:rows], black(strip_image(text, Resolution.STANDARD)))


def test_without_a_header_the_page_is_sent_as_kept(stored):
    path, pages = stored
    assert np.array_equal(sent(StoredPages(path), 2), black(pages[2].image))


def test_the_fax_fields_override_the_configured_sender():
    cover = {"to": "Ada", "from": "Dr. Who", "fromNumber": "+44 20 7946 0000"}
    assert header_for(CONFIGURED, "+15551234567", None, None) == HeaderLine(
        sender_name="Clinic Nord", sender_number="+49 30 1234", recipient_number="+15551234567")
    by_cover = header_for(CONFIGURED, "+1555", None, cover)
    assert (by_cover.sender_name, by_cover.sender_number) == ("Dr. Who", "+44 20 7946 0000")
    only_name = header_for(CONFIGURED, "+1555", None, {"from": "Dr. Who"})
    assert (only_name.sender_name, only_name.sender_number) == ("Dr. Who", "+49 30 1234")
    # headerLine is the client's whole sender identity, literally; time and pages still print.
    own = header_for(CONFIGURED, "+1555", "ACME {x} +1 555 0100", cover)
    assert header_text(own, 1, 2, SENT_AT) == "2026-11-27 08:05   From: ACME {x} +1 555 0100    Page 1 of 2"
    # The operator turned the header off: only a fax's own headerLine brings one back.
    assert header_for(None, "+1555", None, cover) is None
    assert header_for(None, "+1555", "ACME", None).format == DEFAULT_HEADER_FORMAT


def test_the_sender_section_of_the_config():
    default = configured_header(from_dict({"scheduler": {"local_ident": "+1 555 0199"}}))
    assert default == HeaderLine(sender_number="+1 555 0199", format=DEFAULT_HEADER_FORMAT)
    assert CONFIG_DEFAULT_FORMAT == DEFAULT_HEADER_FORMAT
    mine = configured_header(from_dict({"sender": {"name": "Clinic", "number": "+49 30 1",
                                                   "header_format": "{to} {page}/{pages}"}}))
    assert header_text(replace_to(mine, "+4930"), 1, 2) == "+4930 1/2"
    assert configured_header(from_dict({"sender": {"header_format": ""}})) is None
    with pytest.raises(ValueError, match="sender.name"):
        from_dict({"sender": {"name": "a\nb"}})
    with pytest.raises(ValueError, match="sender.fax: unknown key"):
        from_dict({"sender": {"fax": "1"}})


def replace_to(header: HeaderLine, number: str) -> HeaderLine:
    from dataclasses import replace

    return replace(header, recipient_number=number)

