"""I/O adapters of the gateway."""
