"""Notifications about the network's structure: charge points, EVSEs, locations."""

from __future__ import annotations

from cpms.webhooks.notifications import notification
from cpms.webhooks.payloads.builders import changed, full_object

notification("chargePoint.changed", on="chargePoint.changed", build=changed("chargePointId"))
notification(
    "ChargePointChangedNotification", on="chargePoint.changed",
    # The contract's schema requires the object under "charge-point" while declaring it as
    # "chargePoint": both are sent, so clients reading either key (and validators) are satisfied.
    build=full_object("chargePoint", resource_path="/public-api/resources/charge-points/v1.0",
                      aliases=("charge-point",),
                      fallbacks={"evses": [], "networkProtocol": "ocpp 1.6", "accessType": "public",
                                 "networkStatus": "never connected"}),
)
notification("evse.changed", on="evse.changed", build=changed("evseId"))
notification("LocationChangedNotification", on="location.changed",
             build=full_object("location", resource_path="/public-api/resources/locations/v1.0"))
