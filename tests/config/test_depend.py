"""Dependency expressions, checked against what mon 1.3.6 makes of them.

The differential tests run mon's own code (sub `depend`: substitute every
group:service token with s/\\bTOKEN\\b/1 or 0/g, then eval under `use strict`) in
one long-lived perl process, and compare. Generated texts stay in pymon's
alphabet (group:service, integers, ( ) ! && || not and or xor, whitespace), with
these exceptions, each asserted where it occurs:

* `()` is Perl's empty list (false; `!()` and `not ()` are true) and a blank text
  evaluates to undef (false): Perl accepts both, pymon rejects them.
* mon's substitution is a regex built from the token unescaped, bounded by \\b. Where
  it matches anything but the token itself (`b:c` inside `a-b:c-d`, the `.` of
  `a.b:c` matching `axb:c`) mon evaluates a mangled text; pymon evaluates the
  references as written. Such cases are skipped (they are rare with the generated
  names) and shown in test_mon_substitution_quirks.
* Names use the letters a-h (plus whole keywords such as `and:or`), so that what a
  mangled text leaves over can never spell a Perl quote or exec operator (q, qx, s,
  m, y, tr); numbers are decimal digits (Perl's 1e5, 0x1f and 1_000 are unsupported).
  Parts that would glue into one word (`not` `0` -> the bareword `not0`) get a space
  between them; gluing is covered by the hand-picked examples instead.
"""

from __future__ import annotations

import operator
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from pymon.config.depend import (
    And,
    Const,
    DependExpr,
    DependSyntaxError,
    Not,
    Or,
    Ref,
    Xor,
    dependency_refs,
    evaluate,
    format_depend,
    parse_depend,
)

A, B, C, D = Ref("a", "ping"), Ref("b", "ping"), Ref("c", "ping"), Ref("d", "ping")
T, F = Const(1), Const(0)


# --- parsing --------------------------------------------------------------------------


_PRECEDENCE: list[tuple[str, DependExpr]] = [
    # ! > && > || > not > and > or = xor
    ("a:ping || b:ping && c:ping", Or(A, And(B, C))),
    ("a:ping && b:ping || c:ping", Or(And(A, B), C)),
    ("!a:ping && b:ping", And(Not(A), B)),
    ("a:ping or b:ping and c:ping", Or(A, And(B, C))),
    ("a:ping && b:ping and c:ping || d:ping", And(And(A, B), Or(C, D))),
    ("not a:ping || b:ping", Not(Or(A, B))),
    ("not a:ping and b:ping", And(Not(A), B)),
    ("a:ping xor b:ping or c:ping", Or(Xor(A, B), C)),
    ("a:ping or b:ping xor c:ping", Xor(Or(A, B), C)),
    ("a:ping xor b:ping and c:ping", Xor(A, And(B, C))),
    # left associativity
    ("a:ping && b:ping && c:ping", And(And(A, B), C)),
    ("a:ping || b:ping || c:ping", Or(Or(A, B), C)),
    ("a:ping and b:ping and c:ping", And(And(A, B), C)),
    ("a:ping xor b:ping xor c:ping", Xor(Xor(A, B), C)),
    ("!!a:ping", Not(Not(A))),
    ("not not a:ping", Not(Not(A))),
    # `not` inside a tighter operator still takes everything down to `||`
    ("1 && not 0 || 1", And(T, Not(Or(F, T)))),
    ("! not 1 || 0", Not(Not(Or(T, F)))),
    ("1 && not 0 and 0", And(And(T, Not(F)), F)),
    # ... but Perl reads `not (...)` as a function call, a plain term
    ("not (0) || 1", Or(Not(F), T)),
    ("not(a:ping) && b:ping", And(Not(A), B)),
    ("!not (0) || 1", Or(Not(Not(F)), T)),
    # parentheses
    ("a:ping && (b:ping || c:ping)", And(A, Or(B, C))),
    ("((a:ping))", A),
    ("!(a:ping && b:ping)", Not(And(A, B))),
    # integers, Perl's octal included
    ("0", F),
    ("00", F),
    ("42", Const(42)),
    ("010", Const(8)),
    ("007 && a:ping", And(Const(7), A)),
]


