"""Server-side request forgery: which webhook URLs are refused, with no network but the
resolver (names that resolve locally: ``localhost``, address literals)."""

from __future__ import annotations

import ipaddress
import re

import pytest

from itsm.webhooks.address import check, is_public, parse
from itsm.webhooks.errors import RefusedAddress, Unresolved


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://127.0.0.1/hook", "127.0.0.1"),
        ("http://127.1.2.3:8080/hook", "127.1.2.3"),
        ("https://[::1]/hook", "::1"),
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254"),  # cloud metadata
        ("http://10.1.2.3/hook", "10.1.2.3"),
        ("http://172.16.0.1/hook", "172.16.0.1"),
        ("http://192.168.1.1/hook", "192.168.1.1"),
        ("http://100.64.0.1/hook", "100.64.0.1"),  # carrier-grade NAT
        ("http://0.0.0.0/hook", "0.0.0.0"),  # noqa: S104 - a URL refused, not a bind
        ("http://224.0.0.1/hook", "224.0.0.1"),
        ("http://240.0.0.1/hook", "240.0.0.1"),
        ("http://[::ffff:127.0.0.1]/hook", "::ffff:127.0.0.1"),
        ("http://[::ffff:10.0.0.1]/hook", "::ffff:10.0.0.1"),
        ("http://[fe80::1]/hook", "fe80::1"),
        ("http://[fc00::1]/hook", "fc00::1"),
        ("http://[ff02::1]/hook", "ff02::1"),
        ("http://[::]/hook", "::"),
        ("http://[2002:7f00:1::]/hook", "2002:7f00:1::"),  # 6to4 of 127.0.0.1
        ("http://[64:ff9b::a00:1]/hook", "64:ff9b::a00:1"),  # NAT64 of 10.0.0.1
    ],
)
def test_private_and_special_addresses_are_refused(url: str, address: str) -> None:
    shown = re.escape(f"resolves to {ipaddress.ip_address(address)}, a loopback")
    with pytest.raises(RefusedAddress, match=shown):
        check(url, allow_private=False)
    assert check(url, allow_private=True).address == ipaddress.ip_address(address)


def test_a_name_that_resolves_to_loopback_is_refused() -> None:
    with pytest.raises(RefusedAddress, match=r"'localhost' resolves to (127\.0\.0\.1|::1)"):
        check("http://localhost:8080/hook", allow_private=False)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://hooks.example.org/x", "must start with https:// or http://"),
        ("file:///etc/passwd", "must start with https:// or http://"),
        ("gopher://127.0.0.1:25/", "must start with https:// or http://"),
        ("hooks.example.org/x", "must start with https:// or http://"),
        ("https:///path", "has no host"),
        ("https://user:pw@hooks.example.org/x", "must not carry a user name or password"),
        ("https://hooks.example.org:99999/x", "not valid"),
        ("https://hooks.example.org/a b", "spaces or control characters"),
        ("https://hooks.example.org/" + "a" * 2000, "longer than 2000 characters"),
    ],
)
def test_urls_that_are_no_http_urls_are_refused(url: str, reason: str) -> None:
    with pytest.raises(RefusedAddress, match=reason):
        parse(url)
    with pytest.raises(RefusedAddress, match=reason):
        check(url, allow_private=True)


def test_a_host_that_does_not_resolve_is_said_so() -> None:
    with pytest.raises(Unresolved, match="does not resolve"):
        check("https://no-such-host.invalid/hook", allow_private=True)


def test_public_addresses_pass_and_the_url_keeps_its_path_and_port() -> None:
    assert is_public(ipaddress.ip_address("93.184.215.14"))
    assert is_public(ipaddress.ip_address("2606:4700::6810:84e5"))
    assert is_public(ipaddress.ip_address("::ffff:93.184.215.14"))
    target = check("https://93.184.215.14:8443/hooks/itsm?x=1", allow_private=False)
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "93.184.215.14",
        8443,
        "/hooks/itsm?x=1",
    )
