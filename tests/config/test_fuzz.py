"""Bad input: whatever the text, the parser ends in a model or a clear ConfigError.

Hypothesis feeds it arbitrary text and mutated real configs; `--check`'s lint
runs on every model too. No other exception and no hang is acceptable.
"""

from __future__ import annotations

import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REPO, shared_dir
from pymon.config import ConfigError, Programs, parse_config
from pymon.config.lint import lint

NOW = time.time()


def _seeds() -> list[str]:
    files = sorted((REPO / "etc").rglob("*.cf"))
    shared = shared_dir()
    if shared is not None:
        files += sorted((shared / "corpus" / "moncf").glob("*.cf"))
    return [f.read_bytes().decode("utf-8", "surrogateescape") for f in files]


SEEDS = _seeds() or ["hostgroup g a\n\nwatch g\n    service s\n        interval 1m\n"]
NO_PROGRAMS = Programs({}, {}, (), (), ())

FRAGMENTS = [
    "", " ", "\t", "\\", "#", "=", ":", ";;", "{", "}", "\r", "\x00", "é", "\xa0",
    "hostgroup", "watch", "service", "period", "alert", "upalert", "interval", "monitor",
    "alertafter", "alertevery", "depend", "exit=", "wd {Mon-Fri}", "hr {25}", "1m", "0s",
    "SELF:", "a:b", "&&", "VAR=x", "x = y", "view", "alias", "strict", "none",
]


def check_one(text: str) -> None:
    try:
        config = parse_config(text, "fuzz.cf", now=NOW, readable=lambda p: False)
    except ConfigError as error:
        assert error.mon_message.startswith(("cf error: ", "cf error:  ")), error.mon_message
        str(error)  # rendering the location must work too
        return
    for diagnostic in lint(config, NO_PROGRAMS, text):
        diagnostic.render()


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_arbitrary_text(text: str) -> None:
    check_one(text)


@settings(max_examples=300, deadline=2000)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=60).map(" ".join))
def test_keyword_soup(text: str) -> None:
    check_one(text.replace(" \\ ", "\\\n").replace("  ", "\n"))


@st.composite
def mutated_config(draw: st.DrawFn) -> str:
    lines = draw(st.sampled_from(SEEDS)).split("\n")
    for _ in range(draw(st.integers(1, 8))):
        if not lines:
            break
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "insert", "splice", "blank"]))
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, lines[index])
        elif action == "insert":
            lines.insert(index, " ".join(draw(st.lists(st.sampled_from(FRAGMENTS), max_size=5))))
        elif action == "blank":
            lines.insert(index, "")
        else:
            position = draw(st.integers(0, len(lines[index])))
            piece = draw(st.sampled_from(FRAGMENTS))
            lines[index] = lines[index][:position] + piece + lines[index][position:]
    return "\n".join(lines)


@settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_config())
def test_mutated_real_configs(text: str) -> None:
    check_one(text)


def test_long_and_binary_input() -> None:
    check_one("hostgroup g " + "h " * 200_000 + "\n")
    check_one("watch g\n    service s\n        description " + "x" * 1_000_000 + "\n")
    check_one(Path("/bin/sh").read_bytes().decode("utf-8", "surrogateescape")[:200_000])
    check_one("\\\n" * 100_000)
