"""Which address a request comes from, when trusted proxies stand in front of the server."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

Network = IPv4Network | IPv6Network


@lru_cache(maxsize=16)
def networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """``api.trusted_proxies`` as networks: an address is a network of one."""
    return tuple(ip_network(entry.strip(), strict=False) for entry in entries)


def _trusted(address: str, trusted: Iterable[Network]) -> bool:
    try:
        parsed = ip_address(address.strip())
    except ValueError:
        return False
    return any(parsed in network for network in trusted)


def from_trusted_proxy(peer: str, trusted: tuple[str, ...]) -> bool:
    """Whether ``peer`` is one of the proxies whose forwarded headers are believed."""
    return _trusted(peer, networks(trusted))


def client_address(peer: str, forwarded_for: str | None, trusted: tuple[str, ...]) -> str:
    """The client's address: ``peer``, or behind trusted proxies, the ``X-Forwarded-For``
    entry nearest to the server that is not itself a trusted proxy.

    Each proxy appends the address it got the request from, so only the entries on the
    right were written by proxies we trust; anything further left came from the client
    and may be forged.
    """
    proxies = networks(trusted)
    if not forwarded_for or not _trusted(peer, proxies):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, proxies):
            return hop[:64]
    return hops[0][:64] if hops else peer
