"""Least-privilege IAM: policy documents built from exact ARNs, one role per function.

Every statement names its actions one by one and the resources they touch; nothing here accepts
a wildcard action, and data resources (table, index, queues, bus, secrets, key) are always ARNs
of the resources this program created.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class Statement:
    actions: Sequence[str]
    resources: Sequence[pulumi.Input[str]]
    condition: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        wild = [a for a in self.actions if "*" in a]
        if wild or not self.actions or not self.resources:
            raise ValueError(f"IAM statement needs explicit actions and resources, got {wild}")


def policy_document(statements: Sequence[Statement]) -> pulumi.Output[str]:
    """A JSON policy document; resources and conditions may hold outputs of other resources."""
    parts = [
        pulumi.Output.all(
            pulumi.Output.all(*s.resources), pulumi.Output.from_input(dict(s.condition))
        )
        for s in statements
    ]
    return pulumi.Output.all(*parts).apply(lambda resolved: _render(statements, resolved))


def _render(statements: Sequence[Statement], resolved: Sequence[Any]) -> str:
    body = []
    for stmt, (resources, condition) in zip(statements, resolved, strict=True):
        entry: dict[str, Any] = {
            "Effect": "Allow",
            "Action": sorted(stmt.actions),
            "Resource": sorted(resources),
        }
        if condition:
            entry["Condition"] = condition
        body.append(entry)
    return json.dumps({"Version": "2012-10-17", "Statement": body}, sort_keys=True)


def assume_role_policy(service: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
            ],
        }
    )


def log_statement(log_group_arn: pulumi.Input[str]) -> Statement:
    """Write to the function's own log group only (its streams are ``<group>:*``)."""
    streams = pulumi.Output.from_input(log_group_arn).apply(lambda arn: f"{arn}:*")
    return Statement(actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[streams])


def xray_statement() -> Statement:
    """Sending trace segments (Lambda's active tracing); X-Ray has no resource-level grants."""
    return Statement(actions=["xray:PutTelemetryRecords", "xray:PutTraceSegments"],
                     resources=["*"])


def table_statement(table_arn: pulumi.Input[str], actions: Sequence[str]) -> Statement:
    """Item actions on the table itself (an index takes only ``Query``: :func:`index_statement`)."""
    return Statement(actions=[f"dynamodb:{a}" for a in actions], resources=[table_arn])


def index_statement(table_arn: pulumi.Input[str], index: str) -> Statement:
    """``Query`` on one named index of the table (never ``index/*``)."""
    arn = pulumi.Output.from_input(table_arn).apply(lambda a: f"{a}/index/{index}")
    return Statement(actions=["dynamodb:Query"], resources=[arn])


def kms_statement(key_arn: pulumi.Input[str], service: str, region: pulumi.Input[str]) -> Statement:
    """Decrypting with the customer key, only through ``service``: what DynamoDB does for each
    principal that reads or writes a table under that key (it decrypts the table key and
    caches it per principal). Creating the table key and the grants happens when the table is
    created, by whoever runs the program, never by a function (docs/deploy.md, "Least
    privilege, proven")."""
    via = pulumi.Output.from_input(region).apply(lambda r: f"{service}.{r}.amazonaws.com")
    return Statement(
        actions=["kms:Decrypt"],
        resources=[key_arn],
        condition={"StringEquals": {"kms:ViaService": via}},
    )


class ServiceRole(pulumi.ComponentResource):
    """A role a service assumes, with one inline policy made of ``statements``."""

    def __init__(
        self,
        name: str,
        *,
        service: str,
        statements: Sequence[Statement],
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("openbrain:deploy:ServiceRole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.role = aws.iam.Role(
            f"{name}-role", assume_role_policy=assume_role_policy(service), opts=child
        )
        self.policy = aws.iam.RolePolicy(
            f"{name}-policy", role=self.role.id, policy=policy_document(statements), opts=child
        )
        self.register_outputs({"role_arn": self.role.arn})
