"""Annual compactor: reconcile the monthly stream with KOSTRA 11F/11CF and the accounts.

Pure parts: ``controls`` (SSB-style record controls), ``derive`` (monthly indicators from
form records), ``reconcile`` (stream vs forms vs accounts). Adapters: ``forms`` (streaming
file reader), ``facts`` (PostgreSQL reader of ``unit_month_facts``), ``report`` (output
files), ``seal`` (PostgreSQL + Kafka). ``pipeline.run_compaction`` ties them together.
"""
