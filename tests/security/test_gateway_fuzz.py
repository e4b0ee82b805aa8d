"""Schemathesis against the gateway's own OpenAPI document: the real gateway (uvicorn
subprocess) producing to the real broker. No 5xx, every response conforms to the schema
(status, content type, headers, body), and schema-invalid input gets a 4xx with a reason.

Bounded to a fixed number of examples per operation so it runs in well under a minute.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from deploy.local.home import free_port
from deploy.local.keys import ensure_signing_key
from deploy.local.topics import REPORTS, create_topics, delete_topics
from services.auth.tokens import TokenIssuer, load_private_key

EXAMPLES = int(os.environ.get("SOSIALPULS_FUZZ_EXAMPLES", "60"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]


class FuzzedGateway:
    def __init__(self, url: str, token: str, log: Path) -> None:
        self.url, self.token, self.log = url, token, log


@pytest.fixture(scope="module")
def fuzzed_gateway(kafka_brokers: str) -> Iterator[FuzzedGateway]:
    home = Path(tempfile.mkdtemp(prefix="gateway-fuzz-"))
    ensure_signing_key(home)
    topic_set = asyncio.run(create_topics(kafka_brokers, prefix=f"fuzz-{os.getpid()}."))
    port = free_port()
    env = {
        **os.environ,
        "KAFKA_BROKERS": kafka_brokers,
        "SOSIALPULS_HOME": str(home),
        "SOSIALPULS_TOPIC_PREFIX": topic_set.reports.removesuffix(REPORTS),
        "SOSIALPULS_GATEWAY_RATE_LIMIT_PER_SECOND": "100000",
        "SOSIALPULS_GATEWAY_RATE_LIMIT_BURST": "100000",
    }
    log = home / "gateway.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "services.gateway.app:app", "--port", str(port)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(url + "/internal/isReady", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        else:
            pytest.fail(f"gateway did not become ready: {log.read_text()[-2000:]}")
        token = TokenIssuer(load_private_key(home / "keys" / "private.pem")).issue(
            unit="municipality:0301"
        )
        yield FuzzedGateway(url, token, log)
    finally:
        process.terminate()
        process.wait(timeout=30)
        asyncio.run(delete_topics(kafka_brokers, topic_set))


def operations(url: str) -> list[Any]:
    schema = schemathesis.openapi.from_url(url + "/openapi.json")
    return [cast(Any, result).ok() for result in schema.get_all_operations()]


def fuzz(
    operation: Any,
    mode: GenerationMode,
    examples: int,
    check: Callable[[Any], None],
) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: Any) -> None:
        check(case)

    run()


@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda m: m.value)
def test_the_gateway_conforms_to_its_openapi(
    fuzzed_gateway: FuzzedGateway, mode: GenerationMode
) -> None:
    auth = {"Authorization": f"Bearer {fuzzed_gateway.token}"}

    seen: Counter[tuple[str, int]] = Counter()

    def check(case: Any) -> None:
        response = case.call_and_validate(base_url=fuzzed_gateway.url, headers=auth, checks=CHECKS)
        seen[(case.path, response.status_code)] += 1
        if 400 <= response.status_code < 500:
            assert '"reason":' in response.text, response.text[:500]

    ops = operations(fuzzed_gateway.url)
    assert {op.path for op in ops} >= {"/v1/reports", "/v1/reports/csv"}
    for op in ops:
        if mode is GenerationMode.NEGATIVE and op.method.upper() != "POST":
            continue  # nothing to make invalid in a GET without parameters
        fuzz(op, mode, EXAMPLES, check)
    print(f"fuzz {mode.value}: {sorted(seen.items())}")
    refused = {status for (path, status) in seen if path.startswith("/v1/")}
    assert refused & {400, 413, 415, 422}, seen


def test_without_a_token_nothing_is_5xx(fuzzed_gateway: FuzzedGateway) -> None:
    def check(case: Any) -> None:
        response = case.call(base_url=fuzzed_gateway.url)
        assert response.status_code < 500, response.text[:500]
        if case.path.startswith("/v1/"):
            assert response.status_code == 401

    for op in operations(fuzzed_gateway.url):
        fuzz(op, GenerationMode.POSITIVE, max(5, EXAMPLES // 6), check)
