"""Dependency expressions: `depend`, `alertdepend`, `monitordepend`, `hostdepend`.

mon replaces every `group:service` token by 1 or 0 and hands the text to Perl's
`eval` (DEP-01). pymon never evaluates config text as code: it parses the subset
of Perl that configs use into an immutable tree, with Perl's precedence, from
tightest to loosest:

    group:service   integer   ( expr )
    !               prefix
    &&              left associative
    ||              left associative
    not             prefix; `not x` takes everything up to the next and/or/xor
    and             left associative
    or  xor         left associative

A text Perl rejects after mon's substitution is a DependSyntaxError, and so is the
Perl pymon does not support (other operators, barewords, `()`, 0x1f). One
exception: where mon's substitution mangles a reference inside another (`b:c`
inside `a-b:c-d`, or `.` matching any character), pymon reads the references as
written.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple, NoReturn, TypeAlias, assert_never

__all__ = [
    "And",
    "Const",
    "DependExpr",
    "DependSyntaxError",
    "Not",
    "Or",
    "Ref",
    "Xor",
    "dependency_refs",
    "evaluate",
    "format_depend",
    "parse_depend",
]

# DEP-01: how mon finds the references (`depend` and `dep_summary`).
_REF = re.compile(r"[a-zA-Z0-9_.-]+:[a-zA-Z0-9_.-]+")

# mon substitutes a token with s/\bTOKEN\b/: \b fails where the token starts or ends
# with '.' or '-' (non-word characters next to non-word characters), so such a
# token stays in the text and breaks the eval.
_GROUP = re.compile(r"[a-zA-Z0-9_][a-zA-Z0-9_.-]*")
_SERVICE = re.compile(r"[a-zA-Z0-9_.-]*[a-zA-Z0-9_]")


@dataclass(frozen=True)
class Ref:
    """`group:service`: true while that service is OK (DEP-02)."""

    group: str
    service: str

    def __post_init__(self) -> None:
        if not (_GROUP.fullmatch(self.group) and _SERVICE.fullmatch(self.service)):
            raise ValueError(
                f"mon cannot match '{self.group}:{self.service}': a group may not start, "
                "and a service may not end, with '.' or '-'"
            )


@dataclass(frozen=True)
class Const:
    value: int

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError("a dependency constant is never negative")


@dataclass(frozen=True)
class Not:
    operand: DependExpr


@dataclass(frozen=True)
class And:
    left: DependExpr
    right: DependExpr


@dataclass(frozen=True)
class Or:
    left: DependExpr
    right: DependExpr


@dataclass(frozen=True)
class Xor:
    left: DependExpr
    right: DependExpr


DependExpr: TypeAlias = Ref | Const | Not | And | Or | Xor


class DependSyntaxError(ValueError):
    """A dependency expression mon could not evaluate, or pymon does not support."""

    def __init__(self, text: str, column: int, reason: str) -> None:
        super().__init__(f"syntax error in dependency '{text}' at column {column}: {reason}")
        self.text = text
        self.column = column  # 1-based; len(text) + 1 for the end of the text
        self.reason = reason


def parse_depend(text: str) -> DependExpr:
    """Parse a dependency expression, `SELF:` already replaced (DEP-10)."""
    try:
        return _Parser(text).parse()
    except RecursionError:
        raise DependSyntaxError(text, 1, "the expression is nested too deeply") from None


def dependency_refs(text: str) -> tuple[tuple[str, str], ...]:
    """The `(group, service)` pairs mon finds in `text`, in order, each once.

    No syntax check: mon never evaluates a `hostdepend` (DEP-05).
    """
    tokens = dict.fromkeys(token.partition(":") for token in _REF.findall(text))
    return tuple((group, service) for group, _, service in tokens)


def evaluate(expr: DependExpr, status: Callable[[str, str], bool]) -> bool:
    """The truth of `expr` given each service's status, as Perl computes it.

    `&&`, `||`, `and` and `or` short-circuit, so `status` is not asked about every
    reference; mon looks every one up (recursively) before it evaluates.
    """
    match expr:
        case Ref(group, service):
            return status(group, service)
        case Const(value):
            return value != 0
        case Not(operand):
            return not evaluate(operand, status)
        case And(left, right):
            return evaluate(left, status) and evaluate(right, status)
        case Or(left, right):
            return evaluate(left, status) or evaluate(right, status)
        case Xor(left, right):
            return evaluate(left, status) != evaluate(right, status)
        case _:
            assert_never(expr)


def format_depend(expr: DependExpr) -> str:
    """Canonical text: `!`, `&&`, `||`, `xor`, and only the parentheses needed."""
    return _format(expr, 0)


# Binary operators by token: precedence and node. `not` (3) sits between `and` and `||`.
_BINARY: dict[str, tuple[int, type[And | Or | Xor]]] = {
    "or": (1, Or),
    "xor": (1, Xor),
    "and": (2, And),
    "||": (4, Or),
    "&&": (5, And),
}
_NOT_OPERAND = 4  # `not x`: x takes `||` and everything tighter
_FORMAT: dict[type[And | Or | Xor], tuple[str, int]] = {Xor: ("xor", 1), Or: ("||", 4), And: ("&&", 5)}
_TIGHTEST = 6  # operand of `!`


def _format(expr: DependExpr, context: int) -> str:
    match expr:
        case Ref(group, service):
            return f"{group}:{service}"
        case Const(value):
            return str(value)
        case Not(operand):
            return "!" + _format(operand, _TIGHTEST)
        case And(left, right) | Or(left, right) | Xor(left, right):
            symbol, precedence = _FORMAT[type(expr)]
            text = f"{_format(left, precedence)} {symbol} {_format(right, precedence + 1)}"
            return f"({text})" if precedence < context else text
        case _:
            assert_never(expr)


_KEYWORDS = frozenset({"not", "and", "or", "xor"})
_PERL_WORD_OPERATORS = frozenset({"lt", "gt", "le", "ge", "eq", "ne", "cmp", "x", "isa"})
_SUPPORTED = "use group:service, integers, parentheses, !, &&, ||, not, and, or, xor"

_LEXEME = re.compile(
    rf"""
      (?P<space>[ \t\n\r\f\v]+)            # Perl's whitespace
    | (?P<ref>{_REF.pattern})
    | (?P<radix>0[xXbBoO])                 # Perl's 0x1f, 0b1, 0o7: even in 0xor 1
    | (?P<int>[0-9]+)
    | (?P<word>[a-zA-Z_][a-zA-Z0-9_]*)
    | (?P<perl_op>!=|!~|&&=|\|\|=)         # Perl operators that start like supported ones
    | (?P<op>&&|\|\||!|\(|\))
    | (?P<other>[^ \t\n\r\f\v a-zA-Z0-9_()]+)
    """,
    re.VERBOSE,
)


class _Token(NamedTuple):
    kind: str  # "operand", "op" (text is the operator) or "end"
    text: str
    column: int
    node: DependExpr | None = None


class _Parser:
    """Precedence climbing over a lazy token stream, so errors come in text order."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._tokens = self._lex()
        self._next = next(self._tokens)

    def parse(self) -> DependExpr:
        expr = self._expression(1)
        token = self._next
        if token.kind != "end":
            self._fail(token, "unmatched ')'" if token.text == ")" else "expected an operator")
        return expr

    def _expression(self, min_precedence: int) -> DependExpr:
        left = self._operand()
        while self._next.kind == "op" and self._next.text in _BINARY:
            precedence, node = _BINARY[self._next.text]
            if precedence < min_precedence:
                break
            self._advance()
            left = node(left, self._expression(precedence + 1))
        return left

    def _operand(self) -> DependExpr:
        token = self._next
        if token.node is not None:
            self._advance()
            return token.node
        if token.kind == "op" and token.text == "(":
            return self._parenthesized()
        if token.kind == "op" and token.text == "!":
            self._advance()
            return Not(self._operand())
        if token.kind == "op" and token.text == "not":
            self._advance()
            if self._next.text == "(":
                # Perl lexes `not (...)` as a function call: a term, so `not (0) || 1` is true.
                return Not(self._parenthesized())
            return Not(self._expression(_NOT_OPERAND))
        found = "the end of the text" if token.kind == "end" else f"'{token.text}'"
        self._fail(token, f"expected an operand, found {found}")

    def _parenthesized(self) -> DependExpr:
        opening = self._advance()
        inner = self._expression(1)
        token = self._next
        if token.kind == "end":
            self._fail(token, f"missing ')' for the '(' at column {opening.column}")
        if token.text != ")":
            self._fail(token, "expected an operator")
        self._advance()
        return inner

    def _advance(self) -> _Token:
        token = self._next
        self._next = next(self._tokens)
        return token

    def _fail(self, token: _Token, reason: str) -> NoReturn:
        raise DependSyntaxError(self._text, token.column, reason)

    def _lex(self) -> Iterator[_Token]:
        text = self._text
        pos = 0
        while (match := _LEXEME.match(text, pos)) is not None:
            kind, lexeme, column = match.lastgroup, match.group(), pos + 1
            pos = match.end()
            if kind == "ref":
                group, _, service = lexeme.partition(":")
                try:
                    ref = Ref(group, service)
                except ValueError as error:
                    raise DependSyntaxError(text, column, str(error)) from None
                yield _Token("operand", lexeme, column, ref)
            elif kind == "int":
                yield _Token("operand", lexeme, column, Const(_integer(text, lexeme, column)))
            elif kind == "radix":
                raise DependSyntaxError(
                    text, column, f"'{lexeme}' starts a number in Perl; write integers in decimal"
                )
            elif kind == "op" or (kind == "word" and lexeme in _KEYWORDS):
                yield _Token("op", lexeme, column)
            elif kind == "word" and lexeme not in _PERL_WORD_OPERATORS:
                raise DependSyntaxError(
                    text, column, f"unknown word '{lexeme}' (a dependency is written group:service)"
                )
            elif kind != "space":
                raise DependSyntaxError(text, column, f"'{lexeme}' is not supported ({_SUPPORTED})")
        yield _Token("end", "", len(text) + 1)


def _integer(text: str, digits: str, column: int) -> int:
    if len(digits) > 1 and digits.startswith("0"):  # Perl reads 010 as octal 8
        if (bad := re.search("[89]", digits)) is not None:
            raise DependSyntaxError(text, column + bad.start(), f"illegal octal digit '{bad.group()}'")
        return int(digits, 8)
    return int(digits)
