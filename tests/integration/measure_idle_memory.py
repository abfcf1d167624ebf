#!/usr/bin/env python3
"""Measures the server's memory per idle SSE and WebSocket connection.

Starts bazel-bin/tests/integration/probe_server, opens N idle connections of each kind
(each subscribed to one topic), and prints the growth of the server's resident set size
divided by N. Run from the workspace root after
`bazel build //tests/integration:probe_server` (or set PROBE_SERVER to another build of it).
"""
import base64
import os
import resource
import socket
import subprocess
import sys
import time
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wait_for(predicate, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 2 * n + 100)), hard))
    http_port, control_port = free_port(), free_port()
    server = subprocess.Popen(
        [os.environ.get("PROBE_SERVER", "bazel-bin/tests/integration/probe_server"),
         f"--http_port={http_port}",
         f"--control_port={control_port}", "--shards=2"],
        stderr=subprocess.DEVNULL, preexec_fn=lambda: resource.setrlimit(
            resource.RLIMIT_NOFILE, (min(hard, 4 * n + 100), hard)))
    try:
        def healthy():
            try:
                return urllib.request.urlopen(f"http://127.0.0.1:{http_port}/healthz").status == 200
            except OSError:
                return False
        assert wait_for(healthy), "server did not start"
        urllib.request.urlopen(urllib.request.Request(
            f"http://127.0.0.1:{control_port}/create?topic=idle", method="POST"))
        time.sleep(0.5)
        results = {}
        for kind in ("sse", "ws"):
            base = rss_kib(server.pid)
            sockets = []
            for _ in range(n):
                s = socket.create_connection(("127.0.0.1", http_port))
                if kind == "sse":
                    s.sendall(b"GET /v1/sse?topic=idle HTTP/1.1\r\nHost: x\r\n\r\n")
                else:
                    key = base64.b64encode(os.urandom(16)).decode()
                    s.sendall((
                        "GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                        f"Sec-WebSocket-Key: {key}\r\n"
                        "Sec-WebSocket-Protocol: herald.v1.json\r\n\r\n").encode())
                sockets.append(s)
            for s in sockets:
                s.settimeout(10)
                head = s.recv(4096)
                assert head.startswith(b"HTTP/1.1 200") or head.startswith(b"HTTP/1.1 101"), head
                if kind == "ws":
                    # A masked text frame: {"op":"subscribe","topic":"idle"}
                    payload = b'{"op":"subscribe","topic":"idle"}'
                    mask = os.urandom(4)
                    s.sendall(bytes([0x81, 0x80 | len(payload)]) + mask +
                              bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
                    s.recv(4096)
            time.sleep(1.0)
            grown = rss_kib(server.pid) - base
            results[kind] = grown * 1024 / n
            for s in sockets:
                s.close()
            time.sleep(1.0)
        for kind, per in results.items():
            print(f"{kind}: {per / 1024:.1f} KiB resident per idle connection ({n} connections)")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
