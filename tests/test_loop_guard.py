"""The loop guard's detectors: a repeated string value in an array, or two items with the same name."""

from __future__ import annotations

from summarizer.backends.transformers_backend import _REPEATED_NAME, _REPEATED_VALUE, array_depth


def test_a_repeated_alias_is_a_loop() -> None:
    assert _REPEATED_VALUE.search('"aliases":["Port Selby","Port Selby",')
    assert _REPEATED_VALUE.search('"aliases":["a","Port Selby","Port Selby"]')


def test_different_values_are_not_a_loop() -> None:
    assert not _REPEATED_VALUE.search('"aliases":["Port Selby","Selby",')
    # the same value in different fields is not a repeat in an array
    assert not _REPEATED_VALUE.search('"name":"Tolin","within":"Tolin",')


def test_an_escaped_quote_does_not_end_the_value() -> None:
    assert _REPEATED_VALUE.search(r'["say \"no\"","say \"no\"",')
    assert not _REPEATED_VALUE.search(r'["say \"no\"","say \"no",')


def test_two_items_in_a_row_with_one_name_are_a_loop() -> None:
    tail = '{"name":"Tolin","aliases":["Tolin town"],"type":"town","within":null},{"name":"Tolin",'
    assert _REPEATED_NAME.search(tail)
    other = '{"name":"Tolin","aliases":[],"type":"town","within":null},{"name":"Kessar",'
    assert not _REPEATED_NAME.search(other)


def test_array_depth_ignores_brackets_in_strings() -> None:
    assert array_depth('{"locations":[{"name":"a]","aliases":["[x"') == 2
    assert array_depth('{"a":[1],"b":[') == 1
    assert array_depth('{"a":"\\"]"') == 0
