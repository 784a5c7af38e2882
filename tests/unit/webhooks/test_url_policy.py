import dataclasses
import ipaddress
import socket

import pytest
from aiohttp.abc import AbstractResolver

from faxgw.webhooks.box_addresses import BoxAddresses, parse_fib_trie, parse_if_inet6
from faxgw.webhooks.url_policy import DestinationRefused, PolicyResolver, UrlPolicy


class FixedBox(BoxAddresses):
    """A box whose interfaces have these addresses (besides loopback), whatever this
    machine's are."""

    def __init__(self, *addresses: str):
        super().__init__()
        self._fixed = frozenset(ipaddress.ip_network(a) for a in ("127.0.0.0/8", "::1/128", *addresses))

    def networks(self):
        return self._fixed


BOX = FixedBox("192.168.1.2/32", "fd00::2/128")


def on_box(policy: UrlPolicy) -> UrlPolicy:
    return dataclasses.replace(policy, box=BOX)


DEFAULT = on_box(UrlPolicy())
WITH_OWN_PORT = on_box(UrlPolicy.from_config(own_ports=[8080], allow_own_ports=[8080, 8081]))


@pytest.mark.parametrize(
    "address",
    ["192.168.1.20", "10.0.0.5", "172.16.3.4", "fd00::5", "203.0.113.9"],
)
def test_lan_and_unicast_are_allowed_by_default(address):
    assert DEFAULT.refusal(address, 443) is None


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1", "192.168.1.2", "fd00::2"])
@pytest.mark.parametrize("port", [80, 443, 18402, 65535])
def test_the_box_itself_is_refused_on_every_port_by_default(address, port):
    assert "is this box itself" in DEFAULT.refusal(address, port)


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


def test_the_admin_may_open_a_port_of_the_box_but_never_the_daemons_own():
    assert WITH_OWN_PORT.refusal("127.0.0.1", 8081) is None
    assert WITH_OWN_PORT.refusal("192.168.1.2", 8081) is None
    assert WITH_OWN_PORT.refusal("127.0.0.1", 8080) is not None  # own_ports win
    assert WITH_OWN_PORT.refusal("::ffff:127.0.0.1", 8080) is not None
    assert WITH_OWN_PORT.refusal("127.0.0.1", 8082) is not None  # not opened
    assert WITH_OWN_PORT.refusal("192.168.1.20", 8080) is None  # another host


def test_a_declared_own_network_counts_as_the_box():
    policy = on_box(UrlPolicy.from_config(own_networks=["127.0.0.0/8", "192.168.7.0/24"]))
    assert policy.refusal("192.168.7.9", 9000) is not None
    assert policy.refusal("192.168.8.9", 9000) is None


def test_a_narrowed_tenant_reaches_only_its_networks_within_the_allowed_ones():
    narrowed = UrlPolicy.from_config(allow=["192.168.0.0/16"]).narrowed(["192.168.10.0/24", "10.0.0.0/8"])
    narrowed = on_box(narrowed)
    assert narrowed.refusal("192.168.10.5", 443) is None
    assert narrowed.refusal("192.168.11.5", 443) is not None  # another LAN segment
    assert narrowed.refusal("10.1.1.1", 443) is not None  # outside the global allow list


def test_the_box_addresses_are_read_from_the_kernels_tables():
    fib = """Main:
  +-- 0.0.0.0/0 3 0 5
     |-- 0.0.0.0
        /0 universe UNICAST
     +-- 127.0.0.0/8 2 0 2
        +-- 127.0.0.0/31 1 0 0
           |-- 127.0.0.0
              /8 host LOCAL
        |-- 127.255.255.255
           /32 link BROADCAST
     +-- 192.0.2.0/24 2 0 2
           |-- 192.0.2.0
              /24 link UNICAST
           |-- 192.0.2.2
              /32 host LOCAL
"""
    assert {str(n) for n in parse_fib_trie(fib)} == {"127.0.0.0/8", "127.255.255.255/32", "192.0.2.2/32"}
    inet6 = "fd000000000000000000000000000002 04 40 00 82     eth0\n00000000000000000000000000000001 01 80 10 80 lo\n"
    assert {str(n) for n in parse_if_inet6(inet6)} == {"fd00::2/128", "::1/128"}


def test_this_machines_own_addresses_are_refused():
    policy = UrlPolicy()
    for network in policy.box.networks():
        assert policy.refusal(network[0], 8000) is not None, network


def test_a_narrower_allow_list_refuses_everything_else():
    lan_only = on_box(UrlPolicy.from_config(allow=["192.168.0.0/16"]))
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
    policy = on_box(UrlPolicy.from_config(own_ports=[8080, 80], allow_own_ports=[8080, 80, 81]))
    with pytest.raises(DestinationRefused):
        policy.check_url(url)


def test_ports_default_by_scheme():
    policy = on_box(UrlPolicy.from_config(own_ports=[443], allow_own_ports=[80, 443]))
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
