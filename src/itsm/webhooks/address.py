"""Which URLs a webhook may post to: server-side request forgery kept out.

A URL must be http(s) without credentials, and its host must resolve only to
public addresses: loopback, private, link-local, shared, multicast, unspecified
and reserved ranges (IPv4, IPv6 and IPv4 inside IPv6) are refused unless
``webhooks.allow_private`` is on. The check runs at registration and again at
every delivery, which then connects to the address it checked (a name that
resolves elsewhere meanwhile, DNS rebinding, cannot move the request).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from itsm.errors import N_
from itsm.webhooks.errors import RefusedAddress, Unresolved

MAX_URL_CHARS = 2000

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """A checked URL: its parts and the address to connect to."""

    scheme: str
    host: str  # as written (a name, or an address without brackets)
    port: int
    path: str  # path and query, at least "/"
    address: IPAddress


def parse(url: str) -> tuple[str, str, int, str]:
    """``url``'s scheme, host, port and path; :class:`RefusedAddress` if it is no
    http(s) URL a webhook may have."""
    if len(url) > MAX_URL_CHARS:
        raise RefusedAddress(N_("the URL is longer than %(max)s characters"), max=MAX_URL_CHARS)
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise RefusedAddress(N_("the URL has spaces or control characters in it"))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedAddress(N_("the URL is not valid: %(reason)s"), reason=str(exc)) from None
    if parts.scheme not in ("http", "https"):
        raise RefusedAddress(N_("the URL must start with https:// or http://"))
    if not parts.hostname:
        raise RefusedAddress(N_("the URL has no host (https://hooks.example.org/...)"))
    if parts.username is not None or parts.password is not None:
        raise RefusedAddress(N_("the URL must not carry a user name or password"))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is a public unicast address (an IPv4 inside IPv6 is judged
    as the IPv4 it carries)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour
        if inner is not None:
            return is_public(inner)
        if address in _NAT64:
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def check(url: str, *, allow_private: bool) -> Target:
    """``url`` checked and resolved; :class:`RefusedAddress` (one line) if refused."""
    scheme, host, port, path = parse(url)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise Unresolved(
            N_("the host %(host)s does not resolve: %(reason)s"), host=repr(host), reason=str(exc)
        ) from None
    addresses: list[IPAddress] = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).partition("%")[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise Unresolved(N_("the host %(host)s does not resolve"), host=repr(host))
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise RefusedAddress(
                    N_(
                        "the host %(host)s resolves to %(address)s, a loopback, private or "
                        "reserved address; only public addresses are allowed "
                        "(webhooks.allow_private allows the others)"
                    ),
                    host=repr(host),
                    address=str(address),
                )
    return Target(scheme=scheme, host=host, port=port, path=path, address=addresses[0])
