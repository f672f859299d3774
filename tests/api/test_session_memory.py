"""``GET /v1/sessions/{id}/memory``: the policy and the summary in force; the profile
settings that choose them are validated like every other setting."""

from __future__ import annotations

from tests.api.conftest import World


def _headers(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.alpha.admin_key}"}


def test_a_summary_profile_shows_its_summary(world: World) -> None:
    headers = _headers(world)
    r = world.client.put("/v1/configs/recall", headers=headers, json={
        "model": "offline", "tools": [], "memoryPolicy": "summary", "memoryWindow": 2,
        "summaryThreshold": 2})
    assert r.status_code == 200, r.text
    assert (r.json()["memoryPolicy"], r.json()["summaryThreshold"]) == ("summary", 2)
    r = world.client.post("/v1/sessions", headers=headers, json={"profile": "recall"})
    session_id = r.json()["sessionId"]
    path = f"/v1/sessions/{session_id}"
    before = world.client.get(f"{path}/memory", headers=headers).json()
    assert before == {"sessionId": session_id, "policy": "summary", "memoryWindow": 2,
                      "messageCount": 1, "summary": None}
    for text in ("My name is Robert Paulson", "Tell me about plans", "And prices?"):
        r = world.client.post(f"{path}/messages", headers=headers, json={"message": text})
        assert r.status_code == 200, r.text
        # One compaction per session at a time, from the session as its turn committed: a
        # turn that lands while one runs is taken in by the next turn's. Waiting after each
        # turn makes the steps this test counts independent of the worker's timing.
        world.services.executor.compactor.drain(10)

    memory = world.client.get(f"{path}/memory", headers=headers).json()
    assert memory["messageCount"] == 7
    summary = memory["summary"]
    # a step takes in the window's oldest 2 once uncovered messages fill it: all of them here
    assert summary["throughSeq"] == 6
    assert "- Full name: Robert Paulson" in summary["text"]
    assert summary["model"] == "offline"
    r = world.client.post(f"{path}/messages", headers=headers,
                          json={"message": "What is my name?"})
    assert r.json()["message"] == "Your name is Robert Paulson."
    transcript = world.client.get(f"{path}/messages", headers=headers).json()["items"]
    assert len(transcript) == 9  # the transcript keeps every message


def test_a_window_profile_has_no_summary(world: World) -> None:
    session_id = world.alpha.ids["session"]
    r = world.client.get(f"/v1/sessions/{session_id}/memory", headers=_headers(world))
    assert r.status_code == 200, r.text
    assert (r.json()["policy"], r.json()["summary"]) == ("window", None)
    missing = world.client.get("/v1/sessions/NOSUCHSESSION/memory", headers=_headers(world))
    assert missing.status_code == 404


def test_bad_memory_settings_name_the_field(world: World) -> None:
    headers = _headers(world)
    for body, field in (({"memoryPolicy": "forever"}, "memoryPolicy"),
                        ({"summaryThreshold": 1}, "summaryThreshold")):
        r = world.client.patch("/v1/configs/default", headers=headers, json=body)
        assert r.status_code == 400, r.text
        assert field in r.text
