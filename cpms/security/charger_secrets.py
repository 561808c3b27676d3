"""Chargers' OCPP Basic-auth passwords (security profiles 1 and 2), kept as salted SHA-256.

Deliberately fast, unlike user passwords (`cpms.security.passwords`): after a network outage
thousands of chargers reconnect within seconds and every WebSocket handshake verifies one
password, so verification must cost microseconds, not a deliberately slow KDF's 100 ms. These
passwords are machine-generated (OCPP 2.0.1 asks for 16-40 random characters), so a per-password
random salt plus SHA-256 is enough against precomputed tables; comparison is constant-time.

Stored form: ``sha256$<salt hex>$<digest hex>``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SCHEME = "sha256"
SALT_BYTES = 16


def _digest(salt: bytes, password: str) -> str:
    return hashlib.sha256(salt + password.encode("utf-8")).hexdigest()


def hash_charger_password(password: str) -> str:
    """The stored form of `password`, with a fresh random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    return f"{SCHEME}${salt.hex()}${_digest(salt, password)}"


def verify_charger_password(password: str, stored: str | None) -> bool:
    """True when `password` is the one `stored` was made from; False for anything malformed."""
    if not stored or not isinstance(password, str):
        return False
    scheme, _, rest = stored.partition("$")
    salt_hex, _, digest = rest.partition("$")
    if scheme != SCHEME or not digest:
        return False
    try:
        salt = bytes.fromhex(salt_hex)
    except ValueError:
        return False
    return hmac.compare_digest(_digest(salt, password), digest)
