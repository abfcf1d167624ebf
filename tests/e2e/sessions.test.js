// End-to-end over the session layer: every SSE, WebSocket and gRPC subscriber of a live
// heraldd, as operators see and steer them with heraldctl (connections list and kick, stats,
// drain), and as their clients resume: from the first byte of a stream opened without a
// cursor, and across a drain followed by a restart on the durable store.
//
// Real clients only: Debian's Chromium (playwright-core) running the browser client's
// plain-script build (clients/js/dist/herald.js) for WebSocket and its native EventSource for
// SSE, Node's http for SSE streams read byte for byte, `heraldctl tail`
// as the gRPC subscriber (it prints the cursor its stream starts from, the server's
// herald-cursor initial metadata).
//
//   node tests/e2e/sessions.test.js   (run by tests/e2e/sessions_e2e.sh, after a bazel build)
'use strict';

const {TIMEOUT_MS, builtBinary, check, finish, freePort, healthy, waitFor, launchChromium} =
    require('./harness');
const {execFile, spawn} = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const root = path.resolve(__dirname, '../..');
const heralddBin = builtBinary('broker/heraldd/heraldd');
const heraldctlBin = builtBinary('admin/heraldctl');
const heraldJs = path.join(root, 'clients/js/dist/herald.js');
const KICK_REASON = 'maintenance';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Runs a program to its end; resolves to its exit code and output, never rejects.
function run(file, args, timeoutMs = 20000) {
  return new Promise((resolve) => {
    execFile(file, args, {encoding: 'utf8', timeout: timeoutMs}, (error, stdout, stderr) => {
      const code = !error ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({code, stdout, stderr});
    });
  });
}

// One heraldd on fixed ports, started and stopped as often as a test needs.
class Heraldd {
  constructor(name, httpPort, grpcPort, storeFlags) {
    this.name = name;
    this.httpPort = httpPort;
    this.grpcPort = grpcPort;
    this.storeFlags = storeFlags;
  }

  async start() {
    this.proc = spawn(heralddBin, [
      ...this.storeFlags, `--http_port=${this.httpPort}`, `--grpc_port=${this.grpcPort}`,
    ], {stdio: ['ignore', 'ignore', 'pipe']});
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (text) => {
      for (const line of text.split('\n')) if (line) console.log(`  heraldd ${this.name}: ${line}`);
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
    await waitFor(() => healthy(this.httpPort), `heraldd ${this.name} to answer /healthz`);
  }

  // Resolves to the exit code.
  async stop(signal = 'SIGTERM') {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.exited;
    this.proc.kill(signal);
    return this.exited;
  }

  ctl(...args) {
    return run(heraldctlBin, [`--server=127.0.0.1:${this.grpcPort}`, ...args]);
  }
  // stdout of a heraldctl call that must succeed.
  async ctlOk(...args) {
    const r = await this.ctl(...args);
    if (r.code !== 0) throw new Error(`heraldctl ${args.join(' ')}: ${r.code} ${r.stderr}`);
    return r.stdout;
  }
  async connections(...filters) {
    return JSON.parse(await this.ctlOk('--output', 'json', 'connections', 'list', ...filters))
        .connections || [];
  }
  async stats() {
    return JSON.parse(await this.ctlOk('--output', 'json', 'stats'));
  }
  publish(topic, data, ...flags) {
    return this.ctlOk('publish', topic, data, ...flags);
  }

  sseUrl() {
    return `http://127.0.0.1:${this.httpPort}/v1/sse`;
  }
  // The node's base URL, as the browser client takes it.
  baseUrl() {
    return `http://127.0.0.1:${this.httpPort}`;
  }
  wsUrl() {
    return `ws://127.0.0.1:${this.httpPort}/v1/ws`;
  }
}

// An SSE stream read byte for byte with Node's http: what the server wrote, as it wrote it.
class RawSse {
  constructor(heraldd, topics, lastEventId) {
    this.raw = '';
    this.ended = false;
    this.status = 0;
    this.error = null;
    const query = topics.map((t) => `topic=${encodeURIComponent(t)}`).join('&');
    this.request = http.get({
      host: '127.0.0.1', port: heraldd.httpPort, path: `/v1/sse?${query}`, agent: false,
      headers: lastEventId ? {'Last-Event-ID': lastEventId} : {},
    }, (response) => {
      this.status = response.statusCode;
      response.setEncoding('utf8');
      response.on('data', (text) => this.raw += text);
      response.on('end', () => this.ended = true);
      response.on('close', () => this.ended = true);
    });
    this.request.on('error', (e) => {
      this.error = e;
      this.ended = true;
    });
  }

