// Access tokens: getToken() (sync or async) is asked again for each connection, so an expired
// token is replaced by reconnecting instead of being refused forever; a WebSocket refreshes
// its token in-band before it expires, and an SSE stream the server ends at expiry resumes
// with a new one.
import assert from 'node:assert/strict';
import {after, before, test} from 'node:test';

import {HeraldClient} from '../src/herald.js';
import {Heraldd, Recorder, TRANSPORTS, accessToken, sleep, waitFor} from './fixtures.js';

const SECRET = 'js-client-test-secret-of-32-bytes-or-more';

let node;
before(async () => {
  // No leeway: tokens end when their `exp` says.
  node = await Heraldd.start((n) => [`--access_token_secret_file=${n.file('secret', SECRET)}`,
                                     '--access_token_leeway=0s']);
});
after(() => node.stop());

for (const [transport, style] of [[TRANSPORTS[0], 'async'], [TRANSPORTS[1], 'sync']]) {
  test(`${transport}: an expired token is replaced by the next getToken() (${style})`,
       async () => {
         const topic = `token.${transport}`;
         await node.createTopic(topic);
         // The first token has expired: the node refuses it, the client asks for another.
         let calls = 0;
         const tokenFor = () => {
           calls++;
           return accessToken(SECRET, {topics: topic, sub: `call-${calls}`,
                                       expiresInS: calls === 1 ? -60 : 3600});
         };
         const log = new Recorder();
         const herald = new HeraldClient({
           urls: [node.url], transports: [transport], backoff: {initialMs: 100, maxMs: 300},
           getToken: style === 'async' ? async () => tokenFor() : tokenFor, ...log.options,
         });
         try {
           herald.subscribe(topic, log.onEvent);
           await log.waitForOpens(1);
           assert.ok(calls >= 2, `${calls} getToken() calls`);
           await node.publish(topic, 't1');
           await log.waitForData(topic, ['t1']);

           // A reconnect asks again, and the node sees the new token's subject.
           const [before] = (await node.connections()).filter((c) => c.topics.includes(topic));
           assert.equal(before.subject, `call-${calls}`);
           const callsBefore = calls;
           await node.kick(before.id, 'rotate tokens');
           await log.waitForOpens(2);
           assert.ok(calls > callsBefore, 'getToken() asked again on reconnect');
           await waitFor(async () => (await node.connections()).some(
                             (c) => c.topics.includes(topic) && c.subject === `call-${calls}`),
                         'the new token in use');
           await node.publish(topic, 't2');
           await log.waitForData(topic, ['t1', 't2']);
           assert.deepEqual(log.data(topic), ['t1', 't2']);
         } finally {
           herald.close();
         }
       });
}

test('a token that does not grant the topic ends that subscription with permission_denied',
     async () => {
       await node.createTopic('token.secret');
       const log = new Recorder();
       const herald = new HeraldClient({
         urls: [node.url], getToken: () => accessToken(SECRET, {topics: 'token.other'}),
         ...log.options,
       });
       try {
         const sub = herald.subscribe('token.secret', log.onEvent);
         await waitFor(() => log.errors.length, 'the refusal');
         assert.equal(log.errors[0].code, 'permission_denied');
         assert.equal(sub.active, false);
       } finally {
         herald.close();
       }
     });

test('a getToken() that throws is reported, and asked again on the next attempt', async () => {
  await node.createTopic('token.flaky');
  let calls = 0;
  const log = new Recorder();
  const herald = new HeraldClient({
    urls: [node.url], backoff: {initialMs: 100, maxMs: 300}, ...log.options,
    getToken: () => {
      if (++calls === 1) throw new Error('token service down');
      return accessToken(SECRET, {topics: 'token.flaky'});
    },
  });
  try {
    herald.subscribe('token.flaky', log.onEvent);
    await log.waitForOpens(1);
    assert.equal(log.errors[0].code, 'token');
    assert.match(log.errors[0].message, /token service down/);
  } finally {
    herald.close();
  }
});

test('websocket: the connection outlives its short tokens by refreshing them in-band',
     async () => {
       const topic = 'token.refresh';
       await node.createTopic(topic);
       let calls = 0;
       const log = new Recorder();
       const herald = new HeraldClient({
         urls: [node.url], transports: ['websocket'], ...log.options,
         getToken: () => accessToken(SECRET, {topics: topic, sub: `call-${++calls}`,
                                              expiresInS: 3}),
       });
       try {
         herald.subscribe(topic, log.onEvent);
         await log.waitForOpens(1);
         await node.publish(topic, 'r1');
         await log.waitForData(topic, ['r1']);
         // Past the first token's expiry, and the next ones': without refreshes the server
         // would have closed the connection (4001) and the client reconnected.
         await sleep(5000);
         await node.publish(topic, 'r2');
         await log.waitForData(topic, ['r1', 'r2']);
         assert.equal(log.opens().length, 1, `states ${log.summary()}`);
         assert.ok(!log.notices.some((n) => n.kind === 'expired'), JSON.stringify(log.notices));
         assert.ok(calls >= 3, `${calls} getToken() calls`);
         await waitFor(async () => (await node.connections()).some(
                           (c) => c.topics.includes(topic) && c.subject === `call-${calls}`),
                       'the latest token in use');
       } finally {
         herald.close();
       }
     });

test('sse: a stream the server ends at expiry resumes with a new token, nothing lost',
     async () => {
       const topic = 'token.sse-expiry';
       await node.createTopic(topic);
       let calls = 0;
       const log = new Recorder();
       const herald = new HeraldClient({
         urls: [node.url], transports: ['sse'], backoff: {initialMs: 100, maxMs: 300},
         ...log.options,
         getToken: () => accessToken(SECRET, {topics: topic, expiresInS: ++calls === 1 ? 2 : 3600}),
       });
       try {
         herald.subscribe(topic, log.onEvent);
         await log.waitForOpens(1);
         await node.publish(topic, 's1');
         await log.waitForData(topic, ['s1']);
         await waitFor(() => log.notices.some((n) => n.kind === 'expired'), 'herald.expired');
         await node.publish(topic, 's2');
         await log.waitForOpens(2);
         await log.waitForData(topic, ['s1', 's2']);
         assert.deepEqual(log.data(topic), ['s1', 's2']);
         assert.ok(calls >= 2, `${calls} getToken() calls`);
       } finally {
         herald.close();
       }
     });
