"""The contract at /public-api/openapi.json and interactive docs at /docs (Swagger UI, served locally)."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

import swagger_ui_bundle

from cpms.contract import contract_bytes

STATIC = Path(swagger_ui_bundle.swagger_ui_path)
PAGE = b"""<!doctype html>
<html><head><meta charset="utf-8"><title>cpms Public API</title>
<link rel="stylesheet" href="/docs/static/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/static/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({url: "/public-api/openapi.json", dom_id: "#ui", deepLinking: true,
  docExpansion: "none", defaultModelsExpandDepth: 0, persistAuthorization: true});
</script></body></html>
"""

_CONTRACT: bytes | None = None


async def _send(send: Any, status: int, body: bytes, content_type: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def serve_contract(send: Any) -> None:
    global _CONTRACT
    if _CONTRACT is None:
        _CONTRACT = contract_bytes()
    await _send(send, 200, _CONTRACT, "application/json")


async def serve_docs(path: str, send: Any) -> bool:
    """Answer /docs and its static files; False when `path` is not ours."""
    if path in ("/docs", "/docs/"):
        await _send(send, 200, PAGE, "text/html; charset=utf-8")
        return True
    if path.startswith("/docs/static/"):
        name = path[len("/docs/static/"):]
        file = (STATIC / name).resolve()
        if STATIC.resolve() in file.parents and file.is_file():
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            await _send(send, 200, file.read_bytes(), kind)
            return True
    return False
