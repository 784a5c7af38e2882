"""A UTF-8 text in Chinese or Japanese is faxed, not refused: what the monospaced font lacks
is drawn with the CJK font (Debian: fonts-noto-cjk); only what no installed font can draw is
refused."""

from __future__ import annotations

import pytest

from faxgw.documents import DocumentError, ErrorCode, RenderOptions, inspect, render_all
from faxgw.documents.fonts import cjk_font_path
from faxgw.documents.text import LINES_PER_PAGE, layout
from tests.unit.documents.pagecheck import black


@pytest.fixture(autouse=True)
def cjk_font():
    if cjk_font_path() is None:
        pytest.fail("no CJK font: install the Debian package fonts-noto-cjk (./tests/run does)")


def test_chinese_and_japanese_text_is_rendered_with_ink_where_the_characters_are():
    only_ascii = render_all([b"Line one\n\nend\n"], RenderOptions())[0]
    cjk = "Line one\n\u8acb\u6c42\u66f8 \u3053\u3093\u306b\u3061\u306f \u65e5\u672c\u8a9e\nend\n"
    page = render_all([cjk.encode()], RenderOptions())[0]
    plain, with_cjk = black(only_ascii.image), black(page.image)
    changed = (plain != with_cjk).any(axis=1).nonzero()[0]
    # Only the second line differs (the first and last are the same text), and it is inked:
    # the CJK characters were drawn, not left out or boxed.
    assert changed.size and changed.max() - changed.min() < 60, changed
    assert with_cjk.sum() - plain.sum() > 2000
    assert inspect(cjk.encode()).page_count == 1


def test_wide_characters_take_two_columns_when_lines_are_wrapped():
    pages = layout("\u4e2d" * 100)
    assert len(pages) == 1 and len(pages[0]) > 1 and LINES_PER_PAGE > 2
    assert all(len(line) * 2 <= 80 for line in pages[0])


def test_what_no_installed_font_has_is_still_refused():
    with pytest.raises(DocumentError) as caught:
        inspect("\u65e5\u672c \u1230\u120b\u121d\n".encode())  # Ethiopic after the Japanese
    assert caught.value.code is ErrorCode.UNPRINTABLE and "U+1230" in caught.value.reason
    assert "U+65E5" not in caught.value.reason
