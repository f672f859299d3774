"""A stage whose API runs as a long-lived service (``apiCompute: ecs``), under Pulumi mocks.

Run only by ``test_compute.py`` in its own interpreter: ``set_mocks`` (``preview=False``) is
called at import, before the program runs, and ``OB_DEPLOY_WORKDIR`` must be set. The stage
is ``prod``'s configuration with long-lived compute chosen.
"""

from __future__ import annotations

import json
import os
import runpy
import zipfile
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from deploy.artifacts import LAYER_ARCHIVE, build_code_archive
from deploy.stage import load_stage_config
from deploy_checks import (
    T_FUNCTION,
    T_LISTENER,
    T_ROLE,
    T_ROLE_POLICY,
    check_iam,
    check_provider,
    of_type,
)
from deploy_mocks import (
    ACCOUNT,
    ALARM_EMAIL,
    IMAGE_DIGEST,
    RecordingMonitor,
    Registered,
    StageMocks,
)
from moto.server import ThreadedMotoServer
from moto_service import create_service

REPO = Path(__file__).resolve().parents[2]
WORK = Path(os.environ["OB_DEPLOY_WORKDIR"])
STAGE = "prod"
DOMAIN = "api.example.com"
ZONE = "Z0123456789EXAMPLE"
SECRET_KEYS = ["openbrain:jwtSecret", "openbrain:llmApiKey"]
T_TASK = "aws:ecs/taskDefinition:TaskDefinition"
T_SERVICE = "aws:ecs/service:Service"
T_POLICY = "aws:appautoscaling/policy:Policy"


def _config() -> dict[str, str]:
    raw = yaml.safe_load((REPO / f"Pulumi.{STAGE}.yaml").read_text(encoding="utf-8"))["config"]
    config = {k: json.dumps(v) if isinstance(v, bool) else str(v) for k, v in raw.items()}
    build = WORK / "build"
    build_code_archive(build)
    with zipfile.ZipFile(build / LAYER_ARCHIVE, "w") as zf:
        zf.writestr("python/placeholder_dependency/__init__.py", "")
    config.update({
        "openbrain:jwtSecret": "test-jwt-secret-value",
        "openbrain:llmApiKey": "sk-test-llm-key",
        "openbrain:buildDir": str(build),
        "openbrain:dashboardSiteDir": str(WORK / "no-site"),
        "openbrain:alarmEmail": ALARM_EMAIL,
        "openbrain:allowedAccountIds": json.dumps([ACCOUNT]),
        "openbrain:apiCompute": "ecs",
        "openbrain:apiDomain": DOMAIN,
        "openbrain:apiHostedZoneId": ZONE,
    })
    return config


MONITOR = RecordingMonitor(StageMocks())
pulumi.runtime.set_mocks(MONITOR.mocks, project="openbrain", stack=STAGE, preview=False,
                         monitor=MONITOR)
CONFIG = _config()
pulumi.runtime.set_all_config(CONFIG, secret_keys=SECRET_KEYS)
PROGRAM: dict[str, Any] = runpy.run_path(str(REPO / "deploy"), run_name="__main__")


@pulumi.runtime.test  # type: ignore[untyped-decorator]
def _settle() -> None:
    """Runs the event loop until every registration of the program has completed."""


@pytest.fixture(name="registered", scope="module")
def fx_registered() -> list[Registered]:
    _settle()
    return MONITOR.registered


def one(resources: list[Registered], typ: str, **inputs: Any) -> Registered:
    found = [r for r in of_type(resources, typ)
             if all(r.inputs.get(k) == v for k, v in inputs.items())]
    assert len(found) == 1, (typ, inputs, [r.name for r in found])
    return found[0]


def statements(resources: list[Registered], role_name: str) -> list[dict[str, Any]]:
    role = next(r for r in of_type(resources, T_ROLE) if r.name == role_name)
    (policy,) = [p for p in of_type(resources, T_ROLE_POLICY) if p.inputs["role"] == role.id]
    body: list[dict[str, Any]] = json.loads(policy.inputs["policy"])["Statement"]
    return body


def test_the_api_is_a_service_and_event_consumers_stay_on_lambda(
    registered: list[Registered],
) -> None:
    functions = sorted(f.inputs["name"] for f in of_type(registered, T_FUNCTION))
    assert functions == [f"openbrain-{STAGE}-event-target", f"openbrain-{STAGE}-outbox-sweeper"]
    assert not of_type(registered, "aws:lambda/functionUrl:FunctionUrl")
    assert of_type(registered, "aws:lambda/eventSourceMapping:EventSourceMapping")
    service = one(registered, T_SERVICE, name=f"openbrain-{STAGE}-api")
    assert service.inputs["launchType"] == "FARGATE"
    assert service.inputs["desiredCount"] == 2
    assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service.inputs["loadBalancers"][0]["containerPort"] == 8080


