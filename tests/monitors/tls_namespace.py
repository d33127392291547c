"""Run sslcert.monitor cases inside a private network and mount namespace (the test starts
this as `unshare -rmn python3 tls_namespace.py CASES.json`).

Both monitors look names up through /etc/resolv.conf (the Perl one with Net::DNS), so
here /etc/resolv.conf is replaced by one naming a DNS server this script starts on
127.83.0.1: no lookup leaves the namespace. TLS servers on 127.0.0.1 present the
certificates the test made. Each case is run by the Perl original, by pymon's executable
and by awaiting check(); the outputs are printed as JSON.
"""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.monitors import dns_server
from tests.monitors.servers import Loop, await_check, run_perl, run_script

NAMES = ("tls.example.test", "soon.example.test", "other.example.test")


def main() -> None:
    cases = json.loads(Path(sys.argv[1]).read_text())
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    resolv = Path(tempfile.mkdtemp()) / "resolv.conf"
    resolv.write_text("nameserver 127.83.0.1\noptions timeout:1 attempts:1\n")
    subprocess.run(["mount", "--bind", str(resolv), "/etc/resolv.conf"], check=True)
    loop = Loop()
    zone = dns_server.Zone({(name, "A"): [dns_server.a("127.0.0.1")] for name in NAMES})
    loop.run(dns_server.serve(zone, "127.83.0.1"))
    ports = {}
    for name, (cert, key) in cases["certificates"].items():
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        ports[name] = loop.run(_tls_server(context))
    ports["plain"] = loop.run(_plain_server())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        ports["closed"] = probe.getsockname()[1]
    results = []
    for server, argv in cases["runs"]:
        argv = ["-t", "5", "-p", str(ports[server]), *argv] if server else argv
        perl_argv = [a for a in argv if a not in ("-t", "5")]  # -t is pymon's extension
        results.append(
            {
                "perl": run_perl("sslcert.monitor", perl_argv, timeout=30).__dict__,
                "script": run_script("sslcert.monitor", argv, timeout=30).__dict__,
                "awaited": await_check("sslcert.monitor", argv).__dict__,
            }
        )
    print(json.dumps(results))
    loop.close()


async def _tls_server(context: ssl.SSLContext) -> int:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await reader.read(1)
        except OSError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0, ssl=context)
    return int(server.sockets[0].getsockname()[1])


async def _plain_server() -> int:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 not TLS\r\n")
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    return int(server.sockets[0].getsockname()[1])


if __name__ == "__main__":
    main()
