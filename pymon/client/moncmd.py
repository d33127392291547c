"""pymoncmd: moncmd (CLI-moncmd, spec section 20) on pymon's client library.

Same options, same output, same exit statuses: a command from the command
line (its words joined by spaces) or one per line from `-f FILE` (`-` is
stdin) or from stdin; for each, the reply's data lines and then its status
line; a final `quit`. The reply's status never changes the exit status (0);
a failure to connect or log in exits as moncmd does, with the errno Perl's
`die` uses (111 for a refused connection, 29 for a refused login, 255 when
there is none).

Where moncmd does not do what its manual says, this does what the manual says
(docs/compatibility.md): `USER=name` on stdin sets the user name unless `-l`
gave one; `USER=`/`PASS=` lines are read only from stdin (never from a `-f`
file); and the first command after them is run, not skipped.
"""

from __future__ import annotations

import contextlib
import getpass
import io
import os
import pwd
import re
import socket
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Final

from ._client import MonClient, default_host, default_port
from ._errors import MonConnectionError

__all__ = ["main"]

USAGE: Final = """\
usage: pymoncmd [-a] [-l login] [-s host] [-p port] [-f file] [command words...]
  -a        log in first (password from the terminal, or USER=/PASS= lines on stdin)
  -l login  the user name for -a (default: the effective user)
  -s host   the server (default: $MONHOST, else localhost)
  -p port   the TCP port (default: the `mon` service, else 2583)
  -f file   read commands from FILE, one per line (`-` for stdin)
Without a command or -f, commands are read from stdin. Each reply is printed:
its data lines, then its status line.
"""
# Perl's die exits with errno: moncmd's credential check dies after its tty test left ENOTTY.
ENOTTY_EXIT: Final = 25
NO_ERRNO_EXIT: Final = 255
# ... and its `Could not authenticate` after reading credentials from a pipe leaves ESPIPE.
LOGIN_REFUSED_EXIT: Final = 29


class Die(Exception):
    """moncmd's `die MESSAGE`: MESSAGE on stderr, exit with STATUS."""

    def __init__(self, message: str, status: int = NO_ERRNO_EXIT) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Options:
    authenticate: bool = False
    login: str | None = None
    server: str | None = None
    port: str | None = None
    file: str | None = None
    help: bool = False
    words: tuple[str, ...] = ()


def parse_options(argv: Sequence[str]) -> Options:
    """Getopt::Std's `ahf:l:s:p:rd`: bundled flags, values attached or next, stop at the first word.

    An unknown flag is reported and skipped, as Getopt::Std does; -r and -d are accepted and unused.
    """
    opts = Options()
    args = list(argv)
    while args and args[0].startswith("-") and args[0] != "-":
        arg = args.pop(0)
        if arg == "--":
            break
        letters = arg[1:]
        while letters:
            flag, letters = letters[0], letters[1:]
            if flag in "flsp":
                value = letters or (args.pop(0) if args else "")
                letters = ""
                if flag == "f":
                    opts.file = value
                elif flag == "l":
                    opts.login = value
                elif flag == "s":
                    opts.server = value
                else:
                    opts.port = value
            elif flag == "a":
                opts.authenticate = True
            elif flag == "h":
                opts.help = True
            elif flag not in "rd":
                print(f"Unknown option: {flag}", file=sys.stderr)
    opts.words = tuple(args)
    return opts


def _server(opts: Options) -> str:
    if opts.server:
        return opts.server
    return os.environ["MONHOST"] if "MONHOST" in os.environ else default_host()


def _port(opts: Options) -> int:
    if not opts.port:
        return default_port()
    if opts.port.isdigit():
        return int(opts.port)
    try:
        return socket.getservbyname(opts.port, "tcp")
    except OSError:
        raise Die(f"unknown port '{opts.port}'") from None


def _effective_user() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        raise Die("could not determine username") from None


def _lines(handle: IO[str]) -> Iterator[str]:
    for line in handle:
        yield line[:-1] if line.endswith("\n") else line


