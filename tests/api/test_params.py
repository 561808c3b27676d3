import pytest

from cpms.api.params import ParameterSpec, coerce, parse_query
from cpms.contract import load_contract
from cpms.errors import Invalid, NotFound


def spec(operation_id: str) -> ParameterSpec:
    return ParameterSpec(load_contract()[operation_id])


def test_deep_object_and_array_parameters_are_nested() -> None:
    parsed = parse_query("filter[a]=1&filter[ids][]=3&filter[ids][]=4&include[]=x&include[]=y&per_page=5")
    assert parsed == {"filter": {"a": "1", "ids": ["3", "4"]}, "include": ["x", "y"], "per_page": "5"}


def test_values_are_typed_as_the_contract_declares() -> None:
    query = spec("chargePointsListing").query(
        "filter[circuitId]=3&filter[roamingOperatorIds][]=1&include[]=lastBootNotification&per_page=5")
    assert query == {"filter": {"circuitId": 3, "roamingOperatorIds": [1]},
                     "include": ["lastBootNotification"], "per_page": 5}


def test_comma_separated_includes_are_accepted() -> None:
    query = spec("locationsListing").query("include=chargingZones,images")
    assert query["include"] == ["chargingZones", "images"]


def test_every_bad_parameter_is_reported_at_once() -> None:
    with pytest.raises(Invalid) as caught:
        spec("chargePointsListing").query("filter[circuitId]=x&filter[bogus]=1&per_page=500&include[]=nope")
    errors = caught.value.errors
    assert set(errors) == {"filter.circuitId", "filter.bogus", "per_page", "include.0"}
    assert "must be an integer" in errors["filter.circuitId"][0]
    assert "(and 3 more errors)" in caught.value.message


def test_per_page_below_one_is_refused() -> None:
    with pytest.raises(Invalid):
        spec("chargePointsListing").query("per_page=0")


def test_a_non_numeric_id_in_the_path_is_not_found() -> None:
    with pytest.raises(NotFound):
        spec("chargePointRead").path({"chargePoint": "abc"})
    assert spec("chargePointRead").path({"chargePoint": "12"}) == {"chargePoint": 12}


def test_an_enum_path_parameter_outside_the_enum_is_not_found() -> None:
    with pytest.raises(NotFound):
        spec("chargePointReset").path({"chargePoint": "1", "type": "warm"})


@pytest.mark.parametrize(("text", "schema", "expected"), [
    ("true", {"type": "boolean"}, True),
    ("0", {"type": "boolean"}, False),
    ("maybe", {"type": "boolean"}, "maybe"),
    ("2.5", {"type": "number"}, 2.5),
    ("7", {"type": "integer"}, 7),
    ("7x", {"type": "integer"}, "7x"),
])
def test_coercion_keeps_text_it_cannot_type(text: str, schema: dict, expected: object) -> None:
    assert coerce(text, schema) == expected


def test_objects_nested_in_a_filter_are_typed_too() -> None:
    query = spec("sessionsListing").query("filter[roaming][roamingOperatorCpoIds][]=4&filter[roaming][roamingOperatorCpoIds][]=5")
    assert query["filter"]["roaming"] == {"roamingOperatorCpoIds": [4, 5]}
