"""mon's hex escaping (PROTO-54): examples, properties, and a differential test against Perl."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from perlref import PerlReference

from pymon.escape import esc_str, to_bytes, un_esc_str


# Text as the server holds it: any bytes, decoded from UTF-8 with surrogateescape.
def _decoded(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


wire_text = st.one_of(
    st.binary(max_size=40).map(_decoded),
    st.text(max_size=40),
    st.text(alphabet="ab \t\n\\'\"0123456789cdef\x7f\xe9", max_size=40),
)
no_backslash = wire_text.filter(lambda text: "\\" not in text)


@pytest.mark.parametrize(
    ("text", "inquotes", "escaped"),
    [
        (
            "my desc \"quoted\" 'single' back\\slash",
            True,
            "my\\20desc\\20\\22quoted\\22\\20\\27single\\27\\20back\\\\slash",
        ),
        ("back\\slash", False, "back\\slash"),
        ("www1: 200 OK\nwww2: 200 OK\n", True, "www1:\\20200\\20OK\\0awww2:\\20200\\20OK\\0a"),
        ("tab\there\x7f", False, "tab\\09here\\7f"),
        ("café", False, "caf\\c3\\a9"),  # bytes, as mon sees them
        ("caf\udce9", False, "caf\\e9"),  # an undecodable byte stays that byte
        ("", True, ""),
        (None, True, ""),  # Perl's undef
    ],
)
def test_esc_str_examples(text: str | None, inquotes: bool, escaped: str) -> None:
    assert esc_str(text, inquotes) == escaped


@pytest.mark.parametrize(
    ("escaped", "text"),
    [
        ("new\\20desc here", "new desc here"),
        ("\\c3\\a9", "é"),
        ("\\e9", "\udce9"),
        ("\\0A", "\\0A"),  # upper-case hex is not decoded
        ("\\\\20", "\\ "),  # a doubled backslash is not undone: the second one starts \20
        ("\\x", "\\x"),
        (None, None),
    ],
)
def test_un_esc_str_examples(escaped: str | None, text: str | None) -> None:
    assert un_esc_str(escaped) == text


@given(text=wire_text, inquotes=st.booleans())
def test_escaped_text_is_one_printable_word(text: str, inquotes: bool) -> None:
    escaped = esc_str(text, inquotes)
    assert all(33 <= ord(char) <= 126 and char not in "\"'" for char in escaped)


@given(text=no_backslash, inquotes=st.booleans())
def test_un_esc_str_undoes_esc_str_without_backslashes(text: str, inquotes: bool) -> None:
    assert to_bytes(un_esc_str(esc_str(text, inquotes)) or "") == to_bytes(text)


@given(text=wire_text)
def test_esc_str_is_idempotent_on_its_own_alphabet(text: str) -> None:
    escaped = esc_str(text)
    assert esc_str(escaped) == escaped


@settings(max_examples=300, deadline=None)
@given(text=wire_text, inquotes=st.booleans())
def test_esc_str_matches_perl(perl: PerlReference, text: str, inquotes: bool) -> None:
    assert esc_str(text, inquotes) == perl.esc_str(text, inquotes)


@settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(
        wire_text, wire_text.map(lambda t: esc_str(t, True)), st.text(alphabet="\\0a9fAFgx ", max_size=20)
    )
)
def test_un_esc_str_matches_perl(perl: PerlReference, text: str) -> None:
    assert to_bytes(un_esc_str(text) or "") == to_bytes(perl.un_esc_str(text))
