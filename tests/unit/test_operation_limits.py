"""Bounded operations (issue 10 part 6): the size rules of an initiate's ``inputs``."""

from __future__ import annotations

from api.services.operation_limits import MAX_INPUT_KEYS, inputs_problem, inputs_size


def test_inputs_within_the_limits_pass() -> None:
    assert inputs_problem({"site_url": "https://example.com"}, 8192) is None
    assert inputs_problem({f"k{i}": "v" for i in range(MAX_INPUT_KEYS)}, 8192) is None


def test_more_keys_than_allowed_is_a_problem() -> None:
    problem = inputs_problem({f"k{i}": "v" for i in range(MAX_INPUT_KEYS + 1)}, 8192)
    assert problem == f"inputs has {MAX_INPUT_KEYS + 1} keys; at most {MAX_INPUT_KEYS} are allowed"


def test_size_is_counted_in_utf8_json_bytes_up_to_the_limit() -> None:
    inputs = {"site_url": "é" * 10}  # 2 bytes each in UTF-8
    size = inputs_size(inputs)
    assert size == len('{"site_url":""}') + 20
    assert inputs_problem(inputs, size) is None
    assert (
        inputs_problem(inputs, size - 1) == f"inputs is {size} bytes as JSON; at most {size - 1} are allowed"
    )


def test_escaped_characters_count_as_sent() -> None:
    assert inputs_size({"a": '"'}) == len('{"a":"\\""}')
