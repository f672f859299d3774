"""The stage rehearsal: the Pulumi program's stage in moto, driven as operators and callers
drive it, with every AWS call of every function checked against that function's role."""

from __future__ import annotations

import json
import time
from typing import Any
from unittest import mock

import pytest
from standardwebhooks.webhooks import Webhook

from tests.events.support import Receiver
from tests.rehearsal.conftest import id_token
from tests.rehearsal.flow import Poller, api, ob_admin, queue_url
from tests.rehearsal.functions import foreign, interpreter_path, loaded_extensions, path_leaks
from tests.rehearsal.iam_check import denied, unused_grants
from tests.rehearsal.implied import function_role, implied_requests
from tests.rehearsal.redrive import (
    alarm_metric,
    dlq_depth,
    open_dead_letters,
    runbook_move,
    sweep,
)
from tests.rehearsal.runbook import run_first_deploy
from tests.rehearsal.stage import Stage

pytestmark = [pytest.mark.rehearsal, pytest.mark.aws, pytest.mark.timeout(600)]
SWEEPER_MIN_AGE = 60.0  # openbrain.event_targets.sweeper.MIN_AGE_SECONDS
ANY_ITEM = {"itemIdentifier": mock.ANY}
UNPLAYED_ROLES = {
    "dashboard-execution-role": "ECS's agent pulls the dashboard image and ships its logs with "
                                "it; the dashboard makes no AWS call and runs no container here",
}


def _chat(stage: Stage, key: str, message: str, session: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message}
    if session:
        body["sessionId"] = session
    answer = api(stage, "POST", "/v1/chat", key, json=body)
    assert answer.status_code == 200, answer.text
    data: dict[str, Any] = answer.json()
    return data


def _poll_until(poller: Poller, client_id: str, *, attempts: int = 20) -> dict[str, Any]:
    for _ in range(attempts):
        answer = poller.poll(client_id)
        if answer is not None:
            return answer
        time.sleep(0.1)
    raise AssertionError(f"nothing arrived in {client_id}'s queue")


def test_a_deployed_stage_works_end_to_end(stage: Stage) -> None:
    # GIVEN a stage after `pulumi up` and the first-deploy steps (conftest: tenants synced,
    # a first key each, a lead committed while the bus was unreachable)
    demo, acme = stage.keys["demo"], stage.keys["acme"]
    assert demo.startswith("ob_sk_demo_")
    assert acme.startswith("ob_sk_acme_")
    stage.secrets += ["jane@example.com", "555-0100"]

    # A webhook route through the API, to a receiver the test runs
    receiver = Receiver()
    receiver.start()
    try:
        created = api(stage, "POST", "/v1/routes", demo,
                      json={"routeId": "crm", "url": receiver.url,
                            "eventTypes": ["lead.created", "lead.updated"]})
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        stage.secrets.append(secret)

        poller = Poller(stage)
        first = _chat(stage, demo, "Hi, I am Jane Doe, jane@example.com, 555-0100")

        # THEN the event reaches demo's queue only, and the handler delivers it, signed
        assert _poll_until(poller, "demo") == {"batchItemFailures": []}
        assert poller.receive(queue_url(stage, "acme")) == []
        (call,) = receiver.calls
        payload = Webhook(secret).verify(call.body, call.headers)
        assert payload["detail-type"] == "lead.created"

        # acme's lead reaches acme's queue only (its routes are hosts the rehearsal cannot
        # reach: the message is read and then dropped, as an operator's purge would)
        stage.secrets += ["ann@acme.example", "555-0142"]
        _chat(stage, acme, "Hi, I am Ann Acme, ann@acme.example, 555-0142")
        (message,) = poller.receive(queue_url(stage, "acme"))
        assert json.loads(message["Body"])["detail"]["clientId"] == "acme"
        stage.aws.client("sqs").purge_queue(QueueUrl=queue_url(stage, "acme"))
        assert poller.poll("demo") is None
        assert len(receiver.calls) == 1

        # A receiver that keeps failing: partial batch failures, then a dead letter on the
        # last attempt (the demo plan's maxDeliveryAttempts: 5), its message settled
        receiver.status = 503
        _chat(stage, demo, "My e-mail is jane.doe@example.com", session=first["sessionId"])
        failures = []
        while (answer := poller.poll("demo")) is not None:
            failures.append(len(answer["batchItemFailures"]))
        assert failures == [1, 1, 1, 1, 0]
        dlq = stage.aws.client("sqs").receive_message(
            QueueUrl=queue_url(stage, "demo", dlq=True), MaxNumberOfMessages=10)
        assert dlq.get("Messages", []) == []
        letters = api(stage, "GET", "/v1/dead-letters", demo).json()["items"]
        assert len(letters) == 1

        # The redrive through the API delivers the event that failed, exactly once more
        receiver.status = 200
        before = len(receiver.calls)
        redriven = api(stage, "POST", "/v1/dead-letters/redrive", demo)
        assert redriven.status_code == 200, redriven.text
        assert _poll_until(poller, "demo") == {"batchItemFailures": []}
        assert poller.poll("demo") is None
        assert len(receiver.calls) == before + 1, "delivered exactly once more"
        assert receiver.calls[-1].headers["webhook-id"] == receiver.calls[-2].headers[
            "webhook-id"], "the event that failed"
        assert api(stage, "GET", "/v1/dead-letters", demo).json()["items"] == []

        # The sweeper publishes what the outage left pending (once it is a minute old)
        time.sleep(max(0.0, SWEEPER_MIN_AGE + 1 - (time.monotonic() - stage.outage_at)))
        swept = stage.hosts["outbox-sweeper"].invoke({"source": "aws.events"})
        assert swept == {"published": 1}
        assert _poll_until(poller, "demo") == {"batchItemFailures": []}
        assert b"sam@example.com" in receiver.calls[-1].body
        assert poller.receive(queue_url(stage, "acme")) == []
    finally:
        receiver.stop()


