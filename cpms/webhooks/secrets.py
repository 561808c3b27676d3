"""The server's secret key, and webhook signing keys encrypted with it at rest.

Deliveries are signed with the API token that created the subscription, but the server stores
tokens only as hashes. So the token is kept for signing, Fernet-encrypted: a copy of the
database alone does not reveal it.

The key comes from CPMS_SECRET_KEY (a Fernet key, or any passphrase, which is stretched into
one; several comma-separated keys allow rotation: the first encrypts, all decrypt). Without it,
a key is generated once into CPMS_DATA_DIR/secret.key (mode 0600). Several nodes must share the
key, so multi-node installations set CPMS_SECRET_KEY.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from cpms.config import Settings

KEY_FILE = "secret.key"


class SecretKeyError(RuntimeError):
    """A stored value cannot be decrypted with the configured key(s)."""


def _fernet(text: str) -> Fernet:
    raw = text.strip().encode()
    try:
        if len(base64.urlsafe_b64decode(raw)) == 32:
            return Fernet(raw)
    except (binascii.Error, ValueError):
        pass
    # A passphrase: derive a key from it, so operators may set any long random string.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(raw).digest()))


def _key_file(data_dir: Path) -> str:
    path = data_dir / KEY_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    data_dir.mkdir(parents=True, exist_ok=True)
    key = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "wb") as handle:
        handle.write(key + b"\n")
        handle.flush()
        os.fsync(handle.fileno())
    return key.decode()


@lru_cache(maxsize=16)
def _keyring(secret: str | None, data_dir: str) -> MultiFernet:
    text = secret if secret else _key_file(Path(data_dir))
    keys = [_fernet(part) for part in text.split(",") if part.strip()]
    if not keys:
        raise SecretKeyError("CPMS_SECRET_KEY is set but empty")
    return MultiFernet(keys)


def keyring(settings: Settings) -> MultiFernet:
    return _keyring(settings.secret_key, str(settings.data_dir.resolve()))


def encrypt(settings: Settings, value: str) -> str:
    return keyring(settings).encrypt(value.encode()).decode()


def decrypt(settings: Settings, value: str) -> str:
    try:
        return keyring(settings).decrypt(value.encode()).decode()
    except InvalidToken:
        raise SecretKeyError("a stored signing key cannot be decrypted: CPMS_SECRET_KEY (or "
                             "secret.key in the data directory) is not the one it was encrypted with") from None
