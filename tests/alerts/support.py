"""Real processes for the alert tests: a recording ipvsadm, an SMTP sink on
127.0.0.1, Debian's mail.alert pointed at a sendmail that talks to the sink,
and a way to run an alert the way mon does (argv, environment, stdin)."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from daemon.harness import free_port, start_daemon, stop_daemon, wait_for

REPO = Path(__file__).resolve().parents[2]
ALERTS = REPO / "alerts"
DEBIAN_ALERTS = Path("/usr/lib/mon/alert.d")
HERE = Path(__file__).resolve().parent


def run_alert(path: Path | str, argv: Sequence[str], stdin: str = "", env: Mapping[str, str] | None = None,
              cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run an alert as mon does: argv after the path, stdin written and closed."""
    full = {k: v for k, v in os.environ.items() if not k.startswith("MON_")}
    full["PYTHONPATH"] = str(REPO)
    full.update(env or {})
    return subprocess.run([str(path), *argv], input=stdin, capture_output=True, text=True, env=full,
                          cwd=cwd, timeout=60, check=False)


class FakeIpvsadm:
    """bin/ipvsadm recording its calls into `state`, with a virtual server table."""

    def __init__(self, base: Path, table: dict[str, dict[str, dict[str, Any]]] | None = None) -> None:
        self.bindir = base / "bin"
        self.state = base / "ipvs"
        self.bindir.mkdir(parents=True, exist_ok=True)
        self.state.mkdir(parents=True, exist_ok=True)
        source = (HERE / "fake_ipvsadm.py").read_text()
        self.path = self.bindir / "ipvsadm"
        self.path.write_text(f"#!{sys.executable}\n" + source.replace(
            'os.environ.get("FAKE_IPVSADM_DIR", "")', repr(str(self.state))))
        self.path.chmod(0o755)
        self.set_table(table or {})

    def set_table(self, table: dict[str, dict[str, dict[str, Any]]]) -> None:
        (self.state / "table.json").write_text(json.dumps(table))

    def table(self) -> dict[str, dict[str, dict[str, Any]]]:
        result: dict[str, dict[str, dict[str, Any]]] = json.loads((self.state / "table.json").read_text())
        return result

    def calls(self) -> list[list[str]]:
        path = self.state / "calls.jsonl"
        if not path.exists():
            return []
        return [json.loads(line)["argv"] for line in path.read_text().splitlines()]

    def fail_with(self, message: str) -> None:
        (self.state / "fail").write_text(message)

    def env(self) -> dict[str, str]:
        return {"PATH": f"{self.bindir}{os.pathsep}{os.environ.get('PATH', '/usr/bin:/bin')}"}


def real(weight: int = 1, forward: str = "Route") -> dict[str, Any]:
    return {"weight": weight, "forward": forward}


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: tuple[str, ...]
    data: str  # the message as sent, CRLF turned into LF, dot-stuffing removed


