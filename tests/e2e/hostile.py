#!/usr/bin/env python3
"""Hostile clients for hostile_e2e.sh, on raw sockets, and the well-behaved one beside them.

  hostile.py subscribe PORT TOPIC COUNT OUT   # the calm client: an SSE stream from 127.0.0.2
  hostile.py barrage PORT                     # every attack; PASS/FAIL lines

Each attack comes from its own loopback address (127.0.0.x binds on Linux without setup), so
that the per-client limits one attack trips do not hide another's effect.
"""
import base64
import os
import socket
import struct
import sys
import threading
import time
import zlib

HOST = "127.0.0.1"
results = []
results_lock = threading.Lock()


def check(ok, name, detail=""):
    with results_lock:
        results.append(ok)
        print(("PASS " if ok else "FAIL ") + name + ("" if ok else ": " + detail), flush=True)


def connect(port, source, timeout=10):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect((HOST, port))
    return s


def read_head(s):
    """The response head (status line to blank line), or b'' when the server closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        try:
            chunk = s.recv(4096)
        except (socket.timeout, ConnectionResetError):
            return data
        if not chunk:
            return data
        data += chunk
    return data


def status_of(head):
    try:
        return int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def exchange(port, source, request):
    """Sends raw bytes and returns the status of the answer (0 when the server just closed)."""
    with connect(port, source) as s:
        try:
            s.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return status_of(read_head(s))


def closed_within(s, seconds):
    """Whether the server closes `s` within `seconds` (whatever it sends first)."""
    s.settimeout(seconds)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            if not s.recv(65536):
                return True
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False
    return False


# --- WebSocket framing (RFC 6455), as a client writes it and a server answers -----------

def ws_open(port, source, deflate=False):
    """A WebSocket after its handshake: (socket, head)."""
    s = connect(port, source)
    key = base64.b64encode(os.urandom(16)).decode()
    extensions = "Sec-WebSocket-Extensions: permessage-deflate\r\n" if deflate else ""
    s.sendall(("GET /v1/ws HTTP/1.1\r\nHost: herald\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Protocol: herald.v1.json\r\n"
               f"{extensions}\r\n").encode())
    return s, read_head(s)


def ws_frame(opcode, payload, fin=True, rsv1=False, masked=True, length=None):
    first = (0x80 if fin else 0) | (0x40 if rsv1 else 0) | opcode
    n = len(payload) if length is None else length
    mask_bit = 0x80 if masked else 0
    if n < 126:
        head = struct.pack("!BB", first, mask_bit | n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", first, mask_bit | 126, n)
    else:
        head = struct.pack("!BBQ", first, mask_bit | 127, n)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def ws_close_code(s, seconds=10):
    """The code of the server's close frame; 0 when the connection ended without one, -1 when
    it stayed open."""
    s.settimeout(seconds)
    data = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            while len(data) >= 2:
                opcode, n = data[0] & 0x0F, data[1] & 0x7F
                at = 2
                if n == 126:
                    if len(data) < 4:
                        break
                    n, at = struct.unpack("!H", data[2:4])[0], 4
                elif n == 127:
                    if len(data) < 10:
                        break
                    n, at = struct.unpack("!Q", data[2:10])[0], 10
                if len(data) < at + n:
                    break
                payload, data = data[at:at + n], data[at + n:]
                if opcode == 0x8:
                    return struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
    except socket.timeout:
        return -1
    except ConnectionResetError:
        pass
    return 0


# --- the calm client ----------------------------------------------------------------------

def subscribe(port, topic, count, out):
    """Reads `count` events of `topic` over SSE from 127.0.0.2, then writes their data, one a
    line, to `out`. Gives up 60 s after the last event."""
    with connect(port, "127.0.0.2", timeout=60) as s:
        s.sendall(f"GET /v1/sse?topic={topic} HTTP/1.1\r\nHost: herald\r\n\r\n".encode())
        buffer = b""
        data = []
        with open(out + ".ready", "w"):
            pass
        while len(data) < count:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                break
            if not chunk:
                break
            buffer += chunk
            *lines, buffer = buffer.split(b"\n")
            data += [line[6:].decode() for line in lines if line.startswith(b"data: ")]
    with open(out, "w") as f:
        f.write("".join(d + "\n" for d in data))


# --- the attacks --------------------------------------------------------------------------

def malformed_http(port):
    status = exchange(port, "127.0.0.3", b"BREW /v1/sse HTTP/1.1\r\nHost: x\r\n\r\n")
    check(status == 405, "an unknown method gets 405", f"status {status}")
    cases = {
        "a request line of garbage": b"\x00\x01\x02 nonsense\r\n\r\n",
        "a header without a colon": b"GET /healthz HTTP/1.1\r\nHost x\r\n\r\n",
        "a bad HTTP version": b"GET /healthz HTTP/9.9\r\n\r\n",
        "a negative Content-Length": b"GET /healthz HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
        "a bad chunk size": b"GET /healthz HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "a control character in a header": b"GET /healthz HTTP/1.1\r\nX-A: a\x01b\r\n\r\n",
    }
    for name, request in cases.items():
        status = exchange(port, "127.0.0.3", request)
        check(status in (0, 400), f"malformed HTTP ({name}) is refused", f"status {status}")
    status = exchange(port, "127.0.0.3",
                      b"GET /healthz HTTP/1.1\r\nContent-Length: 1000000000\r\n\r\n")
    check(status in (0, 413), "a body past the limit gets 413", f"status {status}")


def oversized_headers(port):
    request = b"GET /healthz HTTP/1.1\r\nX-Big: " + b"a" * (64 << 10) + b"\r\n\r\n"
    status = exchange(port, "127.0.0.4", request)
    check(status == 431, "a 64 KiB header gets 431", f"status {status}")
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(5000))
    status = exchange(port, "127.0.0.4", b"GET /healthz HTTP/1.1\r\n" + many + b"\r\n")
    check(status == 431, "5,000 headers get 431", f"status {status}")


def slowloris(port, handshake_timeout):
    """Heads dribbled a byte at a time are cut at the handshake timeout."""
    sockets = [connect(port, "127.0.0.5") for _ in range(10)]
    stop = threading.Event()

    def dribble():
        line = b"GET /healthz HTTP/1.1\r\nX-Slow: " + b"z" * 10000
        for byte in line:
            if stop.is_set():
                return
            for s in sockets:
                try:
                    s.send(bytes([byte]))
                except OSError:
                    pass
            time.sleep(0.2)

    thread = threading.Thread(target=dribble, daemon=True)
    thread.start()
    cut = sum(closed_within(s, handshake_timeout + 5) for s in sockets)
    stop.set()
    check(cut == len(sockets), "slowloris connections are closed at the handshake timeout",
          f"{cut} of {len(sockets)} closed")
    for s in sockets:
        s.close()


def bad_websocket_frames(port):
    cases = [
        # (name, bytes after the handshake, close codes accepted)
        ("an unmasked client frame", ws_frame(0x1, b'{"op":"ping"}', masked=False), (1002, 0)),
        ("a reserved opcode", ws_frame(0x3, b"x"), (1002, 0)),
        ("RSV1 without deflate", ws_frame(0x1, b"x", rsv1=True), (1002, 0)),
        ("a fragmented ping", ws_frame(0x9, b"x", fin=False), (1002, 0)),
        ("a ping of 200 bytes", ws_frame(0x9, b"p" * 200), (1002, 0)),
        ("a continuation without a start", ws_frame(0x0, b"x"), (1002, 0)),
        ("a length of 2^63", ws_frame(0x1, b"", length=(1 << 63)), (1002, 1009, 0)),
        ("a 2 MiB message", ws_frame(0x1, b"x" * (2 << 20)), (1009, 0)),
        ("invalid UTF-8", ws_frame(0x1, b'{"op":"\xff"}'), (1007, 0)),
    ]
    for name, frame, codes in cases:
        s, head = ws_open(port, "127.0.0.6")
        if status_of(head) != 101:
            check(False, f"WebSocket: {name}", f"handshake answered {status_of(head)}")
            continue
        try:
            s.sendall(frame)
        except OSError:
            pass
        code = ws_close_code(s)
        check(code in codes, f"WebSocket: {name} is closed ({'/'.join(map(str, codes))})",
              f"close code {code}")
        s.close()
    # Truncated frames: half a header, half a payload, then the client goes.
    for name, piece in [("half a header", ws_frame(0x1, b"x" * 300)[:3]),
                        ("half a payload", ws_frame(0x1, b"y" * 300)[:100])]:
        s, head = ws_open(port, "127.0.0.6")
        if status_of(head) == 101:
            s.sendall(piece)
        s.close()
        check(status_of(head) == 101, f"WebSocket: a truncated frame ({name}) is dropped")


def compression_bombs(port):
    """Messages that inflate past the message limit are closed with 1009 without being
    inflated whole."""
    for size in (8 << 20, 64 << 20):
        s, head = ws_open(port, "127.0.0.7", deflate=True)
        if status_of(head) != 101 or b"permessage-deflate" not in head:
            check(False, f"compression bomb of {size >> 20} MiB",
                  "permessage-deflate was not agreed")
            continue
        deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
        payload = deflater.compress(b"x" * size) + deflater.flush(zlib.Z_SYNC_FLUSH)
        s.sendall(ws_frame(0x1, payload[:-4], rsv1=True))
        code = ws_close_code(s)
        check(code == 1009,
              f"compression bomb ({len(payload)} bytes inflating to {size >> 20} MiB) gets 1009",
              f"close code {code}")
        s.close()


def bad_cursors(port):
    for cursor in ["garbage", "%%%", "A" * 5000, "0:0:0", "-1"]:
        status = exchange(port, "127.0.0.8",
                          f"GET /v1/sse?topic=calm&last_event_id={cursor} HTTP/1.1\r\n"
                          "Host: x\r\n\r\n".encode())
        check(status == 400, f"SSE cursor '{cursor[:12]}' gets 400", f"status {status}")
    s, head = ws_open(port, "127.0.0.8")
    s.sendall(ws_frame(0x1, b'{"op":"subscribe","topic":"calm","from":"not-a-cursor"}'))
    s.settimeout(10)
    answer = s.recv(4096)
    check(b"bad_cursor" in answer, "WebSocket subscribe from a bad cursor gets bad_cursor",
          repr(answer[:200]))
    s.close()


def subscribe_flood(port):
    """Thousands of subscribe ops in one burst: the message rate closes the connection."""
    s, head = ws_open(port, "127.0.0.9")
    ops = b"".join(ws_frame(0x1, b'{"op":"subscribe","topic":"flood-%d"}' % i)
                   for i in range(5000))
    try:
        s.sendall(ops)
    except OSError:
        pass
    code = ws_close_code(s, seconds=15)
    check(code in (1008, 0), "a flood of 5,000 subscribes is closed (1008)", f"close code {code}")
    s.close()


def one_client_past_its_limit(port, limit):
    """`limit` streams from one address are served, the next gets 429, another address
    still connects."""
    held = []
    for _ in range(limit):
        s = connect(port, "127.0.0.10")
        s.sendall(b"GET /v1/sse?topic=calm HTTP/1.1\r\nHost: x\r\n\r\n")
        held.append((s, status_of(read_head(s))))
    served = sum(status == 200 for _, status in held)
    check(served == limit, f"{limit} streams from one client are served", f"{served} served")
    with connect(port, "127.0.0.10") as s:
        s.sendall(b"GET /v1/sse?topic=calm HTTP/1.1\r\nHost: x\r\n\r\n")
        head = read_head(s)
    check(status_of(head) == 429 and b"Retry-After:" in head,
          "the next stream from that client gets 429 with Retry-After", repr(head[:200]))
    status = exchange(port, "127.0.0.11", b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    check(status == 200, "another client still connects meanwhile", f"status {status}")
    for s, _ in held:
        s.close()


def barrage(port, handshake_timeout, limit):
    attacks = [lambda: malformed_http(port), lambda: oversized_headers(port),
               lambda: slowloris(port, handshake_timeout), lambda: bad_websocket_frames(port),
               lambda: compression_bombs(port), lambda: bad_cursors(port),
               lambda: subscribe_flood(port), lambda: one_client_past_its_limit(port, limit)]
    threads = [threading.Thread(target=attack) for attack in attacks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "subscribe":
        subscribe(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5])
    elif command == "barrage":
        barrage(int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(f"unknown command {command}")
