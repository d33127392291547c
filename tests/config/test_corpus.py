"""Every real-world mon.cf in ../shared/corpus/moncf parses as the real mon parsed it.

expected/*.json records what mon 1.3.6 did with each file (see the corpus's
SOURCES.md); the test repeats the harness's edits (files pointed into a temp
dir) and compares acceptance, error text, groups, watches, descriptions,
intervals, monitors, mon's stderr warnings and the programs it reports missing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from conftest import shared_dir
from pymon.config import ConfigError, Options, load_config

CORPUS = (shared_dir() or Path("/nonexistent")) / "corpus" / "moncf"
CASES = sorted(CORPUS.glob("expected/*.json")) if CORPUS.is_dir() else []


def _prepare(expected: dict[str, Any], tmp: Path) -> Path:
    for sub in ("etc", "log", "state", "mon.d", "alert.d"):
        (tmp / sub).mkdir()
    (tmp / "etc" / "auth.cf").write_text("command section\nlist: all\n")
    (tmp / "etc" / "userfile").write_text("")
    source = CORPUS / expected["file"]
    lines = source.read_bytes().decode("utf-8", "surrogateescape").split("\n")
    for edit in expected["harness"]["rewritten_lines"]:
        replacement = edit["replaced_by"].replace("TMP", str(tmp))
        lines[edit["line"] - 1] = lines[edit["line"] - 1].replace(edit["original"], replacement)
    name = "mon.cf.m4" if expected["file"].endswith(".m4") else "mon.cf"
    target = tmp / "etc" / name
    target.write_bytes("\n".join(lines).encode("utf-8", "surrogateescape"))
    return target


def _options(tmp: Path, config: Path) -> Options:
    return Options(
        configfile=str(config),
        basedir=str(tmp),
        cfbasedir=str(tmp / "etc"),
        scriptdir=str(tmp / "mon.d"),
        alertdir=str(tmp / "alert.d"),
        logdir=str(tmp / "log"),
        statedir=str(tmp / "state"),
        authfile=str(tmp / "etc" / "auth.cf"),
        pidfile=str(tmp / "mon.pid"),
    )


@pytest.mark.skipif(not CASES, reason="../shared/corpus/moncf is not here")
@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem[:40])
def test_corpus_file_parses_as_mon_parsed_it(
    case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = json.loads(case.read_text())
    if expected["file"].endswith(".m4") and shutil.which("m4") is None:
        pytest.skip("m4 is not installed")
    config_file = _prepare(expected, tmp_path)
    monkeypatch.chdir(tmp_path)
    options = _options(tmp_path, config_file)
    if not expected["starts"]:
        with pytest.raises(ConfigError) as refused:
            load_config(options)
        assert refused.value.mon_message == expected["error"].strip()
        return
    loaded = load_config(options)
    config = loaded.config
    for name, members in expected["groups"].items():
        assert name in config.hostgroups, name
        assert list(config.hostgroups[name].hosts) == members, name
    for name in expected["undefined_groups"]:
        assert name not in config.hostgroups
    pairs = sorted([s.group, s.name] for s in config.services())
    assert pairs == expected["watch"]
    descriptions = {f"{s.group} {s.name}": s.description or "" for s in config.services()}
    assert descriptions == expected["descriptions"]
    for key, values in expected["services"].items():
        group, name = key.split(" ")
        service = config.service(group, name)
        assert service is not None
        assert service.settings.get("interval", "") == values["interval"], key
        assert (service.monitor or "") == values["monitor"], key
    assert sorted(config.mon_warnings) == sorted(expected["stderr"].splitlines())
    # Every program is missing from the empty mon.d and alert.d: the same
    # "not found" lines as mon's second start without stubs.
    not_found = sorted(
        p.replace(str(tmp_path), "TMP") for p in loaded.problems if "not found" in p
    )
    wanted = sorted(
        line.removeprefix("<err> ") for line in expected.get("without_stubs", {}).get("syslog_not_found", [])
    )
    assert not_found == wanted
    dropped = sorted(
        n.location.line for n in config.notes if n.kind == "dropped-service" and n.location
    )
    assert dropped == sorted(line for _, _, line in expected.get("declared_but_not_loaded") or [])