@pytest.mark.parametrize(("text", "tree"), _PRECEDENCE)
def test_precedence_and_associativity(text: str, tree: DependExpr) -> None:
    assert parse_depend(text) == tree


@pytest.mark.parametrize(
    "text",
    [
        "a:ping&&b:ping",
        "  a:ping &&\tb:ping  ",
        "a:ping\n&&\r\nb:ping",
        "a:ping\v&&\fb:ping",
        "(a:ping)and(b:ping)",
        "a:ping and\tb:ping",
    ],
)
def test_whitespace_is_optional_and_any_perl_whitespace(text: str) -> None:
    assert parse_depend(text) == And(A, B)


# Perl reads `1and` as 1 and, but `0or` as the start of 0o17 (octal), `1xor1` as a bareword.
_GLUED = [("1and!0", And(T, Not(F))), ("1xor 1", Xor(T, T)), ("00or 1", Or(F, T)), ("0and 1", And(F, T))]


@pytest.mark.parametrize(("text", "tree"), _GLUED)
def test_word_operators_may_follow_a_number_directly(text: str, tree: DependExpr) -> None:
    assert parse_depend(text) == tree


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("web-01.example.com:http.check", Ref("web-01.example.com", "http.check")),
        ("g_1:s-2", Ref("g_1", "s-2")),
        ("_x:_y", Ref("_x", "_y")),
        ("1:2", Ref("1", "2")),
        ("0:0", Ref("0", "0")),
        ("and:or", Ref("and", "or")),  # a token wins over the keywords in it
        ("not:xor", Ref("not", "xor")),
        ("a-:-b", Ref("a-", "-b")),  # only the outer ends matter to \b
        ("a.:.b", Ref("a.", ".b")),
        ("SELF:ping", Ref("SELF", "ping")),  # SELF: is replaced before; here it is a group
    ],
)
def test_group_and_service_names(text: str, ref: Ref) -> None:
    assert parse_depend(text) == ref
    assert parse_depend(f"!{text}&&({text})") == And(Not(ref), ref)


@pytest.mark.parametrize(
    ("text", "column", "reason"),
    [
        ("a:ping b:ping", 8, "expected an operator"),
        ("1 1", 3, "expected an operator"),
        ("a:ping not b:ping", 8, "expected an operator"),
        ("(a:ping) (b:ping)", 10, "expected an operator"),
        ("(a:ping b:ping)", 9, "expected an operator"),
        ("", 1, "expected an operand, found the end of the text"),
        ("   ", 4, "expected an operand, found the end of the text"),
        ("a:ping &&", 10, "expected an operand, found the end of the text"),
        ("not", 4, "expected an operand, found the end of the text"),
        ("a:ping and", 11, "expected an operand, found the end of the text"),
        ("&& a:ping", 1, "expected an operand, found '&&'"),
        ("a:ping || or b:ping", 11, "expected an operand, found 'or'"),
        ("()", 2, "expected an operand, found ')'"),
        ("!()", 3, "expected an operand, found ')'"),
        ("(a:ping", 8, "missing ')' for the '(' at column 1"),
        ("((a:ping) && b:ping", 20, "missing ')' for the '(' at column 1"),
        ("a:ping)", 7, "unmatched ')'"),
        ("a:ping & b:ping", 8, "'&' is not supported"),
        ("a:ping == 1", 8, "'==' is not supported"),
        ("a:ping != 1", 8, "'!=' is not supported"),
        ("-1", 1, "'-' is not supported"),
        ("a:ping, b:ping", 7, "',' is not supported"),
        ("a:ping # comment", 8, "'#' is not supported"),
        ("1 eq 1", 3, "'eq' is not supported"),
        ("ping", 1, "unknown word 'ping'"),
        ("a:ping && up", 11, "unknown word 'up'"),
        ("1e5", 2, "unknown word 'e5'"),
        ("a:b:c", 4, "':' is not supported"),
        ("0or 1", 1, "'0o' starts a number in Perl"),
        ("1 && 0xor 1", 6, "'0x' starts a number in Perl"),
        ("0b1", 1, "'0b' starts a number in Perl"),
        ("1not 1", 2, "expected an operator"),
        ("08", 2, "illegal octal digit '8'"),
        ("0 || 019", 8, "illegal octal digit '9'"),
        # mon never substitutes these (\b next to '.' or '-'): the eval always fails
        ("-a:ping", 1, "mon cannot match '-a:ping'"),
        ("a:ping && .b:ping", 11, "mon cannot match '.b:ping'"),
        ("a:ping-", 1, "mon cannot match 'a:ping-'"),
        ("(a:ping.)", 2, "mon cannot match 'a:ping.'"),
    ],
)
def test_syntax_errors_have_a_column(text: str, column: int, reason: str) -> None:
    with pytest.raises(DependSyntaxError) as caught:
        parse_depend(text)
    assert caught.value.text == text
    assert caught.value.column == column
    assert reason in str(caught.value)


