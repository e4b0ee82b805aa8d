"""The OpenAPI documents of the HTTP services, committed under docs/openapi/.

`python -m services.openapi` regenerates them; a test fails when they drift from the code.
The apps are built with a throwaway signing key: the documents do not depend on it.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

OPENAPI_DIR = Path(__file__).resolve().parents[1] / "docs" / "openapi"


def documents() -> dict[str, dict[str, Any]]:
    """Service name → its OpenAPI document."""
    from deploy.local.keys import ensure_signing_key

    with tempfile.TemporaryDirectory() as home:
        keys = ensure_signing_key(Path(home))
        previous = {
            name: os.environ.get(name) for name in ("SOSIALPULS_HOME", "SOSIALPULS_KEYS_DIR")
        }
        os.environ["SOSIALPULS_HOME"] = home
        os.environ["SOSIALPULS_KEYS_DIR"] = str(keys)
        try:
            from services.feeds.app import create_app as create_feeds
            from services.gateway.app import create_app as create_gateway

            return {"gateway": create_gateway().openapi(), "feeds": create_feeds().openapi()}
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main() -> None:
    OPENAPI_DIR.mkdir(parents=True, exist_ok=True)
    for name, document in documents().items():
        path = OPENAPI_DIR / f"{name}.json"
        path.write_text(render(document))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
