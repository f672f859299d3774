"""Webhook targets in AWS mode: public https only, checked after DNS resolution, and the
connection made to the very address that was checked."""

from __future__ import annotations

import ipaddress
import ssl
from pathlib import Path

import pytest

from openbrain.domain import Route
from openbrain.events.signing import new_secret
from openbrain.events.ssrf import Resolver, UnsafeTargetError, check_target_url
from openbrain.events.targets import WebhookTarget
from tests.events.support import Receiver, make_event
from tests.events.tls_hosts import ScriptedDNS, self_signed, tls_receiver

REFUSED = [
    "https://127.0.0.1/hook",
    "https://127.8.9.10/hook",
    "https://[::1]/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://[fd00:ec2::254]/latest",
    "https://10.0.0.5/hook",
    "https://172.16.3.4/hook",
    "https://192.168.1.1/hook",
    "https://100.64.0.1/hook",
    "https://0.0.0.0/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://localhost/hook",
    "http://hooks.example.com/hook",  # not https
    "ftp://hooks.example.com/hook",
]

# IPv6 forms that carry an IPv4 address (here the metadata service, loopback or a public
# one: a translator decides where they go, so every one is refused).
IPV4_IN_IPV6 = [
    "https://[::ffff:a9fe:a9fe]/hook",          # IPv4-mapped
    "https://[0:0:0:0:0:ffff:127.0.0.1]/hook",  # IPv4-mapped, long form
    "https://[::ffff:0:7f00:1]/hook",           # IPv4-translated (SIIT)
    "https://[::a9fe:a9fe]/hook",               # IPv4-compatible
    "https://[::127.0.0.1]/hook",               # IPv4-compatible, dotted
    "https://[64:ff9b::a9fe:a9fe]/hook",        # NAT64 well-known prefix
    "https://[64:ff9b::5db8:d822]/hook",        # NAT64 of a public address
    "https://[64:ff9b:1::a9fe:a9fe]/hook",      # NAT64 local-use prefix
    "https://[2002:a9fe:a9fe::1]/hook",         # 6to4
    "https://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/hook",  # Teredo
]
# Hosts that URL parsers or inet_aton read as IPv4, but ipaddress does not.
NON_CANONICAL = [
    "https://2130706433/hook",
    "https://0x7f000001/hook",
    "https://127.1/hook",
    "https://0177.0.0.1/hook",
    "https://127.0.0.01/hook",
    "https://0x7f.0.0.1/hook",
    "https://1.2.3.4.5/hook",
    "https://localhost./hook",
    "https://LOCALHOST/hook",
    "https://metadata.google.internal./hook",
    "https://a..b/hook",
]


@pytest.mark.parametrize("url", IPV4_IN_IPV6 + NON_CANONICAL)
@pytest.mark.parametrize("resolve", [None, lambda host: ["93.184.216.34"]],
                         ids=["at-creation", "at-delivery"])
def test_ipv4_in_ipv6_and_non_canonical_ipv4_are_refused(url: str, resolve: Resolver | None,
                                                          ) -> None:
    with pytest.raises(UnsafeTargetError):
        check_target_url(url, aws_mode=True, resolve=resolve)


@pytest.mark.parametrize("url", IPV4_IN_IPV6 + NON_CANONICAL[:4])
def test_delivery_refuses_them_without_connecting(url: str) -> None:
    route = Route(route_id="hook", url=url, event_types=["lead.created"])
    result = WebhookTarget(aws_mode=True).deliver(make_event("acme"), route, new_secret())
    assert not result.ok
    assert not result.retryable


@pytest.mark.parametrize("url", REFUSED)
def test_refused_in_aws_mode(url: str) -> None:
    with pytest.raises(UnsafeTargetError):
        check_target_url(url, aws_mode=True, resolve=lambda host: ["93.184.216.34"])


@pytest.mark.parametrize("address", ["127.0.0.1", "169.254.169.254", "10.1.2.3", "::1"])
def test_names_resolving_to_private_addresses_are_refused(address: str) -> None:
    with pytest.raises(UnsafeTargetError, match="not a public address"):
        check_target_url("https://hooks.example.com/x", aws_mode=True,
                         resolve=lambda host: ["93.184.216.34", address])


