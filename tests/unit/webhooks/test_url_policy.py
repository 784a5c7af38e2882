import socket

import pytest
from aiohttp.abc import AbstractResolver

from faxgw.webhooks.url_policy import DestinationRefused, PolicyResolver, UrlPolicy

DEFAULT = UrlPolicy()
WITH_OWN_PORT = UrlPolicy.from_config(own_ports=[8080])


@pytest.mark.parametrize(
    "address",
    ["192.168.1.20", "10.0.0.5", "172.16.3.4", "127.0.0.1", "::1", "fd00::5", "203.0.113.9"],
)
def test_lan_loopback_and_unicast_are_allowed_by_default(address):
    assert DEFAULT.refusal(address, 443) is None


@pytest.mark.parametrize(
    "address",
    [
        "169.254.169.254",  # cloud metadata
        "169.254.1.1",
        "fe80::1",
        "0.0.0.0",
        "::",
        "224.0.0.1",
        "255.255.255.255",
        "ff02::1",
        "::ffff:169.254.169.254",  # IPv4-mapped IPv6 reaches the IPv4 address
    ],
)
def test_link_local_and_special_addresses_are_denied_by_default(address):
    assert DEFAULT.refusal(address, 80) is not None


def test_own_ports_are_denied_on_the_box_but_not_elsewhere():
    assert WITH_OWN_PORT.refusal("127.0.0.1", 8080) is not None
    assert WITH_OWN_PORT.refusal("127.8.9.10", 8080) is not None
    assert WITH_OWN_PORT.refusal("::1", 8080) is not None
    assert WITH_OWN_PORT.refusal("::ffff:127.0.0.1", 8080) is not None
    assert WITH_OWN_PORT.refusal("127.0.0.1", 8081) is None
    assert WITH_OWN_PORT.refusal("192.168.1.20", 8080) is None


def test_the_box_lan_address_can_be_declared_its_own():
    policy = UrlPolicy.from_config(own_ports=[8080], own_networks=["127.0.0.0/8", "192.168.1.2/32"])
    assert policy.refusal("192.168.1.2", 8080) is not None
    assert policy.refusal("192.168.1.3", 8080) is None


def test_a_narrower_allow_list_refuses_everything_else():
    lan_only = UrlPolicy.from_config(allow=["192.168.0.0/16"])
    assert lan_only.refusal("192.168.4.4", 80) is None
    assert lan_only.refusal("10.0.0.1", 80) is not None
    assert lan_only.refusal("::1", 80) is not None


def test_deny_wins_over_allow():
    policy = UrlPolicy.from_config(allow=["10.0.0.0/8"], deny=["10.9.0.0/16"])
    assert policy.refusal("10.9.1.1", 80) is not None
    assert policy.refusal("10.8.1.1", 80) is None


@pytest.mark.parametrize(
    "url",
    ["ftp://192.168.1.1/x", "file:///etc/passwd", "gopher://h/", "javascript:alert(1)", "http:///x"],
)
def test_only_http_and_https_urls_with_a_host(url):
    with pytest.raises(DestinationRefused):
        DEFAULT.check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data",
        "http://[fe80::1]/hook",
        "http://[::ffff:169.254.169.254]/",
        "http://127.0.0.1:8080/fax",
        "http://127.0.0.1/fax",  # port 80 declared own below
    ],
)
def test_ip_literal_urls_are_checked_without_dns(url):
    policy = UrlPolicy.from_config(own_ports=[8080, 80])
    with pytest.raises(DestinationRefused):
        policy.check_url(url)


def test_ports_default_by_scheme():
    policy = UrlPolicy.from_config(own_ports=[443])
    with pytest.raises(DestinationRefused):
        policy.check_url("https://127.0.0.1/hook")
    assert policy.check_url("http://127.0.0.1/hook").port == 80


class ScriptedDns(AbstractResolver):
    """Stands in for a DNS server whose answers change between lookups (rebinding)."""

    def __init__(self, answers):
        self.answers = list(answers)

    async def resolve(self, host, port=0, family=socket.AF_INET):
        addresses = self.answers.pop(0)
        return [
            {"hostname": host, "host": a, "port": port, "family": socket.AF_INET, "proto": 0, "flags": 0}
            for a in addresses
        ]

    async def close(self):
        pass


async def test_resolver_passes_allowed_answers_through():
    resolver = PolicyResolver(DEFAULT, ScriptedDns([["192.168.1.20"]]))
    results = await resolver.resolve("hooks.lan", 443)
    assert [r["host"] for r in results] == ["192.168.1.20"]


async def test_resolver_checks_every_lookup_so_rebinding_is_caught():
    dns = ScriptedDns([["192.168.1.20"], ["127.0.0.1"]])
    resolver = PolicyResolver(WITH_OWN_PORT, dns)
    await resolver.resolve("rebind.example", 8080)
    with pytest.raises(DestinationRefused):
        await resolver.resolve("rebind.example", 8080)


async def test_a_name_with_any_refused_address_is_refused_whole():
    resolver = PolicyResolver(DEFAULT, ScriptedDns([["192.168.1.20", "169.254.169.254"]]))
    with pytest.raises(DestinationRefused):
        await resolver.resolve("mixed.example", 80)


async def test_check_url_resolved_uses_the_resolver_for_names():
    with pytest.raises(DestinationRefused):
        await DEFAULT.check_url_resolved("http://meta.example/", ScriptedDns([["169.254.169.254"]]))
    url = await DEFAULT.check_url_resolved("http://ok.example/", ScriptedDns([["10.1.1.1"]]))
    assert url.host == "ok.example"
