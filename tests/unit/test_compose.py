"""docker-compose.yml describes the production shape (no Docker engine runs here)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load_compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_production_services() -> None:
    services = load_compose()["services"]
    for name in (
        "kafka-1",
        "kafka-2",
        "kafka-3",
        "postgres",
        "gateway",
        "aggregator",
        "feeds",
        "prometheus",
        "grafana",
        "topics",
        "migrate",
    ):
        assert name in services, name


def test_kafka_is_kraft_with_replication_three() -> None:
    env = load_compose()["services"]["kafka-1"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == 3
    assert env["KAFKA_MIN_INSYNC_REPLICAS"] == 2


def test_compose_creates_every_topic_of_the_design() -> None:
    command = "\n".join(load_compose()["services"]["topics"]["command"])
    for topic in (
        "sosialpuls.indicator-reports.v1",
        "sosialpuls.indicator-reports.v1.dlq",
        "sosialpuls.scorecard-updates.v1",
        "sosialpuls.annual-reconciled.v1",
    ):
        assert f"--topic {topic} " in command
    assert command.count("cleanup.policy=compact") == 2


def test_mounted_files_exist() -> None:
    services = load_compose()["services"]
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source