def test_syntax_error_message() -> None:
    with pytest.raises(ValueError) as caught:
        parse_depend("a:ping b:ping")
    assert str(caught.value) == (
        "syntax error in dependency 'a:ping b:ping' at column 8: expected an operator"
    )


def test_only_the_first_error_is_reported() -> None:
    with pytest.raises(DependSyntaxError) as caught:
        parse_depend("1 1 + foo")
    assert caught.value.column == 3


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    assert parse_depend("(" * 50 + "a:ping" + ")" * 50) == A
    assert parse_depend("!" * 51 + "0") == Not(parse_depend("!" * 50 + "0"))
    with pytest.raises(DependSyntaxError, match="nested too deeply"):
        parse_depend("(" * 5000 + "1" + ")" * 5000)


def test_nodes_reject_what_mon_cannot_express() -> None:
    with pytest.raises(ValueError, match="mon cannot match"):
        Ref("-a", "ping")
    with pytest.raises(ValueError, match="mon cannot match"):
        Ref("a", "")
    with pytest.raises(ValueError, match="negative"):
        Const(-1)


# --- references, evaluation, formatting -------------------------------------------------


def test_dependency_refs_in_order_each_once() -> None:
    assert dependency_refs("b:ping a:ping && b:ping") == (("b", "ping"), ("a", "ping"))
    assert dependency_refs("routers:ping serversbd2:ping") == (
        ("routers", "ping"),
        ("serversbd2", "ping"),
    )
    assert dependency_refs("no refs here") == ()


def test_dependency_refs_finds_what_mon_finds() -> None:
    # The regex scan, not the parser: names mon could never substitute are still found
    # (hostdepend is never evaluated), and a:b:c:d is two tokens.
    assert dependency_refs("-x:y. (a:b:c:d)") == (("-x", "y."), ("a", "b"), ("c", "d"))
    assert dependency_refs("1 && not web.1:http-2") == (("web.1", "http-2"),)


def test_evaluate_uses_perl_truth() -> None:
    up = {"a": True, "b": False}

    def status(group: str, service: str) -> bool:
        assert service == "ping"
        return up[group]

    assert evaluate(parse_depend("a:ping && !b:ping"), status)
    assert not evaluate(parse_depend("a:ping && b:ping"), status)
    assert evaluate(parse_depend("a:ping xor b:ping"), status)
    assert not evaluate(parse_depend("a:ping xor 7"), status)
    assert evaluate(parse_depend("42"), status)
    assert not evaluate(parse_depend("00"), status)
    assert evaluate(parse_depend("not (b:ping) || b:ping"), status)
    assert not evaluate(parse_depend("not b:ping || a:ping"), status)


@pytest.mark.parametrize(
    ("tree", "text"),
    [
        (And(A, B), "a:ping && b:ping"),
        (And(Or(A, B), C), "(a:ping || b:ping) && c:ping"),
        (Or(A, And(B, C)), "a:ping || b:ping && c:ping"),
        (Or(A, Or(B, C)), "a:ping || (b:ping || c:ping)"),
        (Or(Or(A, B), C), "a:ping || b:ping || c:ping"),
        (Not(And(A, B)), "!(a:ping && b:ping)"),
        (Not(Not(A)), "!!a:ping"),
        (Xor(Xor(A, B), C), "a:ping xor b:ping xor c:ping"),
        (And(A, Xor(B, C)), "a:ping && (b:ping xor c:ping)"),
        (Xor(Or(A, B), Not(C)), "a:ping || b:ping xor !c:ping"),
        (Const(8), "8"),
    ],
)
def test_format_depend(tree: DependExpr, text: str) -> None:
    assert format_depend(tree) == text
    assert parse_depend(text) == tree