def test_tasks_run_the_built_image_on_graviton(registered: list[Registered]) -> None:
    (image,) = of_type(registered, "docker-build:index:Image")
    repo = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/openbrain-{STAGE}-api"
    assert image.inputs["platforms"] == ["linux/arm64"]
    assert image.inputs["push"] is True
    assert image.inputs["tags"] == [f"{repo}:latest"]
    assert image.inputs["dockerfile"]["location"] == str(REPO / "deploy" / "api.Dockerfile")
    assert image.inputs["context"]["location"] == str(REPO)
    assert image.inputs["context"]["named"]["tenants"]["location"] == str(REPO / "tenants")
    assert image.inputs["registries"][0]["address"] == repo

    task = one(registered, T_TASK, family=f"openbrain-{STAGE}-api")
    assert task.inputs["requiresCompatibilities"] == ["FARGATE"]
    assert task.inputs["runtimePlatform"] == {"cpuArchitecture": "ARM64",
                                              "operatingSystemFamily": "LINUX"}
    assert (task.inputs["cpu"], task.inputs["memory"]) == ("1024", "2048")
    (container,) = json.loads(task.inputs["containerDefinitions"])
    assert container["image"] == f"{repo}:latest@{IMAGE_DIGEST}"
    env = {e["name"]: e["value"] for e in container["environment"]}
    assert env["OB_STORE"] == f"dynamodb://openbrain-{STAGE}"
    assert env["OB_TENANTS_DIR"] == "/app/tenants"
    assert env["OB_TURN_THREADS"] == "900"  # twice the concurrency target of 450
    assert not any(k.startswith("AWS_LWA") for k in env)
    # Secrets are injected by ECS from their ARNs: no value is in the task definition.
    assert {s["name"] for s in container["secrets"]} == {"OB_JWT_SECRET", "OPENAI_API_KEY"}
    assert all(s["valueFrom"].startswith("arn:aws:secretsmanager:") for s in container["secrets"])
    assert "sk-test-llm-key" not in task.inputs["containerDefinitions"]
    assert "test-jwt-secret" not in task.inputs["containerDefinitions"]


def test_https_on_the_stage_domain_with_a_validated_certificate(
    registered: list[Registered],
) -> None:
    cert = one(registered, "aws:acm/certificate:Certificate", domainName=DOMAIN)
    assert cert.inputs["validationMethod"] == "DNS"
    validation = one(registered, "aws:route53/record:Record", name=f"_x1.{DOMAIN}.")
    assert validation.inputs["zoneId"] == ZONE
    https = one(registered, T_LISTENER, port=443)
    assert https.inputs["protocol"] == "HTTPS"
    assert https.inputs["certificateArn"] == cert.state["arn"]
    assert https.inputs["sslPolicy"].startswith("ELBSecurityPolicy-TLS13")
    http = one(registered, T_LISTENER, port=80, protocol="HTTP",
               loadBalancerArn=https.inputs["loadBalancerArn"])
    assert http.inputs["defaultActions"][0]["redirect"] == {
        "protocol": "HTTPS", "port": "443", "statusCode": "HTTP_301"}
    alias = one(registered, "aws:route53/record:Record", name=DOMAIN)
    assert alias.inputs["zoneId"] == ZONE
    assert alias.inputs["aliases"][0]["name"].endswith(".elb.amazonaws.com")


def test_the_load_balancer_keeps_streams_open_and_addresses_honest(
    registered: list[Registered],
) -> None:
    (alb,) = [r for r in of_type(registered, "aws:lb/loadBalancer:LoadBalancer")
              if r.name == "api-alb"]
    # A streamed turn may be silent while a tool runs: the ALB outlasts the API's timeout.
    assert alb.inputs["idleTimeout"] > load_stage_config().api_timeout_seconds
    assert alb.inputs["xffHeaderProcessingMode"] == "replace"
    assert alb.inputs["enableDeletionProtection"] is True
    group = one(registered, "aws:lb/targetGroup:TargetGroup", port=8080)
    assert group.inputs["healthCheck"]["path"] == "/healthz"
    assert group.inputs["targetType"] == "ip"
    task_sg = next(r for r in of_type(registered, "aws:ec2/securityGroup:SecurityGroup")
                   if r.name == "api-task-sg")
    alb_sg = next(r for r in of_type(registered, "aws:ec2/securityGroup:SecurityGroup")
                  if r.name == "api-alb-sg")
    assert [i["securityGroups"] for i in task_sg.inputs["ingress"]] == [[alb_sg.id]]


def test_autoscaling_on_cpu_and_concurrent_requests(registered: list[Registered]) -> None:
    target = one(registered, "aws:appautoscaling/target:Target")
    assert target.inputs["resourceId"] == f"service/openbrain-{STAGE}-api/openbrain-{STAGE}-api"
    assert (target.inputs["minCapacity"], target.inputs["maxCapacity"]) == (2, 20)
    policies = {p.name: p.inputs["targetTrackingScalingPolicyConfiguration"]
                for p in of_type(registered, T_POLICY)}
    assert set(policies) == {"api-cpu", "api-concurrency"}
    cpu = policies["api-cpu"]
    assert cpu["predefinedMetricSpecification"] == {
        "predefinedMetricType": "ECSServiceAverageCPUUtilization"}
    assert cpu["targetValue"] == 50
    concurrency = policies["api-concurrency"]
    assert concurrency["targetValue"] == 450
    metrics = {m["id"]: m for m in concurrency["customizedMetricSpecification"]["metrics"]}
    assert [m for m in metrics.values() if m["returnData"]] == [metrics["per_task"]]
    assert "active" in metrics["per_task"]["expression"]
    dims = {d["name"]: d["value"]
            for d in metrics["healthy"]["metricStat"]["metric"]["dimensions"]}
    assert dims["LoadBalancer"].startswith("app/api-alb/")
    assert dims["TargetGroup"].startswith("targetgroup/api-tg/")


