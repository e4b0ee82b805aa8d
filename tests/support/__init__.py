"""Shared test support, importable as ``support`` from every test (``pythonpath`` in
pyproject.toml) and registered as a pytest plugin by tests/conftest.py:

- ``support.reports`` — the report builder (a valid v1 report as a dict);
- ``support.databases`` — fresh PostgreSQL databases, built on the launcher's
  ``deploy.local.postgres``;
- ``support.fakes`` — hand-written fakes of the adapter interfaces, the test signing key;
- ``support.broker`` — reading a topic (the DLQ) from the start until idle;
- ``support.gateway`` / ``support.feeds`` — the real gateway and feed API in process;
- ``support.faults`` — backlogs for the worker fault tests;
- ``support.aggregator_oracle`` / ``support.aggregator_fakes`` — the rollup oracle and the
  in-memory store the aggregator's rule and handler tests check against;
- ``support.fixtures`` — the session stack, private topics and databases as fixtures.
"""
