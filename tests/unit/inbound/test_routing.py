"""[inbound] routes: the most specific route wins, unknown keys and bad values are refused
with the key named, and a call no route matches goes to the default tenant or the admin."""

import pytest

from faxgw.config import ConfigError, from_dict
from faxgw.inbound.routing import InboundConfig, Route, route

A, B, C, D = (f"{n}0000000-0000-4000-8000-000000000000" for n in "abcd")


def config(**inbound) -> InboundConfig:
    return from_dict({"inbound": inbound}).inbound


def test_the_most_specific_route_wins_whatever_the_order():
    cfg = config(route=[{"tenant": A, "modem": "in1"},
                        {"tenant": B, "called_number": "+49 30 555-01"},
                        {"tenant": C, "modem": "in1", "called_number": "4930 55502"}],
                 default_tenant=D)
    by_number = route(cfg, "in1", "493055501")
    assert (by_number.tenant_id, by_number.routed_by) == (B, "called_number")
    assert route(cfg, "in1", "4930-555-02").tenant_id == C  # modem and number beat number
    assert route(cfg, "in2", "4930 55502").tenant_id == D  # C is for in1 only
    assert (route(cfg, "in1", None).tenant_id, route(cfg, "in1", None).routed_by) == (A, "modem")
    assert route(cfg, "in9", "777").routed_by == "default"


def test_among_equal_routes_the_first_wins_and_without_default_the_admin_keeps_it():
    cfg = InboundConfig(routes=(Route(A, modem="in1"), Route(B, modem="in1")))
    assert route(cfg, "in1", None).tenant_id == A
    kept = route(cfg, "in2", "123")
    assert (kept.tenant_id, kept.routed_by) == (None, "none")


@pytest.mark.parametrize("inbound,key", [
    ({"default_tenant": "acme"}, "inbound.default_tenant"),
    ({"page_events_from": -1}, "inbound.page_events_from"),
    ({"page_events_from": True}, "inbound.page_events_from"),
    ({"routes": []}, "inbound.routes"),
    ({"route": {"tenant": A}}, "inbound.route"),
    ({"route": [{"tenant": A}]}, "inbound.route[0]"),
    ({"route": [{"tenant": "x", "modem": "in1"}]}, "inbound.route[0].tenant"),
    ({"route": [{"tenant": A, "modem": "in1", "line": 2}]}, "inbound.route[0].line"),
    ({"route": [{"tenant": A, "called_number": "ext"}]}, "inbound.route[0].called_number"),
    ({"route": [{"tenant": A, "modem": 1}]}, "inbound.route[0].modem"),
])
def test_bad_inbound_config_is_refused_naming_the_key(inbound, key):
    with pytest.raises(ConfigError) as err:
        from_dict({"inbound": inbound})
    assert str(err.value).startswith(key)


def test_defaults():
    assert from_dict({}).inbound == InboundConfig(default_tenant="", page_events_from=3, routes=())