def test_format_depend_spells_word_operators_symbolically() -> None:
    assert format_depend(parse_depend("not a:ping and b:ping or c:ping")) == "!a:ping && b:ping || c:ping"


# --- mon itself, in one perl process -----------------------------------------------------

# mon 1.3.6 sub depend, its substitution and eval verbatim (DEP-01), under `use strict` as
# in mon. One request per line: hex(text) then hex(token)=1|0 ...; one answer per line:
# 1, 0 or ERR, then hex(the substituted text).
_MON_DEPEND = r"""
use strict;
$| = 1;
$SIG{__WARN__} = sub {};
while (my $line = <STDIN>) {
    chomp $line;
    my ($hex, @pairs) = split / /, $line;
    my $depend = pack "H*", ($hex // "");
    my %status = map { my ($k, $v) = split /=/; (pack("H*", $k), $v) } @pairs;
    foreach my $depstr ($depend =~ /[a-zA-Z0-9_.-]+:[a-zA-Z0-9_.-]+/g) {
        my $v = int ($status{$depstr} // 0);
        $depend =~ s/\b$depstr\b/$v/g;
    }
    my $e = eval(" $depend");
    print +($@ ne "" ? "ERR" : $e ? "1" : "0"), " ", unpack("H*", $depend), "\n";
}
"""
_MON_TOKEN = re.compile(r"[a-zA-Z0-9_.-]+:[a-zA-Z0-9_.-]+")
_EMPTY_PARENS = re.compile(r"\([ \t\n\r\f\v]*\)")
_PERL_SPACE = " \t\n\r\f\v"


class MonEval:
    """What mon's eval makes of a dependency text, given each token's status."""

    def __init__(self) -> None:
        self._perl = subprocess.Popen(
            ["perl", "-e", _MON_DEPEND],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            bufsize=1,
        )

    def __call__(self, text: str, statuses: Mapping[str, bool]) -> tuple[str, str]:
        """Return ("1" | "0" | "ERR", the text mon hands to eval)."""
        assert self._perl.stdin is not None and self._perl.stdout is not None
        fields = [text.encode().hex()]
        fields += [f"{token.encode().hex()}={int(up)}" for token, up in statuses.items()]
        self._perl.stdin.write(" ".join(fields) + "\n")
        self._perl.stdin.flush()
        answer = self._perl.stdout.readline()
        if not answer:
            raise RuntimeError(f"perl stopped on {text!r}")
        verdict, _, substituted = answer.rstrip("\n").partition(" ")
        return verdict, bytes.fromhex(substituted).decode()

    def close(self) -> None:
        assert self._perl.stdin is not None
        self._perl.stdin.close()
        self._perl.wait(timeout=10)


@pytest.fixture(scope="module")
def mon() -> Iterator[MonEval]:
    if shutil.which("perl") is None:
        pytest.skip("perl is not installed")
    evaluator = MonEval()
    yield evaluator
    evaluator.close()


def _plain_substitution(text: str, statuses: Mapping[str, bool]) -> str:
    """Each token replaced where it stands, as mon means to (and skipping what \\b misses)."""

    def value(match: re.Match[str]) -> str:
        token = match.group()
        if token[0] in ".-" or token[-1] in ".-":
            return token
        return str(int(statuses[token]))

    return _MON_TOKEN.sub(value, text)


def _event(what: str) -> None:
    """Count kinds of outcome in --hypothesis-show-statistics."""
    if currently_in_test_context():
        event(what)


def _lookup(statuses: Mapping[str, bool]) -> Callable[[str, str], bool]:
    return lambda group, service: statuses[f"{group}:{service}"]


