"""mon's hex escaping of protocol values (PROTO-54): `esc_str` and `un_esc_str`.

mon escapes *bytes*: its strings are the raw bytes a socket, a monitor or the
config file delivered. pymon holds such text as `str` decoded from UTF-8 with
`surrogateescape`, so both functions work on that encoding: `é` is the two
bytes `\\c3\\a9` exactly as mon writes them, and an undecodable byte 0xE9
(`'\\udce9'`) is `\\e9`.
"""

from __future__ import annotations

import re

__all__ = ["esc_str", "to_bytes", "un_esc_str"]

# Bytes mon writes as `\XX`: controls and space (<= 32), DEL and above (> 126), and both quotes.
_ESCAPED = frozenset([*range(33), *range(127, 256), ord('"'), ord("'")])
_QUOTED = [f"\\{b:02x}" if b in _ESCAPED else chr(b) for b in range(256)]
_QUOTED_IN_QUOTES = [*_QUOTED]
_QUOTED_IN_QUOTES[ord("\\")] = "\\\\"
# Only lower-case hex digits are decoded; anything else after a backslash stays as it is.
_HEX_ESCAPE = re.compile(rb"\\([0-9a-f]{2})")
_NEEDS_ESCAPE = re.compile(r"[^\x21-\x7e]|[\"']")


def to_bytes(text: str) -> bytes:
    """The bytes mon would hold for `text`: UTF-8, with surrogate escapes turned back into bytes.

    A surrogate that `surrogateescape` did not make (never produced by decoding
    real input) is kept as its 3-byte encoding rather than rejected.
    """
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return b"".join(_char_bytes(char) for char in text)


def _char_bytes(char: str) -> bytes:
    if "\udc80" <= char <= "\udcff":
        return bytes([ord(char) - 0xDC00])
    return char.encode("utf-8", "surrogatepass")


def esc_str(text: str | None, inquotes: bool = False) -> str:
    """mon's esc_str: `\\XX` (lower-case hex) for bytes <= 32, > 126, `"` and `'`.

    With `inquotes` a backslash is doubled as well (opstatus, `get`,
    descriptions, deps). None (Perl's undef) gives "".
    """
    if text is None:
        return ""
    if not _NEEDS_ESCAPE.search(text) and not (inquotes and "\\" in text):
        return text
    table = _QUOTED_IN_QUOTES if inquotes else _QUOTED
    return "".join(table[b] for b in to_bytes(text))


def un_esc_str(text: str | None) -> str | None:
    """mon's un_esc_str: every `\\XX` with two lower-case hex digits becomes that byte.

    Nothing else is decoded, so `\\\\` stays two backslashes and esc_str(s, True)
    does not round-trip when `s` holds a backslash (PROTO-54).
    """
    if text is None or "\\" not in text:
        return text
    raw = _HEX_ESCAPE.sub(lambda match: bytes([int(match.group(1), 16)]), to_bytes(text))
    return raw.decode("utf-8", "surrogateescape")
