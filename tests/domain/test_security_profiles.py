"""The rules of security profile upgrades."""

import pytest

from cpms.domain.security_profiles import ProfileState, needs_password, new_password, refusal


@pytest.mark.parametrize("current, maximum, wanted, allowed", [
    (0, None, 1, True), (0, None, 2, True), (1, None, 2, True), (0, 2, 2, True),
    (1, None, 1, False), (2, None, 1, False), (0, 1, 2, False), (3, None, 2, False)])
def test_only_upgrades_within_the_hardware(current, maximum, wanted, allowed) -> None:
    assert (refusal(ProfileState(current, None, None, maximum), wanted) is None) is allowed


def test_profiles_1_and_2_get_a_fresh_40_character_password() -> None:
    assert needs_password(1) and needs_password(2) and not needs_password(3)
    first, second = new_password(), new_password()
    assert len(first) == 40 and int(first, 16) >= 0 and first != second
