"""contracts/asyncapi.yaml describes every topic of DESIGN.md, and its references resolve."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts.reports import Reason, parse_report
from deploy.local.topics import TOPIC_SPECS

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
DOCUMENT = CONTRACTS / "asyncapi.yaml"

DESIGN_TOPICS = {
    "sosialpuls.indicator-reports.v1": "delete",
    "sosialpuls.indicator-reports.v1.dlq": "delete",
    "sosialpuls.scorecard-updates.v1": "compact",
    "sosialpuls.annual-reconciled.v1": "compact",
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def _pointer(root: Any, fragment: str) -> Any:
    node = root
    for token in [t for t in fragment.lstrip("/").split("/") if t]:
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(base: Path, root: Any, ref: str) -> Any:
    file_part, _, fragment = ref.partition("#")
    if file_part:
        target = (base.parent / file_part).resolve()
        assert target.is_file(), f"{ref}: no file {target}"
        return _pointer(_load(target), fragment)
    return _pointer(root, fragment)


def test_is_asyncapi_3(document: dict[str, Any]) -> None:
    assert str(document["asyncapi"]).startswith("3.0")
    assert {"info", "channels", "operations", "components"} <= set(document)


def test_every_design_topic_is_a_channel_with_its_cleanup_policy(
    document: dict[str, Any],
) -> None:
    channels = document["channels"].values()
    policies = {
        c["address"]: c["bindings"]["kafka"]["topicConfiguration"]["cleanup.policy"]
        for c in channels
    }
    assert {address: p for address, p in policies.items()} == {
        topic: [policy] for topic, policy in DESIGN_TOPICS.items()
    }


def test_channels_agree_with_the_topics_the_launcher_creates(document: dict[str, Any]) -> None:
    kafka = {c["address"]: c["bindings"]["kafka"] for c in document["channels"].values()}
    for spec in TOPIC_SPECS:
        assert kafka[spec.name]["partitions"] == spec.partitions
        configured = dict(spec.configs).get("cleanup.policy", "delete")
        assert kafka[spec.name]["topicConfiguration"]["cleanup.policy"] == [configured]


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    refs = list(_refs(document))
    assert any(r.startswith("./schemas/indicator-report.v1.schema.json") for r in refs)
    for ref in refs:
        assert _resolve(DOCUMENT, document, ref) is not None, ref


def test_report_payload_is_the_generated_schema(document: dict[str, Any]) -> None:
    message = document["components"]["messages"]["IndicatorReport"]
    payload = _resolve(DOCUMENT, document, message["payload"]["$ref"])
    assert payload["title"] == "IndicatorReportV1"
    assert payload["additionalProperties"] is False
    example = message["examples"][0]["payload"]
    report = parse_report(json.dumps(example), today=date(2025, 4, 1))
    key = _resolve(DOCUMENT, document, message["bindings"]["kafka"]["key"]["$ref"])
    assert key["pattern"].startswith("^")
    assert report.unit.key == "municipality:4601"


def test_dlq_headers_and_reasons(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    headers = schemas["DlqHeaders"]
    expected = {"reason", "message", "origin_topic", "origin_partition", "origin_offset"}
    assert set(headers["required"]) == expected
    assert set(headers["properties"]) == expected | {"event_id", "origin", "received_at"}
    assert schemas["Reason"]["enum"] == [r.value for r in Reason]


def test_every_operation_points_at_a_channel(document: dict[str, Any]) -> None:
    channels = document["channels"]
    for name, operation in document["operations"].items():
        assert operation["action"] in ("send", "receive"), name
        channel = _resolve(DOCUMENT, document, operation["channel"]["$ref"])
        assert channel in channels.values(), name
