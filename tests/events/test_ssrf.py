"""Webhook targets in AWS mode: public https only, checked after DNS resolution."""

from __future__ import annotations

import pytest

from openbrain.domain import Route
from openbrain.events.signing import new_secret
from openbrain.events.ssrf import UnsafeTargetError, check_target_url
from openbrain.events.targets import WebhookTarget
from tests.events.support import Receiver, make_event

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
