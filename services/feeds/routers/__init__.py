"""FastAPI routers of the feeds service: parse, authorise, call a handler, answer."""
