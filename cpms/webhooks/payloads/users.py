"""Notifications about users and what identifies or bills them."""

from __future__ import annotations

from cpms.webhooks.notifications import notification
from cpms.webhooks.payloads.builders import changed, full_object

notification("UserChangedNotification", on="user.changed",
             build=full_object("user", resource_path="/public-api/resources/users/v1.0"))
notification("idTag.changed", on="idTag.changed", build=changed("idTagsId"))
notification("user.invoiceDetails.changed", on="user.invoiceDetails.changed", build=changed("userId"))
notification("user.paymentMethod.changed", on="user.paymentMethod.changed",
             build=changed("paymentMethodId", text_id=True, also={"userId": "userId"}))
