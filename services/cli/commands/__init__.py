"""Subcommands of the `sosialpuls` CLI.

Each module here exposes ``register(subparsers)`` that adds one or more subcommands, each
with ``set_defaults(func=...)``; ``func(args) -> int`` is the exit code. Modules are
discovered, so a new command is a new file.
"""
