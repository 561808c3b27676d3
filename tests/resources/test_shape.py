"""Answers projected onto the contract's schema: declared properties only, required ones always."""

from __future__ import annotations

from cpms.resources.shape import compile_shaper

SCHEMA = {
    "type": "object",
    "required": ["id", "status", "count", "note", "child"],
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "default": "enabled"},
        "count": {"type": "integer"},  # required, no default: null
        "note": {"type": "string", "nullable": True},
        "optional": {"type": "string"},
        "maybe": {"type": "string", "nullable": True},
        "secret": {"type": "string", "writeOnly": True},
        "child": {"type": "object", "required": ["x"], "properties": {"x": {"type": "integer", "default": 0}}},
        "items": {"type": "array", "items": {"type": "object", "properties": {"k": {"type": "string"}}}},
    },
}
SHAPE = compile_shaper(SCHEMA)


def test_absent_properties_get_their_fallback_only_when_required() -> None:
    assert SHAPE({"id": 1}) == {"id": 1, "status": "enabled", "count": None, "note": None, "child": None}


def test_nulls_stay_where_allowed_and_fall_back_or_go_where_not() -> None:
    doc = {"id": 1, "status": None, "count": None, "note": None, "optional": None, "maybe": None, "child": {}}
    assert SHAPE(doc) == {"id": 1, "status": "enabled", "count": None, "note": None, "maybe": None,
                          "child": {"x": 0}}


def test_undeclared_and_write_only_properties_never_leave() -> None:
    doc = {"id": 1, "status": "disabled", "count": 2, "note": "n", "child": {"x": 3, "y": 4}, "secret": "s",
           "internal": True, "items": [{"k": "v", "drop": 1}, "not an object"]}
    assert SHAPE(doc) == {"id": 1, "status": "disabled", "count": 2, "note": "n", "child": {"x": 3},
                          "items": [{"k": "v"}, "not an object"]}


def test_properties_keep_the_schemas_order() -> None:
    doc = {"items": [], "note": "n", "child": {"x": 1}, "id": 1, "status": "enabled", "count": 0}
    assert list(SHAPE(doc)) == ["id", "status", "count", "note", "child", "items"]


def test_any_property_name_and_nested_lists_of_objects_are_shaped() -> None:
    """The shaper is generated source: names that are no identifiers (or quote) must stay data."""
    schema = {"type": "object", "required": ["it's \"odd\""], "properties": {
        "it's \"odd\"": {"type": "string", "default": "x"}, "a-b": {"type": "integer"},
        "items": {"type": "array", "items": {"type": "object", "properties": {"n": {"type": "integer"}}}}}}
    shape = compile_shaper(schema)
    assert shape({"a-b": 1, "items": [{"n": 1, "secret": 2}, {"x": 3}], "other": 4}) == \
        {"it's \"odd\"": "x", "a-b": 1, "items": [{"n": 1}, {}]}
    assert shape("not an object") == "not an object"
