"""``python -m services.aggregator``: run one aggregator worker (settings from env)."""

from __future__ import annotations

import logging

import faust

from services.aggregator.config import AggregatorSettings
from services.aggregator.entrypoints.worker import create_app


def main() -> None:
    """Run one worker until stopped: the aiokafka loop (default) or the faust app."""
    settings = AggregatorSettings()
    if settings.runtime == "aiokafka":
        from services.aggregator.entrypoints.consumer import run

        run(settings)
        return
    app = create_app(settings)
    worker = faust.Worker(app, loglevel=logging.INFO, quiet=True)
    worker.execute_from_commandline()


if __name__ == "__main__":
    main()
