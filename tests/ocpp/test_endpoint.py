"""The handshake's security profile rule on its own: which transport each profile needs."""

import pytest

from cpms.domain.chargers import ChargerRecord
from cpms.ocpp.endpoint import ClientCertificate, Refused, check_security_profile

NONE, VERIFIED, UNSEEN = ClientCertificate.NONE, ClientCertificate.VERIFIED, ClientCertificate.UNSEEN


def record(profile: int) -> ChargerRecord:
    return ChargerRecord(1, "CP-1", "ocpp 1.6", None, "enabled", profile)


@pytest.mark.parametrize("profile, tls, certificate", [
    (0, False, NONE), (1, False, NONE), (1, True, NONE), (2, True, NONE), (2, True, VERIFIED),
    (3, True, VERIFIED),
    # the TLS layer required a certificate (CPMS_TLS_CLIENT_CA) but the server does not show it: it was verified
    (3, True, UNSEEN),
])
def test_a_connection_as_strong_as_the_profile_is_let_in(profile, tls, certificate) -> None:
    check_security_profile(record(profile), tls, certificate)


@pytest.mark.parametrize("profile, tls, certificate, says", [
    (2, False, NONE, "needs TLS"), (3, False, NONE, "needs TLS"), (3, True, NONE, "no client certificate"),
])
def test_a_connection_weaker_than_the_profile_is_refused(profile, tls, certificate, says) -> None:
    with pytest.raises(Refused) as refused:
        check_security_profile(record(profile), tls, certificate)
    assert refused.value.status == 403 and says in refused.value.reason
