"""Text the fax fonts cannot draw is never printed as boxes: a text document with such
characters is refused with them named (CJK is drawn by the fallback font, so only what
neither font has); in a header line or on a cover page they print as "?"."""

import numpy as np
import pytest

from faxgw.documents import DocumentError, ErrorCode, RenderOptions, Resolution, inspect, render_all
from faxgw.documents.fonts import coverage_of, missing_glyphs, mono_coverage, printable, reportlab_mono
from faxgw.documents.header import strip_image
from tests.unit.documents.pagecheck import black


def test_text_with_characters_the_font_lacks_is_refused_naming_them():
    text = "Invoice 4711\nTotal: 12 €\n合計 ¥1200 😀\n"
    with pytest.raises(DocumentError) as caught:
        inspect(text.encode())
    error = caught.value
    assert error.code is ErrorCode.UNPRINTABLE and error.http_status == 422
    assert "line 3" in error.reason and "U+1F600" in error.reason
    assert "U+5408" not in error.reason  # 合 is drawn by the CJK fallback
    assert "€" not in missing_glyphs(text)  # every font we pick has the euro sign
    with pytest.raises(DocumentError):  # and the same when rendering (the CLI, a stale fax)
        render_all([text.encode()], RenderOptions())


def test_courier_fallback_has_glyphs_for_cp1252_only():
    # reportlab's Courier is a standard Type 1 font set in WinAnsiEncoding: anything else
    # comes out as a black box, so without a TTF a Cyrillic text must be refused, not boxed.
    courier = coverage_of("Courier")
    assert set("Grüße, naïve café – “quotes” € œ") <= courier
    assert not set("Привет") & courier and "中" not in courier


def test_the_system_font_is_used_for_what_it_covers():
    text = "Привет, мир — ελληνικά\n"
    if reportlab_mono() == "Courier":  # no DejaVu Sans Mono on this machine
        with pytest.raises(DocumentError) as caught:
            inspect(text.encode())
        assert caught.value.code is ErrorCode.UNPRINTABLE
        return
    assert set(text) <= mono_coverage()
    page = render_all([text.encode()], RenderOptions())[0]
    assert black(page.image)[150:260].sum() > 1000  # drawn, in its letters


def test_header_and_cover_print_a_question_mark_for_a_missing_glyph():
    assert printable("Dr. 王 Müller") == "Dr. ? Müller"
    assert np.array_equal(black(strip_image("Dr. 王 Müller", Resolution.FINE)),
                          black(strip_image("Dr. ? Müller", Resolution.FINE)))
