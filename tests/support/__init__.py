"""Shared test support, importable as ``support`` from every test (``pythonpath`` in
pyproject.toml) and registered as a pytest plugin by tests/conftest.py:

- ``support.reports`` — the report builder (a valid v1 report as a dict);
- ``support.databases`` — fresh PostgreSQL databases, built on the launcher's
  ``deploy.local.postgres``;
- ``support.fakes`` — hand-written fakes of the adapter interfaces;
- ``support.fixtures`` — the session stack, private topics and databases as fixtures.
"""
