"""Annual compactor: reconcile the monthly stream with KOSTRA 11F/11CF and the accounts.

Pure parts: ``rules`` (SSB's whole control set for 11F and 11CF as data, per reporting
year; see docs/compactor.md), ``controls`` (runs the rules on a record, yields what to
count), ``derive`` (monthly indicators, persons counted once per unit and month),
``reconcile`` (stream vs forms vs accounts), ``control_report`` (findings per
municipality and bydel). Adapters: ``forms`` (streaming
file reader), ``facts`` (PostgreSQL reader of ``unit_month_facts``), ``report`` (output
files), ``seal`` (PostgreSQL + Kafka). ``pipeline.run_compaction`` ties them together.
"""
