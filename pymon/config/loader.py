"""Read a mon.cf from disk as mon's startup does (INIT-03): m4, parse, flags, paths."""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from dataclasses import dataclass, replace

from pymon.config.errors import ConfigError
from pymon.config.model import Config
from pymon.config.parser import parse_config, paused_gc
from pymon.config.paths import (
    Options,
    Programs,
    apply_overrides,
    config_path,
    find_programs,
    initial_globals,
    normalize,
)
from pymon.config.timeval import dhmstos


@dataclass(frozen=True)
class LoadedConfig:
    config: Config  # globals after the command line and INIT-02
    programs: Programs
    source: str  # the text that was parsed (after m4)
    problems: tuple[str, ...]  # what mon would log at startup (missing dirs and programs)


def read_source(path: str, m4: str | None) -> str:
    """The config text, through m4 when asked (-M) or when the name ends in .m4 (CLI-14)."""
    if m4 is not None or path.endswith(".m4"):
        # mon runs "-M" without a value as the config file itself; pymon runs m4 (CLI-14).
        command = shlex.split(m4) if m4 else ["m4"]
        try:
            done = subprocess.run(
                [*command, path], stdin=subprocess.DEVNULL, capture_output=True, check=False
            )
        except OSError as error:
            raise ConfigError(
                f"could not open m4 pipe of cf file: {path}: {error.strerror}"
            ) from error
        if done.returncode != 0:
            detail = done.stderr.decode("utf-8", "replace").strip()
            raise ConfigError(
                "Could not open pipe to m4 (check that m4 is properly installed and in your PATH): ",
                hint=f"{command[0]} exited with status {done.returncode}" + (f": {detail}" if detail else ""),
            )
        return done.stdout.decode("utf-8", "surrogateescape")
    try:
        with open(path, "rb") as source:
            return source.read().decode("utf-8", "surrogateescape")
    except OSError as error:
        raise ConfigError(f"could not open cf file: {path}: {error.strerror}") from error


def load_config(options: Options, *, cwd: str | None = None, now: float | None = None) -> LoadedConfig:
    """Everything mon does with its config before it opens sockets; ConfigError if it would stop."""
    with paused_gc():
        return _load(options, cwd, now)


def _load(options: Options, cwd: str | None, now: float | None) -> LoadedConfig:
    cwd = cwd or os.getcwd()
    if options.basedir and not os.path.isdir(options.basedir):
        raise ConfigError(f"basedir {options.basedir} does not exist", status=2)
    path = config_path(options, cwd)
    if not os.path.isfile(path):
        raise ConfigError(f"config file {path} does not exist", status=2)
    text = read_source(path, options.m4)
    config = parse_config(text, path, initial=initial_globals(options), now=now or time.time())
    globals_ = apply_overrides(config.globals, options)
    if options.randstart:
        seconds = dhmstos(options.randstart)
        if seconds is None:
            raise ConfigError("bad randstart value", hint="randstart needs a time value like 30s or 5m")
        globals_ = replace(globals_, randstart=float(seconds))
    globals_, problems = normalize(globals_)
    config = replace(config, globals=globals_)
    _check_authfile(globals_.authfile)
    programs = find_programs(config)
    return LoadedConfig(config, programs, text, tuple(problems) + programs.problems)


def _check_authfile(path: str) -> None:
    """INIT-03: mon refuses to start when it cannot read its auth file."""
    try:
        with open(path, "rb"):
            pass
    except OSError as error:
        raise ConfigError(
            f"could not open {path}: {error.strerror}",
            hint="the auth file is found with -A or `authfile`, relative to the config directory (-B)",
            status=error.errno or 1,
        ) from error
