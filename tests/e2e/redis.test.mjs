// Several heraldd nodes on one Redis (--engine=redis), with faults: a publisher streams into
// node 1 over PublishStream (crash_driver, every ack recorded) while browser clients on SSE
// and WebSocket follow the topic through nodes 2 and 3 (each with the other as its second
// URL). Mid-stream node 2 is SIGKILLed, Redis is restarted, and the nodes' pub/sub
// connections are killed. At the end every subscriber must have every acknowledged event
// exactly once, in order. Then Redis comes back empty (a new epoch, announced with
// herald.reset, offsets not reused), and a node starts while Redis is unreachable.
//
//   tests/e2e/redis_e2e.sh        (builds heraldd, heraldctl and crash_driver)
import {spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, openSync, readFileSync, rmSync} from 'node:fs';
import {createRequire} from 'node:module';
import os from 'node:os';
import path from 'node:path';

import {HeraldClient} from '../../clients/js/src/herald.js';
import {Heraldd, Recorder, sleep} from '../../clients/js/test/fixtures.js';

const require = createRequire(import.meta.url);
const h = require('./harness.js');

const dir = mkdtempSync(path.join(os.tmpdir(), 'herald-redis-'));
const driverBin = h.builtBinary('tests/e2e/crash_driver');
const topic = 'multi';
// Stopped at the end whatever happens, so no process outlives the suite.
const running = [];

// A redis-server on a fixed port and directory, restartable with or without its data.
class Redis {
  constructor(port) {
    this.port = port;
    this.dir = path.join(dir, `redis-${port}`);
    this.url = `redis://127.0.0.1:${port}/0`;
  }

  async start({wipe = false} = {}) {
    if (wipe) rmSync(this.dir, {recursive: true, force: true});
    mkdirSync(this.dir, {recursive: true});
    this.proc = spawn('redis-server', [
      '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir,
      '--appendonly', 'yes', '--appendfsync', 'always', '--save', '',
      '--logfile', path.join(this.dir, 'redis.log'),
    ], {stdio: 'ignore'});
    this.exited = new Promise((resolve) => this.proc.once('exit', resolve));
    await h.waitFor(async () => (await this.cli('PING').catch(() => '')) === 'PONG',
                    'redis-server to answer PING');
  }

  async stop(signal = 'SIGTERM') {
    if (!this.proc) return;
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    await this.exited;
  }

  cli(...args) {
    return new Promise((resolve, reject) => {
      const cli = spawn('redis-cli', ['-p', String(this.port), ...args]);
      let out = '';
      cli.stdout.on('data', (d) => out += d);
      cli.on('exit', (code) => code === 0 ? resolve(out.trim()) : reject(new Error(out)));
    });
  }
}

function redisFlags(redis) {
  return ['--engine=redis', `--redis_url=${redis.url}`, '--redis_prefix=e2e:',
          '--redis_timeout=1s', '--sse_heartbeat=1s'];
}

async function readyz(node) {
  try {
    const response = await fetch(`${node.url}/readyz`);
    return {status: response.status, body: await response.text()};
  } catch (e) {
    return {status: 0, body: String(e)};
  }
}

// crash_driver publish rounds into `node` until stop() is called; each round ends when the
// stream fails (Redis away) and the next starts a moment later with a new payload prefix.
class Publisher {
  constructor(node) {
    this.node = node;
    this.acks = path.join(dir, 'acks');
    this.sent = path.join(dir, 'sent');
    this.rounds = 0;
    this.running = true;
    this.logFile = path.join(dir, 'driver.log');
    this.log = openSync(this.logFile, 'a');
    this.done = this.loop();
  }

  async loop() {
    while (this.running) {
      this.proc = spawn(driverBin, [
        'publish', `--grpc=127.0.0.1:${this.node.grpcPort}`, `--topic=${topic}`,
        `--prefix=r${this.rounds++}`, `--acks=${this.acks}`, `--sent=${this.sent}`,
        '--window=16', '--duration=60s',
      ], {stdio: ['ignore', 'ignore', this.log]});
      await new Promise((resolve) => this.proc.once('exit', resolve));
      if (this.running) await sleep(100);
    }
  }

  async stop() {
    this.running = false;
    this.proc.kill('SIGTERM');
    await this.done;
  }