def test_a_tenant_created_through_the_api_is_refused_with_the_way_to_onboard(
        stage: Stage) -> None:
    """Its events would reach no rule and no queue: refused, never silently dropped. The
    caller is the first platform admin the first-deploy steps created (their ID token)."""
    sub, _ = stage.admin
    token = id_token(stage.api_env, "platform-admin", subject=sub)
    stage.secrets.append(token)
    answer = api(stage, "POST", "/v1/tenants", token,
                 json={"clientId": "newco", "name": "New Co"})
    assert answer.status_code == 409, answer.text
    assert "tenants/newco.toml" in answer.json()["detail"]
    assert "scripts/build-lambda.sh and `pulumi up`" in answer.json()["detail"]
    assert "ob-admin tenants sync" in answer.json()["detail"]
    listed = api(stage, "GET", "/v1/tenants", token)
    assert listed.status_code == 200, listed.text
    assert "newco" not in [t["clientId"] for t in listed.json()["items"]]


def test_the_first_deploy_steps_run_again_leave_the_admin_as_it_is(stage: Stage) -> None:
    """After a later `pulumi up` the same steps sync the tenants again and keep the admin."""
    out = run_first_deploy(stage.name, stage.outputs, stage.operator_env, stage.work)
    stage.secrets += [line for line in out.splitlines() if line.startswith("ob_sk_")]
    assert "synced 2 tenant(s): acme, demo" in out.splitlines()
    assert "platform admin ops@example.com already exists: left as it is" in out.splitlines()


def _agree(stage: Stage, *, dead_letters: int, in_dlq: int) -> None:
    """The dead-letter records, the DLQ and the metrics the alarms watch say the same."""
    sweep(stage)
    assert len(open_dead_letters(stage, "demo")) == dead_letters
    assert alarm_metric(stage, f"openbrain-{stage.name}-demo-dead-letters") == dead_letters
    assert dlq_depth(stage, "demo") == in_dlq


