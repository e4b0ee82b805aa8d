"""The compactor's adapters: where it meets files, PostgreSQL and Kafka.

- ``form_files``: streaming reader of Skjema 11F/11CF files and the function 281 accounts.
- ``postgres_facts``: the stream's ``unit_month_facts`` read from PostgreSQL.
- ``report_files`` and ``html_report``: controls.csv, reconciliation.csv/.json,
  accounts_check.csv and report.html.
- ``seal_store``: sealing into PostgreSQL and the compacted topic.

The pure core (``rules``, ``controls``, ``derive``, ``reconcile``, ``summary``,
``sealing``, ``control_report``) imports none of these.
"""
