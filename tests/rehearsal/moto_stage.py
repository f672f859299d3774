"""The stage's AWS resources, created in moto's server from what the Pulumi program registered.

One table maps each Pulumi resource type to the boto3 calls that create it; types that the
rehearsal plays itself (functions, event-source mappings: moto cannot run Lambda) or that no
function touches (dashboard, identity, alarms) are listed in ``NOT_CREATED`` with the reason,
and an unknown type fails, so a new resource in the program cannot be skipped silently.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3

from tests.deploy.deploy_mocks import Registered

REGION = "us-east-1"


@dataclass
class MotoStage:
    """boto3 clients on moto, and the ARNs moto gave for the ARNs the mocks made up."""

    url: str
    name: str
    """The stage: moto keeps one state per process, so IAM's global names carry it, as
    Pulumi's auto-naming (``api-role-1a2b3c4``) keeps two stacks apart in one account."""
    arns: dict[str, str] = field(default_factory=dict)
    """Mock ARN or id -> moto's, where they differ (secrets carry a random suffix, user pools
    a random id)."""
    queue_urls: dict[str, str] = field(default_factory=dict)
    """Queue name -> moto URL."""

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.url, region_name=REGION)

    def resolve(self, text: str) -> str:
        """``text`` with every mock ARN replaced by moto's."""
        for mock, real in self.arns.items():
            text = text.replace(mock, real)
        return text


def _queue_name(url_or_name: str) -> str:
    return url_or_name.rstrip("/").rsplit("/", 1)[-1]


def _table(stage: MotoStage, r: Registered) -> None:
    i = r.inputs
    ddb = stage.client("dynamodb")
    ddb.create_table(
        TableName=i["name"],
        BillingMode=i["billingMode"],
        AttributeDefinitions=[{"AttributeName": a["name"], "AttributeType": a["type"]}
                              for a in i["attributes"]],
        KeySchema=[{"AttributeName": i["hashKey"], "KeyType": "HASH"},
                   {"AttributeName": i["rangeKey"], "KeyType": "RANGE"}],
        GlobalSecondaryIndexes=[{
            "IndexName": g["name"],
            "KeySchema": [{"AttributeName": g["hashKey"], "KeyType": "HASH"},
                          {"AttributeName": g["rangeKey"], "KeyType": "RANGE"}],
            "Projection": {"ProjectionType": g["projectionType"]},
        } for g in i["globalSecondaryIndexes"]],
        DeletionProtectionEnabled=bool(i.get("deletionProtectionEnabled")),
    )
    ttl = i["ttl"]
    ddb.update_time_to_live(TableName=i["name"], TimeToLiveSpecification={
        "AttributeName": ttl["attributeName"], "Enabled": ttl["enabled"]})


def _bus(stage: MotoStage, r: Registered) -> None:
    stage.client("events").create_event_bus(Name=r.inputs["name"])


def _rule(stage: MotoStage, r: Registered) -> None:
    i = r.inputs
    args: dict[str, Any] = {"Name": i["name"], "EventBusName": i.get("eventBusName", "default")}
    if "eventPattern" in i:
        args["EventPattern"] = i["eventPattern"]
    if "scheduleExpression" in i:
        args["ScheduleExpression"] = i["scheduleExpression"]
    stage.client("events").put_rule(**args)


def _target(stage: MotoStage, r: Registered) -> None:
    i = r.inputs
    target: dict[str, Any] = {"Id": r.name, "Arn": i["arn"]}
    if "deadLetterConfig" in i:
        target["DeadLetterConfig"] = {"Arn": i["deadLetterConfig"]["arn"]}
    if "retryPolicy" in i:
        retry = i["retryPolicy"]
        target["RetryPolicy"] = {
            "MaximumRetryAttempts": int(retry["maximumRetryAttempts"]),
            "MaximumEventAgeInSeconds": int(retry["maximumEventAgeInSeconds"]),
        }
    if "inputTransformer" in i:
        # moto renders the template as JSON: placeholders need their quotes.
        t = i["inputTransformer"]
        target["InputTransformer"] = {"InputPathsMap": t["inputPaths"],
                                      "InputTemplate": t["inputTemplate"]}
    stage.client("events").put_targets(Rule=i["rule"],
                                       EventBusName=i.get("eventBusName", "default"),
                                       Targets=[target])


