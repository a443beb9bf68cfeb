"""X-Forwarded-For is believed only as far as trusted proxies wrote it."""

from __future__ import annotations

import pytest

from itsm.server.client_address import client_address

PROXY = ("10.0.0.5",)


@pytest.mark.parametrize(
    ("peer", "header", "trusted", "client"),
    [
        # No trusted proxy: the peer, whatever the header says.
        ("203.0.113.9", "1.2.3.4", (), "203.0.113.9"),
        ("203.0.113.9", "1.2.3.4", PROXY, "203.0.113.9"),
        # One trusted proxy: the entry it appended (the rightmost), not a forged left one.
        ("10.0.0.5", "6.6.6.6, 198.51.100.7", PROXY, "198.51.100.7"),
        ("10.0.0.5", "198.51.100.7", PROXY, "198.51.100.7"),
        # Two proxies of a trusted network: skip both, take the first untrusted hop.
        ("10.0.0.5", "6.6.6.6, 198.51.100.7, 10.0.0.9", ("10.0.0.0/24",), "198.51.100.7"),
        ("2001:db8::1", "198.51.100.7", ("2001:db8::/32",), "198.51.100.7"),
        # Every hop trusted: the leftmost; no header: the peer.
        ("10.0.0.5", "10.0.0.7", ("10.0.0.0/8",), "10.0.0.7"),
        ("10.0.0.5", None, PROXY, "10.0.0.5"),
        ("10.0.0.5", " , ", PROXY, "10.0.0.5"),
    ],
)
def test_client_address(
    peer: str, header: str | None, trusted: tuple[str, ...], client: str
) -> None:
    assert client_address(peer, header, trusted) == client
