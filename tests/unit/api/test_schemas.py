"""Field validation rules of the API."""

from __future__ import annotations

import pytest

from faxgw.api import schemas
from faxgw.api.errors import ApiError


@pytest.mark.parametrize("raw, clean", [
    ("+15551234567", "+15551234567"),
    ("+1 (555) 123-4567", "+15551234567"),
    ("+49.30.123456", "+4930123456"),
    ("030 123 456", "030123456"),
    ("201", "201"),
])
def test_dialable_numbers(raw, clean):
    assert schemas.phone_number(raw) == clean


@pytest.mark.parametrize("raw", ["", "   ", "+", "+0123456789", "+1234", "555-CALL-NOW", "1" * 21, "+1234567890123456",
                                 "12#34", "*67 5551234", "1", None, 5551234])
def test_not_dialable(raw):
    with pytest.raises(ApiError) as exc:
        schemas.phone_number(raw)
    assert exc.value.status == 400 and exc.value.code == "invalid_phone_number"


@pytest.mark.parametrize("text, ms", [
    ("2024-11-15", 1731628800000),
    ("2024-11-15T08:51:56.601Z", 1731660716601),
    ("2024-11-15T09:51:56.601+01:00", 1731660716601),
    ("2024-11-15T08:51:56", 1731660716000),  # no zone: UTC, as the design page says
])
def test_instants(text, ms):
    assert schemas.instant_ms(text, "faxSentDate") == ms


@pytest.mark.parametrize("text", ["15.11.2024", "2024-13-01", "", "now", "2024-11-15T25:00:00Z"])
def test_bad_instants(text):
    with pytest.raises(ApiError):
        schemas.instant_ms(text, "faxSentDate")


def test_metadata_must_be_an_object_of_strings():
    assert schemas.metadata('{"a": "1", "b": ""}') == {"a": "1", "b": ""}
    for bad in ('"x"', "[]", '{"a": 1}', '{"a": null}', '{"a": ["b"]}', "{", '{"k": "' + "v" * 1001 + '"}'):
        with pytest.raises(ApiError):
            schemas.metadata(bad)


from hypothesis import given, strategies as st  # noqa: E402


@given(st.text(alphabet="0123456789+ -.()/x\t", max_size=24))
def test_openapi_phone_pattern_accepts_exactly_what_the_server_accepts(text):
    import re

    try:
        schemas.phone_number(text)
        accepted = True
    except ApiError:
        accepted = False
    assert accepted == bool(re.match(schemas.PHONE_PATTERN, text)), text


def test_cover_page_is_a_bounded_json_object():
    assert schemas.cover_page('{"to": "Dr. Who"}') == {"to": "Dr. Who"}
    for bad in ("[]", "{", '"x"', '{"a": "' + "x" * 17000 + '"}'):
        with pytest.raises(ApiError):
            schemas.cover_page(bad)
