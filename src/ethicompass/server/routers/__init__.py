"""One module per domain, each exposing ``router`` (and optionally ``TEMPLATES``); see docs/server.md."""

__all__: list[str] = []