  // Complete blocks (up to a blank line): {text, comments, fields}.
  blocks() {
    const parts = this.raw.split('\n\n');
    parts.pop();
    return parts.map((text) => {
      const block = {text, comments: [], fields: {}};
      for (const line of text.split('\n')) {
        if (line.startsWith(':')) {
          block.comments.push(line.slice(1).trim());
          continue;
        }
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        block.fields[name] =
            name === 'data' && block.fields.data !== undefined ? `${block.fields.data}\n${value}`
                                                               : value;
      }
      return block;
    });
  }

  // Message events: {id, data}.
  events() {
    return this.blocks()
        .filter((b) => b.fields.data !== undefined &&
                       (b.fields.event === undefined || b.fields.event === 'message'))
        .map((b) => ({id: b.fields.id, data: b.fields.data}));
  }

  // The id an EventSource would resume from: the last id field of any block.
  lastId() {
    let id = '';
    for (const b of this.blocks()) if (b.fields.id !== undefined) id = b.fields.id;
    return id;
  }

  close() {
    this.request.destroy();
  }
}

// `heraldctl tail`, the gRPC subscriber. Its table output, which is flushed per event;
// `--output json` is not flushed until heraldctl exits, so a reader of the pipe sees nothing
// of a running tail and a stopped one loses what it printed.
class Tail {
  constructor(heraldd, topics, from) {
    this.stdout = '';
    this.stderr = '';
    this.code = null;
    const args = [`--server=127.0.0.1:${heraldd.grpcPort}`, 'tail', ...topics];
    if (from) args.push('--from', from);
    this.proc = spawn(heraldctlBin, args, {stdio: ['ignore', 'pipe', 'pipe']});
    this.proc.stdout.setEncoding('utf8');
    this.proc.stderr.setEncoding('utf8');
    this.proc.stdout.on('data', (t) => this.stdout += t);
    this.proc.stderr.on('data', (t) => this.stderr += t);
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => {
      this.code = code;
      resolve(code);
    }));
  }

  // Where the stream started: "tailing TOPICS from CURSOR" on stderr.
  startCursor() {
    const m = /^tailing .* from ([A-Za-z0-9_-]+)$/m.exec(this.stderr);
    return m ? m[1] : null;
  }

  // Subscribed: heraldctl says so on stderr once the server's initial metadata arrived.
  ready() {
    return waitFor(() => this.stderr.includes('tailing') || this.code !== null,
                   'heraldctl tail to subscribe');
  }

  // Complete lines: TOPIC OFFSET EVENT ID DATA, tab-separated.
  events() {
    return this.stdout.split('\n').slice(0, -1).map((line) => {
      const [topic, offset, event, id, ...data] = line.split('\t');
      return {topic, offset, event, id, data: data.join('\t')};
    });
  }

  async stop() {
    if (this.code === null) this.proc.kill('SIGINT');
    await this.exited;
  }
}

class Publisher {
  constructor(heraldd, topic) {
    this.acked = [];
    this.failures = 0;
    this.running = true;
    this.done = (async () => {
      for (let i = 0; this.running; i++) {
        const data = `seq-${i}`;
        while (true) {
          const r = await heraldd.ctl('publish', topic, data, '--dedup-key', data);
          if (r.code === 0) break;
          this.failures++;
          // Down: wait for it rather than spin.
          await waitFor(() => healthy(heraldd.httpPort), 'heraldd to return').catch(() => {});
        }
        this.acked.push(data);
      }
    })();
  }

  async stop() {
    this.running = false;
    await this.done;
  }
}

