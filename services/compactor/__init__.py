"""Annual compactor: reconcile the monthly stream with KOSTRA 11F/11CF and the accounts.

Pure parts: ``rules`` (SSB's whole control set for 11F and 11CF as data, per reporting
year; see docs/compactor.md), ``controls`` (runs the rules on a record, yields what to
count), ``derive`` (monthly indicators, persons counted once per unit and month),
``reconcile`` (stream vs forms vs accounts), ``control_report`` (findings per
municipality and bydel). Adapters (``adapters/``): ``form_files`` (streaming file
reader), ``postgres_facts`` (PostgreSQL reader of ``unit_month_facts``), ``report_files``
and ``html_report`` (output files), ``seal_store`` (PostgreSQL + Kafka). Use cases:
``pipeline.run_compaction`` and ``handlers.compact``; the entrypoint is the CLI
(``services/cli/commands/compact.py``).
"""
