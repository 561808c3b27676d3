"""OCPP 2.0.1 ISO 15118 certificate management (functional block M): what stations ask on behalf of
EVs and of their own TLS chain.

Get15118EVCertificate: installing a contract certificate in the EV needs a Mobility Operator's
certificate pool, which cpms does not have; the request is kept and answered Failed (statusInfo
says why), so the EV can fall back to other means of authorization.

GetCertificateStatus: cpms asks the OCSP responder the station names, only when the operator
allows that responder (`cpms.domain.certificates.ocsp_responder_allowed`), and answers the DER
response base64-encoded. Every request is kept with the answer given, before it is answered.
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import httpx

from cpms.domain import certificates
from cpms.domain.data_transfer import record_report
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.routing import on
from cpms.ocpp.versions import V201

log = logging.getLogger("cpms.ocpp")

# the station waits for this answer and cpms serves its messages one at a time: ask briefly
OCSP_TIMEOUT = 5.0
MAX_OCSP_RESULT = 5500  # characters of ocspResult the message can carry


async def _keep(ctx: ChargerContext, kind: str, payload: dict[str, Any], answer: dict[str, Any]) -> None:
    await ctx.record(lambda tx, now: record_report(
        tx, ctx.charge_point_id, kind, {**payload, "answer": answer}, now, status=answer["status"]))


@on(V201, "Get15118EVCertificate", once=True)
async def get_15118_ev_certificate(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    answer = {"status": "Failed", "exiResponse": "",
              "statusInfo": {"reasonCode": "NotSupported",
                             "additionalInfo": "No contract certificate pool is connected to this CSMS."}}
    await _keep(ctx, "Get15118EVCertificate", payload, answer)
    return answer


@on(V201, "GetCertificateStatus", once=True)
async def get_certificate_status(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    data = payload["ocspRequestData"]
    try:
        result = await _ask_responder(ctx, data)
        answer: dict[str, Any] = {"status": "Accepted", "ocspResult": result}
    except certificates.OcspRefused as refused:
        log.info("no certificate status for %s from %s: %s", ctx.identity, data.get("responderURL"), refused)
        answer = {"status": "Failed", "statusInfo": {"reasonCode": "OcspFailed", "additionalInfo": str(refused)[:512]}}
    await _keep(ctx, "GetCertificateStatus", payload, answer)
    return answer


async def _ask_responder(ctx: ChargerContext, data: dict[str, Any]) -> str:
    """The responder's successful OCSP response, base64 (OcspRefused for every other outcome)."""
    url = str(data.get("responderURL") or "")
    if not certificates.ocsp_responder_allowed(ctx.rt.settings.extra, url):
        raise certificates.OcspRefused("the responder is not one this CSMS may ask (CPMS_OCSP_RESPONDERS)")
    request = certificates.ocsp_request(data)
    try:
        async with httpx.AsyncClient(timeout=OCSP_TIMEOUT, follow_redirects=False) as client:
            response = await client.post(url, content=request, headers={"Content-Type": "application/ocsp-request"})
    except httpx.HTTPError as exc:
        raise certificates.OcspRefused(f"the responder could not be reached: {type(exc).__name__}") from None
    if response.status_code != 200:
        raise certificates.OcspRefused(f"the responder answered HTTP {response.status_code}")
    certificates.ocsp_result(response.content)
    encoded = base64.b64encode(response.content).decode()
    if len(encoded) > MAX_OCSP_RESULT:
        raise certificates.OcspRefused("the responder's answer is longer than OCPP can carry")
    return encoded
