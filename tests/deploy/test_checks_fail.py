"""Every stack check fails on a broken resource set: none of them can pass vacuously."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from deploy_checks import (
    T_ALARM,
    T_ESM,
    T_QUEUE,
    T_QUEUE_POLICY,
    T_ROLE_POLICY,
    T_RULE,
    T_TABLE,
    check_complete,
    check_function_secrets,
    check_iam,
    check_table,
    check_tenants,
    expected_counts,
)
from deploy_mocks import Registered, load

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


def _break(resources: Resources, how: str) -> None:
    if how == "no-alarm":
        resources.remove(_first(resources, T_ALARM))
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
            _first(resources, T_QUEUE_POLICY), lambda d: d["Statement"][0].pop("Condition")
        )
    elif how == "no-dlq":
        resources.remove(_first(resources, T_QUEUE, lambda r: r.inputs["name"].endswith("-dlq")))
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
    else:
        raise AssertionError(f"unknown breakage {how}")


BREAKAGES = {
    "no-alarm": {"complete", "tenants"},
    "wrong-pattern": {"tenants"},
    "no-partial-batch": {"tenants"},
    "redrive-count": {"tenants"},
    "open-queue-policy": {"tenants"},
    "no-dlq": {"complete", "tenants"},
    "no-pitr": {"table"},
    "aws-owned-key": {"table"},
    "no-ttl": {"table"},
    "star-action": {"iam"},
    "bare-star-action": {"iam"},
    "star-resource": {"iam"},
    "all-indexes": {"iam"},
    "extra-secret": {"secrets"},
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
