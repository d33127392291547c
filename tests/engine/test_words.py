"""pymon.engine.words against Perl's own Text::ParseWords.

One perl process answers every case: each input goes over as a hex line (bytes,
as mon sees them), each answer comes back as `COUNT:` and the words in hex, `-`
for an undefined word.
"""

from __future__ import annotations

import random
import shutil
import subprocess
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pymon.engine.words import parse_line, quotewords

PERL = shutil.which("perl")

_SCRIPT = r"""
use strict;
use Text::ParseWords;
$| = 1;
while (my $line = <STDIN>) {
    chomp $line;
    my @words = quotewords('\s+', 0, pack("H*", $line));
    print scalar(@words), ":", join(",", map { defined $_ ? unpack("H*", $_) : "-" } @words), "\n";
}
"""


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


class PerlQuotewords:
    def __init__(self) -> None:
        assert PERL is not None
        self.process = subprocess.Popen([PERL, "-e", _SCRIPT], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def __call__(self, text: str) -> list[str | None]:
        return self.many([text])[0]

    def many(self, texts: list[str]) -> list[list[str | None]]:
        """Answers for `texts`, sent in batches small enough not to fill either pipe."""
        assert self.process.stdin is not None and self.process.stdout is not None
        answers: list[list[str | None]] = []
        for start in range(0, len(texts), 200):
            batch = texts[start : start + 200]
            self.process.stdin.write(b"".join(_encode(t).hex().encode() + b"\n" for t in batch))
            self.process.stdin.flush()
            answers.extend(_decode(self.process.stdout.readline()) for _ in batch)
        return answers

    def close(self) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.close()
        self.process.wait(timeout=10)
        self.process.stdout.close()


def _decode(answer: bytes) -> list[str | None]:
    count, _, fields = answer.decode().rstrip("\n").partition(":")
    words: list[str | None] = [
        None if field == "-" else bytes.fromhex(field).decode("utf-8", "surrogateescape")
        for field in (fields.split(",") if int(count) else [])
    ]
    assert len(words) == int(count)
    return words


@pytest.fixture(scope="module")
def perl() -> Iterator[PerlQuotewords]:
    if PERL is None:
        pytest.skip("perl is not installed")
    coprocess = PerlQuotewords()
    yield coprocess
    coprocess.close()


# What mon's users write, and the characters that matter to the parser, often.
_SPECIAL = " \t\n\r\f\v\"'\\;"
_OTHER = "ab-=$*é\u00a0\u0085\u2003\udc80\udcff"
_ALPHABET = _SPECIAL + _OTHER


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet=_ALPHABET, max_size=30) | st.text(max_size=30))
def test_parse_line_matches_perl(perl: PerlQuotewords, text: str) -> None:
    assert parse_line(text) == perl(text)


def test_parse_line_matches_perl_in_bulk(perl: PerlQuotewords) -> None:
    """Many more cases than hypothesis makes in the time: seeded random lines, one batch."""
    rng = random.Random(2583)
    texts = ["".join(rng.choices(_ALPHABET, k=rng.randrange(40))) for _ in range(30000)]
    mismatches = [(t, w) for t, w in zip(texts, perl.many(texts), strict=True) if parse_line(t) != w]
    assert mismatches[:5] == []


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", []),
        ("a b\tc", ["a", "b", "c"]),
        ("-x \"two words\" 'and three'", ["-x", "two words", "and three"]),
        ('a"b c"d', ["ab cd"]),  # quoted parts glue onto their neighbours
        ("' a'\"\"", [" a"]),
        ('""', [""]),
        (" a", ["", "a"]),  # leading whitespace: an empty first word
        ("a ", ["a", ""]),  # trailing whitespace: an undefined last word, "" to exec
        ("   ", ["", ""]),
        (r"a\ b", ["a b"]),
        (r'"a\"b\n"', ['a"bn']),  # any character may be escaped in double quotes
        (r"'a\'b'", [r"a\'b"]),  # single quotes keep backslashes, yet \' does not end them
        (r"'a\\b'", [r"a\\b"]),
        ('ok "unbalanced', []),  # one bad quote empties the whole list
        ("ok don't", []),
        ("ok trailing\\", []),  # as does a lone backslash at the end
        ("x\\\ny", ["x\ny"]),
        ("a\u00a0b\u0085c", ["a\u00a0b\u0085c"]),  # \s is ASCII whitespace only
        ("a\vb", ["a", "b"]),
    ],
)
def test_quotewords_examples(perl: PerlQuotewords, text: str, words: list[str]) -> None:
    assert quotewords(text) == words
    assert [w or "" for w in perl(text)] == words


def test_long_line_is_fast(perl: PerlQuotewords) -> None:
    text = " ".join(f"\"w {i}\" x\\ {i} '{i}'" for i in range(3000))
    assert parse_line(text) == perl(text)
    assert parse_line(text + '"') == []
