"""The stage program under Pulumi mocks. Run only by ``test_stages.py``, one process per stage.

``set_mocks`` is called at import, before the program runs (via runpy), so no resource can be
registered with a real engine; ``OB_DEPLOY_STAGE`` and ``OB_DEPLOY_WORKDIR`` must be set.
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
    check_alarms,
    check_complete,
    check_event_targets,
    check_function_secrets,
    check_iam,
    check_network,
    check_origin,
    check_provider,
    check_table,
    check_tenants,
    check_tracing,
    expected_counts,
)
from deploy_mocks import ACCOUNT, ALARM_EMAIL, RecordingMonitor, Registered, StageMocks, dump

from openbrain.tenancy import build_routing_plan, load_tenants

REPO = Path(__file__).resolve().parents[2]
STAGE = os.environ["OB_DEPLOY_STAGE"]
WORK = Path(os.environ["OB_DEPLOY_WORKDIR"])
SECRET_KEYS = ["openbrain:jwtSecret", "openbrain:llmApiKey"]


def _stage_config() -> dict[str, str]:
    """The stack's own ``Pulumi.<stage>.yaml`` plus the secrets and paths a test run needs."""
    raw = yaml.safe_load((REPO / f"Pulumi.{STAGE}.yaml").read_text(encoding="utf-8"))["config"]
    config = {k: json.dumps(v) if isinstance(v, bool) else str(v) for k, v in raw.items()}
    # The real code archive (quick to build); a small synthetic layer instead of the real one,
    # which tests/deploy/test_lambda_build.py builds and imports.
    build = WORK / "build"
    build_code_archive(build)
    with zipfile.ZipFile(build / LAYER_ARCHIVE, "w") as zf:
        zf.writestr("python/placeholder_dependency/__init__.py", "")
    site = WORK / "site"
    site.mkdir(exist_ok=True)
    (site / "index.html").write_text("<html></html>", encoding="utf-8")
    (site / "404.html").write_text("<html>404</html>", encoding="utf-8")
    config.update(
        {
            "openbrain:jwtSecret": "test-jwt-secret-value",
            "openbrain:llmApiKey": "sk-test-llm-key",
            "openbrain:buildDir": str(build),
            "openbrain:dashboardSiteDir": str(site),
            "openbrain:alarmEmail": ALARM_EMAIL,
            "openbrain:allowedAccountIds": json.dumps([ACCOUNT]),
        }
    )
    if STAGE == "prod":
        config["openbrain:dashboardImageTag"] = "v1"
    return config


MOCKS = StageMocks()
MONITOR = RecordingMonitor(MOCKS)
pulumi.runtime.set_mocks(MOCKS, project="openbrain", stack=STAGE, preview=False, monitor=MONITOR)
CONFIG = _stage_config()
pulumi.runtime.set_all_config(CONFIG, secret_keys=SECRET_KEYS)
PROGRAM: dict[str, Any] = runpy.run_path(str(REPO / "deploy"), run_name="__main__")
PLAN = build_routing_plan(load_tenants(REPO / "tenants"), stage=STAGE)
PRODUCTION = STAGE == "prod"


@pulumi.runtime.test  # type: ignore[untyped-decorator]
def _settle() -> None:
    """Runs the event loop until every registration of the program has completed."""


@pytest.fixture(name="registered", scope="module")
def fx_registered() -> list[Registered]:
    _settle()
    expected = sum(expected_counts(len(PLAN.tenants)).values())
    custom = [r for r in MONITOR.registered if r.custom]
    assert len(custom) >= expected, (
        f"the program registered {len(custom)} resources, not {expected}"
    )
    registered: list[Registered] = MONITOR.registered
    dump(registered, WORK / f"{STAGE}-resources.json")
    return registered


@pulumi.runtime.test  # type: ignore[untyped-decorator]
def test_outputs_name_the_stage() -> pulumi.Output[None]:
    api, dashboard = PROGRAM["api"], PROGRAM["dashboard"]
    data, events = PROGRAM["data"], PROGRAM["events"]

    def check(values: list[str]) -> None:
        api_url, widget_url, dashboard_url, table_name, bus_name = values
        assert api_url.startswith("https://"), api_url
        assert ".lambda-url." in api_url, api_url
        assert widget_url == api_url.rstrip("/") + "/widget.js", widget_url
        assert dashboard_url.startswith("https://"), dashboard_url
        assert dashboard_url.endswith(".cloudfront.net"), dashboard_url
        assert table_name == f"openbrain-{STAGE}", table_name
        assert bus_name == PLAN.bus_name, bus_name

    return pulumi.Output.all(
        api.api_url, api.widget_url, dashboard.url, data.table.name, events.bus.name
    ).apply(check)


