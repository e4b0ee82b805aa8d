"""The local stack launcher: broker, PostgreSQL, topics, migrations, services.

Public API (used by `sosialpuls up/down/status` and by tests/conftest.py):
`StackHome`, `LocalStack`, `up`, `down`, `status`, `create_topics`, `delete_topics`, `TopicSet`,
`ensure_signing_key`, `wait_for_broker`.
"""

from deploy.local.broker import wait_for_broker
from deploy.local.home import StackHome
from deploy.local.keys import ensure_signing_key
from deploy.local.stack import LocalStack, down, status, up
from deploy.local.topics import TopicSet, create_topics, delete_topics

__all__ = [
    "LocalStack",
    "StackHome",
    "TopicSet",
    "create_topics",
    "delete_topics",
    "down",
    "ensure_signing_key",
    "status",
    "up",
    "wait_for_broker",
]
