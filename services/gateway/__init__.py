"""The ingest gateway: JSON and CSV reports in, validated reports onto the reports topic."""
