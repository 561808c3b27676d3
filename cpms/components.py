"""The background components of a server, in start order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cpms.server import Server


def build_components(server: "Server") -> list[Any]:
    from cpms.ocpp.gateway import Gateway
    from cpms.scheduler import Scheduler
    from cpms.webhooks.delivery import WebhookWorker
    from cpms.webhooks.options import Options
    from cpms.webhooks.processes import DeliveryProcesses

    processes = Options.from_settings(server.rt.settings).processes
    webhooks = DeliveryProcesses(server.rt, processes) if processes else WebhookWorker(server.rt)
    return [Gateway(server), webhooks, Scheduler(server.rt)]
