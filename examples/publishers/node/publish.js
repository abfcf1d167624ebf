// A backend publisher: N events over one PublishStream, each acknowledged once stored.
//
// Every event carries a dedup_key, so a stream that breaks before all its acks arrived is
// retried by sending the unacknowledged events again with the same keys: the broker answers
// any it already stored with that event's first offset instead of storing it twice.
//
//   node publish.js --server 127.0.0.1:50051 --topic orders --count 100
//   node publish.js ... --break_after 40    # ends the first stream after 40 acks, to show a retry
//
// The API is read from api/herald/v1/publish.proto at start (@grpc/proto-loader): nothing
// generated is kept in the repository.
'use strict';

const crypto = require('crypto');
const path = require('path');
const {parseArgs} = require('util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');

const {values: args} = parseArgs({
  options: {
    'server': {type: 'string', default: '127.0.0.1:50051'},
    'topic': {type: 'string', default: 'orders'},
    'count': {type: 'string', default: '100'},
    break_after: {type: 'string', default: '0'},
    'attempts': {type: 'string', default: '5'},
  },
});
const count = Number(args.count);
// Events sent once more after all were acked, to show a retry is answered from its key.
const REPLAYED = 10;
const attempts = Number(args.attempts);

const definition = protoLoader.loadSync(
    path.join(__dirname, '../../../api/herald/v1/publish.proto'),
    {keepCase: true, longs: Number, defaults: true});
const {PublishService} = grpc.loadPackageDefinition(definition).herald.v1;

// Sends `seqs` on one stream and records each ack in `acks`. Resolves once every one is
// acked; rejects when the stream ends first (breakAfter > 0 ends it on purpose).
function publishAttempt(client, events, seqs, acks, breakAfter) {
  return new Promise((resolve, reject) => {
    const stream = client.PublishStream();
    let received = 0;
    stream.on('data', (ack) => {
      // Acks come in request order: the i-th ack is for the i-th event sent.
      acks.set(seqs[received++], ack.offset);
      if (received === breakAfter) {
        // Events past this one are on their way or stored already, but not acked to us.
        stream.cancel();
        reject(new Error(`stream broken on purpose after ${received} acks`));
      }
    });
    stream.on('error', (error) => reject(error));
    stream.on('end', () => {
      if (received === seqs.length) resolve();
      else reject(new Error(`stream ended after ${received} of ${seqs.length} acks`));
    });
    for (const seq of seqs) {
      const {key, data} = events.get(seq);
      stream.write({topic: args.topic, data, event: 'order', dedup_key: key});
    }
    stream.end();
  });
}

async function main() {
  const client = new PublishService(args.server, grpc.credentials.createInsecure());
  const run = crypto.randomBytes(4).toString('hex');
  // The key names the event, not the attempt: the same event keeps it on every retry.
  const events = new Map();
  for (let seq = 1; seq <= count; seq++) {
    events.set(seq, {key: `${run}-${seq}`, data: Buffer.from(JSON.stringify({order: seq, run}))});
  }
  const acks = new Map();
  for (let attempt = 1; attempt <= attempts && acks.size < count; attempt++) {
    const pending = [...events.keys()].filter((seq) => !acks.has(seq));
    try {
      await publishAttempt(client, events, pending, acks,
          attempt === 1 ? Number(args.break_after) : 0);
    } catch (error) {
      console.error(`attempt ${attempt}: ${acks.size} of ${count} acked (${error.details ||
          error.message}); sending the other ${count - acks.size} again with the same dedup keys`);
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
  if (acks.size !== count) {
    console.error(`publish: only ${acks.size} of ${count} events acked`);
    return 1;
  }
  // A retry of events already acked, as a publisher that lost only the acks would send: each
  // must be answered with the offset it was first stored at, and nothing appended.
  const replay = [...events.keys()].slice(0, REPLAYED);
  const replayAcks = new Map();
  await publishAttempt(client, events, replay, replayAcks, 0);
  client.close();
  const wrong = replay.filter((seq) => replayAcks.get(seq) !== acks.get(seq));
  if (wrong.length) {
    console.error(`publish: events ${wrong}, sent again, got other offsets`);
    return 1;
  }
  console.log(`sent ${replay.length} acked events again with their keys: each answered with ` +
      'its first offset');
  const offsets = [...acks.values()].sort((a, b) => a - b);
  // On a topic this publisher alone writes to, an event stored twice would leave a hole in
  // the acked offsets (its first copy's offset, acked to nobody).
  const whole = offsets[count - 1] - offsets[0] + 1 === count;
  console.log(`published ${count} events to '${args.topic}': acked offsets ` +
      `${offsets[0]}..${offsets[count - 1]}, ${whole ? 'without a gap' : 'WITH GAPS'}`);
  return 0;
}

main().then((code) => process.exit(code), (error) => {
  console.error(`publish: ${error.message}`);
  process.exit(1);
});
