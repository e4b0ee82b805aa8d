"""The gateway's entrypoints: the HTTP routers (parse, call a handler, answer)."""
