"""Storage calls per chat turn through the API, rate limits and token budget included.

The real app (embedded SQLite store in a temp dir, offline model) over a
:class:`CountingDriver`; one tenant, one secret key, ``--turns`` turns continuing one session
(``POST /v1/chat``), under two plans: the default plan (120 requests a minute per tenant, 60
per key, 1,000,000 tokens a day) and a large one (100,000 a minute, 100,000,000 tokens). It
prints the driver calls per turn by method. Counts do not depend on the machine's speed; it
asserts nothing.

Run: ``.venv/bin/python bench/limits.py [--turns 50]``
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from collections import Counter
from pathlib import Path

from litestar.testing import TestClient

from openbrain.api.app import create_app
from openbrain.auth.api_keys import mint_key
from openbrain.domain.api_key import ALL_TENANT_SCOPES, ApiKey
from openbrain.domain.base import utcnow
from openbrain.logs import LogSetup
from openbrain.runtime import EMBEDDED, Parts, Runtime
from openbrain.settings import Settings
from openbrain.store.counting import CountingDriver
from openbrain.store.sqlite import SQLiteDriver
from openbrain.store.tenant_store import TenantStore

PLANS = {
    "default plan": "",
    "large plan": "[plan]\nrequestsPerMinute = 100000\nkeyRequestsPerMinute = 100000\n"
                  "tokensPerDay = 100000000\n",
}


def measure(plan: str, turns: int) -> Counter[str]:
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        (directory / "tenants").mkdir()
        (directory / "tenants" / "bench.toml").write_text(
            f'clientId = "bench"\nname = "bench"\n{plan}')
        settings = Settings(store=f"sqlite:///{directory / 'ob.db'}", data_dir=directory,
                            tenants_dir=directory / "tenants", jwt_secret="b" * 40,
                            openai_api_key=None, openai_base_url=None)
        driver = CountingDriver(SQLiteDriver.from_path(directory / "ob.db"))
        key_id, token, digest = mint_key("bench", "secret")
        runtime = Runtime(settings, profile=EMBEDDED, parts=Parts(driver=driver),
                          logs=LogSetup(level="ERROR", json=True))
        TenantStore(driver, "bench").api_keys.create(ApiKey(
            client_id="bench", key_id=key_id, kind="secret", scopes=list(ALL_TENANT_SCOPES),
            secret_hash=digest, created_at=utcnow()))
        auth = {"Authorization": f"Bearer {token}"}
        with TestClient(create_app(runtime)) as client:
            first = client.post("/v1/chat", headers=auth, json={"message": "hello"})
            session = first.json()["sessionId"]
            driver.reset()
            for _ in range(turns):
                r = client.post("/v1/chat", headers=auth,
                                json={"sessionId": session, "message": "Opening hours?"})
                assert r.status_code == 200, r.text
            calls = Counter(driver.calls)
        driver.close()
        return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=50)
    args = parser.parse_args()
    logging.disable(logging.INFO)
    for name, plan in PLANS.items():
        calls = measure(plan, args.turns)
        total = sum(calls.values()) / args.turns
        detail = ", ".join(f"{m} {n / args.turns:.2f}" for m, n in sorted(calls.items()))
        print(f"{name:>13}: {total:.2f} storage calls per turn ({detail})")


if __name__ == "__main__":
    main()