// Browser clients, by name, in the page: the Herald client over WebSocket and EventSources.
const PAGE_HELPERS = () => {
  window.clients = {};
  // options.backoffMs: the reconnect backoff's ceilings {initialMs, maxMs}. options.held:
  // every reconnect waits for releaseClient(name), through the client's getToken().
  window.openWs = (name, baseUrl, topics, options = {}) => {
    const c = {events: [], statuses: [], notices: [], errors: [], subscriptions: [], opens: 0};
    c.gate = Promise.resolve();
    c.client = new Herald.HeraldClient({
      urls: [baseUrl],
      transports: ['websocket'],
      backoff: options.backoffMs,
      getToken: () => c.gate.then(() => undefined),
      onState: (change) => {
        if (change.state === 'open') {
          c.opens++;
          if (options.held) c.gate = new Promise((resolve) => c.release = resolve);
        }
        if (change.state === 'reconnecting') {
          c.statuses.push({status: 'closed', code: change.code, reason: change.reason});
        }
      },
      // History notices (gap, reset) only: disconnects show in the statuses.
      onNotice: (m) => m.kind !== 'disconnect' && c.notices.push(m),
      onError: (e) => c.errors.push({code: e.code, message: e.message, topic: e.topic}),
    });
    for (const topic of topics) {
      c.subscriptions.push(c.client.subscribe(
          topic, (e) => c.events.push({topic: e.topic, id: e.id, data: e.data})));
    }
    window.clients[name] = c;
  };
  window.releaseClient = (name) => window.clients[name].release();
  // Chromium's own EventSource, which reconnects by itself with Last-Event-ID.
  window.openSse = (name, url, topics) => {
    const c = {events: [], statuses: [], notices: [], errors: [], subscriptions: [], opens: 0};
    const query = topics.map((t) => `topic=${encodeURIComponent(t)}`).join('&');
    c.source = new EventSource(`${url}?${query}`);
    c.source.onopen = () => c.opens++;
    c.source.onmessage = (e) => c.events.push({id: e.lastEventId, data: e.data});
    for (const type of ['herald.gap', 'herald.reset']) {
      c.source.addEventListener(type, () => c.notices.push(type));
    }
    window.clients[name] = c;
  };
  // What a test reads of a client: plain data only.
  window.state = (name) => {
    const c = window.clients[name];
    return {events: c.events, statuses: c.statuses, notices: c.notices, errors: c.errors,
            cursors: c.subscriptions.map((s) => s.cursor), opens: c.opens};
  };
  window.closeClient = (name) => {
    const c = window.clients[name];
    (c.client || c.source).close();
  };
  // Whether a plain WebSocket opens (resolves true) or fails first (false).
  window.wsOpens = (url) => new Promise((resolve) => {
    const ws = new WebSocket(url, 'herald.v1.json');
    ws.onopen = () => {
      ws.close();
      resolve(true);
    };
    ws.onclose = () => resolve(false);
  });
};

class Page {
  static async open(browser, heraldd) {
    const page = new Page();
    page.page = await browser.newPage();
    page.sseRequests = [];
    page.page.on('console', (m) => console.log(`  page: ${m.text()}`));
    page.page.on('request', async (request) => {
      if (!request.url().includes('/v1/sse')) return;
      const entry = {url: request.url(), lastEventId: undefined};
      page.sseRequests.push(entry);
      try {
        entry.lastEventId = (await request.allHeaders())['last-event-id'] || '';
      } catch (e) {
        entry.lastEventId = `(unknown: ${e.message})`;
      }
    });
    // Any page of heraldd's origin: the EventSources are same-origin.
    await page.page.goto(`http://127.0.0.1:${heraldd.httpPort}/healthz`);
    await page.page.addScriptTag({path: heraldJs});
    await page.page.evaluate(PAGE_HELPERS);
    return page;
  }
  openWs(name, baseUrl, topics, options = {}) {
    return this.page.evaluate(([n, u, t, o]) => window.openWs(n, u, t, o),
                              [name, baseUrl, topics, options]);
  }
  release(name) {
    return this.page.evaluate((n) => window.releaseClient(n), name);
  }
  openSse(name, url, topics) {
    return this.page.evaluate(([n, u, t]) => window.openSse(n, u, t), [name, url, topics]);
  }
  state(name) {
    return this.page.evaluate((n) => window.state(n), name);
  }
  close(name) {
    return this.page.evaluate((n) => window.closeClient(n), name);
  }
  wsOpens(url) {
    return this.page.evaluate((u) => window.wsOpens(u), url);
  }
  // A WebSocket client whose every topic has its `subscribed` reply.
  subscribed(name) {
    return waitFor(async () => {
      const s = await this.state(name);
      return s.cursors.length > 0 && s.cursors.every((c) => c);
    }, `${name}'s subscribed replies`);
  }
  opened(name, opens = 1) {
    return waitFor(async () => (await this.state(name)).opens >= opens, `${name} to open`);
  }
}

const json = (x) => JSON.stringify(x);
const sameList = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
const datas = (events) => events.map((e) => e.data);
// Per topic, in order: a multi-topic replay orders topics as it likes, each topic in order.
function byTopic(events, topicOf) {
  const out = {};
  for (const e of events) (out[topicOf(e)] = out[topicOf(e)] || []).push(e.data);
  return out;
}
const topicOfData = (e) => e.data.split('/')[0];

// Runs one group of checks; an exception fails that group only.
async function group(name, body) {
  try {
    await body();
  } catch (e) {
    check(`${name} run`, false, e.stack || String(e));
  }
}

// Waits for a condition, without failing: the check after it says what was seen.
async function settle(predicate, what, timeoutMs = TIMEOUT_MS) {
  try {
    await waitFor(predicate, what, timeoutMs);
    return true;
  } catch (e) {
    return false;
  }
}

