"""Vendors and models: the generic CRUD machinery on the smallest resources, both path families."""

import pytest

VENDORS = "/public-api/resources/charge-point-vendors/v1.0"
MODELS = "/public-api/resources/charge-point-models/v1.0"


async def test_vendor_lifecycle(api) -> None:
    created = (await api.post(VENDORS, json={"name": "ABB"})).json()["data"]
    assert created["name"] == "ABB" and isinstance(created["id"], int)
    assert (await api.get(f"{VENDORS}/{created['id']}")).json()["data"] == created
    updated = await api.patch(f"{VENDORS}/{created['id']}", json={"name": "ABB E-mobility"})
    assert updated.json()["data"]["name"] == "ABB E-mobility"
    assert (await api.delete(f"{VENDORS}/{created['id']}")).status_code == 204
    assert (await api.get(f"{VENDORS}/{created['id']}")).status_code == 404


async def test_both_path_families_serve_the_same_vendors(api) -> None:
    created = (await api.post("/public-api/resources/cp-vendors/v1.0", json={"name": "Alfen"})).json()["data"]
    assert (await api.get(f"{VENDORS}/{created['id']}")).json()["data"]["name"] == "Alfen"


async def test_model_read_and_update(api) -> None:
    vendor = (await api.post(VENDORS, json={"name": "Zaptec"})).json()["data"]["id"]
    model = (await api.post(MODELS, json={"name": "Go", "vendorId": vendor,
                                          "userManual": "https://example.com/go.pdf"})).json()["data"]
    assert model["userManual"] == "https://example.com/go.pdf" and model["defaultPhoto"] is None
    assert (await api.get(f"{MODELS}/{model['id']}")).json()["data"] == model
    changed = (await api.patch(f"{MODELS}/{model['id']}", json={"name": "Go 2"})).json()["data"]
    assert changed == {**model, "name": "Go 2"}
    bad = await api.patch(f"{MODELS}/{model['id']}", json={"userManual": "not a url"})
    assert bad.status_code == 422 and "userManual" in bad.json()["errors"]


async def test_duplicate_vendor_name_is_refused_and_nothing_written(api) -> None:
    await api.post(VENDORS, json={"name": "Wallbox"})
    response = await api.post(VENDORS, json={"name": "Wallbox"})
    assert response.status_code == 422
    assert response.json()["errors"] == {"name": ["The name has already been taken."]}
    assert (await api.get(VENDORS)).json()["meta"]["total"] == 1


async def test_model_with_unknown_vendor_is_refused(api) -> None:
    response = await api.post(MODELS, json={"name": "X", "vendorId": 999})
    assert response.status_code == 422
    assert "vendorId" in response.json()["errors"]


async def test_models_filter_by_vendor(api) -> None:
    a = (await api.post(VENDORS, json={"name": "A"})).json()["data"]["id"]
    b = (await api.post(VENDORS, json={"name": "B"})).json()["data"]["id"]
    for vendor, name in ((a, "A1"), (a, "A2"), (b, "B1")):
        assert (await api.post(MODELS, json={"name": name, "vendorId": vendor})).status_code == 201
    listed = (await api.get(MODELS, params={"filter[vendorId]": a})).json()
    assert [m["name"] for m in listed["data"]] == ["A1", "A2"]
    deprecated = (await api.get("/public-api/resources/cp-models/v1.0", params={"filter[vendorId]": b})).json()
    assert [m["name"] for m in deprecated["data"]] == ["B1"]


async def test_vendor_with_models_cannot_be_deleted(api) -> None:
    vendor = (await api.post(VENDORS, json={"name": "Kempower"})).json()["data"]["id"]
    model = (await api.post(MODELS, json={"name": "S", "vendorId": vendor})).json()["data"]["id"]
    response = await api.delete(f"{VENDORS}/{vendor}")
    assert response.status_code == 409
    assert "1 charge point model still belongs" in response.json()["message"]
    await api.delete(f"{MODELS}/{model}")
    assert (await api.delete(f"{VENDORS}/{vendor}")).status_code == 204


async def test_all_cp_model_operations_answer(api) -> None:
    base = "/public-api/resources/cp-models/v1.0"
    vendor = (await api.post("/public-api/resources/cp-vendors/v1.0", json={"name": "V"})).json()["data"]["id"]
    model = (await api.post(base, json={"name": "M", "vendorId": vendor})).json()["data"]
    assert (await api.get(f"{base}/{model['id']}")).status_code == 200
    assert (await api.patch(f"{base}/{model['id']}", json={"name": "M2"})).json()["data"]["name"] == "M2"
    assert (await api.get(base)).status_code == 200
    assert (await api.delete(f"{base}/{model['id']}")).status_code == 204
    assert (await api.patch(f"/public-api/resources/cp-vendors/v1.0/{vendor}", json={"name": "V2"})).status_code == 200
    assert (await api.get(f"/public-api/resources/cp-vendors/v1.0/{vendor}")).status_code == 200
    assert (await api.get("/public-api/resources/cp-vendors/v1.0")).status_code == 200
    assert (await api.delete(f"/public-api/resources/cp-vendors/v1.0/{vendor}")).status_code == 204


@pytest.mark.parametrize("body", [{}, {"name": 3}, {"name": None}, [], "text"])
async def test_bad_vendor_bodies_get_422(api, body) -> None:
    response = await api.post(VENDORS, json=body)
    assert response.status_code == 422
    assert response.json()["errors"]
