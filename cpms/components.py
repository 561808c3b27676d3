"""The background components of a server, in start order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cpms.server import Server


def build_components(server: "Server") -> list[Any]:
    from cpms.ocpp.gateway import Gateway
    from cpms.scheduler import Scheduler
    from cpms.webhooks.delivery import WebhookWorker

    return [Gateway(server), WebhookWorker(server.rt), Scheduler(server.rt)]
