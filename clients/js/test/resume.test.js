// Resuming on each transport after the server goes away: SIGKILL and a restart on the same
// port and data directory, a hung node (SIGSTOP) caught by stall detection, and a history
// that did not survive (the memory store) announced with a reset notice.
import assert from 'node:assert/strict';
import {test} from 'node:test';

import {HeraldClient} from '../src/herald.js';
import {Heraldd, Recorder, TRANSPORTS, waitFor} from './fixtures.js';

const CRASHES = 2;
const PER_PHASE = 4;
const HEARTBEAT_MS = 300;

async function publishPhase(node, topic, phase) {
  const sent = [];
  for (let i = 1; i <= PER_PHASE; i++) {
    const data = `p${phase}-${i}`;
    await node.publish(topic, data);
    sent.push(data);
  }
  return sent;
}

for (const transport of TRANSPORTS) {
  test(`${transport}: SIGKILL and restart, twice: nothing lost, nothing twice`, async () => {
    const node = await Heraldd.start();
    const topic = `crash.${transport}`;
    const log = new Recorder();
    const herald = new HeraldClient({
      urls: [node.url], transports: [transport], backoff: {initialMs: 300, maxMs: 1000},
      ...log.options,
    });
    try {
      await node.createTopic(topic);
      herald.subscribe(topic, log.onEvent);
      await log.waitForOpens(1);
      const sent = await publishPhase(node, topic, 0);
      await log.waitForData(topic, sent);
      for (let crash = 1; crash <= CRASHES; crash++) {
        await node.kill('SIGKILL');
        await log.waitForState((s) => s.state === 'reconnecting' && s.attempt >= crash - 1,
                               `the client to see crash ${crash}`);
        await node.start();
        // Published whether or not the client is back yet: it must get them either way.
        sent.push(...await publishPhase(node, topic, crash));
        await log.waitForOpens(crash + 1);
      }
      await log.waitForData(topic, sent);
      assert.deepEqual(log.data(topic), sent);
      assert.deepEqual(log.notices, []);
    } finally {
      herald.close();
      await node.stop();
    }
  });

  test(`${transport}: a hung node is caught by stall detection and resumed`, async () => {
    const node = await Heraldd.start([`--sse_heartbeat=${HEARTBEAT_MS}ms`]);
    const topic = `stall.${transport}`;
    const log = new Recorder();
    const herald = new HeraldClient({
      urls: [node.url], transports: [transport], heartbeatMs: HEARTBEAT_MS,
      connectTimeoutMs: 1000, backoff: {initialMs: 200, maxMs: 400}, ...log.options,
    });
    try {
      await node.createTopic(topic);
      herald.subscribe(topic, log.onEvent);
      await log.waitForOpens(1);
      await node.publish(topic, 'before');
      await log.waitForData(topic, ['before']);
      // Idle for several heartbeats: the heartbeats (SSE) or pongs (WebSocket) keep it open.
      await new Promise((resolve) => setTimeout(resolve, 4 * HEARTBEAT_MS));
      assert.equal(log.opens().length, 1, `no reconnect while idle: ${log.summary()}`);
      node.pause();
      await log.waitForState((s) => s.state === 'reconnecting' && /stalled/.test(s.reason),
                             'the stall to be detected');
      node.resume();
      await node.publish(topic, 'after');
      await log.waitForOpens(2);
      await log.waitForData(topic, ['before', 'after']);
      assert.deepEqual(log.data(topic), ['before', 'after']);
    } finally {
      herald.close();
      await node.stop();
    }
  });

  test(`${transport}: a history that did not survive a restart is a reset notice`, async () => {
    const node = await Heraldd.start(['--store=memory']);
    const topic = `reset.${transport}`;
    const log = new Recorder();
    const herald = new HeraldClient({
      urls: [node.url], transports: [transport], backoff: {initialMs: 200, maxMs: 400},
      ...log.options,
    });
    try {
      await node.createTopic(topic);
      herald.subscribe(topic, log.onEvent);
      await log.waitForOpens(1);
      await node.publish(topic, 'old-1');
      await node.publish(topic, 'old-2');
      await log.waitForData(topic, ['old-1', 'old-2']);
      await node.kill('SIGKILL');
      await node.start();
      await node.createTopic(topic);
      await node.publish(topic, 'new-1');
      await waitFor(() => log.notices.length, `a notice; errors ${log.errors.map((e) => e.code)}`);
      await log.waitForData(topic, ['old-1', 'old-2', 'new-1']);
      assert.equal(log.notices[0].kind, 'reset');
      assert.equal(log.notices[0].topic, topic);
      assert.deepEqual(log.data(topic), ['old-1', 'old-2', 'new-1']);
    } finally {
      herald.close();
      await node.stop();
    }
  });
}
