from cpms.contract import load_contract
from cpms.contract.schema import compile_validator, field_errors, fill_defaults, summary_message, to_json_schema


def test_nullable_becomes_a_null_type() -> None:
    converted = to_json_schema({"type": "string", "nullable": True, "enum": ["a"]}, "request")
    assert converted == {"type": ["string", "null"], "enum": ["a", None]}


def test_read_only_properties_are_not_required_in_requests() -> None:
    schema = {"type": "object", "required": ["id", "name"],
              "properties": {"id": {"type": "integer", "readOnly": True}, "name": {"type": "string"}}}
    assert to_json_schema(schema, "request") == {"type": "object", "required": ["name"],
                                                 "properties": {"name": {"type": "string"}}}
    assert "id" in to_json_schema(schema, "response")["properties"]


def test_write_only_properties_are_absent_from_responses() -> None:
    schema = {"type": "object", "properties": {"password": {"type": "string", "writeOnly": True}}}
    assert to_json_schema(schema, "response")["properties"] == {}


def test_errors_name_each_field_in_words() -> None:
    op = load_contract()["chargePointCreate"]
    validator = compile_validator(op.body_schema, "request")
    errors = field_errors(validator, {"name": 5, "type": "x", "network": {"protocol": "ocpp 9"}})
    assert errors["name"] == ["The name field must be a string."]
    assert errors["type"][0].startswith("The selected type is invalid.")
    assert errors["status"] == ["The status field is required."]
    assert "network.protocol" in errors
    assert summary_message(errors).endswith("more errors)")


def test_date_time_format_is_enforced() -> None:
    validator = compile_validator({"type": "object", "properties": {"at": {"type": "string", "format": "date-time"}}},
                                  "request")
    assert field_errors(validator, {"at": "2024-01-01T10:00:00Z"}) == {}
    assert "at" in field_errors(validator, {"at": "yesterday"})


def test_defaults_fill_absent_properties_of_present_objects_only() -> None:
    schema = {"type": "object", "properties": {
        "a": {"type": "boolean", "default": True},
        "user": {"type": "object", "properties": {"x": {"type": "integer", "default": 1}}},
        "other": {"type": "object", "properties": {"y": {"type": "integer", "default": 2}}}}}
    assert fill_defaults(schema, {"user": {}}) == {"a": True, "user": {"x": 1}}


def test_one_of_is_read_as_any_of_because_the_vendor_alternatives_overlap() -> None:
    create = compile_validator(load_contract()["userCreate"].body_schema, "request")
    base = {"email": "a@example.com", "password": "secret1"}
    assert field_errors(create, {**base, "state": "WA"}) == {}  # a US and an Australian state
    assert field_errors(create, {**base, "state": None}) == {}  # nullable around the alternatives
    assert "state" in field_errors(create, {**base, "state": "XX"})
    details = compile_validator(load_contract()["invoiceDetailsRead"].responses["200"], "response")
    assert field_errors(details, {"requireInvoice": False, "invoiceType": None}) == {}
