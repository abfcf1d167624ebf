#!/usr/bin/env python3
"""A backend publisher: N events over one PublishStream, each acknowledged once stored.

Every event carries a dedup_key, so a stream that breaks before all its acks arrived is
retried by sending the unacknowledged events again with the same keys: the broker answers
any it already stored with that event's first offset instead of storing it twice.

    publish.py --server 127.0.0.1:50051 --topic orders --count 100
    publish.py ... --break_after 40    # ends the first stream after 40 acks, to show a retry

The stubs are generated from api/herald/v1/*.proto into a temporary directory at start, with
Debian's python3-grpc-tools, so nothing generated is kept in the repository.
"""

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

import grpc

# Events sent once more after all were acked, to show a retry is answered from its key.
REPLAYED = 10
PROTO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../api/herald/v1")


def load_stubs(out_dir):
    subprocess.run(
        [sys.executable, "-m", "grpc_tools.protoc", f"-I{PROTO_DIR}", f"--python_out={out_dir}",
         f"--grpc_python_out={out_dir}", os.path.join(PROTO_DIR, "publish.proto")],
        check=True)
    sys.path.insert(0, out_dir)
    return importlib.import_module("publish_pb2"), importlib.import_module("publish_pb2_grpc")


class StreamBroken(Exception):
    """The stream was ended on purpose (--break_after), as a network failure would end it."""


def publish_attempt(stub, pb, topic, events, acks, break_after):
    """Sends `events` ({seq: (key, data)}) on one stream and records each ack in `acks`."""
    order = sorted(events)
    requests = (pb.PublishRequest(topic=topic, data=events[seq][1], event="order",
                                  dedup_key=events[seq][0]) for seq in order)
    responses = stub.PublishStream(requests)
    # Acks come in request order: the i-th ack is for the i-th event sent.
    for count, (seq, ack) in enumerate(zip(order, responses), start=1):
        acks[seq] = ack.offset
        if count == break_after:
            # Events past this one are on their way or stored already, but not acked to us.
            responses.cancel()
            raise StreamBroken(f"stream broken on purpose after {count} acks")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--server", default="127.0.0.1:50051")
    parser.add_argument("--topic", default="orders")
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--break_after", type=int, default=0,
                        help="end the first stream after this many acks (0: never)")
    parser.add_argument("--attempts", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as stubs_dir:
        pb, pb_grpc = load_stubs(stubs_dir)
        run = uuid.uuid4().hex[:8]
        # The key names the event, not the attempt: the same event keeps it on every retry.
        events = {seq: (f"{run}-{seq}", json.dumps({"order": seq, "run": run}).encode())
                  for seq in range(1, args.count + 1)}
        acks = {}
        with grpc.insecure_channel(args.server) as channel:
            stub = pb_grpc.PublishServiceStub(channel)
            for attempt in range(1, args.attempts + 1):
                pending = {seq: e for seq, e in events.items() if seq not in acks}
                if not pending:
                    break
                try:
                    publish_attempt(stub, pb, args.topic, pending, acks,
                                    args.break_after if attempt == 1 else 0)
                except (grpc.RpcError, StreamBroken) as error:
                    why = error.details() if isinstance(error, grpc.RpcError) else str(error)
                    print(f"attempt {attempt}: {len(acks)} of {args.count} acked ({why}); "
                          f"sending the other {args.count - len(acks)} again with the same "
                          "dedup keys", file=sys.stderr)
                    time.sleep(0.2 * attempt)
            if len(acks) == args.count:
                # A retry of events already acked, as a publisher that lost only the acks
                # would send: each must be answered with the offset it was first stored at.
                replay = {seq: events[seq] for seq in sorted(events)[:REPLAYED]}
                replay_acks = {}
                publish_attempt(stub, pb, args.topic, replay, replay_acks, 0)
                wrong = [seq for seq in replay if replay_acks.get(seq) != acks[seq]]
                if wrong:
                    print(f"publish: events {wrong}, sent again, got other offsets",
                          file=sys.stderr)
                    return 1
                print(f"sent {len(replay)} acked events again with their keys: each answered "
                      "with its first offset")

    if len(acks) != args.count:
        print(f"publish: only {len(acks)} of {args.count} events acked", file=sys.stderr)
        return 1
    offsets = sorted(acks.values())
    # On a topic this publisher alone writes to, an event stored twice would leave a hole in
    # the acked offsets (its first copy's offset, acked to nobody).
    print(f"published {args.count} events to '{args.topic}': acked offsets "
          f"{offsets[0]}..{offsets[-1]}, "
          f"{'without a gap' if offsets[-1] - offsets[0] + 1 == args.count else 'WITH GAPS'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