class SmtpSink:
    """A minimal SMTP server on 127.0.0.1 that keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[Received] = []
        self.loop = asyncio.new_event_loop()
        self._started = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._started.wait(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(asyncio.start_server(self._session, "127.0.0.1", 0))
        self.port: int = self.server.sockets[0].getsockname()[1]
        self._started.set()
        self.loop.run_forever()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        def say(line: str) -> None:
            writer.write(line.encode() + b"\r\n")

        say("220 sink ESMTP")
        sender, recipients = "", []
        while True:
            raw = await reader.readline()
            if not raw:
                break
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("HELO", "EHLO"):
                say("250 sink")
            elif verb == "MAIL":
                sender, recipients = line.split(":", 1)[1].strip().strip("<>"), []
                say("250 ok")
            elif verb == "RCPT":
                recipients.append(line.split(":", 1)[1].strip().strip("<>"))
                say("250 ok")
            elif verb == "DATA":
                say("354 go on")
                await writer.drain()
                lines = []
                while (body := await reader.readline()) not in (b".\r\n", b""):
                    text = body.decode("utf-8", "replace").replace("\r\n", "\n")
                    lines.append(text[1:] if text.startswith(".") else text)
                self.messages.append(Received(sender, tuple(recipients), "".join(lines)))
                say("250 queued")
            elif verb == "QUIT":
                say("221 bye")
                await writer.drain()
                break
            else:
                say("250 ok")
            await writer.drain()
        writer.close()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.server.close)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


SENDMAIL = '''#!{python}
# A sendmail for Debian's mail.alert: -oi -t [-f FROM -F NAME]; recipients from To:.
import smtplib, sys
from email.parser import Parser
args, sender = sys.argv[1:], "mon@localhost"
if "-f" in args:
    sender = args[args.index("-f") + 1]
data = sys.stdin.read()
to = Parser().parsestr(data, headersonly=True).get("To", "")
with smtplib.SMTP("127.0.0.1", {port}) as smtp:
    smtp.sendmail(sender, [a.strip() for a in to.split(",") if a.strip()], data.replace("\\n", "\\r\\n"))
'''


def debian_mail_alert(base: Path, port: int) -> Path:
    """Debian's mail.alert, with only its sendmail path changed to a stand-in
    that hands the message to the sink on `port` (there is no MTA here)."""
    sendmail = base / "sendmail"
    sendmail.write_text(SENDMAIL.format(python=sys.executable, port=port))
    sendmail.chmod(0o755)
    text = (DEBIAN_ALERTS / "mail.alert").read_text()
    assert text.count("/usr/lib/sendmail") == 1
    script = base / "mail.alert"
    script.write_text(text.replace("/usr/lib/sendmail", str(sendmail)))
    script.chmod(0o755)
    return script


class WebServer:
    """A real HTTP server on 127.0.0.1 that can be stopped and started again on its port."""

    def __init__(self) -> None:
        self.port = 0
        self._server: Any = None
        self.start()

    def start(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        class Hello(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = b"hello\n"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Hello)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class Process:
    """A daemon (pymon or the real mon) in its own session, stopped with SIGTERM then killed."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str], port: int) -> None:
        self.port = port
        self.log = cwd / "daemon.log"
        self.proc = start_daemon(argv, cwd, self.log, port, env)

    def stop(self) -> None:
        stop_daemon(self.proc)  # and the monitors and alerts it left behind


def daemon_dirs(base: Path, config: str) -> dict[str, Path]:
    """etc/mon.cf (loopback only), etc/auth.cf, log.d, state.d under base."""
    dirs = {name: base / name for name in ("etc", "log.d", "state.d", "mon.d", "alert.d")}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    (dirs["etc"] / "mon.cf").write_text("serverbind = 127.0.0.1\ntrapbind = 127.0.0.1\n\n" + config)
    (dirs["etc"] / "auth.cf").write_text("list: all\n")
    return dirs


def daemon_argv(program: list[str], base: Path, dirs: dict[str, Path], port: int, basedir: Path,
                extra: Sequence[str] = ()) -> list[str]:
    trapport = free_port(socket.SOCK_DGRAM)
    return [*program, "-c", str(dirs["etc"] / "mon.cf"), "-p", str(port), "-t", str(trapport),
            "-L", str(dirs["log.d"]), "-D", str(dirs["state.d"]), "-P", str(base / "mon.pid"),
            "-b", str(basedir), "-B", str(dirs["etc"]), "-A", str(dirs["etc"] / "auth.cf"), *extra]


def daemon_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MON_")}
    env["PYTHONPATH"] = str(REPO)
    env.update(extra or {})
    return env


def wait_until(what: str, probe: Any, timeout: float = 20.0) -> Any:
    return wait_for(what, probe, timeout)


def headers_and_body(data: str) -> tuple[dict[str, str], str]:
    head, _, body = data.partition("\n\n")
    fields = dict(line.split(": ", 1) for line in head.splitlines())
    return fields, body
