"""Every stack check fails on a broken resource set: none of them can pass vacuously."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from deploy_checks import (
    T_ALARM,
    T_ALB,
    T_DISTRIBUTION,
    T_ESM,
    T_FUNCTION,
    T_LISTENER,
    T_PROVIDER,
    T_QUEUE,
    T_QUEUE_POLICY,
    T_ROLE_POLICY,
    T_RULE,
    T_SUBSCRIPTION,
    T_TABLE,
    T_TARGET,
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
    revealed,
)
from deploy_mocks import ACCOUNT, ALARM_EMAIL, Registered, load

from conftest import REPO, StageRun
from openbrain.tenancy import build_routing_plan, load_tenants

Resources = list[Registered]


def _plan(stage: str):  # type: ignore[no-untyped-def]
    return build_routing_plan(load_tenants(REPO / "tenants"), stage=stage)


@pytest.fixture(name="resources", scope="module")
def fx_resources(stage_runs: dict[str, StageRun]) -> dict[str, Resources]:
    out = {}
    for stage, run in stage_runs.items():
        assert run.returncode == 0, run.output[-4000:]
        out[stage] = load(Path(run.workdir) / f"{stage}-resources.json")
    return out


def _all_checks(resources: Resources, stage: str) -> dict[str, list[str]]:
    plan = _plan(stage)
    return {
        "complete": check_complete(resources, expected_counts(len(plan.tenants))),
        "tenants": check_tenants(resources, plan),
        "table": check_table(resources, production=stage == "prod"),
        "iam": check_iam(resources),
        "secrets": check_function_secrets(resources),
        "alarms": check_alarms(resources, plan, email=ALARM_EMAIL),
        "tracing": check_tracing(resources),
        "provider": check_provider(resources, stage=stage, accounts=[ACCOUNT]),
        "targets": check_event_targets(resources),
        "origin": check_origin(resources),
        "network": check_network(resources),
    }


def _first(
    resources: Resources, typ: str, pred: Callable[[Registered], bool] = lambda r: True
) -> Registered:
    return next(r for r in resources if r.type == typ and pred(r))


def _api_policy(resources: Resources) -> Registered:
    """The API's role policy; its statement 1 is the table statement."""
    return _first(resources, T_ROLE_POLICY, lambda r: r.name == "api-policy")


def _edit_policy(res: Registered, edit: Callable[[dict], None]) -> None:  # type: ignore[type-arg]
    doc = json.loads(res.inputs["policy"])
    edit(doc)
    res.inputs["policy"] = json.dumps(doc)


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_intact_sets_pass_and_empty_sets_fail(stage: str, resources: dict[str, Resources]) -> None:
    assert all(v == [] for v in _all_checks(resources[stage], stage).values())
    assert all(v for v in _all_checks([], stage).values()), "a check passes with no resources"


def _tenant_dlq_alarm(name: str) -> bool:
    # The sweep's DLQ alarm ends the same way; which comes first varies with creation order.
    return name.endswith("-not-empty") and "-sweep-dlq-" not in name


def _break(resources: Resources, how: str) -> None:
    if how == "no-alarm":  # a tenant's DLQ alarm (the first alarm depends on creation order)
        resources.remove(_first(resources, T_ALARM, lambda r: _tenant_dlq_alarm(
            str(r.inputs.get("name", "")))))
    elif how == "wrong-pattern":
        rule = _first(resources, T_RULE, lambda r: "eventPattern" in r.inputs)
        rule.inputs["eventPattern"] = json.dumps({"source": ["openbrain"]})
    elif how == "no-partial-batch":
        _first(resources, T_ESM).inputs["functionResponseTypes"] = []
    elif how == "redrive-count":
        queue = _first(resources, T_QUEUE, lambda r: "redrivePolicy" in r.inputs)
        policy = json.loads(queue.inputs["redrivePolicy"])
        queue.inputs["redrivePolicy"] = json.dumps({**policy, "maxReceiveCount": 99})
    elif how == "open-queue-policy":
        _edit_policy(
            _first(resources, T_QUEUE_POLICY, lambda r: r.inputs["queueUrl"].endswith("-events")),
            lambda d: d["Statement"][0].pop("Condition"),
        )
    elif how == "no-dlq":
        resources.remove(_first(resources, T_QUEUE, lambda r: r.inputs["name"].endswith("-dlq")
                                and "-sweep-" not in r.inputs["name"]))
    elif how == "no-pitr":
        _first(resources, T_TABLE).inputs["pointInTimeRecovery"] = {"enabled": False}
    elif how == "aws-owned-key":
        _first(resources, T_TABLE).inputs["serverSideEncryption"] = {"enabled": True}
    elif how == "no-ttl":
        _first(resources, T_TABLE).inputs.pop("ttl")
    elif how == "no-deletion-protection":
        _first(resources, T_TABLE).inputs["deletionProtectionEnabled"] = False
    elif how == "unprotected":
        _first(resources, T_TABLE).protect = False
    elif how == "not-retained":
        _first(resources, "aws:kms/key:Key").retain_on_delete = False
    elif how == "star-action":
        _edit_policy(
            _api_policy(resources), lambda d: d["Statement"][1].update(Action=["dynamodb:*"])
        )
    elif how == "bare-star-action":
        _edit_policy(_api_policy(resources), lambda d: d["Statement"][1].update(Action="*"))
    elif how == "star-resource":
        _edit_policy(_api_policy(resources), lambda d: d["Statement"][1].update(Resource="*"))
    elif how == "all-indexes":
        _edit_policy(
            _api_policy(resources),
            lambda d: d["Statement"][1]["Resource"].append(
                d["Statement"][1]["Resource"][0] + "/index/*"
            ),
        )
    elif how == "extra-secret":
        target = _first(resources, T_ROLE_POLICY, lambda r: r.name == "event-target-policy")
        api = _first(resources, T_ROLE_POLICY, lambda r: r.name == "api-policy")
        api_secrets = json.loads(api.inputs["policy"])["Statement"][-1]["Resource"]
        grant = {
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": api_secrets,
        }
        _edit_policy(target, lambda d: d["Statement"].append(grant))
    elif how in _MORE:
        _MORE[how](resources)
    else:
        raise AssertionError(f"unknown breakage {how}")