def _credentials(opts: Options, commands: Iterator[str] | None) -> tuple[str, str, Iterator[str] | None]:
    """USER and PASS for -a; for batch input from stdin the credential lines are taken off the front."""
    user = opts.login
    password = ""
    if sys.stdin.isatty():
        password = getpass.getpass("Password: ", stream=sys.stdout)
        if not password.strip():
            raise Die("invalid password")
    elif commands is not None and opts.file is None:
        first: str | None = None
        for line in commands:
            if m := re.fullmatch(r"(?i)user=(\S+)", line):
                user = user or m.group(1)
            elif m := re.fullmatch(r"(?i)pass=(\S+)", line):
                password = m.group(1)
            elif not re.search(r"(?i)user=|pass=", line):
                first = line
                break
        if first is not None:
            rest = commands
            commands = (line for part in ([first], rest) for line in part)
    user = user or _effective_user()
    if not user or not password:
        raise Die("inadequate authentication information supplied", ENOTTY_EXIT)
    return user, password, commands


def _print_reply(client: MonClient, line: str, out: IO[str]) -> bool:
    """Run one command and print its reply; False when the connection is gone."""
    if not line.strip():
        out.write("\n\n")  # moncmd sends nothing for a blank line and prints two empty lines
        return True
    if "\n" in line or "\r" in line:
        raise Die(f"a command must be one line: {line!r}")
    try:
        reply = client.command(line, check=False)
    except MonConnectionError:
        return False
    out.write("".join(f"{data}\n" for data in reply.lines) + reply.status + "\n")
    return True


def run(argv: Sequence[str], out: IO[str]) -> int:
    opts = parse_options(argv)
    if opts.help:
        out.write(USAGE)
        return 0
    commands: Iterator[str] | None = None
    if opts.file is not None:
        if opts.file == "-":
            commands = _lines(sys.stdin)
        else:
            try:
                commands = _lines(open(opts.file, encoding="utf-8", errors="surrogateescape"))  # noqa: SIM115
            except OSError as error:
                status = error.errno or NO_ERRNO_EXIT
                raise Die(f"could not open input file: {error.strerror}", status) from None
    elif not opts.words:
        if sys.stdin.isatty():
            out.write("No command was given and there is no -f file, and pymoncmd does not read commands\n"
                      "from a terminal. Exiting.\n")  # fmt: skip
            return 1
        commands = _lines(sys.stdin)
    credentials = None
    if opts.authenticate:
        user, password, commands = _credentials(opts, commands)
        credentials = (user, password)
    host, port = _server(opts), _port(opts)
    try:
        socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_STREAM)
    except OSError:
        raise Die(f"Unable to find server '{host}'") from None
    client = MonClient(host, port, timeout=None)
    try:
        client.connect(protid=False)
    except MonConnectionError as error:
        cause = error.__cause__
        errno = cause.errno if isinstance(cause, OSError) and cause.errno else NO_ERRNO_EXIT
        reason = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(error)
        raise Die(f"could not connect: {reason}", errno) from None
    try:
        if credentials is not None:
            login = client.command(f"login {credentials[0]} {credentials[1]}", check=False)
            if login.status.startswith("530"):
                raise Die("Could not authenticate", LOGIN_REFUSED_EXIT)
        if commands is None:
            _print_reply(client, " ".join(opts.words), out)
        else:
            for line in commands:
                if not _print_reply(client, line, out):
                    break
        with contextlib.suppress(MonConnectionError):
            client.command("quit", check=False)
    finally:
        client.close()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    out = sys.stdout
    for stream in (sys.stdout, sys.stdin):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="surrogateescape")  # mon's bytes go out as they came
    try:
        status = run(sys.argv[1:] if argv is None else argv, out)
    except Die as death:
        out.flush()
        print(death, file=sys.stderr)
        return death.status
    except MonConnectionError as error:
        print(error, file=sys.stderr)
        return NO_ERRNO_EXIT
    except KeyboardInterrupt:
        return 130
    out.flush()
    return status


if __name__ == "__main__":
    sys.exit(main())
