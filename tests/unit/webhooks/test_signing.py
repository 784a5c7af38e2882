import pytest
from hypothesis import given, strategies as st

from faxgw.webhooks import signing
from faxgw.webhooks.signing import (
    MalformedSignature,
    SignatureMismatch,
    StaleSignature,
    sign,
    verify,
)

BODY = b'{"id":"evt_1"}'
T = 1_795_000_000


def test_matches_an_independent_hmac_implementation():
    # Produced with OpenSSL, not with Python:
    #   printf '%s' '1795000000.{"id":"evt_1"}' | openssl dgst -sha256 -hmac 'whsec_test_secret'
    expected = "3511d18a343d1afb3e94774a798032a44b9e3ef6ae7b5210fedfdc6efe1773d0"
    assert sign(BODY, ["whsec_test_secret"], timestamp=T) == f"t={T},v1={expected}"


def test_a_signed_body_verifies_and_returns_its_timestamp():
    header = sign(BODY, ["s1"], timestamp=T)
    assert verify(BODY, header, ["s1"], now=T + 10) == T


def test_rotation_signs_with_both_secrets_and_either_verifies():
    header = sign(BODY, ["new", "old"], timestamp=T)
    assert header.count("v1=") == 2
    assert verify(BODY, header, ["old"], now=T) == T
    assert verify(BODY, header, ["new"], now=T) == T
    with pytest.raises(SignatureMismatch):
        verify(BODY, header, ["unrelated"], now=T)


def test_a_changed_body_is_rejected():
    header = sign(BODY, ["s1"], timestamp=T)
    with pytest.raises(SignatureMismatch):
        verify(b'{"id":"evt_2"}', header, ["s1"], now=T)


def test_a_wrong_secret_is_rejected():
    header = sign(BODY, ["s1"], timestamp=T)
    with pytest.raises(SignatureMismatch):
        verify(BODY, header, ["s2"], now=T)


def test_moving_the_timestamp_forward_breaks_the_signature():
    # A replayer who rewrites t= to pass the tolerance check no longer matches the HMAC.
    signature = sign(BODY, ["s1"], timestamp=T).split(",")[1]
    forged = f"t={T + 3600},{signature}"
    with pytest.raises(SignatureMismatch):
        verify(BODY, forged, ["s1"], now=T + 3600)


@pytest.mark.parametrize("offset", [301, -301, 86_400])
def test_timestamps_outside_the_tolerance_are_stale(offset):
    header = sign(BODY, ["s1"], timestamp=T)
    with pytest.raises(StaleSignature):
        verify(BODY, header, ["s1"], tolerance_s=300, now=T + offset)


@pytest.mark.parametrize("offset", [300, -300, 0])
def test_timestamps_at_the_tolerance_edge_pass(offset):
    header = sign(BODY, ["s1"], timestamp=T)
    assert verify(BODY, header, ["s1"], tolerance_s=300, now=T + offset) == T


@pytest.mark.parametrize(
    "header",
    [
        "",
        "v1=abc",
        f"t={T}",
        f"t=abc,v1=00",
        f"t={T},t={T},v1=00",
        f"t=-{T},v1=00",
        "garbage",
        f"t={T};v1=00",
    ],
)
def test_malformed_headers_are_rejected(header):
    with pytest.raises(MalformedSignature):
        verify(BODY, header, ["s1"], now=T)


def test_unknown_schemes_are_ignored_but_do_not_count():
    header = sign(BODY, ["s1"], timestamp=T) + ",v2=whatever"
    assert verify(BODY, header, ["s1"], now=T) == T
    with pytest.raises(MalformedSignature):
        verify(BODY, f"t={T},v2=whatever", ["s1"], now=T)


def test_non_ascii_signature_values_are_a_mismatch_not_a_crash():
    with pytest.raises(SignatureMismatch):
        verify(BODY, f"t={T},v1=\u00e9\u00e9", ["s1"], now=T)


def test_signing_needs_a_secret():
    with pytest.raises(ValueError):
        sign(BODY, [], timestamp=T)


@given(body=st.binary(min_size=1, max_size=200), index=st.integers(min_value=0), flip=st.integers(1, 255))
def test_any_single_byte_change_is_detected(body, index, flip):
    header = sign(body, ["secret"], timestamp=T)
    position = index % len(body)
    tampered = bytearray(body)
    tampered[position] ^= flip
    with pytest.raises(SignatureMismatch):
        verify(bytes(tampered), header, ["secret"], now=T)


def test_header_name_is_the_documented_one():
    assert signing.HEADER == "Faxgw-Signature"
