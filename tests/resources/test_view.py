"""Versions on the wire: `View.to_wire` maps a canonical document, copying it unless handed it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from cpms.resources.document import copy_tree
from cpms.resources.evses_v20 import V20
from cpms.resources.view import View


def mark_connectors(doc: dict[str, Any]) -> dict[str, Any]:
    for item in doc.get("connectors") or ():
        item["seen"] = True
    doc["hooked"] = True
    return doc


SWAP = View(renames={"a": "b", "b": "a", "deep.x": "nested.y"}, values={"status": {"active": "enabled"}},
            to_wire_hook=mark_connectors)


def canonical() -> dict[str, Any]:
    return {"id": 1, "a": 1, "b": 2, "nested": {"y": "why"}, "status": "enabled", "connectors": [{"id": 9}]}


@pytest.mark.parametrize("owned", [False, True])
def test_renames_read_the_canonical_document_before_writing_the_wire_one(owned: bool) -> None:
    wire = SWAP.to_wire(canonical(), owned=owned)
    assert wire["a"] == 2 and wire["b"] == 1  # a name of one version may be another property's name in the other
    assert wire["deep"] == {"x": "why"}
    assert wire["status"] == "active"
    assert wire["connectors"] == [{"id": 9, "seen": True}] and wire["hooked"] is True


def test_a_document_not_handed_over_is_left_as_it_was() -> None:
    doc = canonical()
    before = copy.deepcopy(doc)
    wire = SWAP.to_wire(doc)
    assert doc == before
    assert wire is not doc and wire["connectors"][0] is not doc["connectors"][0]


def test_a_document_handed_over_is_mapped_in_place() -> None:
    doc = canonical()
    assert SWAP.to_wire(doc, owned=True) is doc


def test_both_ways_give_the_same_answer_for_a_real_version() -> None:
    evse = {"id": 5, "currentType": "dc", "status": "enabled", "hardwareStatus": "occupied",
            "powerOptions": {"maxPower": 50000, "phases": "split_phase", "phaseRotation": "RST"},
            "connectors": [{"id": 1, "type": "gb-t-dc", "status": "enabled"}]}
    assert V20.to_wire(copy_tree(evse)) == V20.to_wire(copy_tree(evse), owned=True)
    assert V20.to_wire(copy_tree(evse))["connectors"] == [{"id": 1, "type": "catarc", "status": "active"}]


def test_copy_tree_copies_every_object_and_list() -> None:
    doc = {"a": [{"b": [1, 2]}, 3], "c": {"d": {"e": None}}, "f": "text"}
    copied = copy_tree(doc)
    assert copied == doc
    copied["a"][0]["b"].append(3)
    copied["c"]["d"]["e"] = 1
    copied["a"].append(4)
    assert doc == {"a": [{"b": [1, 2]}, 3], "c": {"d": {"e": None}}, "f": "text"}


def test_absent_values_leave_no_wire_name_and_maps_reach_nested_paths_and_lists() -> None:
    view = View(renames={"flat": "inner.value", "gone": "missing.path", "deep.also": "absent"},
                values={"flat": {"on": "enabled"}, "inner.kinds": {"a-wire": "a"}})
    doc = {"gone": "stale", "deep": {"also": "stale"}, "missing": "not an object",
           "inner": {"value": "enabled", "kinds": ["a", "b"]}}
    wire = view.to_wire(doc)
    assert "gone" not in wire and wire["deep"] == {}  # nothing to rename: the wire names are not left holding others
    assert wire["flat"] == "on" and wire["inner"]["kinds"] == ["a-wire", "b"]
