"""JSON answers: the same bytes whatever the keys, numbers as keys included."""

import orjson
import pytest

from cpms.api.responses import send_json


async def sent(body, status=200):
    messages = []

    async def send(message):
        messages.append(message)

    await send_json(send, status, body)
    return dict(messages[0]["headers"]), messages[1]["body"]


@pytest.mark.parametrize("body", [
    {"data": [{"id": 1, "name": "x", "nested": {"a": None}}], "meta": {"total": 1}},
    {"counts": {1: "one", 2: {3: "three"}}, "name": "numbers as keys"},
])
async def test_an_answer_is_json_with_its_length(body) -> None:
    headers, raw = await sent(body)
    assert raw == orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS)
    assert headers[b"content-length"] == str(len(raw)).encode() and headers[b"content-type"] == b"application/json"


async def test_what_json_cannot_hold_is_still_an_error() -> None:
    with pytest.raises(orjson.JSONEncodeError):
        await sent({"when": object()})


async def test_no_content_has_no_body() -> None:
    headers, raw = await sent({"ignored": True}, status=204)
    assert raw == b"" and headers[b"content-length"] == b"0"