def test_public_https_is_allowed() -> None:
    check_target_url("https://hooks.example.com/x", aws_mode=True,
                     resolve=lambda host: ["93.184.216.34"])
    check_target_url("https://93.184.216.34/x", aws_mode=True)
    check_target_url("https://hooks.example.com./x", aws_mode=True, resolve=None)
    check_target_url("https://[2606:2800:220:1:248:1893:25c8:1946]/x", aws_mode=True)
    check_target_url("https://bücher.example/x", aws_mode=True, resolve=None)


GOOD = ipaddress.ip_address("127.0.0.2")
HOST = "hooks.rebind.test"


def only_good(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """The address policy of these tests: 127.0.0.2 stands for the public internet."""
    return ip == GOOD


def test_dns_rebinding_connects_to_the_checked_address(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The name is good on the first lookup and loopback on the second: the delivery must
    connect to the address it checked, with TLS and ``Host`` still for the name."""
    key, cert = self_signed(tmp_path, HOST)
    trust = ssl.create_default_context(cafile=str(cert))
    with tls_receiver("127.0.0.2", key, cert) as good, \
            tls_receiver("127.0.0.1", key, cert, port=good.port) as inside:
        dns = ScriptedDNS(monkeypatch, HOST, "127.0.0.2", "127.0.0.1")
        target = WebhookTarget(aws_mode=True, allow=only_good, verify=trust)
        url = f"https://{HOST}:{good.port}/hook"
        result = target.deliver(make_event("acme"), Route(route_id="hook", url=url,
                                                          event_types=["lead.created"]),
                                new_secret())
        assert result.ok, result
        assert good.hosts == [f"{HOST}:{good.port}"]
        assert inside.hosts == []
        assert dns.lookups == 1
        # Once the name points inside, a fresh connection is refused before connecting.
        fresh = WebhookTarget(aws_mode=True, allow=only_good, verify=trust)
        refused = fresh.deliver(make_event("acme"), Route(route_id="hook", url=url,
                                                          event_types=["lead.created"]),
                                new_secret())
        assert refused.error == "webhook host is not a public address"
        assert inside.hosts == []


def test_certificate_is_verified_for_the_host_name(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key, cert = self_signed(tmp_path, "someone-else.test")
    with tls_receiver("127.0.0.2", key, cert) as good:
        ScriptedDNS(monkeypatch, HOST, "127.0.0.2")
        target = WebhookTarget(aws_mode=True, allow=only_good,
                               verify=ssl.create_default_context(cafile=str(cert)))
        route = Route(route_id="hook", url=f"https://{HOST}:{good.port}/hook",
                      event_types=["lead.created"])
        result = target.deliver(make_event("acme"), route, new_secret())
        assert not result.ok
        assert result.retryable
        assert good.hosts == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x", "http://10.0.0.1/x",
                                 "http://169.254.169.254/"])
def test_allowed_in_local_mode(url: str) -> None:
    check_target_url(url, aws_mode=False)


def test_aws_mode_target_never_connects_to_loopback(receiver: Receiver) -> None:
    route = Route(route_id="hook", url=receiver.url.replace("http://", "https://"),
                  event_types=["lead.created"])
    result = WebhookTarget(aws_mode=True).deliver(make_event("acme"), route, new_secret())
    assert not result.ok
    assert not result.retryable
    assert result.error == "webhook host is not a public address"
    assert receiver.calls == []
    local = Route(route_id="hook", url=receiver.url, event_types=["lead.created"])
    assert WebhookTarget(aws_mode=False).deliver(make_event("acme"), local, new_secret()).ok


@pytest.mark.parametrize("aws_mode", [False, True])
@pytest.mark.parametrize("url", ["http://[", "https://[::1/hook", "https://[zz]/hook"])
def test_malformed_urls_are_refused_not_crashed_on(url: str, aws_mode: bool) -> None:
    """Schemathesis found ``urlsplit`` raising ValueError (a 500) on an unclosed ``[``."""
    with pytest.raises(UnsafeTargetError):
        check_target_url(url, aws_mode=aws_mode, resolve=None)