@pulumi.runtime.test  # type: ignore[untyped-decorator]
def test_rule_patterns_equal_routing_plan() -> pulumi.Output[None]:
    tenants = PROGRAM["events"].tenants
    assert [t.routing for t in tenants] == list(PLAN.tenants)
    assert {t.client_id for t in PLAN.tenants} == {"acme", "demo"}

    def check(patterns: list[str]) -> None:
        assert [json.loads(p) for p in patterns] == [t.event_pattern for t in PLAN.tenants]

    return pulumi.Output.all(*[t.rule.event_pattern for t in tenants]).apply(check)


@pulumi.runtime.test  # type: ignore[untyped-decorator]
def test_event_source_mappings_report_batch_failures() -> pulumi.Output[None]:
    mappings = PROGRAM["events"].mappings
    assert len(mappings) == len(PLAN.tenants) == 2

    def check(values: list[Any]) -> None:
        assert all(v == ["ReportBatchItemFailures"] for v in values), values

    return pulumi.Output.all(*[m.function_response_types for m in mappings]).apply(check)


def test_resource_set_is_complete(registered: list[Registered]) -> None:
    assert check_complete(registered, expected_counts(len(PLAN.tenants))) == []


def test_every_tenant_is_routed_by_the_plan(registered: list[Registered]) -> None:
    assert check_tenants(registered, PLAN) == []


def test_table_policy(registered: list[Registered]) -> None:
    assert check_table(registered, production=PRODUCTION) == []


def test_no_wildcards_in_policies(registered: list[Registered]) -> None:
    assert check_iam(registered) == []


def test_functions_read_only_their_secrets(registered: list[Registered]) -> None:
    assert check_function_secrets(registered) == []


def test_user_pool_carries_tenant_and_role_claims(registered: list[Registered]) -> None:
    (pool,) = [r for r in registered if r.type == "aws:cognito/userPool:UserPool"]
    (client,) = [r for r in registered if r.type == "aws:cognito/userPoolClient:UserPoolClient"]
    assert {s["name"] for s in pool.inputs["schemas"]} == {"clientId", "role"}
    assert {"custom:clientId", "custom:role"} <= set(client.inputs["readAttributes"])
    assert not {"custom:clientId", "custom:role"} & set(client.inputs["writeAttributes"])
    assert (pool.inputs.get("deletionProtection") == "ACTIVE") is PRODUCTION
    assert pool.protect is PRODUCTION


def test_dashboard_signs_in_through_the_hosted_ui(registered: list[Registered]) -> None:
    """Code + PKCE: the app client's one callback is the URL the dashboard sends, and the
    dashboard and the API name the same pool and app client (the API derives its issuer)."""
    from openbrain.settings import CognitoSettings

    (client,) = [r for r in registered if r.type == "aws:cognito/userPoolClient:UserPoolClient"]
    (task,) = [r for r in registered if r.type == "aws:ecs/taskDefinition:TaskDefinition"]
    (api,) = [r for r in registered if r.inputs.get("name") == f"openbrain-{STAGE}-api"
              and r.type == "aws:lambda/function:Function"]
    (container,) = json.loads(task.inputs["containerDefinitions"])
    board = {e["name"]: e["value"] for e in container["environment"]}
    api_env = api.inputs["environment"]["variables"]
    assert client.inputs["allowedOauthFlows"] == ["code"]
    assert client.inputs["allowedOauthFlowsUserPoolClient"] is True
    assert {"openid", "email", "profile"} == set(client.inputs["allowedOauthScopes"])
    assert client.inputs["generateSecret"] is False, "a public client: PKCE proves the code"
    assert board["OB_COGNITO_REDIRECT_URI"] == "https://d111111abcdef8.cloudfront.net/"
    assert client.inputs["callbackUrls"] == [board["OB_COGNITO_REDIRECT_URI"]]
    assert client.inputs["logoutUrls"] == [board["OB_COGNITO_REDIRECT_URI"]]
    dashboard = CognitoSettings(user_pool_id=board["OB_COGNITO_USER_POOL_ID"],
                                client_id=board["OB_COGNITO_CLIENT_ID"],
                                domain=board["OB_COGNITO_DOMAIN"],
                                redirect_uri=board["OB_COGNITO_REDIRECT_URI"],
                                configured_issuer=None)
    assert dashboard.hosted_ui
    assert dashboard.domain is not None
    assert dashboard.domain.endswith(".auth.us-east-1.amazoncognito.com")
    pool, app_client = api_env["OB_COGNITO_USER_POOL_ID"], api_env["OB_COGNITO_CLIENT_ID"]
    assert (pool, app_client) == (dashboard.user_pool_id, dashboard.client_id)
    api_settings = CognitoSettings(user_pool_id=pool, client_id=app_client,
                                   configured_issuer=None)
    assert api_settings.issuer == f"https://cognito-idp.us-east-1.amazonaws.com/{pool}"
    assert api_settings.verifies_tokens
    # Local JWTs keep their HS256 secret: no setting narrows the API to the pool's algorithm.
    assert not {"OB_JWT_ALGORITHMS", "OB_JWT_JWKS_URL", "OB_JWT_ISSUER"} & set(api_env)


