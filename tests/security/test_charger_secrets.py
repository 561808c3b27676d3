"""Charger passwords: salted, never stored in clear, verified in constant time."""

import pytest

from cpms.security.charger_secrets import hash_charger_password, verify_charger_password


def test_a_hash_verifies_its_own_password_only() -> None:
    stored = hash_charger_password("s3cret-Passw0rd!")
    assert verify_charger_password("s3cret-Passw0rd!", stored)
    assert not verify_charger_password("s3cret-Passw0rd", stored)
    assert not verify_charger_password("", stored)


def test_the_password_is_not_in_the_stored_form() -> None:
    assert "hunter2hunter2" not in hash_charger_password("hunter2hunter2")


def test_each_hash_has_its_own_salt() -> None:
    first, second = hash_charger_password("same"), hash_charger_password("same")
    assert first != second
    assert verify_charger_password("same", first) and verify_charger_password("same", second)


def test_unicode_passwords_round_trip() -> None:
    assert verify_charger_password("пароль-密码", hash_charger_password("пароль-密码"))


@pytest.mark.parametrize("stored", [None, "", "plain", "sha256$zz$abc", "md5$00$abc", "sha256$00$"])
def test_missing_or_malformed_stored_values_never_verify(stored) -> None:
    assert not verify_charger_password("anything", stored)
