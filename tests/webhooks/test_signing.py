"""Signatures, the secret key that protects signing keys at rest, and the retry arithmetic."""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from cpms.config import Settings
from cpms.webhooks.lanes import TokenBucket, backoff
from cpms.webhooks.options import Options
from cpms.webhooks.secrets import SecretKeyError, decrypt, encrypt
from cpms.webhooks.signing import headers, sign, verify

BODY = b'{"notification":"evse.changed","evseId":1,"action":"updated","lastUpdatedAt":"2024-05-01T08:00:00.000000Z"}'


def test_the_signature_is_hex_hmac_sha256_of_the_exact_body_keyed_with_the_token() -> None:
    expected = hmac.new(b"cpms_token", BODY, hashlib.sha256).hexdigest()
    assert sign(BODY, "cpms_token") == expected and len(expected) == 64
    assert verify(BODY, "cpms_token", expected.upper())
    assert not verify(BODY, "other_token", expected)
    assert not verify(BODY.replace(b" ", b""), "cpms_token", sign(BODY + b" ", "cpms_token"))


def test_delivery_headers() -> None:
    at = datetime(2024, 5, 1, 8, 0, 0, 5, tzinfo=timezone.utc)
    assert headers(body=BODY, key="k", at=at, tenant="charge.example.com", subscription_id=12,
                   notification="evse.changed") == {
        "Content-Type": "application/json", "X-Signature": sign(BODY, "k"),
        "X-Timestamp": "2024-05-01T08:00:00.000005Z", "X-Tenant": "charge.example.com",
        "X-Webhook-Id": "12", "X-Webhook-Type": "evse.changed"}


def test_a_key_is_generated_once_into_the_data_dir_readable_by_the_owner_only(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    stored = encrypt(settings, "cpms_secret_token")
    assert "cpms_secret_token" not in stored
    key_file = tmp_path / "data" / "secret.key"
    assert key_file.stat().st_mode & 0o777 == 0o600
    content = key_file.read_bytes()
    assert decrypt(settings, stored) == "cpms_secret_token"
    assert encrypt(settings, "x") and key_file.read_bytes() == content


@pytest.mark.parametrize("secret", [Fernet.generate_key().decode(), "a long passphrase of the operator's"])
def test_cpms_secret_key_is_used_when_set(tmp_path: Path, secret: str) -> None:
    settings = Settings(data_dir=tmp_path, secret_key=secret)
    stored = encrypt(settings, "token")
    assert decrypt(Settings(data_dir=tmp_path / "elsewhere", secret_key=secret), stored) == "token"
    assert not (tmp_path / "secret.key").exists()
    with pytest.raises(SecretKeyError):
        decrypt(Settings(data_dir=tmp_path, secret_key="another key"), stored)


def test_keys_can_be_rotated(tmp_path: Path) -> None:
    old = encrypt(Settings(data_dir=tmp_path, secret_key="old key"), "token")
    rotated = Settings(data_dir=tmp_path, secret_key="new key,old key")
    assert decrypt(rotated, old) == "token"
    assert decrypt(Settings(data_dir=tmp_path, secret_key="new key"), encrypt(rotated, "token")) == "token"


def test_settings_read_the_secret_key_from_the_environment() -> None:
    settings = Settings.from_env({"CPMS_SECRET_KEY": "s3cret"})
    assert settings.secret_key == "s3cret" and "s3cret" not in repr(settings).split("extra=")[0]


def test_backoff_doubles_with_jitter_and_is_capped() -> None:
    options = Options(node_id="n", backoff=1.0, backoff_max=60.0)
    assert [backoff(options, n, rand=lambda: 1.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert backoff(options, 2, rand=lambda: 0.0) == 1.0  # jitter: between half and all of the delay
    assert backoff(options, 30, rand=lambda: 1.0) == 60.0


def test_options_from_the_environment_and_their_limits() -> None:
    options = Options.from_settings(Settings(port=9000, extra={"CPMS_WEBHOOK_RATE": "50", "CPMS_NODE_ID": "n1",
                                                               "CPMS_WEBHOOK_MAX_ATTEMPTS": "5"}))
    assert (options.rate, options.node_id, options.max_attempts) == (50.0, "n1", 5)
    assert Options.from_settings(Settings(port=9000)).node_id.endswith(":9000")
    for bad in ({"CPMS_WEBHOOK_RATE": "fast"}, {"CPMS_WEBHOOK_TIMEOUT": "-1"}, {"CPMS_WEBHOOK_HTTP": "curl"},
                {"CPMS_WEBHOOK_LEASE": "5", "CPMS_WEBHOOK_TIMEOUT": "10"}):
        with pytest.raises(SystemExit):
            Options.from_settings(Settings(extra=bad))


async def test_the_rate_limit_lets_a_burst_through_then_spaces_sends() -> None:
    clock = [100.0]
    sleeps: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        sleeps.append(seconds)
        clock[0] += seconds

    bucket = TokenBucket(rate=10, clock=lambda: clock[0], sleep=fake_sleep)
    for _ in range(10):
        await bucket.take()
    assert sleeps == []
    for _ in range(5):
        await bucket.take()
    assert len(sleeps) == 5 and all(s == pytest.approx(0.1) for s in sleeps)
    assert clock[0] == pytest.approx(100.5)


def test_the_key_file_is_not_world_readable_even_with_a_lax_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        encrypt(Settings(data_dir=tmp_path), "t")
    finally:
        os.umask(previous)
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