def test_the_task_role_may_do_what_the_api_does_and_nothing_else(
    registered: list[Registered],
) -> None:
    task_role = statements(registered, "api-task-role")
    granted = {a for s in task_role for a in s["Action"]}
    assert granted == {
        "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query",
        "dynamodb:UpdateItem", "kms:Decrypt", "events:PutEvents",
    }
    task = one(registered, T_TASK, family=f"openbrain-{STAGE}-api")
    roles = {r.state["arn"]: r.name for r in of_type(registered, T_ROLE)}
    assert roles[task.inputs["taskRoleArn"]] == "api-task-role"
    assert roles[task.inputs["executionRoleArn"]] == "api-execution-role"
    execution = {a: s["Resource"] for s in statements(registered, "api-execution-role")
                 for a in s["Action"]}
    assert execution["ecr:BatchGetImage"] == [
        f"arn:aws:ecr:us-east-1:{ACCOUNT}:repository/openbrain-{STAGE}-api"]
    assert len(execution["secretsmanager:GetSecretValue"]) == 2
    assert not {a for a in execution if a.startswith(("dynamodb:", "events:"))}
    assert check_iam(registered) == []
    assert check_provider(registered, stage=STAGE, accounts=[ACCOUNT]) == []


@pulumi.runtime.test  # type: ignore[untyped-decorator]
def test_outputs_name_the_service() -> pulumi.Output[None]:
    outputs = PROGRAM["outputs"]

    def check(values: list[Any]) -> None:
        resolved = dict(zip(outputs, values, strict=True))
        assert resolved["api_url"] == f"https://{DOMAIN}"
        assert resolved["widget_url"] == f"https://{DOMAIN}/widget.js"
        assert resolved["api_service"]["cluster"] == f"openbrain-{STAGE}-api"
        assert resolved["api_service"]["log_group"] == f"/openbrain/{STAGE}/api"
        assert f"openbrain-{STAGE}-api" not in resolved["functions"]

    return pulumi.Output.all(*outputs.values()).apply(check)


@pytest.mark.parametrize(("changes", "message"), [
    ({"openbrain:apiDomain": None}, "openbrain:apiDomain"),
    ({"openbrain:apiHostedZoneId": None}, "openbrain:apiHostedZoneId"),
    ({"openbrain:apiCompute": "fargate"}, "openbrain:apiCompute"),
    ({"openbrain:apiMinTasks": "5", "openbrain:apiMaxTasks": "3"}, "openbrain:apiMinTasks"),
])
def test_a_long_lived_stage_without_its_settings_is_a_config_error(
    changes: dict[str, str | None], message: str,
) -> None:
    config = {k: v for k, v in {**CONFIG, **changes}.items() if v is not None}
    pulumi.runtime.set_all_config(config, secret_keys=SECRET_KEYS)
    try:
        with pytest.raises(pulumi.RunError, match=message):
            load_stage_config()
    finally:
        pulumi.runtime.set_all_config(CONFIG, secret_keys=SECRET_KEYS)


def test_the_service_is_created_in_moto_as_registered(registered: list[Registered]) -> None:
    """As far as the emulator goes: every definition of the service accepted as AWS's API
    takes it, then described back as the program meant it."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        made = create_service(f"http://{host}:{port}", registered, STAGE)
    finally:
        server.stop()
    service = made["service"]
    assert service["launchType"] == "FARGATE"
    assert service["loadBalancers"][0]["targetGroupArn"] == made["target_group"]
    assert made["task"]["runtimePlatform"]["cpuArchitecture"] == "ARM64"
    (container,) = made["task"]["containerDefinitions"]
    assert container["image"].endswith(f"openbrain-{STAGE}-api:latest@{IMAGE_DIGEST}")
    assert {s["name"] for s in container["secrets"]} == {"OB_JWT_SECRET", "OPENAI_API_KEY"}
    https = next(x for x in made["listeners"] if x["Port"] == 443)
    assert https["Certificates"] == [{"CertificateArn": made["certificate"]}]
    assert made["attributes"]["routing.http.xff_header_processing.mode"] == "replace"
    assert sorted(p["PolicyName"] for p in made["policies"]) == ["api-concurrency", "api-cpu"]
    assert made["repositories"] == [f"openbrain-{STAGE}-api"]
    actions = {a for s in made["task_role_policy"]["Statement"] for a in s["Action"]}
    assert actions == {"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem",
                       "dynamodb:Query", "dynamodb:UpdateItem", "kms:Decrypt",
                       "events:PutEvents"}
