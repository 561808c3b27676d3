"""Users' passwords, kept only as a deliberately slow, salted scrypt hash.

People reuse passwords, so a leaked table must be expensive to attack: scrypt is memory-hard and
every hash has its own random salt. The stored form names its parameters, so they can be raised
later without invalidating existing hashes (`needs_rehash` tells when a stored hash is weaker
than today's). Verification is constant-time and never raises on a malformed stored value.

Stored form: ``scrypt$n=<N>,r=<r>,p=<p>$<salt base64>$<hash base64>``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

SCHEME = "scrypt"
# OWASP's scrypt minimum in its 32 MiB form (128 * N * r bytes of memory, p passes of CPU)
N, R, P = 2**15, 8, 3
SALT_BYTES = 16
HASH_BYTES = 32
# refuse parameters a tampered stored value could use to exhaust memory or CPU
MAX_N, MAX_R, MAX_P = 2**20, 32, 16


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    # scrypt needs 128 * n * r bytes; allow that plus headroom
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=length,
                          maxmem=128 * n * r * (p + 1) + 1024 * 1024)


def hash_password(password: str) -> str:
    """The stored form of `password`, with a fresh random salt and today's parameters."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, N, R, P, HASH_BYTES)
    return f"{SCHEME}$n={N},r={R},p={P}${_b64(salt)}${_b64(digest)}"


def _parse(stored: str) -> tuple[int, int, int, bytes, bytes] | None:
    parts = stored.split("$")
    if len(parts) != 4 or parts[0] != SCHEME:
        return None
    try:
        params = dict(item.split("=", 1) for item in parts[1].split(","))
        n, r, p = int(params["n"]), int(params["r"]), int(params["p"])
        salt, digest = _unb64(parts[2]), _unb64(parts[3])
    except (ValueError, KeyError, binascii.Error):
        return None
    if not (1 < n <= MAX_N and n & (n - 1) == 0 and 0 < r <= MAX_R and 0 < p <= MAX_P) or not salt or not digest:
        return None
    return n, r, p, salt, digest


def verify_password(password: str, stored: str | None) -> bool:
    """True when `password` is the one `stored` was made from; False for anything malformed."""
    if not stored or not isinstance(password, str):
        return False
    parsed = _parse(stored)
    if parsed is None:
        return False
    n, r, p, salt, digest = parsed
    return hmac.compare_digest(_scrypt(password, salt, n, r, p, len(digest)), digest)


def needs_rehash(stored: str) -> bool:
    """True when `stored` was made with weaker parameters than today's (rehash at next login)."""
    parsed = _parse(stored)
    if parsed is None:
        return True
    n, r, p, _salt, digest = parsed
    return n * r < N * R or n * r * p < N * R * P or len(digest) < HASH_BYTES
