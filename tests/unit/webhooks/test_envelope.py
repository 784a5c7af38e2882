import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from faxgw.webhooks.envelope import (
    FaxEvent,
    build_envelope,
    encode_envelope,
    event_type,
    format_time,
    status_of_type,
)

FAX = {
    "tenantId": "7d1f9a8e-0000-4000-8000-000000000001",
    "faxId": "0b6c2d5e-0000-4000-8000-000000000002",
    "faxStatus": "FaxSent",
    "phoneNumber": "+15551234567",
    "metadata": {"referral": "Dr. Müller"},
}


def make_event(**overrides):
    fields = dict(
        event_id="42",
        tenant_id=FAX["tenantId"],
        fax_id=FAX["faxId"],
        sequence=3,
        status="FaxSent",
        occurred_at=datetime(2026, 11, 27, 0, 1, 2, 345678, tzinfo=timezone.utc),
        fax=FAX,
    )
    fields.update(overrides)
    return FaxEvent(**fields)


def test_carries_every_required_cloudevents_attribute():
    envelope = build_envelope(make_event(), source="urn:faxgw:box1")
    assert envelope["specversion"] == "1.0"
    assert envelope["id"] == "42"
    assert envelope["source"] == "urn:faxgw:box1"
    assert envelope["type"] == "com.faxgw.fax.FaxSent"
    assert envelope["subject"] == FAX["faxId"]
    assert envelope["time"] == "2026-11-27T00:01:02.345Z"
    assert envelope["datacontenttype"] == "application/json"
    assert envelope["faxsequence"] == 3
    assert envelope["data"] == FAX


def test_extension_attribute_names_follow_the_cloudevents_naming_rule():
    standard = {"specversion", "id", "source", "type", "subject", "time", "datacontenttype", "data"}
    extensions = set(build_envelope(make_event())) - standard
    assert extensions == {"faxsequence", "tenantid"}
    for name in extensions:
        assert re.fullmatch(r"[a-z0-9]{1,20}", name)


def test_encoded_body_is_utf8_json_of_the_envelope_and_stable():
    event = make_event()
    body = encode_envelope(event)
    assert json.loads(body.decode("utf-8")) == build_envelope(event)
    assert encode_envelope(event) == body
    assert "Müller".encode("utf-8") in body


def test_time_is_converted_to_utc():
    plus_two = timezone(timedelta(hours=2))
    moment = datetime(2026, 11, 27, 2, 0, 0, 5000, tzinfo=plus_two)
    assert format_time(moment) == "2026-11-27T00:00:00.005Z"


def test_naive_times_are_refused():
    with pytest.raises(ValueError):
        format_time(datetime(2026, 11, 27))


@pytest.mark.parametrize("status", ["FaxReceived", "FaxSent", "FaxWebhookUpdateFailed"])
def test_type_scheme_round_trips(status):
    assert status_of_type(event_type(status)) == status


def test_foreign_types_are_refused():
    with pytest.raises(ValueError):
        status_of_type("com.example.Other")
