"""The HTTP edge: authentication, routing errors, bodies, pagination, unimplemented operations."""

import httpx

from cpms.tokens import create_token, revoke_token
from tests.conftest import client

VENDORS = "/public-api/resources/charge-point-vendors/v1.0"


async def test_missing_or_wrong_token_is_unauthenticated(server) -> None:
    transport = httpx.ASGITransport(app=server)
    for token in (None, "nope"):
        async with client("http://cpms.test", transport, token=token) as anon:
            response = await anon.get(VENDORS)
            assert response.status_code == 401
            assert response.json() == {"message": "Unauthenticated."}


async def test_a_revoked_token_stops_working(server) -> None:
    now = server.rt.clock.now()
    info, token = await create_token(server.rt.db, "temp", now)
    transport = httpx.ASGITransport(app=server)
    async with client("http://cpms.test", transport, token=token) as c:
        assert (await c.get(VENDORS)).status_code == 200
        await revoke_token(server.rt.db, info.id, now)
        server.api.tokens._cache.clear()
        assert (await c.get(VENDORS)).status_code == 401


async def test_unknown_route_is_404_with_a_message(api) -> None:
    response = await api.get("/public-api/resources/unicorns/v1.0")
    assert response.status_code == 404
    assert "could not be found" in response.json()["message"]


async def test_wrong_method_is_405_with_allow_header(api) -> None:
    response = await api.put(f"{VENDORS}/1", json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, PATCH"


async def test_unimplemented_operation_is_501_never_a_fake_200(api) -> None:
    response = await api.get("/public-api/resources/faqs/v2.0")
    assert response.status_code == 501
    assert "not implemented" in response.json()["message"]


async def test_malformed_json_is_422_and_nothing_is_written(api) -> None:
    response = await api.post(VENDORS, content=b'{"name": ', headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert "not valid JSON" in response.json()["message"]
    assert (await api.get(VENDORS)).json()["data"] == []


async def test_oversized_body_is_413(api) -> None:
    response = await api.post(VENDORS, content=b'{"name": "' + b"x" * 2_000_000 + b'"}')
    assert response.status_code == 413
    assert "larger than" in response.json()["message"]


async def test_missing_body_is_422(api) -> None:
    response = await api.post(VENDORS)
    assert response.status_code == 422
    assert response.json()["errors"] == {"body": ["The request body is required (a JSON object)."]}


async def test_page_pagination_walks_every_item_once(api) -> None:
    for i in range(7):
        await api.post(VENDORS, json={"name": f"V{i}"})
    seen, url = [], f"{VENDORS}?per_page=3"
    while url:
        page = (await api.get(url)).json()
        seen += [v["name"] for v in page["data"]]
        assert page["meta"]["total"] == 7 and page["meta"]["last_page"] == 3
        url = page["links"]["next"]
    assert seen == [f"V{i}" for i in range(7)]


async def test_page_beyond_the_last_is_empty_not_an_error(api) -> None:
    await api.post(VENDORS, json={"name": "only"})
    page = (await api.get(VENDORS, params={"page": 9})).json()
    assert page["data"] == [] and page["meta"]["from"] is None and page["meta"]["current_page"] == 9


async def test_contract_and_docs_are_published(api) -> None:
    contract = (await api.get("/public-api/openapi.json")).json()
    assert contract["openapi"].startswith("3.0") and len(contract["paths"]) == 268
    docs = await api.get("/docs")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content
    assert (await api.get("/docs/static/swagger-ui-bundle.js")).status_code == 200
    assert (await api.get("/docs/static/../../etc/passwd")).status_code == 404
