// Node URLs and transports: rotating through the list on reconnect (a dead node skipped, a
// node that dies left for the next, with the cursor carried over), and falling back from
// WebSocket to SSE where a proxy refuses WebSocket upgrades.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';

import {HeraldClient} from '../src/herald.js';
import {FrontDoor, Heraldd, Recorder, freePort} from './fixtures.js';

let node;
before(async () => {
  node = await Heraldd.start();
});
after(() => node.stop());

// Two front doors to one heraldd look to a client like two nodes sharing their topics (as
// nodes on one Redis do): a cursor from one resumes on the other.
test('rotates through node URLs: past a dead one, and on to the next when one dies',
     async () => {
       const topic = 'rotate';
       await node.createTopic(topic);
       const dead = `http://127.0.0.1:${await freePort()}`;
       const [a, b] = [await FrontDoor.open(node.httpPort), await FrontDoor.open(node.httpPort)];
       const log = new Recorder();
       const herald = new HeraldClient({
         urls: [dead, a.url, b.url], backoff: {initialMs: 100, maxMs: 300}, ...log.options,
       });
       try {
         herald.subscribe(topic, log.onEvent);
         await log.waitForOpens(1);
         await node.publish(topic, 'via-a');
         await log.waitForData(topic, ['via-a']);
         await a.close();
         await node.publish(topic, 'while-moving');
         await log.waitForOpens(2);
         await node.publish(topic, 'via-b');
         await log.waitForData(topic, ['via-a', 'while-moving', 'via-b']);
         assert.deepEqual(log.data(topic), ['via-a', 'while-moving', 'via-b']);
         const tried = log.states.filter((s) => s.state === 'connecting').map((s) => s.url);
         assert.deepEqual(tried.slice(0, 2), [dead, dead], 'WebSocket then SSE on the dead node');
         assert.deepEqual(log.opens().map((s) => s.url), [a.url, b.url]);
       } finally {
         herald.close();
         await b.close();
       }
     });

test('falls back to SSE where WebSocket upgrades are refused, and resumes there', async () => {
  const topic = 'fallback';
  await node.createTopic(topic);
  const proxy = await FrontDoor.open(node.httpPort, {refuseWebSocket: true});
  const log = new Recorder();
  const herald = new HeraldClient({urls: [proxy.url], ...log.options});
  try {
    herald.subscribe(topic, log.onEvent);
    await log.waitForOpens(1);
    assert.equal(herald.transport, 'sse');
    assert.equal(proxy.refusedUpgrades, 1);
    await node.publish(topic, 'over-sse');
    await log.waitForData(topic, ['over-sse']);
    herald.reconnect();
    await node.publish(topic, 'after-reconnect');
    await log.waitForOpens(2);
    await log.waitForData(topic, ['over-sse', 'after-reconnect']);
    assert.deepEqual(log.data(topic), ['over-sse', 'after-reconnect']);
    assert.equal(proxy.refusedUpgrades, 2, 'each reconnect tries WebSocket first');
    await assert.rejects(herald.publish(topic, 'x'), {code: 'no_websocket'});
  } finally {
    herald.close();
    await proxy.close();
  }
});
