"""The DynamoDB client's own per-call work: its requests are built by the driver, so botocore
does not validate them again before sending (DynamoDB does)."""

from __future__ import annotations

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import EndpointConnectionError, ParamValidationError

from openbrain.store.dynamodb import client_config


@pytest.mark.parametrize(("config", "raised"), [
    (None, ParamValidationError),  # botocore's default: checked in the client, never sent
    (client_config(), EndpointConnectionError),  # ours: sent (here to a closed port)
])
def test_requests_are_not_validated_again_in_the_client(
    config: Config | None, raised: type[Exception]
) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                          aws_access_key_id="test", aws_secret_access_key="test",
                          config=config)
    with pytest.raises(raised):
        client.get_item(TableName="t", Key={"pk": {"S": "a"}}, ConsistentRead="yes")  # type: ignore[arg-type]


def test_botocore_sends_once_and_keeps_connections() -> None:
    """The driver retries busy calls itself (``RetryPolicy``): botocore makes one attempt,
    and keeps its pooled connections open between calls."""
    config = client_config()
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}
    assert config.parameter_validation is False
    assert config.tcp_keepalive is True
    assert config.max_pool_connections == 50
