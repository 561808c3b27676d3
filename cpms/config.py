"""Settings, read once from the environment so every component sees the same values."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path


def _int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be an integer, got {raw!r}") from None


def _float(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a number, got {raw!r}") from None


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    data_dir: Path = Path("data")
    database_url: str | None = None
    api_token: str | None = None
    secret_key: str | None = field(default=None, repr=False)  # encrypts secrets at rest (webhook keys)
    # Shown as X-Tenant on webhooks and in links; the operator's public host name.
    tenant: str = "cpms"
    public_url: str | None = None
    max_body_bytes: int = 1_048_576
    log_level: str = "info"
    # group-commit batches PostgreSQL may hold at once (cpms.storage.batch); SQLite always one
    db_write_batches: int = 2
    # OCPP
    heartbeat_interval: int = 300
    ocpp_call_timeout: float = 30.0
    ocpp_ping_interval: float = 30.0
    ocpp_ping_timeout: float = 20.0
    # seconds of silence beyond two heartbeat intervals before a charger is closed as gone
    ocpp_silence_grace: float = 30.0
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_client_ca: str | None = None
    ocpp21_enabled: bool = False
    boot_pending_when_disabled: bool = True
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'cpms.sqlite3').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    def with_(self, **changes: object) -> "Settings":
        return replace(self, **changes)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        return cls(
            host=env.get("CPMS_HOST") or "127.0.0.1",
            port=_int(env, "CPMS_PORT", 8080),
            data_dir=Path(env.get("CPMS_DATA_DIR") or "data"),
            database_url=_normalise_db_url(env.get("CPMS_DATABASE_URL") or None),
            api_token=env.get("CPMS_API_TOKEN") or None,
            secret_key=env.get("CPMS_SECRET_KEY") or None,
            tenant=env.get("CPMS_TENANT") or "cpms",
            public_url=env.get("CPMS_PUBLIC_URL") or None,
            max_body_bytes=_int(env, "CPMS_MAX_BODY_BYTES", 1_048_576),
            log_level=env.get("CPMS_LOG_LEVEL") or "info",
            db_write_batches=max(1, _int(env, "CPMS_DB_WRITE_BATCHES", 2)),
            heartbeat_interval=_int(env, "CPMS_HEARTBEAT_INTERVAL", 300),
            ocpp_call_timeout=_float(env, "CPMS_OCPP_CALL_TIMEOUT", 30.0),
            ocpp_ping_interval=_float(env, "CPMS_OCPP_PING_INTERVAL", 30.0),
            ocpp_ping_timeout=_float(env, "CPMS_OCPP_PING_TIMEOUT", 20.0),
            ocpp_silence_grace=_float(env, "CPMS_OCPP_SILENCE_GRACE", 30.0),
            tls_cert=env.get("CPMS_TLS_CERT") or None,
            tls_key=env.get("CPMS_TLS_KEY") or None,
            tls_client_ca=env.get("CPMS_TLS_CLIENT_CA") or None,
            ocpp21_enabled=_bool(env, "CPMS_OCPP21", False),
            boot_pending_when_disabled=_bool(env, "CPMS_BOOT_PENDING_WHEN_DISABLED", True),
            extra={k: v for k, v in env.items() if k.startswith("CPMS_")},
        )


def _normalise_db_url(url: str | None) -> str | None:
    """Accept the URLs operators paste (postgres://, postgresql://) and pick the async driver."""
    if not url:
        return None
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix):]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///"):]
    return url