_QUEUE_ATTRIBUTES = {
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "redrivePolicy": "RedrivePolicy",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
}


def _queue(stage: MotoStage, r: Registered) -> None:
    i = r.inputs
    attributes = {aws: str(i[key]).lower() if isinstance(i[key], bool) else str(int(i[key]))
                  if isinstance(i[key], float) else str(i[key])
                  for key, aws in _QUEUE_ATTRIBUTES.items() if key in i}
    url = stage.client("sqs").create_queue(QueueName=i["name"], Attributes=attributes)
    stage.queue_urls[i["name"]] = url["QueueUrl"]


def _queue_attribute(name: str, key: str) -> Callable[[MotoStage, Registered], None]:
    def create(stage: MotoStage, r: Registered) -> None:
        url = stage.queue_urls[_queue_name(r.inputs["queueUrl"])]
        stage.client("sqs").set_queue_attributes(QueueUrl=url, Attributes={name: r.inputs[key]})
    return create


def _secret(stage: MotoStage, r: Registered) -> None:
    created = stage.client("secretsmanager").create_secret(
        Name=r.inputs["name"], Description=r.inputs.get("description", ""))
    stage.arns[r.state["arn"]] = created["ARN"]


def _secret_version(stage: MotoStage, r: Registered) -> None:
    value = r.inputs["secretString"]
    if isinstance(value, dict):  # a Pulumi secret, serialised with its signature
        value = value["value"]
    stage.client("secretsmanager").put_secret_value(
        SecretId=r.inputs["secretId"].removesuffix("-id"), SecretString=value)


def _user_pool(stage: MotoStage, r: Registered) -> None:
    """The pool the first platform admin is created in (tokens come from the rehearsal's JWKS
    stand-in: moto does not serve the pool's)."""
    i = r.inputs
    schema = [{"Name": a["name"], "AttributeDataType": a["attributeDataType"],
               "Mutable": a["mutable"], "Required": a["required"]} for a in i["schemas"]]
    pool = stage.client("cognito-idp").create_user_pool(
        PoolName=i["name"], UsernameAttributes=i["usernameAttributes"], Schema=schema,
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True})["UserPool"]
    stage.arns[f"{REGION}_Pool{len(i['name'])}"] = pool["Id"]  # the id StageMocks gives it


def _alarm(stage: MotoStage, r: Registered) -> None:
    """The alarm's definition: the rehearsal reads the metric each alarm watches."""
    i = r.inputs
    stage.client("cloudwatch").put_metric_alarm(
        AlarmName=i["name"], Namespace=i["namespace"], MetricName=i["metricName"],
        Dimensions=[{"Name": k, "Value": v} for k, v in i["dimensions"].items()],
        Statistic=i["statistic"], Period=int(i["period"]),
        EvaluationPeriods=int(i["evaluationPeriods"]), Threshold=float(i["threshold"]),
        ComparisonOperator=i["comparisonOperator"], TreatMissingData=i["treatMissingData"])


def _role(stage: MotoStage, r: Registered) -> None:
    stage.client("iam").create_role(RoleName=f"{r.name}-{stage.name}",
                                    AssumeRolePolicyDocument=r.inputs["assumeRolePolicy"])


def _role_policy(stage: MotoStage, r: Registered) -> None:
    stage.client("iam").put_role_policy(RoleName=f"{r.inputs['role']}-{stage.name}",
                                        PolicyName=r.name,
                                        PolicyDocument=stage.resolve(r.inputs["policy"]))


