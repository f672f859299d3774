"""Policy checks over the resources a stage registers; each returns its failures (empty = ok).

They take plain records, so the same checks run on the program's real output (under mocks)
and on deliberately broken copies, which shows each check can fail.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from deploy_mocks import Registered

from openbrain.tenancy import RoutingPlan

DATA_SERVICES = {"dynamodb", "sqs", "events", "secretsmanager", "kms"}
# AWS actions with no resource-level permissions: "*" is the only valid resource for them.
RESOURCELESS_ACTIONS = {
    "ecr:GetAuthorizationToken",
    "cloudwatch:PutMetricData",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
}

T_TABLE = "aws:dynamodb/table:Table"
T_KEY = "aws:kms/key:Key"
T_QUEUE = "aws:sqs/queue:Queue"
T_QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
T_RULE = "aws:cloudwatch/eventRule:EventRule"
T_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
T_ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
T_ESM = "aws:lambda/eventSourceMapping:EventSourceMapping"
T_FUNCTION = "aws:lambda/function:Function"
T_ROLE = "aws:iam/role:Role"
T_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
T_PROVIDER = "pulumi:providers:aws"
T_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
T_TOPIC = "aws:sns/topic:Topic"
T_DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
T_LISTENER = "aws:lb/listener:Listener"
T_LISTENER_RULE = "aws:lb/listenerRule:ListenerRule"
T_VPC = "aws:ec2/vpc:Vpc"
T_SUBNET = "aws:ec2/subnet:Subnet"
T_ALB = "aws:lb/loadBalancer:LoadBalancer"
FUNCTIONS = ("api", "event-target", "outbox-sweeper")
ORIGIN_HEADER = "X-OpenBrain-Origin"


def expected_counts(tenants: int, *, llm_key: bool = True) -> dict[str, int]:
    """How many resources of each type a stage with ``tenants`` tenants must have."""
    return {
        T_TABLE: 1,
        T_KEY: 1,
        "aws:kms/alias:Alias": 1,
        "aws:cloudwatch/eventBus:EventBus": 1,
        T_PROVIDER: 1,
        T_TOPIC: 1,
        T_SUBSCRIPTION: 1,
        T_QUEUE: 2 * tenants + 1,  # + the sweep target's DLQ
        "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": tenants,
        T_QUEUE_POLICY: 2 * tenants + 1,  # each queue takes sends from its rule only
        T_RULE: tenants + 1,  # + the sweeper's schedule
        T_TARGET: tenants + 1,
        # per tenant: DLQ depth, oldest message, dead letters, outbox backlog; the sweep DLQ;
        # errors and throttles of each function
        T_ALARM: 4 * tenants + 1 + 2 * len(FUNCTIONS),
        T_ESM: tenants,
        T_FUNCTION: 3,  # api, event-target, outbox-sweeper
        "aws:lambda/functionUrl:FunctionUrl": 1,
        "aws:lambda/layerVersion:LayerVersion": 1,
        "aws:lambda/permission:Permission": 3,
        T_ROLE: 4,  # three functions + the dashboard task's execution role
        T_ROLE_POLICY: 4,
        "aws:secretsmanager/secret:Secret": 2 if llm_key else 1,
        "aws:secretsmanager/secretVersion:SecretVersion": 2 if llm_key else 1,
        "aws:cognito/userPool:UserPool": 1,
        "aws:cognito/userPoolClient:UserPoolClient": 1,
        "aws:cognito/userPoolDomain:UserPoolDomain": 1,
        "aws:cloudfront/distribution:Distribution": 1,
        "aws:cloudfront/originAccessControl:OriginAccessControl": 1,
        "aws:s3/bucket:Bucket": 2,
        "aws:s3/bucketPolicy:BucketPolicy": 1,
        "aws:lb/loadBalancer:LoadBalancer": 1,
        T_LISTENER: 1,
        T_LISTENER_RULE: 1,
        T_VPC: 1,
        T_SUBNET: 2,
        "aws:ec2/internetGateway:InternetGateway": 1,
        "aws:ec2/routeTable:RouteTable": 1,
        "aws:ec2/routeTableAssociation:RouteTableAssociation": 2,
        "aws:lb/targetGroup:TargetGroup": 1,
        "aws:ecr/repository:Repository": 1,
        "aws:ecs/cluster:Cluster": 1,
        "aws:ecs/taskDefinition:TaskDefinition": 1,
        "aws:ecs/service:Service": 1,
    }


SECRET_SIG = "4dabf18193072939515e22adb298388d"


def revealed(value: Any) -> Any:
    """A value as the program gave it, when Pulumi registered it as a secret."""
    if isinstance(value, dict) and SECRET_SIG in value:
        return value.get("value")
    return value


def _provider_input(value: Any) -> Any:
    """Provider inputs are registered JSON-encoded."""
    return json.loads(value) if isinstance(value, str) else value


def of_type(resources: Iterable[Registered], typ: str) -> list[Registered]:
    return [r for r in resources if r.type == typ]


def by_physical_name(resources: Iterable[Registered], typ: str, name: str) -> Registered | None:
    found = [r for r in of_type(resources, typ) if r.inputs.get("name") == name]
    return found[0] if len(found) == 1 else None


def check_complete(resources: list[Registered], expected: dict[str, int]) -> list[str]:
    if not resources:
        return ["no resources were registered"]
    seen = Counter(r.type for r in resources)
    return [
        f"{typ}: expected {count}, saw {seen.get(typ, 0)}"
        for typ, count in sorted(expected.items())
        if seen.get(typ, 0) != count
    ]


def check_tenants(resources: list[Registered], plan: RoutingPlan) -> list[str]:
    """Every tenant of the plan has its rule (the plan's exact pattern), queue, DLQ, alarm, ESM."""
    failures: list[str] = []
    if not plan.tenants:
        return ["the routing plan has no tenants"]
    consumer = by_physical_name(resources, T_FUNCTION, f"openbrain-{plan.stage}-event-target")
    if consumer is None:
        return ["no event-target function"]
    tenant_rules = [r for r in of_type(resources, T_RULE) if "eventPattern" in r.inputs]
    if sorted(r.inputs["name"] for r in tenant_rules) != sorted(t.rule_name for t in plan.tenants):
        failures.append("the tenant rules differ from the routing plan's")
    for t in plan.tenants:
        rule = by_physical_name(resources, T_RULE, t.rule_name)
        queue = by_physical_name(resources, T_QUEUE, t.queue_name)
        dlq = by_physical_name(resources, T_QUEUE, t.dead_letter_queue_name)
        if rule is None or queue is None or dlq is None:
            failures.append(f"{t.client_id}: rule, queue or DLQ missing")
            continue
        if json.loads(rule.inputs["eventPattern"]) != t.event_pattern:
            failures.append(f"{t.client_id}: pattern {rule.inputs['eventPattern']} != plan's")
        if rule.inputs.get("eventBusName") != plan.bus_name:
            failures.append(f"{t.client_id}: rule not on bus {plan.bus_name}")
        redrive = json.loads(queue.inputs.get("redrivePolicy") or "{}")
        if redrive != {
            "deadLetterTargetArn": dlq.state["arn"],
            "maxReceiveCount": t.max_receive_count,
        }:
            failures.append(f"{t.client_id}: redrive policy {redrive} is wrong")
        targets = [
            r
            for r in of_type(resources, T_TARGET)
            if r.inputs.get("rule") == t.rule_name and r.inputs.get("arn") == queue.state["arn"]
        ]
        if len(targets) != 1:
            failures.append(f"{t.client_id}: rule does not target its queue")
        failures += _check_queue_policy(resources, t.client_id, queue, rule)
        alarms = [
            a
            for a in of_type(resources, T_ALARM)
            if a.inputs.get("dimensions") == {"QueueName": t.dead_letter_queue_name}
            and a.inputs.get("metricName") == "ApproximateNumberOfMessagesVisible"
            and a.inputs.get("namespace") == "AWS/SQS"
            and a.inputs.get("threshold") == 0
            and a.inputs.get("comparisonOperator") == "GreaterThanThreshold"
            and a.inputs.get("alarmActions")
        ]
        if len(alarms) != 1:
            failures.append(f"{t.client_id}: no DLQ depth alarm")
        mappings = [
            m
            for m in of_type(resources, T_ESM)
            if m.inputs.get("eventSourceArn") == queue.state["arn"]
            and m.inputs.get("functionName") == consumer.state["arn"]
            and m.inputs.get("functionResponseTypes") == ["ReportBatchItemFailures"]
        ]
        if len(mappings) != 1:
            failures.append(f"{t.client_id}: consumer not subscribed with partial batch responses")
    return failures


def _check_queue_policy(
    resources: list[Registered], client_id: str, queue: Registered, rule: Registered
) -> list[str]:
    policies = [
        p
        for p in of_type(resources, T_QUEUE_POLICY)
        if p.inputs.get("queueUrl") == queue.state["url"]
    ]
    if len(policies) != 1:
        return [f"{client_id}: queue has no policy"]
    (stmt,) = json.loads(policies[0].inputs["policy"])["Statement"]
    ok = (
        stmt.get("Principal") == {"Service": "events.amazonaws.com"}
        and stmt.get("Action") == "sqs:SendMessage"
        and stmt.get("Resource") == queue.state["arn"]
        and stmt.get("Condition") == {"ArnEquals": {"aws:SourceArn": rule.state["arn"]}}
    )
    return [] if ok else [f"{client_id}: queue policy not scoped to its rule: {stmt}"]


def check_table(resources: list[Registered], *, production: bool) -> list[str]:
    tables, keys = of_type(resources, T_TABLE), of_type(resources, T_KEY)
    if len(tables) != 1 or len(keys) != 1:
        return ["expected one table and one customer key"]
    table, key = tables[0], keys[0]
    i = table.inputs
    failures = []
    if (i.get("hashKey"), i.get("rangeKey"), i.get("billingMode")) != (
        "pk",
        "sk",
        "PAY_PER_REQUEST",
    ):
        failures.append("table keys or billing mode wrong")
    gsis = i.get("globalSecondaryIndexes") or []
    if [(g["name"], g["hashKey"], g["rangeKey"]) for g in gsis] != [("gsi1", "gsi1pk", "gsi1sk")]:
        failures.append("GSI gsi1 on gsi1pk/gsi1sk missing")
    if i.get("ttl") != {"attributeName": "expiresAt", "enabled": True}:
        failures.append("TTL on expiresAt missing")
    if i.get("pointInTimeRecovery", {}).get("enabled") is not True:
        failures.append("point-in-time recovery off")
    sse = i.get("serverSideEncryption") or {}
    if not (sse.get("enabled") and sse.get("kmsKeyArn") == key.state["arn"]):
        failures.append("table not encrypted with the customer key")
    if key.inputs.get("enableKeyRotation") is not True:
        failures.append("key rotation off")
    if production:
        if i.get("deletionProtectionEnabled") is not True:
            failures.append("prod table without deletion protection")
        for res in (table, key):
            if not (res.protect and res.retain_on_delete):
                failures.append(f"prod {res.type} not protected and retained")
    return failures


def policy_statements(resources: list[Registered]) -> list[tuple[str, dict[str, Any]]]:
    """Every statement of every IAM/resource policy document the stage writes."""
    out = []
    for res in resources:
        if res.type in (T_ROLE_POLICY, T_QUEUE_POLICY, "aws:s3/bucketPolicy:BucketPolicy"):
            doc = json.loads(res.inputs["policy"])
            out += [(res.name, s) for s in doc["Statement"]]
    return out


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def check_iam(resources: list[Registered]) -> list[str]:
    statements = policy_statements(resources)
    if not statements:
        return ["no policy statements found"]
    failures = []
    for owner, stmt in statements:
        actions = _as_list(stmt.get("Action", []))
        resources_ = _as_list(stmt.get("Resource", []))
        if stmt.get("NotAction") or stmt.get("NotResource") or stmt.get("Effect") != "Allow":
            failures.append(f"{owner}: unexpected statement form {stmt}")
        for action in actions:
            if "*" in action:
                failures.append(f"{owner}: wildcard action {action}")
        touches_data = any(a.split(":")[0] in DATA_SERVICES for a in actions)
        for arn in resources_:
            if arn == "*" and not set(actions) <= RESOURCELESS_ACTIONS:
                failures.append(f"{owner}: '*' resource for {actions}")
            elif touches_data and "*" in arn:
                failures.append(f"{owner}: wildcard data resource {arn}")
    return failures


def check_function_secrets(resources: list[Registered]) -> list[str]:
    """A function may read exactly the secrets it loads at start (``OB_SECRET_ARNS``)."""
    roles = {r.state["arn"]: r.name for r in of_type(resources, T_ROLE)}
    policies = {
        p.inputs["role"]: json.loads(p.inputs["policy"]) for p in of_type(resources, T_ROLE_POLICY)
    }
    functions = of_type(resources, T_FUNCTION)
    if not functions:
        return ["no functions"]
    failures = []
    for fn in functions:
        env = fn.inputs.get("environment", {}).get("variables", {})
        loads = set(json.loads(env.get("OB_SECRET_ARNS", "{}")).values())
        policy = policies.get(roles.get(fn.inputs.get("role"), ""), {"Statement": []})
        readable = {
            arn
            for s in policy["Statement"]
            if "secretsmanager:GetSecretValue" in _as_list(s["Action"])
            for arn in _as_list(s["Resource"])
        }
        if readable != loads:
            failures.append(
                f"{fn.inputs.get('name')}: reads {sorted(readable)} but loads {sorted(loads)}"
            )
    return failures


def _alarms(resources: list[Registered], namespace: str, metric: str,
            dimensions: dict[str, str]) -> list[Registered]:
    return [a for a in of_type(resources, T_ALARM)
            if a.inputs.get("namespace") == namespace and a.inputs.get("metricName") == metric
            and a.inputs.get("dimensions") == dimensions]


def check_alarms(resources: list[Registered], plan: RoutingPlan, *, email: str) -> list[str]:
    """Every function's errors and throttles, every tenant's oldest message, dead letters and
    outbox backlog alarm; each alarm tells the topic, which mails ``email``."""
    topics = of_type(resources, T_TOPIC)
    if len(topics) != 1:
        return ["expected one alert topic"]
    topic = topics[0].state["arn"]
    failures = []
    subscriptions = [s for s in of_type(resources, T_SUBSCRIPTION)
                     if s.inputs.get("topic") == topic and s.inputs.get("protocol") == "email"
                     and s.inputs.get("endpoint") == email]
    if len(subscriptions) != 1:
        failures.append(f"the alert topic does not mail {email}")
    wanted: list[tuple[str, str, dict[str, str]]] = []
    for fn in FUNCTIONS:
        name = {"FunctionName": f"openbrain-{plan.stage}-{fn}"}
        wanted += [("AWS/Lambda", "Errors", name), ("AWS/Lambda", "Throttles", name)]
    for t in plan.tenants:
        tenant = {"Stage": plan.stage, "ClientId": t.client_id}
        wanted += [("AWS/SQS", "ApproximateAgeOfOldestMessage", {"QueueName": t.queue_name}),
                   ("OpenBrain", "OpenDeadLetters", tenant),
                   ("OpenBrain", "OutboxBacklog", tenant)]
    for namespace, metric, dims in wanted:
        found = _alarms(resources, namespace, metric, dims)
        if len(found) != 1 or not (found[0].inputs.get("threshold", -1) >= 0
                                   and found[0].inputs.get("comparisonOperator")
                                   == "GreaterThanThreshold"):
            failures.append(f"no alarm on {namespace} {metric} {dims}")
    for a in of_type(resources, T_ALARM):
        if a.inputs.get("alarmActions") != [topic] or a.inputs.get("okActions") != [topic]:
            failures.append(f"alarm {a.inputs.get('name')} does not tell the alert topic")
    return failures


def _statements_of(resources: list[Registered], role_arn: str) -> list[dict[str, Any]]:
    roles = {r.state["arn"]: r.name for r in of_type(resources, T_ROLE)}
    return [s for p in of_type(resources, T_ROLE_POLICY)
            if p.inputs.get("role") == roles.get(role_arn)
            for s in json.loads(p.inputs["policy"])["Statement"]]


def check_tracing(resources: list[Registered]) -> list[str]:
    """Every function traces actively, and its role may send the segments."""
    functions = of_type(resources, T_FUNCTION)
    if not functions:
        return ["no functions"]
    failures = []
    for fn in functions:
        if fn.inputs.get("tracingConfig") != {"mode": "Active"}:
            failures.append(f"{fn.inputs.get('name')}: tracing is not active")
        granted = {a for s in _statements_of(resources, fn.inputs.get("role", ""))
                   for a in _as_list(s["Action"])}
        if not {"xray:PutTraceSegments", "xray:PutTelemetryRecords"} <= granted:
            failures.append(f"{fn.inputs.get('name')}: its role cannot send traces")
    return failures


def check_provider(resources: list[Registered], *, stage: str, accounts: list[str]) -> list[str]:
    """One AWS provider, limited to ``accounts`` and tagging with the stage, and every AWS
    resource created through it."""
    providers = of_type(resources, T_PROVIDER)
    if len(providers) != 1:
        return ["expected one explicit AWS provider"]
    provider = providers[0]
    failures = []
    allowed = _provider_input(provider.inputs.get("allowedAccountIds"))
    if allowed != accounts:
        failures.append(f"provider allows {allowed}")
    tags = (_provider_input(provider.inputs.get("defaultTags")) or {}).get("tags") or {}
    if tags.get("stage") != stage or tags.get("project") != "openbrain":
        failures.append(f"provider's default tags are {tags}")
    others = [r for r in resources if r.custom and r.type.startswith("aws:")
              and not r.provider.endswith(f"::{provider.id}")]
    if others:
        failures.append(f"{len(others)} resources do not use the stage's provider")
    return failures


def check_event_targets(resources: list[Registered]) -> list[str]:
    """Every EventBridge target has a retry policy and a DLQ that its rule may send to."""
    targets = of_type(resources, T_TARGET)
    if not targets:
        return ["no event targets"]
    queues = {q.state["arn"]: q for q in of_type(resources, T_QUEUE)}
    failures = []
    for target in targets:
        rule = target.inputs.get("rule")
        retry = target.inputs.get("retryPolicy") or {}
        if not (retry.get("maximumRetryAttempts") and retry.get("maximumEventAgeInSeconds")):
            failures.append(f"target of {rule}: no retry policy")
        dlq = queues.get((target.inputs.get("deadLetterConfig") or {}).get("arn", ""))
        if dlq is None:
            failures.append(f"target of {rule}: no dead-letter queue")
            continue
        rules = [r for r in of_type(resources, T_RULE) if r.inputs.get("name") == rule]
        allowed = [
            stmt for p in of_type(resources, T_QUEUE_POLICY)
            if p.inputs.get("queueUrl") == dlq.state["url"]
            for stmt in json.loads(p.inputs["policy"])["Statement"]
            if stmt.get("Principal") == {"Service": "events.amazonaws.com"}
            and stmt.get("Condition") == {"ArnEquals": {"aws:SourceArn": rules[0].state["arn"]}}
        ] if rules else []
        if not allowed:
            failures.append(f"target of {rule}: its rule may not send to the DLQ")
    return failures


def check_origin(resources: list[Registered]) -> list[str]:
    """The dashboard backend answers only requests with the distribution's secret header."""
    distributions, listeners = of_type(resources, T_DISTRIBUTION), of_type(resources, T_LISTENER)
    if len(distributions) != 1 or len(listeners) != 1:
        return ["expected one distribution and one listener"]
    origins = revealed(distributions[0].inputs["origins"])
    (backend,) = [o for o in origins if o["originId"] == "backend"]
    headers = {h["name"]: h["value"] for h in backend.get("customHeaders") or []}
    secret = headers.get(ORIGIN_HEADER)
    failures = []
    if not secret:
        failures.append("CloudFront sends no origin header to the backend")
    listener = listeners[0]
    if [a.get("type") for a in listener.inputs.get("defaultActions", [])] != ["fixed-response"]:
        failures.append("the listener forwards requests without the origin header")
    rules = [r for r in of_type(resources, T_LISTENER_RULE)
             if r.inputs.get("listenerArn") == listener.state["arn"]]
    checked = [r for r in rules if revealed(r.inputs.get("conditions")) == [
        {"httpHeader": {"httpHeaderName": ORIGIN_HEADER, "values": [secret]}}]]
    if secret and len(checked) != 1:
        failures.append("no listener rule checks the origin header's value")
    if len(rules) != len(checked):
        failures.append("a listener rule forwards without checking the origin header")
    return failures


def check_network(resources: list[Registered]) -> list[str]:
    """The dashboard's load balancer sits in subnets of a VPC the stage creates."""
    vpcs, albs = of_type(resources, T_VPC), of_type(resources, T_ALB)
    if len(vpcs) != 1 or len(albs) != 1:
        return ["expected one VPC and one load balancer"]
    subnets = {s.id: s for s in of_type(resources, T_SUBNET)
               if s.inputs.get("vpcId") == vpcs[0].id}
    used = albs[0].inputs.get("subnets") or []
    failures = []
    if len(used) < 2 or not set(used) <= set(subnets):
        failures.append(f"the load balancer's subnets {used} are not the stage's own")
    zones = {subnets[s].inputs.get("availabilityZone") for s in used if s in subnets}
    if len(zones) < 2:
        failures.append("the load balancer's subnets are not in two availability zones")
    return failures
