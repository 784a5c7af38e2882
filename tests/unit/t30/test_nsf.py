"""The maker behind an NSF frame, from the T.35 country and provider codes."""

from faxgw.t30.nsf import country, vendor


def test_known_makers_are_named_and_unknown_ones_are_not():
    assert vendor(bytes.fromhex("0000560011")) == "Brother"  # Japan, provider 00 56
    assert vendor(bytes.fromhex("b50020")) == "Conexant"  # USA, as T.30 (2003) sends it
    assert vendor(bytes.fromhex("ad0036")) == "HP"  # USA with the country octet reversed
    assert vendor(bytes.fromhex("2041")) == "Siemens"  # a two-octet German code
    assert vendor(bytes.fromhex("b5ffff")) is None and vendor(b"") is None
    assert vendor(None) is None


def test_the_country_octet_is_read_either_way_round():
    assert country(b"\xb5\x00") == country(b"\xad\x00") == "United States"
    assert country(b"\x04") == country(b"\x20") == "Germany"
    assert country(b"\x00") == "Japan" and country(b"\x99") is None