// 1. connections list and stats across the three transports.
async function listAndStats(node, page) {
  const [x, y] = ['list.x', 'list.y'];
  for (const t of [x, y]) await node.ctlOk('topics', 'create', t);
  await page.openWs('list-ws', node.baseUrl(), [x]);
  await page.openSse('list-sse', node.sseUrl(), [x]);
  const tail = new Tail(node, [y]);
  try {
    await page.subscribed('list-ws');
    await page.opened('list-sse');
    await tail.ready();

    const all = await node.connections();
    const byTransport = Object.fromEntries(all.map((c) => [c.transport, c]));
    const want = {sse: [x], ws: [x], grpc: [y]};
    const shapeOk = all.length === 3 &&
        Object.entries(want).every(([transport, topics]) => {
          const c = byTransport[transport];
          return c && c.kind === 'subscribe' && /127\.0\.0\.1:\d+/.test(c.peer) &&
                 sameList(c.topics, topics) && /^c\d+$/.test(c.id);
        });
    check('connections list --output json shows one sse, one ws and one grpc (tail) subscriber ' +
              'with kind subscribe, a peer and its topics',
          shapeOk, json(all));

    const table = (await node.ctlOk('connections', 'list')).trim().split('\n');
    const rows = table.slice(1).map((l) => l.trim().split(/\s+/));
    const header = table[0].trim().split(/\s+/);
    const columns = ['ID', 'TRANSPORT', 'KIND', 'PEER', 'SINCE', 'EVENTS', 'TOPICS'];
    const tableOk = sameList(header, columns) &&
        rows.length === 3 &&
        rows.every((r) => {
          const c = all.find((a) => a.id === r[0]);
          return c && r[1] === c.transport && r[2] === 'subscribe' && r[3] === c.peer &&
                 r[6] === c.topics.join(',');
        });
    check('connections list (table) shows the same three connections', tableOk, table.join(' | '));

    const ws = await node.connections('--transport', 'ws');
    const onX = await node.connections('--topic', x);
    const onY = await node.connections('--topic', y);
    check('connections list --transport ws and --topic filter',
          sameList(ws.map((c) => c.transport), ['ws']) &&
              sameList(onX.map((c) => c.transport).sort(), ['sse', 'ws']) &&
              sameList(onY.map((c) => c.transport), ['grpc']),
          `--transport ws ${json(ws.map((c) => c.id))}, --topic ${x} ` +
              `${json(onX.map((c) => c.transport))}, --topic ${y} ` +
              json(onY.map((c) => c.transport)));

    const before = await node.stats();
    for (let i = 1; i <= 3; i++) await node.publish(x, `x${i}`);
    for (let i = 1; i <= 2; i++) await node.publish(y, `y${i}`);
    // 3 events to each browser client and 2 to the tail.
    const wantDelivered = Number(before.events_delivered_total) + 3 * 2 + 2;
    await settle(async () => {
      const [w, s] = [await page.state('list-ws'), await page.state('list-sse')];
      return w.events.length >= 3 && s.events.length >= 3 && tail.events().length >= 2;
    }, 'every subscriber to get its events');
    await settle(async () => Number((await node.stats()).events_delivered_total) >= wantDelivered,
                 'events_delivered_total');
    await sleep(200);  // room for an over-count to show
    const after = await node.stats();
    const tableStats = await node.ctlOk('stats');
    const row = (name) =>
        (tableStats.match(new RegExp(`^${name.replace('.', '\\.')}\\s+(\\S+)`, 'm')) || [])[1];
    const c = after.connections || {};
    check('stats shows connections.sse/ws/grpc = 1 (json and table)',
          ['sse', 'ws', 'grpc'].every((t) => Number(c[t]) === 1 && row(`connections.${t}`) === '1'),
          `json ${json(c)}; table ${json(tableStats)}`);
    check('stats events_delivered_total counts the browser deliveries too (3 SSE + 3 WS + 2 gRPC)',
          Number(after.events_delivered_total) === wantDelivered &&
              row('events_delivered_total') === String(wantDelivered),
          `before ${before.events_delivered_total}, after ${after.events_delivered_total} ` +
              `(table ${row('events_delivered_total')}), want ${wantDelivered}`);
    const listed = await node.connections();
    const events = Object.fromEntries(listed.map((l) => [l.transport, Number(l.events)]));
    check('connections list counts each connection\'s events',
          events.sse === 3 && events.ws === 3 && events.grpc === 2, json(events));
  } finally {
    await page.close('list-ws');
    await page.close('list-sse');
    await tail.stop();
  }
}