def test_every_redrive_delivers_exactly_the_undelivered_events(stage: Stage) -> None:
    """API (as the dashboard calls it), ``ob-admin dlq``, and the SQS runbook's move."""
    demo = stage.keys["demo"]
    assert api(stage, "DELETE", "/v1/routes/crm", demo).status_code == 204  # its receiver left
    gone, stuck = Receiver(), Receiver()
    gone.start()
    stuck.start()
    poller = Poller(stage)
    try:
        for route, receiver in (("gone", gone), ("stuck", stuck)):
            created = api(stage, "POST", "/v1/routes", demo,
                          json={"routeId": route, "url": receiver.url,
                                "eventTypes": ["lead.created"]})
            assert created.status_code == 201, created.text
            stage.secrets.append(created.json()["secret"])
        stage.secrets += ["kim@example.com", "lou@example.com", "max@example.com"]

        # A permanent failure (404): a dead letter at once, the message settled -- and alarmed
        gone.status = 404
        _chat(stage, demo, "I am Kim, kim@example.com")
        assert _poll_until(poller, "demo") == {"batchItemFailures": []}
        _agree(stage, dead_letters=1, in_dlq=0)
        # ... redriven through the API, one dead letter as the dashboard does
        gone.status = 200
        (letter,) = open_dead_letters(stage, "demo")
        answer = api(stage, "POST", f"/v1/dead-letters/{letter['deadLetterId']}/redrive", demo)
        assert answer.status_code == 200, answer.text
        assert _poll_until(poller, "demo") == {"batchItemFailures": []}
        assert poller.poll("demo") is None
        assert [c.headers["webhook-id"] for c in gone.calls] == [letter["eventId"]] * 2
        assert len(stuck.calls) == 1, "the route that had it is not sent it again"
        _agree(stage, dead_letters=0, in_dlq=0)

        # ... redriven with `ob-admin dlq redrive --all`, publishing to the stage's bus
        gone.status = 404
        _chat(stage, demo, "I am Lou, lou@example.com")
        assert _poll_until(poller, "demo") == {"batchItemFailures": []}
        _agree(stage, dead_letters=1, in_dlq=0)
        gone.status = 200
        bus = {"OB_EVENT_BUS": f"openbrain-{stage.name}"}
        assert "redriven 1 dead letter(s)" in ob_admin(stage, "dlq", "redrive", "--all",
                                                       "--tenant", "demo", env=bus)
        assert _poll_until(poller, "demo") == {"batchItemFailures": []}
        assert poller.poll("demo") is None
        assert [len(gone.calls), len(stuck.calls)] == [4, 2]
        _agree(stage, dead_letters=0, in_dlq=0)

        # A message the worker could not process (its store unreachable) after one route went
        # dead: SQS parks it in the DLQ, which alarms, as the dead letter does
        gone.status, stuck.status = 404, 503
        _chat(stage, demo, "I am Max, max@example.com")
        assert _poll_until(poller, "demo") == {"batchItemFailures": [ANY_ITEM]}
        stage.recorders["event-target"].unreachable.add("DynamoDB_20120810")
        try:
            while poller.poll("demo") is not None:
                pass
        finally:
            stage.recorders["event-target"].unreachable.clear()
        _agree(stage, dead_letters=1, in_dlq=1)
        # ... moved back as the SQS runbook says: both routes get it, once
        gone.status, stuck.status = 200, 200
        assert runbook_move(stage, "demo") == 1
        assert _poll_until(poller, "demo") == {"batchItemFailures": []}
        assert poller.poll("demo") is None
        assert [len(gone.calls), len(stuck.calls)] == [6, 4]
        assert gone.calls[-1].headers["webhook-id"] == stuck.calls[-1].headers["webhook-id"]
        _agree(stage, dead_letters=0, in_dlq=0)
    finally:
        gone.stop()
        stuck.stop()


def test_every_call_is_allowed_and_every_grant_is_used(stage: Stage) -> None:
    """Each function's calls (recorded, plus what AWS does with its role: implied.py) against
    its role's policy from the program: none denied, and every action-resource pair of every
    statement needed by one of them. Every role of the program is either a function's, checked
    here, or listed in UNPLAYED_ROLES with the reason it is not."""
    problems = {}
    checked = set()
    for function, recorder in stage.recorders.items():
        name = f"openbrain-{stage.name}-{function}"
        role = function_role(stage.registered, name)
        calls = recorder.requests
        assert calls, f"{function} made no AWS call"
        every = calls + implied_requests(stage.registered, name, stage.logs[function], calls,
                                         stage.aws.arns)
        policy = stage.policies[role]
        problems[role] = {"denied": denied(policy, every),
                          "unused": unused_grants(policy, every)}
        checked.add(role)
    assert sorted(stage.policies) == sorted(checked | set(UNPLAYED_ROLES))
    failing = {role: p for role, p in problems.items() if p["denied"] or p["unused"]}
    assert not failing, json.dumps(failing, indent=1)


