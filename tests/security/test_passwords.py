"""User passwords: a salted scrypt hash that names its parameters, verified in constant time."""

import hashlib

import pytest

from cpms.security import passwords
from cpms.security.passwords import hash_password, needs_rehash, verify_password


@pytest.fixture(scope="module")
def stored() -> str:
    return hash_password("correct horse battery staple")


def test_the_right_password_verifies_and_others_do_not(stored) -> None:
    assert verify_password("correct horse battery staple", stored)
    assert not verify_password("correct horse battery stapl", stored)
    assert not verify_password("", stored)
    assert not verify_password("Correct horse battery staple", stored)


def test_the_stored_form_names_scrypt_its_parameters_and_never_the_password(stored) -> None:
    scheme, params, salt, digest = stored.split("$")
    assert scheme == "scrypt"
    assert params == f"n={passwords.N},r={passwords.R},p={passwords.P}"
    assert "correct" not in stored and len(salt) >= 20 and len(digest) >= 40
    assert not needs_rehash(stored)


def test_every_hash_has_its_own_salt() -> None:
    first, second = hash_password("same"), hash_password("same")
    assert first != second
    assert verify_password("same", first) and verify_password("same", second)


def test_the_parameters_are_at_least_owasp_strength() -> None:
    # OWASP: scrypt N=2^17,r=8,p=1 or an equivalent such as N=2^15,r=8,p=3
    assert passwords.N * passwords.R >= 2**15 * 8
    assert passwords.N * passwords.R * passwords.P >= 2**15 * 8 * 3


def test_hashes_made_with_other_parameters_still_verify_and_ask_for_a_rehash(monkeypatch) -> None:
    monkeypatch.setattr(passwords, "N", 2**10)
    monkeypatch.setattr(passwords, "P", 1)
    weak = hash_password("pw")
    monkeypatch.undo()
    assert verify_password("pw", weak)
    assert needs_rehash(weak)


def test_the_digest_is_really_scrypt(stored) -> None:
    _scheme, _params, salt, digest = stored.split("$")
    expected = hashlib.scrypt("correct horse battery staple".encode(), salt=passwords._unb64(salt),
                              n=passwords.N, r=passwords.R, p=passwords.P, dklen=32, maxmem=2**30)
    assert passwords._unb64(digest) == expected


@pytest.mark.parametrize("bad", [None, "", "plain", "scrypt$n=16384,r=8,p=1$$", "sha256$abc$def",
                                 "scrypt$n=3,r=8,p=1$c2FsdA$ZGlnZXN0", "scrypt$n=1073741824,r=8,p=1$c2FsdA$ZGlnZXN0",
                                 "scrypt$n=16384$c2FsdA$ZGlnZXN0", "scrypt$n=16384,r=8,p=1$!!$ZGlnZXN0",
                                 "scrypt$n=x,r=8,p=1$c2FsdA$ZGlnZXN0"])
def test_malformed_or_tampered_stored_values_never_verify(bad) -> None:
    assert not verify_password("anything", bad)
    if bad:
        assert needs_rehash(bad)


def test_unicode_passwords_round_trip() -> None:
    stored = hash_password("pässwörd 🔑")
    assert verify_password("pässwörd 🔑", stored)
    assert not verify_password("passwort 🔑", stored)


def test_the_digests_are_compared_in_constant_time(monkeypatch, stored) -> None:
    compared = []
    real = passwords.hmac.compare_digest
    monkeypatch.setattr(passwords.hmac, "compare_digest", lambda a, b: compared.append((a, b)) or real(a, b))
    assert not verify_password("wrong", stored)
    assert len(compared) == 1