CREATORS: dict[str, Callable[[MotoStage, Registered], None]] = {
    "aws:dynamodb/table:Table": _table,
    "aws:cloudwatch/eventBus:EventBus": _bus,
    "aws:cloudwatch/eventRule:EventRule": _rule,
    "aws:cloudwatch/eventTarget:EventTarget": _target,
    "aws:sqs/queue:Queue": _queue,
    "aws:sqs/queuePolicy:QueuePolicy": _queue_attribute("Policy", "policy"),
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": _queue_attribute(
        "RedriveAllowPolicy", "redriveAllowPolicy"),
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _secret_version,
    "aws:cognito/userPool:UserPool": _user_pool,
    "aws:iam/role:Role": _role,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _alarm,
}

NOT_CREATED: dict[str, str] = {
    "aws:lambda/function:Function": "played by the rehearsal from the built archives",
    "aws:lambda/eventSourceMapping:EventSourceMapping": "played by the rehearsal's poller",
    "aws:lambda/functionUrl:FunctionUrl": "the rehearsal calls the adapter's port",
    "aws:lambda/permission:Permission": "invocation is the rehearsal's",
    "aws:lambda/layerVersion:LayerVersion": "its archive is unpacked for the functions",
    "aws:kms/key:Key": "moto does not encrypt the table",
    "aws:kms/alias:Alias": "moto does not encrypt the table",
    "aws:cloudwatch/logGroup:LogGroup": "functions log to the rehearsal's pipes",
    "aws:sns/topic:Topic": "alarms only",
    "aws:sns/topicSubscription:TopicSubscription": "alarms only",
    "pulumi:providers:aws": "the rehearsal's clients point at moto",
    "aws:s3/bucket:Bucket": "artifacts and dashboard site, not used by a function",
    "aws:s3/bucketPolicy:BucketPolicy": "dashboard site",
    "aws:s3/bucketObjectv2:BucketObjectv2": "artifacts and dashboard site",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "artifacts and dashboard site",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration":
        "artifacts",
    "aws:cognito/userPoolClient:UserPoolClient": "tokens come from the rehearsal's JWKS",
    "aws:cognito/userPoolDomain:UserPoolDomain": "tokens come from the rehearsal's JWKS",
    "aws:cloudfront/distribution:Distribution": "dashboard",
    "aws:cloudfront/originAccessControl:OriginAccessControl": "dashboard",
    "aws:lb/loadBalancer:LoadBalancer": "dashboard",
    "aws:lb/listener:Listener": "dashboard",
    "aws:lb/listenerRule:ListenerRule": "dashboard",
    "aws:ec2/vpc:Vpc": "dashboard",
    "aws:ec2/subnet:Subnet": "dashboard",
    "aws:ec2/internetGateway:InternetGateway": "dashboard",
    "aws:ec2/routeTable:RouteTable": "dashboard",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "dashboard",
    "aws:lb/targetGroup:TargetGroup": "dashboard",
    "aws:ec2/securityGroup:SecurityGroup": "dashboard",
    "aws:ecr/repository:Repository": "dashboard",
    "aws:ecs/cluster:Cluster": "dashboard",
    "aws:ecs/taskDefinition:TaskDefinition": "dashboard",
    "aws:ecs/service:Service": "dashboard",
}

# Dependencies first: queues before their policies, secrets before versions, roles before
# policies, the bus before rules before targets.
ORDER = list(CREATORS)


def create_stage(url: str, name: str, registered: list[Registered]) -> MotoStage:
    """Create every resource of ``registered`` in moto at ``url``."""
    custom = [r for r in registered if r.custom]
    unknown = sorted({r.type for r in custom} - set(CREATORS) - set(NOT_CREATED))
    if unknown:
        raise AssertionError(f"no moto translation for {unknown}: add it to CREATORS")
    stage = MotoStage(url, name)
    for typ in ORDER:
        for r in (r for r in custom if r.type == typ):
            CREATORS[typ](stage, r)
    return stage


def policies(registered: list[Registered], stage: MotoStage) -> dict[str, dict[str, Any]]:
    """Role name -> its policy document (ARNs as moto has them)."""
    return {r.inputs["role"]: json.loads(stage.resolve(r.inputs["policy"]))
            for r in registered if r.type == "aws:iam/rolePolicy:RolePolicy"}
