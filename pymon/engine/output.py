"""How mon reads a result's output: the first line is the summary, the rest the detail."""

from __future__ import annotations

from typing import Final

from pymon.config.perl import PERL_SPACE

__all__ = ["NO_SUMMARY", "split_output", "summary_of"]

NO_SUMMARY: Final = "(NO SUMMARY)"


def split_output(output: str) -> tuple[str | None, str | None]:
    """MONI-09: Perl's `split("\\n", OUTPUT, 2)`: (summary, detail), None where Perl has undef."""
    if output == "":
        return None, None
    summary, newline, detail = output.partition("\n")
    return summary, (detail if newline else None)


def summary_of(output: str | None) -> str:
    """The first line of `output`, or `(NO SUMMARY)` when it is blank or there is none."""
    summary = None if output is None else output.partition("\n")[0]
    if summary is None or summary.strip(PERL_SPACE) == "":
        return NO_SUMMARY
    return summary
