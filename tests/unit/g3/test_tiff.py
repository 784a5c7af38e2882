"""TIFF Class F written by write_tiff and read by read_tiff: pages, resolutions, tags,
and unreadable files answered with G3Error."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from faxgw.g3 import G3Error
from faxgw.g3.codec import DecodeReport
from faxgw.g3.tiff import Page, read_tiff, write_tiff
from tests.unit.g3 import corpus


def tags_of_first_page(tiff: bytes) -> dict[int, tuple[int, int, bytes]]:
    (ifd,) = struct.unpack_from("<I", tiff, 4)
    (count,) = struct.unpack_from("<H", tiff, ifd)
    entries = [struct.unpack_from("<HHI4s", tiff, ifd + 2 + 12 * i) for i in range(count)]
    return {tag: (kind, n, value) for tag, kind, n, value in entries}


def short(value: bytes) -> int:
    return struct.unpack("<H", value[:2])[0]


def long(value: bytes) -> int:
    return struct.unpack("<I", value)[0]


@pytest.mark.parametrize("coding", ["MH", "MR", "MMR"])
def test_pages_and_resolutions_round_trip(coding):
    pages = [Page(corpus.random_runs(1728, 50, seed=1), 204, 98),
             Page(corpus.edge_pixels(2048), 204, 196),
             Page(corpus.alternating(2432), 204, 391)]
    read = read_tiff(write_tiff(pages, coding))
    assert [(p.x_dpi, p.y_dpi, p.resolution) for p in read] == [
        (204, 98, "standard"), (204, 196, "fine"), (204, 391, "superfine")]
    for original, copy in zip(pages, read):
        assert np.array_equal(np.asarray(original.image), np.asarray(copy.image))
        assert copy.report.clean and copy.report.lines == original.image.size[1]


@pytest.mark.parametrize(("coding", "compression", "options_tag", "options"), [
    ("MH", 3, 292, 4), ("MR", 3, 292, 5), ("MMR", 4, 293, 0)])
def test_class_f_tags(coding, compression, options_tag, options):
    tags = tags_of_first_page(write_tiff([corpus.all_white(1728)], coding))
    assert short(tags[259][2]) == compression
    assert long(tags[options_tag][2]) == options  # 2-D bit, byte-aligned EOL bit
    assert short(tags[262][2]) == 0  # min-is-white
    assert short(tags[266][2]) == 1  # FillOrder
    assert long(tags[254][2]) == 2  # a page of a multi-page file
    assert short(tags[296][2]) == 2  # inch
    assert tags[297][1] == 2  # PageNumber (n, total)


def test_bad_line_counts_of_a_received_page_go_into_class_f_tags():
    report = DecodeReport(lines=8, bad_lines=3, longest_bad_run=2, end="rtc", bits_used=0)
    tags = tags_of_first_page(write_tiff([Page(corpus.all_white(1728), report=report)]))
    assert long(tags[326][2]) == 3 and short(tags[327][2]) == 1 and long(tags[328][2]) == 2


def test_fill_order_2_is_written_and_read():
    image = corpus.random_runs(1728, 20, seed=2)
    tiff = write_tiff([image], "MR", fill_order=2)
    assert short(tags_of_first_page(tiff)[266][2]) == 2
    assert np.array_equal(np.asarray(read_tiff(tiff)[0].image), np.asarray(image))


def test_truncated_strip_yields_first_lines_and_reports_the_rest():
    image = corpus.text_page(size=(1728, 200))
    tiff = write_tiff([image], "MH", align_eol=False)
    # The strip comes first, the IFD after it: cut the strip's bytes, keep the IFD.
    (ifd,) = struct.unpack_from("<I", tiff, 4)
    strip_size = long(tags_of_first_page(tiff)[279][2])
    cut = bytearray(tiff)
    cut[8 + strip_size // 2 : 8 + strip_size] = bytes(strip_size - strip_size // 2)
    (page,) = read_tiff(bytes(cut))
    assert page.image.size == (1728, 200)
    assert 0 < page.report.bad_lines < 200


@pytest.mark.parametrize(("data", "message"), [
    (b"", "not a TIFF"),
    (b"GIF89a....", "not a TIFF"),
    (b"II*\0\x00\x01\0\0", "truncated"),
    (b"II*\0\x08\0\0\0\x00\0\0\0\0\0", "unusable size"),  # an IFD with no entries
])
def test_unreadable_files_raise_g3error(data, message):
    with pytest.raises(G3Error, match=message):
        read_tiff(data)


def replace_tag(tiff: bytes, tag: int, value: int) -> bytes:
    (ifd,) = struct.unpack_from("<I", tiff, 4)
    (count,) = struct.unpack_from("<H", tiff, ifd)
    out = bytearray(tiff)
    for i in range(count):
        at = ifd + 2 + 12 * i
        if struct.unpack_from("<H", tiff, at)[0] == tag:
            kind = struct.unpack_from("<H", tiff, at + 2)[0]
            struct.pack_into("<H" if kind == 3 else "<I", out, at + 8, value)
    return bytes(out)


@pytest.mark.parametrize(("tag", "value", "message"), [
    (259, 5, "compression 5"),  # LZW
    (292, 2, "uncompressed mode"),
    (258, 8, "not bilevel"),
    (256, 0, "unusable size"),
])
def test_unsupported_pages_raise_g3error(tag, value, message):
    tiff = replace_tag(write_tiff([corpus.all_white(1728)], "MH"), tag, value)
    with pytest.raises(G3Error, match=message):
        read_tiff(tiff)


def test_an_ifd_chain_that_loops_raises_g3error():
    tiff = bytearray(write_tiff([corpus.all_white(1728)], "MH"))
    (ifd,) = struct.unpack_from("<I", tiff, 4)
    (count,) = struct.unpack_from("<H", tiff, ifd)
    struct.pack_into("<I", tiff, ifd + 2 + 12 * count, ifd)  # next IFD: itself
    with pytest.raises(G3Error, match="loops"):
        read_tiff(bytes(tiff))


def test_write_tiff_rejects_nothing_to_write():
    with pytest.raises(G3Error):
        write_tiff([], "MH")
    with pytest.raises(G3Error):
        write_tiff([corpus.all_white(1728)], "MH", fill_order=3)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(coding=st.sampled_from(["MH", "MR", "MMR"]),
       edits=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                      min_size=1, max_size=6),
       cut=st.floats(0.05, 1))
def test_mutated_tiff_files_raise_only_g3error(coding, edits, cut):
    tiff = bytearray(write_tiff([corpus.random_runs(1728, 20, seed=1),
                                 corpus.edge_pixels(2048)], coding))
    for where, value in edits:
        tiff[int(where * len(tiff))] = value
    try:
        pages = read_tiff(bytes(tiff[: max(8, int(cut * len(tiff)))]))
    except G3Error:
        return
    for page in pages:
        assert page.image.mode == "1" and page.report.lines == page.image.size[1]


def ifd_regions(tiff: bytes) -> list[tuple[int, int]]:
    regions, (offset,) = [], struct.unpack_from("<I", tiff, 4)
    while offset:
        (count,) = struct.unpack_from("<H", tiff, offset)
        end = offset + 2 + 12 * count + 4
        regions.append((offset, end + 24))  # the entries and the values stored after them
        (offset,) = struct.unpack_from("<I", tiff, end - 4)
    return regions


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(coding=st.sampled_from(["MH", "MR", "MMR"]),
       edits=st.lists(st.tuples(st.integers(0, 1), st.floats(0, 1, exclude_max=True),
                                st.sampled_from([0, 1, 2, 3, 4, 5, 7, 11, 12, 255, 0x7F])),
                      min_size=1, max_size=4))
def test_mutated_tiff_directories_raise_only_g3error(coding, edits):
    tiff = bytearray(write_tiff([corpus.random_runs(64, 5, seed=1),
                                 corpus.edge_pixels(80)], coding))
    regions = ifd_regions(bytes(tiff))
    for page, where, value in edits:
        start, end = regions[page]
        tiff[min(len(tiff) - 1, start + int(where * (end - start)))] = value
    try:
        pages = read_tiff(bytes(tiff))
    except G3Error:
        return
    for page in pages:
        assert page.image.mode == "1" and page.report.lines == page.image.size[1]