def _check_against_mon(mon: MonEval, text: str, assignments: list[dict[str, bool]]) -> None:
    try:
        expr: DependExpr | None = parse_depend(text)
        error = ""
    except DependSyntaxError as caught:
        expr, error = None, str(caught)
    for statuses in assignments:
        verdict, substituted = mon(text, statuses)
        if substituted != _plain_substitution(text, statuses):
            _event("skipped: mon substitutes inside another token")
            continue
        if verdict == "ERR":
            _event("perl: error")
            assert expr is None, f"perl rejects {substituted!r}, pymon parses {expr}"
        elif _EMPTY_PARENS.search(text) or not text.strip(_PERL_SPACE):
            _event("perl: empty list or blank, pymon: error")
            assert expr is None, f"pymon accepts {text!r}"
        else:
            _event("perl: ok")
            assert expr is not None, f"perl evaluates {substituted!r}, but {error}"
            assert evaluate(expr, _lookup(statuses)) == (verdict == "1"), (substituted, expr)


@pytest.mark.parametrize(
    "text",
    [text for text, _ in _PRECEDENCE + _GLUED]
    + ["0or 1", "1 && 0xor 1", "1not 1", "08", "not", "a:ping b:ping", "-a:ping"],
)
def test_examples_agree_with_mon(mon: MonEval, text: str) -> None:
    _check_against_mon(mon, text, _assignments(text, []))


# Names use the letters a-h only (see the module docstring). A fixed pool makes
# references repeat; random names add variety.
_POOL = ["a:ping", "b:ping", "web-01.ab:http", "g_1:s-2", "1:2", "0:0", "and:or", "not:xor"]
_POOL += ["a-:-b", "Ab.c:d.E"]
_NAME_ENDS = "abcdefghABCDEFGH0123456789_"
_NAME_CHARS = _NAME_ENDS + ".-"
_GROUPS = st.builds(operator.add, st.sampled_from(_NAME_ENDS), st.text(_NAME_CHARS, max_size=3))
_SERVICES = st.builds(operator.add, st.text(_NAME_CHARS, max_size=3), st.sampled_from(_NAME_ENDS))
_RANDOM_REFS = st.builds("{}:{}".format, _GROUPS, _SERVICES)
_REFS = st.one_of(st.sampled_from(_POOL), _RANDOM_REFS)
_BAD_REFS = st.sampled_from(["-h:d", ".h:e", "h:d.", "h:e-", "-c:d-"])  # never substituted
_INTEGERS = st.one_of(
    st.sampled_from(["0", "1", "00", "01", "007", "010", "08", "09"]),
    st.integers(0, 10**6).map(str),
)
_OPERATORS = ["&&", "||", "and", "or", "xor"]
_PUNCTUATION = ["(", ")", "!", "&&", "||", "not", "and", "or", "xor"]
_GAPS = st.sampled_from(["", "", " ", " ", "  ", "\t", "\n", "\r\n", "\v", "\f"])
_TOKEN_CHAR = re.compile(r"[a-zA-Z0-9_.:-]")


_LEAVES = st.one_of(st.sampled_from(_POOL), _RANDOM_REFS, _INTEGERS)
_PREFIXES = st.lists(st.sampled_from(["!", "not"]), max_size=2)
_OPENERS = st.sampled_from([("(",), ("not", "(")])  # `not (` makes a term in Perl


@st.composite
def _expressions(draw: st.DrawFn, depth: int = 2) -> list[str]:
    """Token lists Perl parses (unless a literal such as 08 is bad): operand
    (operator operand)..., each operand after a few ! or not, some parenthesized."""
    tokens: list[str] = []
    for i in range(draw(st.integers(1, 4))):
        if i:
            tokens.append(draw(st.sampled_from(_OPERATORS)))
        tokens += draw(_PREFIXES)
        if depth and draw(st.integers(0, 3)) == 0:
            tokens += [*draw(_OPENERS), *draw(_expressions(depth - 1)), ")"]
        else:
            tokens.append(draw(_LEAVES))
    return tokens


# Random token lists: mostly not Perl.
_SOUPS = st.lists(
    st.one_of(_REFS, _BAD_REFS, _INTEGERS, st.sampled_from(_PUNCTUATION)), min_size=1, max_size=10
)
_MASKS = st.lists(st.integers(0, 2**16 - 1), min_size=1, max_size=8)


def _assignment(text: str, mask: int) -> dict[str, bool]:
    """A status for every token mon finds in `text`: bit i of `mask` for the i-th one."""
    found = dict.fromkeys(_MON_TOKEN.findall(text))
    return {token: bool(mask >> i & 1) for i, token in enumerate(found)}