// 2. connections kick, on each transport, and an unknown id.
async function kick(node, page) {
  const topic = 'kick.k';
  await node.ctlOk('topics', 'create', topic);
  await page.openWs('kick-ws', node.baseUrl(), [topic]);
  const sse = new RawSse(node, [topic]);
  const tail = new Tail(node, [topic]);
  try {
    await page.subscribed('kick-ws');
    await waitFor(() => sse.blocks().length >= 2, 'the raw SSE stream to start');
    await tail.ready();
    const listed = await node.connections('--topic', topic);
    const id = (t) => (listed.find((c) => c.transport === t) || {}).id;
    if (!id('sse') || !id('ws') || !id('grpc')) throw new Error(`not all listed: ${json(listed)}`);

    let r = await node.ctl('connections', 'kick', id('ws'), '--reason', KICK_REASON);
    await settle(async () => (await page.state('kick-ws')).statuses.some(
                     (s) => s.status === 'closed'), 'the WebSocket to close');
    const closed = (await page.state('kick-ws')).statuses.find((s) => s.status === 'closed');
    check('kick: the WebSocket client sees close 1008 with the reason',
          r.code === 0 && r.stdout.includes(`disconnected ${id('ws')}`) && closed &&
              closed.code === 1008 && closed.reason.includes(KICK_REASON),
          `kick ${r.code} ${json(r.stdout + r.stderr)}; close ${json(closed)}`);

    r = await node.ctl('connections', 'kick', id('sse'), '--reason', KICK_REASON);
    await settle(() => sse.ended, 'the SSE stream to end', 5000);
    const blocks = sse.blocks();
    const last = blocks[blocks.length - 1];
    const tailText = sse.raw.slice(sse.raw.lastIndexOf('\n\n', sse.raw.length - 3) + 2);
    check('kick: the SSE stream gets event herald.disconnect with the reason, no id line, and ends',
          r.code === 0 && sse.ended && last &&
              last.fields.event === 'herald.disconnect' &&
              last.fields.data === `{"message":"disconnected by an operator: ${KICK_REASON}"}` &&
              last.fields.id === undefined && sse.raw.endsWith('\n\n'),
          `kick ${r.code}; ended ${sse.ended}; stream tail ${json(tailText)}`);

    r = await node.ctl('connections', 'kick', id('grpc'), '--reason', KICK_REASON);
    await Promise.race([tail.exited, sleep(5000)]);
    check('kick: heraldctl tail exits with an error carrying the reason',
          r.code === 0 && tail.code !== null && tail.code !== 0 &&
              tail.stderr.includes(KICK_REASON) && tail.stderr.includes('UNAVAILABLE'),
          `kick ${r.code}; tail exit ${tail.code}, stderr ${json(tail.stderr)}`);

    const unknown = await node.ctl('connections', 'kick', 'c99999999', '--reason', KICK_REASON);
    const malformed = await node.ctl('connections', 'kick', 'nonsense');
    check('kick of an unknown id: NOT_FOUND and a non-zero exit',
          unknown.code !== 0 && unknown.stderr.includes('NOT_FOUND') && malformed.code !== 0 &&
              malformed.stderr.includes('NOT_FOUND'),
          `c99999999: ${unknown.code} ${json(unknown.stderr)}; nonsense: ${malformed.code} ` +
              `${json(malformed.stderr)}`);
  } finally {
    await page.close('kick-ws');
    sse.close();
    await tail.stop();
  }
}

