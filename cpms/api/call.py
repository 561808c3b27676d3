"""What a handler receives: the validated parts of one request, and the runtime."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cpms.contract import Operation
from cpms.runtime import Runtime


@dataclass
class Call:
    rt: Runtime
    op: Operation
    path: dict[str, Any]
    query: dict[str, Any]
    body: Any
    url: str  # absolute URL of the request, without the query string
    raw_query: dict[str, Any] = field(default_factory=dict)
    token_id: int | None = None
    # the API token in clear, available for the life of the request (webhook signing keys)
    token: str | None = None


@dataclass
class Reply:
    """A handler's answer when it is not the operation's usual success status."""

    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
