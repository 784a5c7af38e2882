"""`faxgw g3 encode` and `faxgw g3 decode` through their own argparse registration."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
from PIL import Image

from faxgw.g3 import cli, encode
from faxgw.g3.tiff import read_tiff
from tests.unit.g3 import corpus


def run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="faxgw")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["g3", *map(str, argv)])
    return args.func(args)


def test_encode_then_decode_a_two_page_fax(tmp_path, capsys):
    text, photo = corpus.text_page(size=(1728, 400)), corpus.dithered_photo(size=(1728, 300))
    text.save(tmp_path / "text.png")
    photo.convert("L").save(tmp_path / "photo.png")  # grey: the CLI dithers it
    assert run("encode", tmp_path / "text.png", tmp_path / "photo.png", "-o",
               tmp_path / "fax.tif", "--coding", "MMR", "--resolution", "standard") == 0
    pages = read_tiff((tmp_path / "fax.tif").read_bytes())
    assert [p.y_dpi for p in pages] == [98, 98]
    assert np.array_equal(np.asarray(pages[0].image), np.asarray(text))
    assert run("decode", tmp_path / "fax.tif", "-o", tmp_path / "page.png") == 0
    first = Image.open(tmp_path / "page-1.png")
    assert np.array_equal(np.asarray(first.convert("1")), np.asarray(text))
    assert (tmp_path / "page-2.png").exists()
    assert "page 2: 1728x300" in capsys.readouterr().out


def test_decode_a_raw_stream(tmp_path):
    image = corpus.random_runs(2048, 30, seed=1)
    (tmp_path / "page.g3").write_bytes(encode(image, "MR", bit_order="msb"))
    assert run("decode", tmp_path / "page.g3", "--width", 2048, "--coding", "MR",
               "--bit-order", "msb", "-o", tmp_path / "page.png") == 0
    decoded = Image.open(tmp_path / "page.png").convert("1")
    assert np.array_equal(np.asarray(decoded), np.asarray(image))


@pytest.mark.parametrize(("command", "message"), [
    (["decode", "{d}/missing.tif", "-o", "{d}/x.png"], "No such file"),
    (["decode", "{d}/raw.g3", "-o", "{d}/x.png"], "needs --width and --coding"),
    (["decode", "{d}/empty", "--width", "1728", "--coding", "MH", "-o", "{d}/x.png"], "empty"),
    (["decode", "{d}/bad.tif", "-o", "{d}/x.png"], "truncated"),
    (["encode", "{d}/raw.g3", "-o", "{d}/x.tif"], "not an image"),
    (["encode", "{d}/cut.png", "-o", "{d}/x.tif"], "cut.png: unreadable image"),
    (["encode", "{d}/missing.png", "-o", "{d}/x.tif"], "missing.png: No such file"),
    (["encode", "{d}/text.png", "-o", "{d}/no/such/dir/x.tif"], "No such file"),
])
def test_bad_files_give_one_line_and_status_1(tmp_path, capsys, command, message):
    (tmp_path / "raw.g3").write_bytes(b"\x00\x80" * 50)
    (tmp_path / "empty").write_bytes(b"")
    (tmp_path / "bad.tif").write_bytes(b"II*\0\xff\0\0\0")
    corpus.all_white(1728).save(tmp_path / "text.png")
    corpus.text_page(size=(1728, 300)).save(tmp_path / "whole.png")
    (tmp_path / "cut.png").write_bytes((tmp_path / "whole.png").read_bytes()[:2000])
    assert run(*[part.format(d=tmp_path) for part in command]) == 1
    err = capsys.readouterr().err
    assert err.startswith("faxgw g3: error: ") and message in err and err.count("\n") == 1