// 3. drain under a publisher, stop, restart on the same data dir, and resume.
async function drain(node, page) {
  const topic = 'drain.d';
  await node.ctlOk('topics', 'create', topic, '--max-events', '100000');
  await page.openWs('drain-ws', node.baseUrl(), [topic], {backoffMs: {maxMs: 1000}});
  let sse = new RawSse(node, [topic]);
  let tail = new Tail(node, [topic]);
  const sseStreams = [sse];
  const tails = [tail];
  let publisher;
  try {
    await page.subscribed('drain-ws');
    await waitFor(() => sse.blocks().length >= 2, 'the raw SSE stream to start');
    await tail.ready();
    publisher = new Publisher(node, topic);
    await waitFor(() => publisher.acked.length >= 10, '10 acknowledged publishes before drain');

    const drained = await node.ctl('drain');
    let readyz;
    try {
      const response = await fetch(`http://127.0.0.1:${node.httpPort}/readyz`);
      readyz = `${response.status} ${json(await response.text())}`;
    } catch (e) {
      readyz = `no answer: ${e.cause ? e.cause.code || e.cause.message : e.message}`;
    }
    const ackedAtDrain = publisher.acked.length;
    check('drain: heraldctl drain exits 0', drained.code === 0,
          `${drained.code} ${json(drained.stdout + drained.stderr)}`);
    check('drain: /readyz answers 503 right after', readyz.startsWith('503'), readyz);
    const health = await node.ctl('health');
    check('drain: heraldctl health reports NOT_SERVING', health.stdout.includes('NOT_SERVING'),
          json(health.stdout + health.stderr));

    await settle(async () => sse.ended && tail.code !== null &&
                     (await page.state('drain-ws')).statuses.some((s) => s.status === 'closed'),
                 'every stream to end', 8000);
    const blocks = sse.blocks();
    const lastEvent = blocks.map((b) => b.fields.data !== undefined).lastIndexOf(true);
    const afterEvents = blocks.slice(lastEvent + 1);
    check('drain: the SSE stream gets a retry: line, then ends',
          sse.ended && afterEvents.some((b) => b.fields.retry !== undefined) &&
              blocks[blocks.length - 1].fields.retry !== undefined,
          `ended ${sse.ended}; after the last event ${json(afterEvents.map((b) => b.text))}`);
    const closed = (await page.state('drain-ws')).statuses.find((s) => s.status === 'closed');
    check('drain: the WebSocket closes with 1012', closed && closed.code === 1012, json(closed));
    check('drain: heraldctl tail ends with UNAVAILABLE',
          tail.code !== null && tail.code !== 0 && tail.stderr.includes('UNAVAILABLE'),
          `exit ${tail.code}, stderr ${json(tail.stderr)}`);

    const refusedSse = new RawSse(node, [topic]);
    await settle(() => refusedSse.ended || refusedSse.status !== 0, 'the new SSE request', 3000);
    const wsOpened = await page.wsOpens(node.wsUrl());
    const refusedTail = await node.ctl('tail', topic, '--count', '1', '--timeout', '3s');
    refusedSse.close();
    check('drain: new SSE, WebSocket and gRPC streams are refused',
          (refusedSse.error || refusedSse.status >= 500) && !wsOpened && refusedTail.code !== 0 &&
              refusedTail.stderr.includes('UNAVAILABLE'),
          `SSE ${refusedSse.error ? refusedSse.error.code : refusedSse.status}; WS opened ` +
              `${wsOpened}; tail ${refusedTail.code} ${json(refusedTail.stderr)}`);
    await settle(() => publisher.acked.length >= ackedAtDrain + 3, 'publishes while draining',
                 5000);
    check('drain: unary publishes are still acknowledged while draining',
          publisher.acked.length >= ackedAtDrain + 3,
          `${publisher.acked.length - ackedAtDrain} acknowledged since the drain`);

    const code = await node.stop('SIGTERM');
    check('drain: the drained heraldd exits 0 on SIGTERM', code === 0, `exit ${code}`);
    await node.start();

    // Each client resumes from the last id or cursor it has; the WebSocket client by itself.
    sse = new RawSse(node, [topic], sseStreams[0].lastId());
    sseStreams.push(sse);
    const lastTail = tail.events().length ? tail.events().at(-1).id : '';
    tail = new Tail(node, [topic], lastTail);
    tails.push(tail);
    await tail.ready();
    const ackedAtRestart = publisher.acked.length;
    await waitFor(() => publisher.acked.length >= ackedAtRestart + 10,
                  '10 acknowledged publishes after restart');
    await publisher.stop();
    const published = publisher.acked;
    const lastData = published.at(-1);
    const sseEvents = () => sseStreams.flatMap((s) => s.events());
    const tailEvents = () => tails.flatMap((t) => t.events());
    await settle(async () => datas(sseEvents()).includes(lastData) &&
                     datas(tailEvents()).includes(lastData) &&
                     datas((await page.state('drain-ws')).events).includes(lastData),
                 `'${lastData}' at every client`);
    await sleep(300);  // room for a duplicate to show
    const ws = await page.state('drain-ws');
    const summary = (got) => `${got.length} events, ${published.length} published; ` +
        `got ${json(got)}; published ${json(published)}`;
    check(`drain: the SSE client resumed with nothing lost or twice (${published.length} events)`,
          sameList(datas(sseEvents()), published), summary(datas(sseEvents())));
    check('drain: the WebSocket client (clients/js) resumed with nothing lost or twice',
          sameList(datas(ws.events), published) && ws.notices.length === 0,
          `${summary(datas(ws.events))}; notices ${json(ws.notices)}`);
    check('drain: the gRPC tail resumed with nothing lost or twice',
          sameList(datas(tailEvents()), published),
          `${summary(datas(tailEvents()))}; per tail ` +
              json(tails.map((t) => ({events: t.events().length, exit: t.code,
                                      stderr: t.stderr}))));
    console.log(`  drain: ${publisher.failures} publish attempts failed while heraldd was down ` +
                `(retried with their dedup keys)`);
  } finally {
    if (publisher) await publisher.stop();
    await page.close('drain-ws');
    for (const s of sseStreams) s.close();
    for (const t of tails) await t.stop();
  }
}

