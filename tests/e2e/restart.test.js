// End-to-end in a real browser across crashes: Debian's Chromium (driven by playwright-core)
// follows a topic with its native EventSource, no client library, while heraldd is SIGKILLed
// and restarted on the same data dir and port under a publisher that never stops. EventSource
// reconnects by itself with Last-Event-ID; the durable store must make that lossless: at the
// end the page holds exactly the stored sequence, each event once, in order.
//
//   node tests/e2e/restart.test.js   (run by tests/e2e/restart_e2e.sh, after a bazel build)
'use strict';

const {TIMEOUT_MS, builtBinary, check, finish, freePort, healthy, waitFor, launchChromium} =
    require('./harness');
const {execFile, spawn} = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const {promisify} = require('util');

const heralddBin = builtBinary('broker/heraldd/heraldd');
const heraldctlBin = builtBinary('admin/heraldctl');
const driverBin = builtBinary('tests/e2e/crash_driver');
const CRASHES = 2;
// Acknowledged publishes between crashes, so that each crash lands mid-stream.
const ACKS_PER_PHASE = 15;

// heraldd on the durable store; the same ports and data dir on every start.
class Heraldd {
  constructor(httpPort, grpcPort, dataDir) {
    this.httpPort = httpPort;
    this.grpcPort = grpcPort;
    this.dataDir = dataDir;
  }

  async start() {
    this.proc = spawn(heralddBin, [
      '--store=rocksdb', `--data_dir=${this.dataDir}`, `--http_port=${this.httpPort}`,
      `--grpc_port=${this.grpcPort}`,
    ], {stdio: ['ignore', 'ignore', 'inherit']});
    this.exited = new Promise((resolve) => this.proc.once('exit', resolve));
    await waitFor(() => healthy(this.httpPort), 'heraldd to answer /healthz');
  }

  async signal(name) {
    this.proc.kill(name);
    await this.exited;
  }

  // Resolves to stdout; rejects when the command fails (e.g. heraldd is down).
  async run(file, ...args) {
    const {stdout} = await promisify(execFile)(file, args, {encoding: 'utf8'});
    return stdout;
  }
  ctl(...args) {
    return this.run(heraldctlBin, `--server=127.0.0.1:${this.grpcPort}`, ...args);
  }
  // Every stored payload, from offset 1 on, read over gRPC.
  async dump(topic) {
    const out = await this.run(driverBin, 'dump', `--grpc=127.0.0.1:${this.grpcPort}`,
                               `--topic=${topic}`);
    return out.split('\n').filter((line) => line !== '');
  }
}

// Publishes ev-0, ev-1, ... one at a time until stopped. A publish that fails (heraldd is
// down) is not retried: it may or may not have been stored, which only the store can say.
class Publisher {
  constructor(heraldd, topic) {
    this.attempted = [];
    this.acked = [];
    this.running = true;
    this.done = (async () => {
      for (let i = 0; this.running; i++) {
        const data = `ev-${i}`;
        this.attempted.push(data);
        try {
          await heraldd.ctl('publish', topic, data);
          this.acked.push(data);
        } catch (e) {
          // Down: wait for it rather than spin; a heraldd that never returns fails the run
          // through the test's own waits.
          await waitFor(async () => !this.running || await healthy(heraldd.httpPort),
                        'heraldd to return').catch(() => {});
        }
      }
    })();
  }

  async stop() {
    this.running = false;
    await this.done;
  }
}

function sameList(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// Whether `sub` appears in `list` in order (not necessarily adjacent).
function isSubsequence(sub, list) {
  let i = 0;
  for (const x of list) {
    if (i < sub.length && x === sub[i]) i++;
  }
  return i === sub.length;
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-restart-'));
  const heraldd = new Heraldd(await freePort(), await freePort(), path.join(dataDir, 'data'));
  await heraldd.start();
  const browser = await launchChromium();
  let publisher;
  try {
    const topic = `restart.${process.pid}`;
    await heraldd.ctl('topics', 'create', topic, '--max-events', '100000');
    const page = await browser.newPage();
    page.on('console', (m) => console.log(`  page: ${m.text()}`));
    // Any page of heraldd's origin will do: the EventSource is same-origin, so no CORS, and
    // the page outlives every crash because nothing reloads it.
    await page.goto(`http://127.0.0.1:${heraldd.httpPort}/healthz`);
    await page.evaluate((topic) => {
      window.got = [];
      window.notices = [];
      window.opens = 0;
      const source = new EventSource(`/v1/sse?topic=${encodeURIComponent(topic)}`);
      source.onopen = () => window.opens++;
      source.onmessage = (e) => window.got.push(e.data);
      for (const name of ['herald.reset', 'herald.gap']) {
        source.addEventListener(name, () => window.notices.push(name));
      }
    }, topic);
    await page.waitForFunction(() => window.opens === 1, null, {timeout: TIMEOUT_MS});
    const state = () => page.evaluate(() => ({got: window.got, notices: window.notices,
                                              opens: window.opens}));

    publisher = new Publisher(heraldd, topic);
    const moreAcks = async (what) => {
      const want = publisher.acked.length + ACKS_PER_PHASE;
      await waitFor(() => publisher.acked.length >= want, `${ACKS_PER_PHASE} acks ${what}`);
    };
    await moreAcks('before the first crash');
    for (let crash = 1; crash <= CRASHES; crash++) {
      // Each crash must cut a live stream: the page is back (its crash-th open) and has
      // caught up with this heraldd's events.
      const acked = publisher.acked.length;
      await waitFor(async () => {
        const {got, opens} = await state();
        return opens === crash && got.length >= acked;
      }, `the page's stream ${crash} to be live`);
      await heraldd.signal('SIGKILL');
      await heraldd.start();
      await moreAcks(`after restart ${crash}`);
    }
    await publisher.stop();

    const stored = await heraldd.dump(topic);
    const last = stored[stored.length - 1];
    try {
      // The last stored event is the last published: once it is on the page, nothing more
      // can come, so a duplicate would already show.
      await waitFor(async () => {
        const {got, opens} = await state();
        return opens === CRASHES + 1 && got.includes(last);
      }, `'${last}' on the page`);
    } catch (e) {
      // Fall through: the comparison below reports what arrived.
    }
    const {got, notices, opens} = await state();
    check('EventSource reconnected by itself after each SIGKILL', opens === CRASHES + 1,
          `${opens} opens for ${CRASHES} crashes`);
    check('every acknowledged publish is stored once, in order, among what was sent',
          isSubsequence(publisher.acked, stored) && new Set(stored).size === stored.length &&
              isSubsequence(stored, publisher.attempted),
          `acked ${JSON.stringify(publisher.acked)}, stored ${JSON.stringify(stored)}`);
    check(`the page has the stored sequence exactly, each once, in order (${stored.length} ` +
              `events, ${publisher.acked.length} acknowledged)`,
          sameList(got, stored), `page ${JSON.stringify(got)}, stored ${JSON.stringify(stored)}`);
    check('no herald.reset or herald.gap: the history survived the crashes',
          notices.length === 0, JSON.stringify(notices));
  } catch (e) {
    check('restart end-to-end run', false, e.stack || String(e));
  } finally {
    if (publisher) await publisher.stop();
    await browser.close();
    await heraldd.signal('SIGTERM');
    fs.rmSync(dataDir, {recursive: true, force: true});
  }
  finish('restart_e2e');
}

main().catch((e) => {
  check('restart end-to-end setup', false, e.stack || String(e));
  finish('restart_e2e');
});