LEVELS = {"debug": 10, "info": 20, "warning": 30, "error": 40, "critical": 50}


def test_functions_log_json_lines_without_secrets(stage: Stage) -> None:
    """Each function as its runtime starts it logs through the one setup: JSON at the
    stage's ``OB_LOG_LEVEL`` (nothing below it), every request of the API with its request id,
    and no key, token, password, secret or lead e-mail in any line."""
    for function, path in stage.logs.items():
        text = path.read_text(encoding="utf-8")
        lines = [line for line in text.splitlines() if line.strip()]
        assert lines, f"{function} logged nothing"
        plain = [line for line in lines if not line.startswith("{")]
        assert plain == [], f"{function} logged lines that are not JSON"
        records = [json.loads(line) for line in lines]
        for record in records:
            assert {"event", "level", "timestamp"} <= set(record), record
        floor = LEVELS[function_variables(stage, function)["OB_LOG_LEVEL"].lower()]
        assert [r for r in records if LEVELS[r["level"]] < floor] == [], function
        leaked = [line for line in lines if any(s in line for s in stage.secrets)]
        assert leaked == [], f"{function} logged secrets or lead data"
    requests = [r for r in map(json.loads, stage.logs["api"].read_text().splitlines())
                if r["event"] == "request"]
    assert requests
    assert all(r.get("request_id") for r in requests), requests


def function_variables(stage: Stage, function: str) -> dict[str, str]:
    (registered,) = [r for r in stage.registered if r.type == "aws:lambda/function:Function"
                     and r.inputs["name"] == f"openbrain-{stage.name}-{function}"]
    return dict(registered.inputs["environment"]["variables"])


def _program_arn(resource: str, arns: set[str]) -> bool:
    """An ARN of a resource the program created, or one of the narrowings the program uses:
    a log group's streams (``:*``) or a named index of a table."""
    if resource in arns or resource.removesuffix(":*") in arns:
        return True
    table, _, index = resource.partition("/index/")
    return bool(index) and table in arns and "*" not in index


# Actions IAM knows no resource for: ``*`` is their only form (PutMetricData is scoped by its
# ``cloudwatch:namespace`` condition instead).
NO_RESOURCE_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords",
                       "cloudwatch:PutMetricData"}


def _listed(value: object) -> list[object]:
    return value if isinstance(value, list) else [value]


def test_function_roles_name_only_the_programs_resources(stage: Stage) -> None:
    """Least privilege is also exact: every resource of a function's role is the ARN of a
    resource this stage created (no wildcard, nothing of another stage)."""
    arns = {stage.aws.resolve(str(r.state["arn"])) for r in stage.registered
            if r.custom and "arn" in r.state}
    for function in stage.recorders:
        role = function_role(stage.registered, f"openbrain-{stage.name}-{function}")
        resources = {res for s in stage.policies[role]["Statement"]
                     if not set(map(str, _listed(s["Action"]))) <= NO_RESOURCE_ACTIONS
                     for res in s["Resource"]}
        assert sorted(r for r in resources if not _program_arn(r, arns)) == [], role


def test_the_functions_run_from_the_built_artifacts_alone(stage: Stage) -> None:
    """Every module the workers imported and every extension the API loaded comes from the
    unpacked code archive, the layer or the standard library: nothing from the checkout or a
    virtualenv, so what was rehearsed is what the archives hold."""
    runtime = stage.runtime
    for function, host in stage.hosts.items():
        path, files = host.loaded()
        assert foreign(files, runtime) == [], function
        assert path_leaks(path, runtime) == [], (function, path)
        assert f"{runtime.task_root}/ob_boot.py" in files, function
        assert any(f.startswith(f"{runtime.layer_root}/boto3/") for f in files), function
    run_sh_path = {**stage.api_env, "PYTHONPATH": f"{runtime.task_root}:/opt/python:"
                   f"{stage.api_env['PYTHONPATH']}"}
    assert path_leaks(interpreter_path(runtime, run_sh_path), runtime) == []
    extensions = loaded_extensions(stage.api.proc.pid)
    assert any(e.startswith(f"{runtime.layer_root}/msgspec/") for e in extensions), extensions
    assert foreign(extensions, runtime) == [], extensions