// Publishes `${topic}/${i}` for i in 1..perTopic to each topic, in turn.
async function publishEach(node, topics, perTopic) {
  const sent = [];
  for (let i = 1; i <= perTopic; i++) {
    for (const t of topics) {
      await node.publish(t, `${t}/${i}`);
      sent.push(`${t}/${i}`);
    }
  }
  return sent;
}

// Whether `got` is `want` exactly, per topic in order (topics may interleave differently).
function samePerTopic(got, want) {
  const a = byTopic(got.map((data) => ({data})), topicOfData);
  const b = byTopic(want.map((data) => ({data})), topicOfData);
  return got.length === want.length && Object.keys(b).every((t) => sameList(a[t] || [], b[t]));
}

// 4. First-byte resume: streams dropped before their first event lose nothing.
async function firstByte(node, page) {
  // The raw stream: `: herald`, `retry:`, then an id-only block.
  const raw = ['fb.a', 'fb.b', 'fb.c'];
  for (const t of raw) await node.ctlOk('topics', 'create', t);
  const first = new RawSse(node, raw);
  await settle(() => first.blocks().length >= 2, 'the raw SSE stream to start', 5000);
  const head = first.raw.match(/^: herald\nretry: \d+\n\nid: ([A-Za-z0-9_-]+)\n\n/);
  const idBlock = first.blocks()[1];
  check('first byte: an SSE stream without a cursor opens with : herald, retry:, then an ' +
            'id-only block',
        head && idBlock && Object.keys(idBlock.fields).join() === 'id' &&
            idBlock.comments.length === 0,
        json(first.raw.slice(0, 200)));
  first.close();
  if (head) {
    const sent = await publishEach(node, raw, 1);
    const resumed = new RawSse(node, raw, head[1]);
    await settle(() => resumed.events().length >= sent.length, 'the resumed raw stream', 5000);
    await sleep(200);
    check('first byte: that id resumes a raw SSE stream (Last-Event-ID) with the events after it',
          samePerTopic(datas(resumed.events()), sent),
          `sent ${json(sent)}, got ${json(datas(resumed.events()))}`);
    resumed.close();
  }

  // Chromium's EventSource on 3 topics, kicked before its first event.
  const sseTopics = ['fb.sse1', 'fb.sse2', 'fb.sse3'];
  for (const t of sseTopics) await node.ctlOk('topics', 'create', t);
  const requestsBefore = page.sseRequests.length;
  await page.openSse('fb-sse', node.sseUrl(), sseTopics);
  await page.opened('fb-sse');
  await sleep(200);  // the id-only block arrives with the head; let the page parse it
  const [sseConn] = await node.connections('--transport', 'sse', '--topic', sseTopics[0]);
  await node.ctlOk('connections', 'kick', sseConn.id, '--reason', KICK_REASON);
  let sent = await publishEach(node, sseTopics, 2);
  const gone = (await node.connections('--transport', 'sse', '--topic', sseTopics[0])).length === 0;
  await settle(async () => (await page.state('fb-sse')).opens >= 2, 'the EventSource to reconnect');
  await node.publish(sseTopics[0], `${sseTopics[0]}/last`);
  sent.push(`${sseTopics[0]}/last`);
  await settle(async () => datas((await page.state('fb-sse')).events).includes(sent.at(-1)),
               'the EventSource to catch up');
  await sleep(300);
  let state = await page.state('fb-sse');
  const requests = page.sseRequests.slice(requestsBefore).map((r) => r.lastEventId);
  check('first byte: Chromium\'s EventSource on 3 topics, kicked before any event, reconnects ' +
            'by itself and gets every event published meanwhile, once',
        gone && state.opens === 2 && samePerTopic(datas(state.events), sent),
        `published while disconnected: ${gone}; opens ${state.opens}; sent ${json(sent)}, got ` +
            `${json(datas(state.events))}; Last-Event-ID per request ${json(requests)}`);
  console.log(`  first byte: the EventSource's requests sent Last-Event-ID ${json(requests)}`);
  await page.close('fb-sse');

  // The Herald client over WebSocket, resuming from its `subscribed` cursors. Its reconnect
  // is held until the publishes are done, so they all land while it is away.
  const wsTopics = ['fb.ws1', 'fb.ws2', 'fb.ws3'];
  for (const t of wsTopics) await node.ctlOk('topics', 'create', t);
  await page.openWs('fb-ws', node.baseUrl(), wsTopics, {held: true});
  await page.subscribed('fb-ws');
  const [wsConn] = await node.connections('--transport', 'ws', '--topic', wsTopics[0]);
  await node.ctlOk('connections', 'kick', wsConn.id, '--reason', KICK_REASON);
  sent = await publishEach(node, wsTopics, 2);
  const wsGone = (await node.connections('--transport', 'ws', '--topic', wsTopics[0])).length === 0;
  await page.release('fb-ws');
  await settle(async () => (await page.state('fb-ws')).opens >= 2, 'the WebSocket to reconnect');
  await settle(async () => (await node.connections('--transport', 'ws', '--topic', wsTopics[2]))
                               .length === 1, 'the WebSocket to resubscribe');
  await node.publish(wsTopics[0], `${wsTopics[0]}/last`);
  sent.push(`${wsTopics[0]}/last`);
  await settle(async () => datas((await page.state('fb-ws')).events).includes(sent.at(-1)),
               'the WebSocket client to catch up');
  await sleep(300);
  state = await page.state('fb-ws');
  check('first byte: the Herald client over WebSocket on 3 topics, kicked before any event, ' +
            'resumes from its subscribed cursors and gets every event once',
        wsGone && state.opens === 2 && samePerTopic(datas(state.events), sent) &&
            state.notices.length === 0,
        `published while disconnected: ${wsGone}; opens ${state.opens}; sent ${json(sent)}, got ` +
            `${json(datas(state.events))}; notices ${json(state.notices)}; errors ` +
            `${json(state.errors)}`);
  await page.close('fb-ws');

  // gRPC: the starting cursor heraldctl tail prints (the herald-cursor metadata), resumed.
  const grpcTopics = ['fb.grpc1', 'fb.grpc2', 'fb.grpc3'];
  for (const t of grpcTopics) await node.ctlOk('topics', 'create', t);
  const grpcTail = new Tail(node, grpcTopics);
  await grpcTail.ready();
  const cursor = grpcTail.startCursor();
  check('first byte: gRPC Subscribe without a cursor sends herald-cursor initial metadata',
        cursor !== null, `stderr ${json(grpcTail.stderr)}`);
  const [grpcConn] = await node.connections('--transport', 'grpc', '--topic', grpcTopics[0]);
  if (grpcConn) await node.ctlOk('connections', 'kick', grpcConn.id, '--reason', KICK_REASON);
  await grpcTail.exited;
  sent = await publishEach(node, grpcTopics, 2);
  await node.publish(grpcTopics[0], `${grpcTopics[0]}/last`);
  sent.push(`${grpcTopics[0]}/last`);
  const resumed = cursor ?
      await node.ctl('--output', 'json', 'tail', ...grpcTopics, '--from', cursor, '--count',
                     String(sent.length), '--timeout', '5s') :
      {code: -1, stdout: '', stderr: 'no cursor'};
  const got = resumed.stdout.split('\n').filter((l) => l)
                  .map((l) => Buffer.from(JSON.parse(l).data || '', 'base64').toString());
  check('first byte: heraldctl tail --from the herald-cursor gets every event published after ' +
            'the kick, once',
        resumed.code === 0 && grpcTail.events().length === 0 && samePerTopic(got, sent),
        `events before the kick ${grpcTail.events().length}; first tail ${grpcTail.code} ` +
            `${json(grpcTail.stderr)}; tail ${resumed.code} ${json(resumed.stderr)}; sent ` +
            `${json(sent)}, got ${json(got)}`);
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-sessions-'));
  const memory = new Heraldd('memory', await freePort(), await freePort(), ['--store=memory']);
  const durable = new Heraldd('rocksdb', await freePort(), await freePort(),
                              ['--store=rocksdb', `--data_dir=${path.join(tmp, 'data')}`]);
  await Promise.all([memory.start(), durable.start()]);
  const browser = await launchChromium();
  try {
    const memoryPage = await Page.open(browser, memory);
    const durablePage = await Page.open(browser, durable);
    await group('connections list and stats', () => listAndStats(memory, memoryPage));
    await group('kick', () => kick(memory, memoryPage));
    await group('drain', () => drain(durable, durablePage));
    await group('first byte', () => firstByte(memory, memoryPage));
  } finally {
    await browser.close();
    await Promise.all([memory.stop(), durable.stop()]);
    fs.rmSync(tmp, {recursive: true, force: true});
  }
  finish('sessions_e2e');
}

main().catch((e) => {
  check('sessions end-to-end setup', false, e.stack || String(e));
  finish('sessions_e2e');
});
