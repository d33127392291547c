"""A recording stand-in for ipvsadm (this kernel has no IPVS).

Installed as `bin/ipvsadm` by tests/alerts/support.py with its state directory
written in. Every call appends its argv to calls.jsonl; the virtual server
table lives in table.json and the commands the alerts use behave as the real
ipvsadm does, with its messages: -a (`Destination already exists`), -d and -e
(`No such destination`, `No such service`), -L -n for one service. A file
`fail` in the state directory makes every call print its text and exit 1;
a file `delay` makes every call wait that many seconds before it reads the table.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time

STATE = os.environ.get("FAKE_IPVSADM_DIR", "")
NAMES = {"-t": "TCP", "-u": "UDP", "-f": "FWM"}
FORWARD = {"-g": "Route", "-m": "Masq", "-i": "Tunnel"}


def fail(message: str) -> None:
    sys.stderr.write(message + "\n")
    sys.exit(1)


def main(argv: list[str]) -> None:
    lock = open(os.path.join(STATE, "lock"), "w")  # noqa: SIM115 - held until exit
    fcntl.flock(lock, fcntl.LOCK_EX)  # alerts for several real servers may run at once
    with open(os.path.join(STATE, "calls.jsonl"), "a") as log:
        log.write(json.dumps({"argv": argv, "time": time.time()}) + "\n")
    failing = os.path.join(STATE, "fail")
    if os.path.exists(failing):
        with open(failing) as f:
            fail(f.read().strip())
    delay = os.path.join(STATE, "delay")
    if os.path.exists(delay):  # answer slowly, outside the lock: lets two callers interleave
        fcntl.flock(lock, fcntl.LOCK_UN)
        with open(delay) as f:
            time.sleep(float(f.read()))
        fcntl.flock(lock, fcntl.LOCK_EX)
    path = os.path.join(STATE, "table.json")
    with open(path) as f:
        table: dict[str, dict[str, dict[str, object]]] = json.load(f)
    opts: dict[str, str] = {}
    command = argv[0]
    words = argv[1:]
    while words:
        word = words.pop(0)
        if word in NAMES or word in ("-r", "-w"):
            opts[word] = words.pop(0)
            if word in NAMES:
                opts["service"] = f"{word} {opts[word]}"
        else:
            opts[word] = ""
    if command == "-L":
        print("IP Virtual Server version 1.2.1 (size=4096)")
        print("Prot LocalAddress:Port Scheduler Flags")
        print("  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn")
        for service, dests in table.items():
            if "service" in opts and service != opts["service"]:
                continue
            flag, virtual = service.split(" ")
            print(f"{NAMES[flag]}  {virtual} wlc")
            for real, d in dests.items():
                print(f"  -> {real:<26}{d['forward']:<8}{d['weight']:<7}0          0")
        return
    service = opts["service"]
    real = opts["-r"]
    if ":" not in real and not service.startswith("-f"):
        real += ":" + service.rsplit(":", 1)[1]
    if service not in table:
        fail("No such service")
    dests = table[service]
    forward = next((FORWARD[k] for k in FORWARD if k in opts), "Route")
    if command == "-a":
        if real in dests:
            fail("Destination already exists")
        dests[real] = {"weight": int(opts.get("-w", "1")), "forward": forward}
    elif command == "-d":
        if real not in dests:
            fail("No such destination")
        del dests[real]
    elif command == "-e":
        if real not in dests:
            fail("No such destination")
        dests[real] = {"weight": int(opts.get("-w", "1")), "forward": forward}
    else:
        fail(f"fake ipvsadm: {command} is not simulated")
    with open(path + ".tmp", "w") as f:
        json.dump(table, f)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main(sys.argv[1:])
