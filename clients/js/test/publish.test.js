// Publishing from the client: answered once stored, refused with the server's error, queued
// (bounded) while disconnected and settled once the node is back.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';

import {HeraldClient} from '../src/herald.js';
import {Heraldd, Recorder, sleep, waitFor} from './fixtures.js';

let node;
before(async () => {
  node = await Heraldd.start();
  await node.createTopic('chat', {browserPublish: true});
  await node.createTopic('backend.only');
});
after(() => node.stop());

// Resolves to whether `promise` is still pending after a moment.
async function pending(promise) {
  const marker = Symbol('pending');
  return (await Promise.race([promise.catch((e) => e), sleep(200).then(() => marker)])) === marker;
}

test('a publish resolves with the stored event\'s id and offset', async () => {
  const log = new Recorder();
  const herald = new HeraldClient({urls: [node.url], ...log.options});
  try {
    herald.subscribe('chat', log.onEvent);
    const result = await herald.publish('chat', 'hello', {event: 'said'});
    await log.waitForData('chat', ['hello']);
    assert.equal(result.topic, 'chat');
    assert.equal(typeof result.offset, 'number');
    assert.equal(result.id, log.events[0].id);
    assert.equal(log.events[0].event, 'said');
  } finally {
    herald.close();
  }
});

test('a refused publish rejects with the server\'s error', async () => {
  const herald = new HeraldClient({urls: [node.url]});
  try {
    await assert.rejects(herald.publish('backend.only', 'x'),
                         {name: 'HeraldError', code: 'permission_denied', topic: 'backend.only',
                          message: /does not allow publishing from browsers/});
    await assert.rejects(herald.publish('no.such.topic', 'x'), {code: 'not_found'});
    await assert.rejects(herald.publish('chat', new Uint8Array(1)), TypeError);
  } finally {
    herald.close();
  }
});

test('publishes while disconnected wait, in order, and settle once the node is back',
     async () => {
       const log = new Recorder();
       const herald = new HeraldClient({
         urls: [node.url], transports: ['websocket'], backoff: {initialMs: 200, maxMs: 500},
         ...log.options,
       });
       // Never connects while the node is down; bounded at two.
       const small = new HeraldClient({urls: [node.url], maxQueuedPublishes: 2});
       try {
         herald.subscribe('chat', log.onEvent);
         await log.waitForOpens(1);
         await node.kill('SIGKILL');
         await log.waitForState((s) => s.state === 'reconnecting', 'the client to see the crash');
         const queued = [herald.publish('chat', 'queued-1'), herald.publish('chat', 'queued-2')];
         const [a, b] = [small.publish('chat', 'a'), small.publish('chat', 'b')];
         await assert.rejects(small.publish('chat', 'c'), {code: 'queue_full'});
         assert.ok(await pending(queued[0]), 'no answer while the node is down');
         small.close();
         await assert.rejects(a, {code: 'closed'});
         await assert.rejects(b, {code: 'closed'});

         await node.start();
         const [first, second] = await Promise.all(queued);
         assert.equal(second.offset, first.offset + 1);
         await log.waitForData('chat', ['queued-1', 'queued-2']);
         assert.deepEqual(log.data('chat').slice(-2), ['queued-1', 'queued-2']);
         await waitFor(() => herald.state === 'open', 'the client to be open');
       } finally {
         herald.close();
         small.close();
       }
     });

test('publishing needs WebSocket: an SSE client rejects publishes', async () => {
  const log = new Recorder();
  const herald = new HeraldClient({urls: [node.url], transports: ['sse'], ...log.options});
  try {
    herald.subscribe('chat', log.onEvent);
    const early = herald.publish('chat', 'early');
    await assert.rejects(early, {code: 'no_websocket'});
    await log.waitForOpens(1);
    await assert.rejects(herald.publish('chat', 'late'), {code: 'no_websocket'});
  } finally {
    herald.close();
  }
});
