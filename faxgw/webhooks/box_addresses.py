"""The addresses of the box itself, as the kernel knows them now.

Loopback is not the only way back to the box: its LAN address (and any other address of
its interfaces) reaches the same services. Linux lists every local IPv4 address (and
local range: 127.0.0.0/8 is one entry) in /proc/net/fib_trie, marked ``host LOCAL``, and
every IPv6 address in /proc/net/if_inet6. Addresses change (DHCP, a new interface), so the
list is read again after ``REFRESH_S``; reading it costs some tens of microseconds.
"""

from __future__ import annotations

import ipaddress
import time
from pathlib import Path
from typing import Union

IPNetwork = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

REFRESH_S = 10.0
FIB_TRIE = Path("/proc/net/fib_trie")
IF_INET6 = Path("/proc/net/if_inet6")
# Always the box's, whatever /proc says (or when it cannot be read).
ALWAYS_OWN = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


def parse_fib_trie(text: str) -> set[IPNetwork]:
    """Local and broadcast IPv4 entries: an address line (``|-- 192.0.2.2``) followed by
    its route lines (``/32 host LOCAL``)."""
    networks: set[IPNetwork] = set()
    address = None
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|--"):
            address = stripped[3:].strip()
        elif address and stripped.startswith("/") and stripped.endswith(("LOCAL", "BROADCAST")):
            prefix = stripped.split()[0][1:]
            if not stripped.endswith("LOCAL"):
                prefix = "32"
            networks.add(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
    return networks


def parse_if_inet6(text: str) -> set[IPNetwork]:
    networks: set[IPNetwork] = set()
    for line in text.splitlines():
        fields = line.split()
        if fields and len(fields[0]) == 32:
            hex_address = fields[0]
            groups = ":".join(hex_address[i:i + 4] for i in range(0, 32, 4))
            networks.add(ipaddress.ip_network(f"{groups}/128"))
    return networks


class BoxAddresses:
    """The box's own networks, re-read every REFRESH_S; `generation` changes with them."""

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._read_at = float("-inf")
        self._networks: frozenset[IPNetwork] = frozenset(ALWAYS_OWN)
        self.generation = 0

    def networks(self) -> frozenset[IPNetwork]:
        if self._clock() - self._read_at >= REFRESH_S:
            self._read_at = self._clock()
            found = set(ALWAYS_OWN)
            for path, parse in ((FIB_TRIE, parse_fib_trie), (IF_INET6, parse_if_inet6)):
                try:
                    found |= parse(path.read_text())
                except (OSError, ValueError):
                    pass  # not Linux, or /proc hidden: loopback is still known
            if found != self._networks:
                self._networks = frozenset(found)
                self.generation += 1
        return self._networks


BOX = BoxAddresses()