  // The last rounds' endings, for a failure's detail.
  tail() {
    return readFileSync(this.logFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
  }

  // "OFFSET EPOCH ID PAYLOAD" per acknowledged event.
  acknowledged() {
    let text = '';
    try {
      text = readFileSync(this.acks, 'utf8');
    } catch (e) {
      return [];
    }
    // A line cut short by the driver's end has no payload yet.
    return text.split('\n').map((line) => line.split(' ')).filter((f) => f.length === 4)
        .map(([offset, epoch, , payload]) => ({offset: Number(offset), epoch: Number(epoch),
                                                payload}));
  }
}

function subscriber(urls, transport) {
  const log = new Recorder();
  const client = new HeraldClient({
    urls, transports: [transport], heartbeatMs: 1000, backoff: {initialMs: 50, maxMs: 500},
    ...log.options,
  });
  client.subscribe(topic, log.onEvent);
  return {name: `${transport} via ${urls.map((u) => u.split(':').at(-1)).join(',')}`, log,
          client};
}

// What `sub` received, checked against the acknowledged events: each once, in offset order.
function checkExactlyOnce(sub, acked) {
  const got = sub.log.data(topic);
  const seen = new Set();
  const duplicates = got.filter((p) => seen.has(p) || !seen.add(p));
  h.check(`${sub.name}: no event twice`, duplicates.length === 0,
          `${duplicates.length} duplicates, first ${duplicates[0]}`);
  const offsetOf = new Map(acked.map((a) => [a.payload, a.offset]));
  const missing = acked.filter((a) => !seen.has(a.payload));
  h.check(`${sub.name}: every one of ${acked.length} acknowledged events arrived`,
          missing.length === 0, `${missing.length} missing, first ${JSON.stringify(missing[0])}`);
  const offsets = got.filter((p) => offsetOf.has(p)).map((p) => offsetOf.get(p));
  const disorder = offsets.findIndex((o, i) => i > 0 && o <= offsets[i - 1]);
  h.check(`${sub.name}: in offset order`, disorder < 0,
          `offset ${offsets[disorder]} after ${offsets[disorder - 1]}`);
}

async function main() {
  const redis = new Redis(await h.freePort());
  running.push(redis);
  await redis.start();
  const nodes = [];
  for (let i = 0; i < 3; i++) {
    nodes.push(await Heraldd.start(redisFlags(redis)));
    running.push(nodes.at(-1));
  }
  const [n1, n2, n3] = nodes;
  await n1.ctl('topics', 'create', topic, '--max-events', '1000000');
  const knows = (node) => node.ctl('topics', 'get', topic).then(() => true, () => false);
  await h.waitFor(async () => await knows(n2) && await knows(n3), 'the topic on every node');

  const subs = [subscriber([n2.url, n3.url], 'sse'), subscriber([n2.url, n3.url], 'websocket'),
                subscriber([n3.url, n2.url], 'sse'), subscriber([n3.url, n2.url], 'websocket')];
  await h.waitFor(() => subs.every((s) => s.log.opens().length > 0), 'every subscriber open');
  const publisher = new Publisher(n1);
  running.push(publisher);
  const ackedCount = () => publisher.acknowledged().length;
  await h.waitFor(() => ackedCount() > 300, 'the first acks');

  await n2.kill('SIGKILL');
  await h.waitFor(() => ackedCount() > 1500, 'acks after node 2 died');

  await redis.stop();
  let unready;
  await h.waitFor(async () => (unready = await readyz(n1)).status === 503,
                  () => `node 1 unready without Redis; /readyz: ${JSON.stringify(unready)}`);
  h.check('without Redis /readyz is 503 and names Redis', unready.body.includes(
      `127.0.0.1:${redis.port}`), unready.body);
  const refused = await n1.publish(topic, 'while-down').then(() => 'stored', (e) => e.message);
  h.check('without Redis a publish fails UNAVAILABLE naming Redis',
          /UNAVAILABLE/.test(refused) && refused.includes(`127.0.0.1:${redis.port}`), refused);
  const before = ackedCount();
  await redis.start();
  let ready;
  await h.waitFor(async () => (ready = await readyz(n1)).status === 200,
                  () => `node 1 ready again; /readyz: ${JSON.stringify(ready)}`);
  await h.waitFor(() => ackedCount() > before + 1000,
                  () => `acks after Redis came back; the publisher: ${publisher.tail()}`);

  await redis.cli('CLIENT', 'KILL', 'TYPE', 'pubsub');
  const afterKill = ackedCount();
  await h.waitFor(() => ackedCount() > afterKill + 1000, 'acks after pub/sub was cut');
  await publisher.stop();

  const acked = publisher.acknowledged();
  const last = acked.at(-1);
  await h.waitFor(() => subs.every((s) => s.log.data(topic).includes(last.payload)),
                  'every subscriber to reach the last ack', 30000);
  await sleep(300);
  h.check(`the publisher rode out the faults (${publisher.rounds} rounds, ${acked.length} acks)`,
          acked.length > 3000, `${acked.length} acks`);
  for (const sub of subs) checkExactlyOnce(sub, acked);
  h.check('every subscriber saw the same sequence',
          subs.every((s) => s.log.data(topic).join() === subs[0].log.data(topic).join()),
          subs.map((s) => s.log.data(topic).length).join(' vs '));

  // Redis comes back with nothing: the nodes write the topic back in a new epoch.
  await redis.stop('SIGKILL');
  await redis.start({wipe: true});
  let fresh;
  await h.waitFor(async () => {
    fresh = await n1.publish(topic, 'after-wipe').catch(() => null);
    return fresh !== null;
  }, 'a publish after Redis lost its data', 20000);
  h.check('offsets are not reused after Redis lost its data', fresh.offset > last.offset,
          `new offset ${fresh.offset}, last acknowledged ${last.offset}`);
  await h.waitFor(() => subs.every((s) => s.log.data(topic).includes('after-wipe')),
                  'every subscriber to get the event after the wipe');
  for (const sub of subs) {
    h.check(`${sub.name}: told herald.reset`, sub.log.notices.some((n) => n.kind === 'reset'),
            JSON.stringify(sub.log.notices));
  }
  for (const sub of subs) sub.client.close();

  // A node that starts while Redis is unreachable: not ready, then ready once it is there.
  const later = new Redis(await h.freePort());
  running.push(later);
  const n4 = await Heraldd.start(redisFlags(later));
  running.push(n4);
  const cold = await readyz(n4);
  h.check('a node started without Redis answers /readyz 503 naming Redis',
          cold.status === 503 && cold.body.includes(`127.0.0.1:${later.port}`), JSON.stringify(cold));
  await later.start();
  await h.waitFor(async () => (await readyz(n4)).status === 200, 'node 4 ready once Redis is up');
  await n4.createTopic('late');
  const ok = await n4.publish('late', 'x').then((a) => a.offset, (e) => e.message);
  h.check('node 4 publishes once Redis is up', ok === 1, String(ok));

}

main().catch((e) => h.check('redis_e2e ran to the end', false, e.stack)).finally(async () => {
  for (const process of running.reverse()) await process.stop().catch(() => {});
  rmSync(dir, {recursive: true, force: true});
  h.finish('redis_e2e');
});