def _alarm_on(metric: str) -> Callable[[Registered], bool]:
    return lambda r: r.inputs.get("metricName") == metric


def _drop_xray(resources: Resources) -> None:
    policy = _first(resources, T_ROLE_POLICY, lambda r: r.name == "event-target-policy")
    _edit_policy(policy, lambda d: d.update(Statement=[
        s for s in d["Statement"] if not str(s["Action"]).startswith("['xray:")]))


def _forwarding_listener(resources: Resources) -> None:
    listener = _first(resources, T_LISTENER)
    listener.inputs["defaultActions"] = [{"type": "forward", "targetGroupArn": "tg"}]


def _no_origin_header(resources: Resources) -> None:
    cdn = _first(resources, T_DISTRIBUTION)
    for origin in revealed(cdn.inputs["origins"]):
        origin.pop("customHeaders", None)


_MORE: dict[str, Callable[[Resources], None]] = {
    "no-email": lambda rs: rs.remove(_first(rs, T_SUBSCRIPTION)),
    "no-errors-alarm": lambda rs: rs.remove(_first(rs, T_ALARM, _alarm_on("Errors"))),
    "no-age-alarm": lambda rs: rs.remove(
        _first(rs, T_ALARM, _alarm_on("ApproximateAgeOfOldestMessage"))),
    "no-backlog-alarm": lambda rs: rs.remove(_first(rs, T_ALARM, _alarm_on("OutboxBacklog"))),
    "silent-alarm": lambda rs: _first(rs, T_ALARM, _alarm_on("Throttles")).inputs.update(
        alarmActions=[]),
    "no-tracing": lambda rs: _first(rs, T_FUNCTION).inputs.update(
        tracingConfig={"mode": "PassThrough"}),
    "no-xray-grant": _drop_xray,
    "any-account": lambda rs: _first(rs, T_PROVIDER).inputs.update(
        allowedAccountIds='["999999999999"]'),
    "untagged": lambda rs: _first(rs, T_PROVIDER).inputs.update(defaultTags="{}"),
    "default-provider": lambda rs: setattr(_first(rs, T_TABLE), "provider", ""),
    "no-target-dlq": lambda rs: _first(rs, T_TARGET).inputs.pop("deadLetterConfig"),
    "no-retry": lambda rs: _first(rs, T_TARGET).inputs.pop("retryPolicy"),
    "closed-dlq": lambda rs: rs.remove(_first(
        rs, T_QUEUE_POLICY, lambda r: r.inputs["queueUrl"].endswith("-dlq"))),
    "open-listener": _forwarding_listener,
    "no-origin-header": _no_origin_header,
    "default-vpc": lambda rs: _first(rs, T_ALB).inputs.update(subnets=["subnet-a", "subnet-b"]),
}


BREAKAGES = {
    "no-alarm": {"complete", "tenants"},
    "wrong-pattern": {"tenants"},
    "no-partial-batch": {"tenants"},
    "redrive-count": {"tenants"},
    "open-queue-policy": {"tenants"},
    "no-dlq": {"complete", "tenants", "targets"},
    "no-pitr": {"table"},
    "aws-owned-key": {"table"},
    "no-ttl": {"table"},
    "star-action": {"iam"},
    "bare-star-action": {"iam"},
    "star-resource": {"iam"},
    "all-indexes": {"iam"},
    "extra-secret": {"secrets"},
    "no-email": {"complete", "alarms"},
    "no-errors-alarm": {"complete", "alarms"},
    "no-age-alarm": {"complete", "alarms"},
    "no-backlog-alarm": {"complete", "alarms"},
    "silent-alarm": {"alarms"},
    "no-tracing": {"tracing"},
    "no-xray-grant": {"tracing"},
    "any-account": {"provider"},
    "untagged": {"provider"},
    "default-provider": {"provider"},
    "no-target-dlq": {"targets"},
    "no-retry": {"targets"},
    "closed-dlq": {"complete", "targets"},
    "open-listener": {"origin"},
    "no-origin-header": {"origin"},
    "default-vpc": {"network"},
}
PROD_BREAKAGES = {
    "no-deletion-protection": {"table"},
    "unprotected": {"table"},
    "not-retained": {"table"},
}


@pytest.mark.parametrize(
    ("stage", "how"),
    [("dev", how) for how in BREAKAGES]
    + [("prod", how) for how in {**BREAKAGES, **PROD_BREAKAGES}],
)
def test_each_breakage_is_caught(stage: str, how: str, resources: dict[str, Resources]) -> None:
    broken = copy.deepcopy(resources[stage])
    _break(broken, how)
    failed = {name for name, failures in _all_checks(broken, stage).items() if failures}
    assert failed == {**BREAKAGES, **PROD_BREAKAGES}[how]


def test_dev_set_fails_the_production_checks(resources: dict[str, Resources]) -> None:
    """Dev has no protection: judged as prod, the table check must fail."""
    assert check_table(resources["dev"], production=True)
