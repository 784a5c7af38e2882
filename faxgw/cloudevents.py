"""The CloudEvents 1.0 envelope (structured content mode, JSON data).

One builder for both places an envelope is made: the outbox row the store writes with each
change, and the body the webhook worker POSTs (``faxgw/webhooks/envelope.py`` names the
types and extensions of a delivered event). It lives below both, so the store does not
import the webhooks package above it.
"""

from __future__ import annotations

from typing import Any, Mapping

SPEC_VERSION = "1.0"
DATA_CONTENT_TYPE = "application/json"


def cloud_event(event_id: str, source: str, type_: str, subject: str, time: str,
                data: Mapping[str, Any], extensions: Mapping[str, Any]) -> dict[str, Any]:
    """A CloudEvents 1.0 envelope: the attributes in one fixed order, then the extension
    attributes, then ``data``."""
    return {
        "specversion": SPEC_VERSION,
        "id": event_id,
        "source": source,
        "type": type_,
        "subject": subject,
        "time": time,
        "datacontenttype": DATA_CONTENT_TYPE,
        **extensions,
        "data": data,
    }
