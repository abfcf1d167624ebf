// Subscribing on each transport: events as published (ids, types), starting cursors, binary
// payloads, cursors kept in storage across "page reloads", and the server's disconnect notice.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';

import {HeraldClient} from '../src/herald.js';
import {Heraldd, MemoryStorage, Recorder, TRANSPORTS, waitFor} from './fixtures.js';

let node;
before(async () => {
  node = await Heraldd.start();
});
after(() => node.stop());

function client(log, options) {
  return new HeraldClient({urls: [node.url], ...log.options, ...options});
}

for (const transport of TRANSPORTS) {
  test(`${transport}: delivers each published event with its id, type and topic`, async () => {
    const topic = `sub.${transport}`;
    await node.createTopic(topic);
    const log = new Recorder();
    const herald = client(log, {transports: [transport]});
    try {
      const sub = herald.subscribe(topic, log.onEvent);
      await log.waitForOpens(1);
      // The starting cursor: without it, a drop before the first event could lose events.
      await waitFor(() => sub.cursor, 'the starting cursor');
      assert.equal(herald.transport, transport);
      const acks = [await node.publish(topic, 'one'), await node.publish(topic, 'two', '--event',
                                                                          'price')];
      await log.waitForData(topic, ['one', 'two']);
      assert.deepEqual(log.events, [
        {topic, id: acks[0].id, event: '', data: 'one'},
        {topic, id: acks[1].id, event: 'price', data: 'two'},
      ]);
      assert.equal(sub.cursor, acks[1].id);
      assert.deepEqual(log.errors, []);
    } finally {
      herald.close();
    }
  });

  test(`${transport}: a subscription from a cursor gets the events after it`, async () => {
    const topic = `from.${transport}`;
    await node.createTopic(topic);
    const first = await node.publish(topic, 'a');
    await node.publish(topic, 'b');
    await node.publish(topic, 'c');
    const log = new Recorder();
    const herald = client(log, {transports: [transport]});
    try {
      herald.subscribe(topic, log.onEvent, {from: first.id});
      await log.waitForData(topic, ['b', 'c']);
      assert.deepEqual(log.data(topic), ['b', 'c']);
    } finally {
      herald.close();
    }
  });

  test(`${transport}: cursors in storage resume the next client (a page reload)`, async () => {
    const topic = `stored.${transport}`;
    await node.createTopic(topic);
    const storage = new MemoryStorage();
    const firstLog = new Recorder();
    const first = client(firstLog, {transports: [transport], storage, storageKey: 'app:'});
    first.subscribe(topic, firstLog.onEvent);
    await firstLog.waitForOpens(1);
    await node.publish(topic, 'before-1');
    await node.publish(topic, 'before-2');
    await firstLog.waitForData(topic, ['before-1', 'before-2']);
    first.close();
    assert.ok(storage.getItem(`app:${topic}`), 'the cursor is stored under the prefix');

    await node.publish(topic, 'between');
    const secondLog = new Recorder();
    const second = client(secondLog, {transports: [transport], storage, storageKey: 'app:'});
    try {
      second.subscribe(topic, secondLog.onEvent);
      await node.publish(topic, 'after');
      await secondLog.waitForData(topic, ['between', 'after']);
      assert.deepEqual(secondLog.data(topic), ['between', 'after']);
    } finally {
      second.close();
    }
  });

  test(`${transport}: an operator's kick is a disconnect notice; the client resumes`,
       async () => {
         const topic = `kick.${transport}`;
         await node.createTopic(topic);
         const log = new Recorder();
         const herald = client(log, {transports: [transport], backoff: {initialMs: 200}});
         try {
           herald.subscribe(topic, log.onEvent);
           await log.waitForOpens(1);
           await node.publish(topic, 'k1');
           await log.waitForData(topic, ['k1']);
           const [listed] = (await node.connections()).filter((c) => c.topics.includes(topic));
           await node.kick(listed.id, 'maintenance');
           await waitFor(() => log.notices.length, 'the disconnect notice');
           await node.publish(topic, 'k2');
           await log.waitForOpens(2);
           await log.waitForData(topic, ['k1', 'k2']);
           assert.equal(log.notices[0].kind, 'disconnect');
           assert.match(log.notices[0].message, /maintenance/);
           assert.deepEqual(log.data(topic), ['k1', 'k2']);
         } finally {
           herald.close();
         }
       });
}

test('websocket: binary payloads (data_b64) arrive as a Uint8Array', async () => {
  const topic = 'binary.ws';
  await node.createTopic(topic);
  const log = new Recorder();
  const herald = client(log, {transports: ['websocket']});
  try {
    herald.subscribe(topic, log.onEvent);
    await log.waitForOpens(1);
    const bytes = Uint8Array.from([0xff, 0x00, 0x80, 0x41]);
    await node.publishBytes(topic, bytes);
    await node.publish(topic, 'text');
    await log.waitForData(topic, [bytes, 'text']);
    const [binary, text] = log.data(topic);
    assert.ok(binary instanceof Uint8Array);
    assert.deepEqual([...binary], [...bytes]);
    assert.equal(text, 'text');
  } finally {
    herald.close();
  }
});

test('sse: binary payloads arrive as the base64 text SSE carries them in', async () => {
  const topic = 'binary.sse';
  await node.createTopic(topic);
  const log = new Recorder();
  const herald = client(log, {transports: ['sse']});
  try {
    herald.subscribe(topic, log.onEvent);
    await log.waitForOpens(1);
    await node.publishBytes(topic, Uint8Array.from([0xff, 0x00, 0x80, 0x41]));
    await log.waitForData(topic, ['/wCAQQ==']);
    assert.deepEqual(log.data(topic), ['/wCAQQ==']);
  } finally {
    herald.close();
  }
});

test('a topic that does not exist yet is reported and retried until it does', async () => {
  const topic = 'late.topic';
  const log = new Recorder();
  const herald = client(log, {backoff: {initialMs: 100, maxMs: 300}});
  try {
    const sub = herald.subscribe(topic, log.onEvent);
    await waitFor(() => log.errors.some((e) => e.code === 'not_found' && e.topic === topic),
                  'a not_found error for the topic');
    await node.createTopic(topic);
    await waitFor(() => sub.cursor, 'the subscription to start');
    await node.publish(topic, 'finally');
    await log.waitForData(topic, ['finally']);
    assert.deepEqual(log.data(topic), ['finally']);
    assert.ok(sub.active);
  } finally {
    herald.close();
  }
});

test('a subscription the server refuses for good ends, and says why', async () => {
  const log = new Recorder();
  const herald = client(log, {transports: ['websocket']});
  try {
    await node.createTopic('refused.cursor');
    const sub = herald.subscribe('refused.cursor', log.onEvent, {from: 'not-a-cursor'});
    await waitFor(() => log.errors.length, 'the refusal');
    assert.equal(log.errors[0].code, 'bad_cursor');
    assert.equal(log.errors[0].topic, 'refused.cursor');
    assert.equal(sub.active, false);
    herald.subscribe('refused.cursor', log.onEvent);
    assert.throws(() => herald.subscribe('refused.cursor', log.onEvent),
                  {code: 'already_subscribed'});
  } finally {
    herald.close();
  }
});
