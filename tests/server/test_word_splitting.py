"""Perl's split, and the first word of Text::ParseWords' parse_line, against the real Perl."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from perlref import PerlReference

from pymon.server.words import first_word, perl_split, split_words

# Lines made of the characters that matter to the splitters, plus anything at all.
shell_text = st.one_of(
    st.text(alphabet="ab \t\"'\\\n\x0b\x0c,", max_size=16),
    st.text(max_size=16),
)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("I am on it", "I"),  # Q16: an unquoted ack comment keeps its first word
        ("'I am on it'", "I am on it"),
        ('"investigating now"', "investigating now"),
        ("'new\\20desc here'", "new\\20desc here"),  # single quotes keep backslashes
        ('a"b c"d e', "ab cd"),  # quoted and unquoted parts join
        ("a\\ b", "a b"),
        ("it's", None),  # an unbalanced quote: nothing at all
        ("'one two", None),
        ("trailing\\", None),
        ("", None),
        (None, None),
    ],
)
def test_first_word_examples(text: str | None, word: str | None) -> None:
    assert first_word(text) == word


@pytest.mark.parametrize(
    ("text", "limit", "fields"),
    [
        ("g s I am on it", 3, ["g", "s", "I am on it"]),
        ("g s ", 3, ["g", "s", ""]),  # a limit keeps trailing empty fields
        ("a b  ", 0, ["a", "b"]),  # no limit drops them
        (" a", 0, ["", "a"]),
        ("", 2, []),
        (None, 2, []),
        ("a b c", 1, ["a b c"]),
    ],
)
def test_split_words_examples(text: str | None, limit: int, fields: list[str]) -> None:
    assert split_words(text, limit) == fields


def test_split_on_comma_drops_trailing_empty_fields() -> None:
    comma = re.compile(",")
    assert perl_split(comma, "web,http") == ["web", "http"]
    assert perl_split(comma, "web,") == ["web"]
    assert perl_split(comma, ",") == []
    assert perl_split(comma, ",http") == ["", "http"]


@settings(max_examples=400, deadline=None)
@given(text=shell_text)
def test_first_word_matches_perl(perl: PerlReference, text: str) -> None:
    words = perl.parse_line(text)
    assert first_word(text) == (words[0] if words else None)


@settings(max_examples=200, deadline=None)
@given(text=shell_text, limit=st.integers(0, 5))
def test_split_words_matches_perl(perl: PerlReference, text: str, limit: int) -> None:
    assert split_words(text, limit) == perl.split(text, limit)