def _assignments(text: str, masks: list[int]) -> list[dict[str, bool]]:
    """Every assignment when there are few tokens, else those the masks give."""
    count = len(set(_MON_TOKEN.findall(text)))
    return [_assignment(text, mask) for mask in (range(2**count) if count <= 4 else masks)]


@st.composite
def _cases(draw: st.DrawFn, tokens: st.SearchStrategy[list[str]]) -> tuple[str, list[dict[str, bool]]]:
    """A text made of `tokens` and random whitespace, and a few status assignments."""
    text = draw(_GAPS)
    for part in draw(tokens):
        gap = draw(_GAPS)
        if not gap and text and _TOKEN_CHAR.match(text[-1]) and _TOKEN_CHAR.match(part[0]):
            gap = " "  # gluing would make another token, a bareword or a 0x-style literal
        text += gap + part
    text += draw(_GAPS)
    return text, _assignments(text, draw(_MASKS))


@settings(max_examples=600, deadline=None)
@given(case=_cases(_expressions()))
def test_valid_expressions_agree_with_mon(mon: MonEval, case: tuple[str, list[dict[str, bool]]]) -> None:
    _check_against_mon(mon, *case)


@settings(max_examples=1000, deadline=None)
@given(case=_cases(_SOUPS))
def test_token_soups_agree_with_mon(mon: MonEval, case: tuple[str, list[dict[str, bool]]]) -> None:
    text, assignments = case
    _check_against_mon(mon, text, assignments)
    pairs = (token.split(":") for token in _MON_TOKEN.findall(text))
    assert dependency_refs(text) == tuple(dict.fromkeys((g, s) for g, s in pairs))


@pytest.mark.parametrize(
    ("text", "statuses", "mon_evaluates", "verdict", "pymon"),
    [
        # DEP-01: two references without an operator
        ("a:ping b:ping", {"a:ping": True, "b:ping": True}, "1 1", "ERR", None),
        # \b cannot match before '-' or after '.', so the token stays in the text
        ("-a:ping", {"-a:ping": True}, "-a:ping", "ERR", None),
        ("a:ping.", {"a:ping.": True}, "a:ping.", "ERR", None),
        # The token is a regex: b:c also matches inside a-b:c-d, and the '.' of a.b:c
        # matches any character, so axb:c takes a.b:c's status. pymon evaluates the
        # references as written.
        ("b:c || a-b:c-d", {"b:c": True, "a-b:c-d": False}, "1 || a-1-d", "ERR", True),
        ("a.b:c && axb:c", {"a.b:c": True, "axb:c": False}, "1 && 1", "1", False),
        # Perl drops a bareword in a constant-folded branch, so `use strict` misses it
        ("a:ping && up", {"a:ping": False}, "0 && up", "0", None),
        ("a:ping && up", {"a:ping": True}, "1 && up", "ERR", None),
        # Perl's empty list, and a blank text
        ("not ()", {}, "not ()", "1", None),
        ("()", {}, "()", "0", None),
        (" ", {}, " ", "0", None),
    ],
)
def test_mon_substitution_quirks(
    mon: MonEval,
    text: str,
    statuses: dict[str, bool],
    mon_evaluates: str,
    verdict: str,
    pymon: bool | None,
) -> None:
    assert mon(text, statuses) == (verdict, mon_evaluates)
    if pymon is None:
        with pytest.raises(DependSyntaxError):
            parse_depend(text)
    else:
        assert evaluate(parse_depend(text), _lookup(statuses)) is pymon


# --- canonical form ---------------------------------------------------------------------

_TREES: st.SearchStrategy[DependExpr] = st.recursive(
    st.one_of(
        _REFS.map(lambda token: Ref(*token.split(":"))),
        st.builds(Const, st.integers(0, 10**12)),
    ),
    lambda inner: st.one_of(
        st.builds(Not, inner),
        st.builds(And, inner, inner),
        st.builds(Or, inner, inner),
        st.builds(Xor, inner, inner),
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(tree=_TREES, masks=_MASKS)
def test_format_round_trips_and_means_the_same_to_mon(
    mon: MonEval, tree: DependExpr, masks: list[int]
) -> None:
    text = format_depend(tree)
    assert parse_depend(text) == tree
    _check_against_mon(mon, text, _assignments(text, masks))
