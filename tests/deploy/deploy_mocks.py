"""Pulumi mocks for the deploy tests: fake cloud state, and a record of every registration."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockMonitor

REGION = "us-east-1"
ACCOUNT = "123456789012"
IMAGE_DIGEST = "sha256:" + "ab" * 32
ALARM_EMAIL = "ops@example.com"
"""``openbrain:alarmEmail`` of the stacks the tests run."""


@dataclass
class Registered:
    """One registered resource: what the program asked for, with its options."""

    type: str
    name: str
    inputs: dict[str, Any]
    custom: bool
    protect: bool = False
    retain_on_delete: bool = False
    state: dict[str, Any] = field(default_factory=dict)
    provider: str = ""
    """The provider reference (``urn::id``) it was registered with; empty: the default one."""
    id: str = ""


def _arn(typ: str, name: str, inputs: dict[str, Any]) -> str:
    physical = inputs.get("name") or name
    service = typ.split(":")[1].split("/")[0]
    kind = typ.split(":")[-1]
    if typ == "aws:dynamodb/table:Table":
        return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{physical}"
    if typ == "aws:sqs/queue:Queue":
        return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{physical}"
    if typ == "aws:cloudwatch/eventBus:EventBus":
        return f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{physical}"
    if typ == "aws:cloudwatch/eventRule:EventRule":
        bus = inputs.get("eventBusName", "default")
        return f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{bus}/{physical}"
    if typ == "aws:cloudwatch/logGroup:LogGroup":
        return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{physical}"
    if typ == "aws:lambda/function:Function":
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{physical}"
    if typ == "aws:secretsmanager/secret:Secret":
        return f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:{physical}-AbCdEf"
    if typ == "aws:iam/role:Role":
        return f"arn:aws:iam::{ACCOUNT}:role/{name}"
    if typ == "aws:s3/bucket:Bucket":
        return f"arn:aws:s3:::{name}-bucket"
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{kind.lower()}/{physical}"


class StageMocks(pulumi.runtime.Mocks):
    """Answers like AWS would, with deterministic ids and ARNs."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        inputs = dict(args.inputs)
        physical = inputs.get("name") or args.name
        state: dict[str, Any] = {**inputs, "arn": _arn(args.typ, args.name, inputs)}
        resource_id = f"{physical}-id"
        if args.typ == "aws:sqs/queue:Queue":
            resource_id = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{physical}"
            state["url"] = resource_id
        elif args.typ == "aws:iam/role:Role":
            resource_id = args.name
            state["name"] = args.name
        elif args.typ == "aws:s3/bucket:Bucket":
            resource_id = f"{args.name}-bucket"
            state.update(
                bucket=resource_id, bucketRegionalDomainName=f"{resource_id}.s3.amazonaws.com"
            )
        elif args.typ == "aws:kms/key:Key":
            resource_id = "key-1234"
            state["keyId"] = resource_id
        elif args.typ == "aws:lambda/functionUrl:FunctionUrl":
            state["functionUrl"] = f"https://{physical}.lambda-url.{REGION}.on.aws/"
        elif args.typ == "aws:cloudfront/distribution:Distribution":
            resource_id = "E2DASHBOARD"
            state["domainName"] = "d111111abcdef8.cloudfront.net"
        elif args.typ == "aws:lb/loadBalancer:LoadBalancer":
            state["dnsName"] = f"{args.name}-1.{REGION}.elb.amazonaws.com"
            state["arnSuffix"] = f"app/{args.name}/50dc6c495c0c9188"
            state["zoneId"] = "Z35SXDOTRQ7X7K"
        elif args.typ == "aws:lb/targetGroup:TargetGroup":
            state["arnSuffix"] = f"targetgroup/{args.name}/73e2d6bc24d8a067"
        elif args.typ == "aws:ecr/repository:Repository":
            state["repositoryUrl"] = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{physical}"
            state["registryId"] = ACCOUNT
        elif args.typ == "docker-build:index:Image":
            state["digest"] = IMAGE_DIGEST
            state["ref"] = f"{inputs['tags'][0]}@{IMAGE_DIGEST}"
        elif args.typ == "aws:acm/certificate:Certificate":
            state["domainValidationOptions"] = [{
                "domainName": inputs["domainName"],
                "resourceRecordName": f"_x1.{inputs['domainName']}.",
                "resourceRecordType": "CNAME",
                "resourceRecordValue": "_x2.acm-validations.aws.",
            }]
        elif args.typ == "aws:acm/certificateValidation:CertificateValidation":
            state["certificateArn"] = inputs["certificateArn"]
        elif args.typ == "aws:route53/record:Record":
            state["fqdn"] = inputs["name"].rstrip(".")
        elif args.typ == "aws:cognito/userPool:UserPool":
            resource_id = f"{REGION}_Pool{len(physical)}"
        elif args.typ == "aws:cloudwatch/eventBus:EventBus":
            state["name"] = physical
        return resource_id, state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], Any]:
        answers: dict[str, dict[str, Any]] = {
            "aws:index/getRegion:getRegion": {"region": REGION, "name": REGION, "id": REGION},
            "aws:index/getCallerIdentity:getCallerIdentity": {
                "accountId": ACCOUNT,
                "arn": f"arn:aws:iam::{ACCOUNT}:user/operator",
                "userId": "AIDEXAMPLE",
                "id": ACCOUNT,
            },
            # No default VPC is looked up: an account may have none.
            "aws:index/getAvailabilityZones:getAvailabilityZones": {
                "id": REGION, "names": [f"{REGION}a", f"{REGION}b", f"{REGION}c"],
                "zoneIds": ["use1-az1", "use1-az2", "use1-az4"],
            },
            "aws:ec2/getManagedPrefixList:getManagedPrefixList": {"id": "pl-3b927c52"},
            "aws:ecr/getAuthorizationToken:getAuthorizationToken": {
                "id": REGION, "userName": "AWS", "password": "ecr-token",
                "authorizationToken": "QVdTOmVjci10b2tlbg==", "proxyEndpoint": "",
                "expiresAt": "", "registryId": ACCOUNT,
            },
        }
        if args.token not in answers:
            raise KeyError(f"unmocked call {args.token}")
        return answers[args.token], []


class RecordingMonitor(MockMonitor):
    """Keeps every registration with its ``protect`` and ``retain_on_delete`` options."""

    def __init__(self, mocks: StageMocks):
        super().__init__(mocks)
        self.registered: list[Registered] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            urn = response.urn
            reg = self.resources.get(urn)
            inputs = pulumi.runtime.rpc.deserialize_properties(request.object)
            self.registered.append(
                Registered(
                    type=request.type,
                    name=request.name,
                    inputs=_plain(inputs),
                    custom=bool(request.custom),
                    protect=bool(request.protect),
                    retain_on_delete=bool(request.retainOnDelete),
                    state=_plain(reg.state) if reg else {},
                    provider=str(request.provider),
                    id=str(response.id),
                )
            )
        return response


def _plain(value: Any) -> Any:
    """JSON-friendly copy (secrets and unknowns become strings)."""
    return json.loads(json.dumps(value, default=str))


def dump(registered: list[Registered], path: Path) -> None:
    path.write_text(json.dumps([asdict(r) for r in registered], indent=1), encoding="utf-8")


def load(path: Path) -> list[Registered]:
    return [Registered(**r) for r in json.loads(path.read_text(encoding="utf-8"))]
