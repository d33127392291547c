"""INIT-02/INIT-04 deviation: mon 1.3.6 splits mondir and alertdir on the Perl
string "\\s*:\\s*", i.e. the regex `s*:s*`, so a directory ending in `s` before
a colon (or a relative one starting with `s` after it) loses that letter and is
"not usable". pymon splits on the colon, as the man page describes."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pymon.config import Options, load_config


def test_a_path_list_keeps_the_letter_s(tmp_path: Path) -> None:
    for sub in ("etc", "alerts", "scripts", "monitors"):
        (tmp_path / sub).mkdir()
    (tmp_path / "etc" / "auth.cf").write_text("command section\n")
    config = tmp_path / "etc" / "mon.cf"
    config.write_text("mondir = monitors:scripts\nalertdir = alerts:scripts\n")
    options = Options(configfile=str(config), basedir=str(tmp_path), cfbasedir=str(tmp_path / "etc"))
    g = load_config(options).config.globals
    assert g.mondir == f"{tmp_path}/monitors:{tmp_path}/scripts"
    assert g.alertdir == f"{tmp_path}/alerts:{tmp_path}/scripts"


def test_what_mon_does_with_it() -> None:
    """The Perl behind the deviation, so the row in docs/compatibility.md stays true."""
    done = subprocess.run(["perl", "-e", 'my $s = "\\s*:\\s*"; print join("|", split(/$s/, $ARGV[0]))',
                           "/b/alerts:/b/scripts"], capture_output=True, text=True, check=True)
    assert done.stdout == "/b/alert|/b/scripts"