def test_api_streams_through_the_web_adapter(registered: list[Registered]) -> None:
    (url,) = [r for r in registered if r.type == "aws:lambda/functionUrl:FunctionUrl"]
    assert url.inputs["invokeMode"] == "RESPONSE_STREAM"
    (api,) = [
        r
        for r in registered
        if r.inputs.get("name") == f"openbrain-{STAGE}-api"
        and r.type == "aws:lambda/function:Function"
    ]
    env = api.inputs["environment"]["variables"]
    assert api.inputs["handler"] == "run.sh"
    assert env["AWS_LAMBDA_EXEC_WRAPPER"] == "/opt/bootstrap"
    assert env["AWS_LWA_INVOKE_MODE"] == "response_stream"
    assert env["OB_STORE"] == f"dynamodb://openbrain-{STAGE}"
    # A session's live stream ends before the function's timeout would cut it (handoff.md).
    assert 0 < float(env["OB_STREAM_MAX_SECONDS"]) < api.inputs["timeout"]
    assert any(":layer:LambdaAdapterLayerX86:" in layer for layer in api.inputs["layers"])
    # Secret values never reach a function's environment: only their ARNs do.
    assert "sk-test-llm-key" not in json.dumps(env)
    assert "test-jwt-secret" not in json.dumps(env)


def test_sweeper_runs_on_a_schedule(registered: list[Registered]) -> None:
    rules = [
        r
        for r in registered
        if r.type == "aws:cloudwatch/eventRule:EventRule" and r.inputs.get("scheduleExpression")
    ]
    assert len(rules) == 1
    (target,) = [
        r
        for r in registered
        if r.type == "aws:cloudwatch/eventTarget:EventTarget"
        and r.inputs.get("rule") == rules[0].inputs["name"]
    ]
    assert target.inputs["arn"].endswith(f":function:openbrain-{STAGE}-outbox-sweeper")


def test_alarms_reach_the_configured_email(registered: list[Registered]) -> None:
    assert check_alarms(registered, PLAN, email=ALARM_EMAIL) == []


def test_functions_trace_to_xray(registered: list[Registered]) -> None:
    assert check_tracing(registered) == []


def test_every_resource_uses_the_stage_provider(registered: list[Registered]) -> None:
    assert check_provider(registered, stage=STAGE, accounts=[ACCOUNT]) == []


def test_event_targets_retry_then_dead_letter(registered: list[Registered]) -> None:
    assert check_event_targets(registered) == []


def test_dashboard_backend_takes_only_its_distribution(registered: list[Registered]) -> None:
    assert check_origin(registered) == []


def test_dashboard_needs_no_default_vpc(registered: list[Registered]) -> None:
    assert check_network(registered) == []


@pytest.mark.parametrize("key", ["openbrain:alarmEmail", "openbrain:allowedAccountIds"])
def test_a_stack_without_alarm_email_or_accounts_is_a_config_error(key: str) -> None:
    pulumi.runtime.set_all_config({k: v for k, v in CONFIG.items() if k != key},
                                  secret_keys=SECRET_KEYS)
    try:
        with pytest.raises(pulumi.RunError, match=key):
            load_stage_config()
    finally:
        pulumi.runtime.set_all_config(CONFIG, secret_keys=SECRET_KEYS)


@pulumi.runtime.test  # type: ignore[untyped-decorator]
def test_outputs_give_operators_what_they_need() -> pulumi.Output[None]:
    outputs = PROGRAM["outputs"]
    fn = f"openbrain-{STAGE}-"

    def check(values: list[Any]) -> None:
        resolved = dict(zip(outputs, values, strict=True))
        assert resolved["api_url"].startswith("https://"), resolved["api_url"]
        assert resolved["dashboard_url"].endswith(".cloudfront.net"), resolved
        assert resolved["table_name"] == f"openbrain-{STAGE}", resolved["table_name"]
        assert resolved["cognito_domain"] == (
            f"https://openbrain-{STAGE}-{ACCOUNT}.auth.us-east-1.amazoncognito.com")
        assert resolved["tenant_queues"] == {
            t.client_id: {
                "queue_url": f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/{t.queue_name}",
                "dlq_url": f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/"
                           f"{t.dead_letter_queue_name}",
            } for t in PLAN.tenants
        }
        assert resolved["functions"] == {
            fn + f: {"log_group": f"/aws/lambda/{fn}{f}"}
            for f in ("api", "event-target", "outbox-sweeper")
        }
        assert resolved["alerts_topic_arn"].endswith(f"openbrain-{STAGE}-alerts")

    return pulumi.Output.all(*outputs.values()).apply(check)
