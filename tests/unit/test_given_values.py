"""The value a user gives a body field (``--conformance-param body:NAME=VALUE``), as the field takes it."""

from __future__ import annotations

from conformance.resources.references import json_value

CHANGES = {"type": "array", "items": {"type": "object", "properties": {"op": {"type": "string"}}}}


def test_a_field_that_takes_an_array_or_an_object_gets_the_json():
    assert json_value('[{"op": "replace"}]', CHANGES) == [{"op": "replace"}]
    assert json_value("[]", CHANGES) == []
    assert json_value('{"id": "me"}', {"type": "object"}) == {"id": "me"}


def test_a_boolean_or_a_number_gets_the_json():
    assert json_value("false", {"type": "boolean"}) is False
    assert json_value("2.5", {"type": "number"}) == 2.5


def test_text_that_is_not_json_or_does_not_fit_stays_text():
    assert json_value("tok_visa", {"type": "string"}) == "tok_visa"
    assert json_value("[1, 2]", {"type": "object"}) == "[1, 2]"  # JSON, but not what the field takes
    assert json_value('"quoted"', {"type": "string"}) == '"quoted"'  # a JSON string is the text the user typed
