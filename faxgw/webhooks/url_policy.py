"""Which webhook URLs faxgw may POST to.

Endpoint URLs are typed in by tenants, so a URL must not turn the box into a proxy towards
things only the box can reach (server-side request forgery). The rules:

- only ``http`` and ``https``;
- every address the host resolves to must lie in an ``allow`` network and in no ``deny``
  network (deny wins). By default everything unicast is allowed, since clients live on the
  LAN, and link-local (169.254.0.0/16 with the cloud metadata address, fe80::/10),
  multicast, unspecified and reserved ranges are denied;
- the box itself is never a destination: loopback, every address of its interfaces
  (:mod:`faxgw.webhooks.box_addresses`) and ``own_networks``, on every port, so that a
  tenant can neither read a local service's answer nor scan the box's ports. The admin may
  open single ports of the box (``allow_own_ports``, a receiver running next to faxgw);
  the daemon's own ports (``own_ports``: the API) stay closed even then;
- a tenant's deliveries may be narrowed further to its own networks (``narrow``).

DNS rebinding: checking a name once and connecting later would let a name answer a LAN
address to the check and 127.0.0.1 to the connection. :class:`PolicyResolver` is given to
aiohttp's connector, so the addresses that are checked are the very addresses the
connection uses. aiohttp does not call the resolver for IP literals, so
:meth:`UrlPolicy.check_url` checks literals itself before every request.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass, field, replace
from typing import Iterable, Union

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import ThreadedResolver
from yarl import URL

from faxgw.webhooks.box_addresses import BOX, BoxAddresses

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]
IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

ALLOWED_SCHEMES = frozenset({"http", "https"})
DEFAULT_ALLOW = ("0.0.0.0/0", "::/0")
DEFAULT_DENY = (
    "0.0.0.0/8",  # "this network"; 0.0.0.0 reaches the box itself on Linux
    "169.254.0.0/16",  # IPv4 link-local, includes cloud metadata 169.254.169.254
    "224.0.0.0/4",  # multicast
    "240.0.0.0/4",  # reserved, includes broadcast 255.255.255.255
    "::/128",  # unspecified
    "fe80::/10",  # IPv6 link-local
    "ff00::/8",  # IPv6 multicast
)
DEFAULT_OWN_NETWORKS = ("127.0.0.0/8", "::1/128")
VERDICT_CACHE_SIZE = 4096  # endpoint URLs; a tenant has at most 20
_GENERATION = object()  # key of the verdict cache's entry for the box addresses it assumed


class DestinationRefused(OSError):
    """A webhook URL or one of its addresses is not allowed by the policy.

    An OSError so that, raised from inside aiohttp's resolver, it surfaces as a
    connection error of that one delivery and not as a crash of the worker.
    """


def parse_networks(specs: Iterable[str]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(spec, strict=False) for spec in specs)


def parse_port_range(spec: int | str) -> tuple[int, int]:
    """8080 or "9000-9100" as (first, last); ValueError when it is neither."""
    if isinstance(spec, bool):
        raise ValueError(f"not a port: {spec!r}")
    first, _, last = str(spec).partition("-")
    low, high = int(first), int(last or first)
    if not 0 < low <= high < 65536:
        raise ValueError(f"not a port or port range: {spec!r}")
    return low, high


def _normalise(address: IPAddress) -> IPAddress:
    # ::ffff:169.254.169.254 reaches the IPv4 address; judge it as that address.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _within(address: IPAddress, networks: Iterable[IPNetwork]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


@dataclass(frozen=True)
class UrlPolicy:
    allow: tuple[IPNetwork, ...] = field(default_factory=lambda: parse_networks(DEFAULT_ALLOW))
    deny: tuple[IPNetwork, ...] = field(default_factory=lambda: parse_networks(DEFAULT_DENY))
    own_networks: tuple[IPNetwork, ...] = field(
        default_factory=lambda: parse_networks(DEFAULT_OWN_NETWORKS)
    )
    own_ports: frozenset[int] = frozenset()
    allow_own_ports: tuple[tuple[int, int], ...] = ()  # (first, last) port ranges
    narrow: tuple[IPNetwork, ...] = ()  # when set, an address must also lie in one of these
    box: BoxAddresses = field(default=BOX, compare=False, repr=False)
    # check_url's verdicts by URL string; not part of the policy's identity.
    _verdicts: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    @classmethod
    def from_config(
        cls,
        allow: Iterable[str] = DEFAULT_ALLOW,
        deny: Iterable[str] = DEFAULT_DENY,
        own_ports: Iterable[int] = (),
        own_networks: Iterable[str] = DEFAULT_OWN_NETWORKS,
        allow_own_ports: Iterable[int | str] = (),
        narrow: Iterable[str] = (),
    ) -> "UrlPolicy":
        return cls(
            allow=parse_networks(allow),
            deny=parse_networks(deny),
            own_networks=parse_networks(own_networks),
            own_ports=frozenset(int(p) for p in own_ports),
            allow_own_ports=tuple(parse_port_range(p) for p in allow_own_ports),
            narrow=parse_networks(narrow),
        )

    def narrowed(self, networks: Iterable[str]) -> "UrlPolicy":
        """This policy for a tenant whose deliveries may only reach `networks`."""
        return replace(self, narrow=parse_networks(networks))

    def refusal(self, address: IPAddress | str, port: int) -> str | None:
        """Why ``address:port`` is refused, or None when it is allowed."""
        ip = _normalise(ipaddress.ip_address(address))
        if _within(ip, self.deny):
            return f"address {ip} is in a denied network"
        if not _within(ip, self.allow) or (self.narrow and not _within(ip, self.narrow)):
            return f"address {ip} is not in an allowed network"
        if _within(ip, self.own_networks) or _within(ip, self.box.networks()):
            if port in self.own_ports:
                return f"{ip} port {port} is one of faxgw's own services"
            if not any(first <= port <= last for first, last in self.allow_own_ports):
                return f"address {ip} is this box itself"
        return None

    def check_address(self, address: IPAddress | str, port: int) -> None:
        reason = self.refusal(address, port)
        if reason is not None:
            raise DestinationRefused(reason)

    def check_url(self, url: str | URL) -> URL:
        """Check what can be checked without DNS; IP literals are checked completely.

        The verdict on a URL string never changes for one policy (the policy is frozen and
        names are checked at connection time by :class:`PolicyResolver`), so it is kept:
        the worker checks the same few endpoint URLs before every delivery, and parsing
        the URL and the address each time cost more than the HMAC.
        """
        if isinstance(url, str):
            self.box.networks()  # re-read when due, so that the generation is current
            if self._verdicts.get(_GENERATION) != self.box.generation:
                self._verdicts.clear()  # the box's addresses changed: literals judged anew
                self._verdicts[_GENERATION] = self.box.generation
            verdict = self._verdicts.get(url)
            if verdict is None:
                verdict = self._verdict(url)
                if len(self._verdicts) >= VERDICT_CACHE_SIZE:
                    self._verdicts.clear()
                self._verdicts[url] = verdict
            if isinstance(verdict, DestinationRefused):
                raise DestinationRefused(*verdict.args)
            return verdict
        return self._check_parsed(url)

    def _verdict(self, url: str) -> "URL | DestinationRefused":
        try:
            return self._check_parsed(URL(url))
        except DestinationRefused as refused:
            return refused

    def _check_parsed(self, parsed: URL) -> URL:
        if parsed.scheme not in ALLOWED_SCHEMES:
            raise DestinationRefused(f"scheme {parsed.scheme!r} is not http or https")
        if not parsed.host:
            raise DestinationRefused("the URL has no host")
        literal = _ip_literal(parsed.host)
        if literal is not None:
            self.check_address(literal, _port_of(parsed))
        return parsed

    async def check_url_resolved(self, url: str | URL, resolver: AbstractResolver) -> URL:
        """check_url plus every address the host resolves to now (for endpoint creation)."""
        parsed = self.check_url(url)
        if _ip_literal(parsed.host or "") is None:
            await PolicyResolver(self, resolver).resolve(parsed.host or "", _port_of(parsed))
        return parsed


def _ip_literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _port_of(url: URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


class PolicyResolver(AbstractResolver):
    """Resolves with ``inner`` and refuses the name if any address breaks the policy.

    Refusing the whole name rather than filtering keeps a name that mixes a LAN address
    with a denied one from working only some of the time.
    """

    def __init__(self, policy: UrlPolicy, inner: AbstractResolver | None = None) -> None:
        self.policy = policy  # replaceable: the worker adds the API's port once it is bound
        self._inner = inner if inner is not None else ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            reason = self.policy.refusal(result["host"], result["port"] or port)
            if reason is not None:
                raise DestinationRefused(f"{host} resolves to a refused address: {reason}")
        return results

    async def close(self) -> None:
        await self._inner.close()
