// End-to-end in a real browser: Debian's Chromium (driven by playwright-core) opens the demo
// page served by a live heraldd, whose browser client follows a topic over Server-Sent Events
// and over WebSocket, and must receive every event published with heraldctl or from the page's
// publish box exactly once and in order, across a severed connection (a TCP proxy that drops
// every socket) and across a heraldd restart. It leaves screenshots of the page in
// tests/e2e/out/browser_e2e/ (see harness.outputDir) for a person to look at.
//
//   node tests/e2e/browser.test.js   (run by tests/e2e/browser_e2e.sh, after a bazel build)
'use strict';

const {TIMEOUT_MS, builtBinary, check, finish, freePort, healthy, outputDir, waitFor,
       launchChromium} = require('./harness');
const {execFileSync, spawn} = require('child_process');
const fs = require('fs');
const os = require('os');
const net = require('net');
const path = require('path');

const root = path.resolve(__dirname, '../..');
const heralddBin = builtBinary('broker/heraldd/heraldd');
const heraldctlBin = builtBinary('admin/heraldctl');

// A TCP proxy in front of heraldd whose connections can all be cut at once.
function startProxy(listenPort, targetPort) {
  const sockets = new Set();
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  server.listen(listenPort, '127.0.0.1');
  return {
    cut() {
      for (const s of sockets) s.destroy();
    },
    close() {
      this.cut();
      server.close();
    },
  };
}

class Heraldd {
  constructor(httpPort, grpcPort) {
    this.httpPort = httpPort;
    this.grpcPort = grpcPort;
    this.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-browser-'));
  }

  async start() {
    this.proc = spawn(heralddBin, [
      `--http_port=${this.httpPort}`, `--grpc_port=${this.grpcPort}`,
      `--data_dir=${this.dataDir}`,
      `--static_dir=${path.join(root, 'examples/demo')}`,
    ], {stdio: ['ignore', 'inherit', 'inherit']});
    await waitFor(() => healthy(this.httpPort), 'heraldd to answer /healthz');
  }

  async stop() {
    const exited = new Promise((resolve) => this.proc.once('exit', resolve));
    this.proc.kill('SIGTERM');
    await exited;
  }

  ctl(...args) {
    return execFileSync(heraldctlBin, [`--server=127.0.0.1:${this.grpcPort}`, ...args],
                        {encoding: 'utf8'});
  }
}

function sameList(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

// Chromium offers permessage-deflate on every WebSocket: with ordinary JSON payloads, which
// the server compresses once per event and shares among such subscribers, a page must read
// every event intact and in order.
async function expectDeflatedEvents(page, httpPort, heraldd, topic) {
  heraldd.ctl('topics', 'create', topic);
  await page.evaluate(({url, topic}) => new Promise((resolve, reject) => {
    const ws = new WebSocket(url, 'herald.v1.json');
    window.deflate = {extensions: '', events: []};
    ws.onopen = () => {
      window.deflate.extensions = ws.extensions;
      ws.send(JSON.stringify({op: 'subscribe', topic}));
    };
    ws.onmessage = (m) => {
      const op = JSON.parse(m.data);
      if (op.op === 'subscribed') resolve();
      if (op.op === 'event') window.deflate.events.push(op.data);
    };
    ws.onerror = () => reject(new Error('WebSocket error'));
  }), {url: `ws://127.0.0.1:${httpPort}/v1/ws`, topic});
  const want = [];
  for (let i = 0; i < 20; i++) {
    const items = Array.from({length: 12}, (_, k) => ({sku: `sku-${k}`, qty: k + i, price: 9.5}));
    want.push(JSON.stringify({seq: i, status: 'confirmed', items}));
  }
  // One PublishStream for all of them: a process per event would take most of the test's time.
  execFileSync(heraldctlBin, [`--server=127.0.0.1:${heraldd.grpcPort}`, 'publish', topic,
                              '--stream'], {input: want.join('\n') + '\n'});
  const got = () => page.evaluate(() => window.deflate);
  try {
    await waitFor(async () => (await got()).events.length >= want.length, 'the JSON events');
  } catch (e) {
    // The comparison below reports what arrived.
  }
  const result = await got();
  check('Chromium negotiates permessage-deflate with server_no_context_takeover',
        /permessage-deflate/.test(result.extensions) &&
            /server_no_context_takeover/.test(result.extensions),
        result.extensions);
  check('512-byte JSON events arrive intact and in order over permessage-deflate',
        sameList(result.events, want), `${result.events.length} of ${want.length}`);
}

// The newest row of each pane shows the offset of event number `n` and its id, and each pane
// counts `n` events. `when` names the moment in the check.
async function expectRows(page, n, when) {
  for (const pane of ['sse', 'ws']) {
    const shown = await page.evaluate((pane) => {
      const row = document.querySelector(`#${pane} li.event`);
      return {
        offset: row ? row.querySelector('.offset').textContent : '',
        id: row ? row.querySelector('.meta code').textContent : '',
        count: document.getElementById(`${pane}-count`).textContent,
        rate: document.getElementById(`${pane}-rate`).textContent,
      };
    }, pane);
    check(`${when}, the ${pane} pane shows the newest event's offset and id and counts every event`,
          shown.offset === `#${n}` && shown.id.length > 10 && shown.count === String(n) &&
              /^[0-9,]+$/.test(shown.rate),
          JSON.stringify(shown));
  }
}

// What the page tells a visitor when its topic is missing (until it is created), or refuses
// browser publishing.
async function expectHints(browser, port, heraldd, topic) {
  const page = await browser.newPage({viewport: {width: 1280, height: 600}});
  const screenshots = outputDir('browser_e2e');
  try {
    await page.goto(`http://127.0.0.1:${port}/?topic=${topic}.missing`);
    await page.waitForFunction(() => !document.getElementById('hint').hidden, null,
                               {timeout: TIMEOUT_MS});
    const hint = await page.textContent('#hint');
    check('a missing topic shows how to create it', hint.includes('heraldctl topics create'),
          hint);
    await page.screenshot({path: path.join(screenshots, 'demo-missing-topic.png')});
    // The page keeps asking for the topic: once it exists, the hint goes.
    heraldd.ctl('topics', 'create', `${topic}.missing`);
    const gone = await page.waitForFunction(() => document.getElementById('hint').hidden, null,
                                            {timeout: TIMEOUT_MS}).then(() => true, () => false);
    check('the hint goes once the missing topic is created', gone, await page.textContent('#hint'));

    const closed = `${topic}.closed`;
    heraldd.ctl('topics', 'create', closed);
    await page.goto(`http://127.0.0.1:${port}/?topic=${closed}`);
    await page.waitForFunction(() => !document.getElementById('publish-button').disabled, null,
                               {timeout: TIMEOUT_MS});
    await page.fill('#publish-input', 'not allowed');
    await page.click('#publish-button');
    await page.waitForFunction(
        () => document.getElementById('publish-status').dataset.kind === 'error', null,
        {timeout: TIMEOUT_MS});
    const status = await page.textContent('#publish-status');
    check('a topic without browser publishing says so under the publish box',
          status.includes('does not allow publishing from browsers'), status);
    await page.screenshot({path: path.join(screenshots, 'demo-publish-refused.png')});
  } catch (e) {
    check('the page explains a missing topic and a refused publish', false, e.stack || String(e));
  } finally {
    await page.close();
  }
}

async function main() {
  const [httpPort, grpcPort, proxyPort] = [await freePort(), await freePort(), await freePort()];
  const heraldd = new Heraldd(httpPort, grpcPort);
  await heraldd.start();
  const proxy = startProxy(proxyPort, httpPort);
  const browser = await launchChromium();
  try {
    const topic = `e2e.${process.pid}`;
    heraldd.ctl('topics', 'create', topic, '--allow-browser-publish=true');
    const page = await browser.newPage({viewport: {width: 1280, height: 900}});
    page.on('console', (m) => console.log(`  page: ${m.text()}`));
    await page.goto(`http://127.0.0.1:${proxyPort}/?topic=${topic}`);
    await page.waitForFunction(
        () => document.getElementById('sse-status').textContent === 'open' &&
              document.getElementById('ws-status').textContent === 'open',
        null, {timeout: TIMEOUT_MS});
    // The WS subscription is confirmed once the server has answered it.
    await new Promise((r) => setTimeout(r, 300));

    const received = () => page.evaluate(() => window.received);
    const expectBoth = async (name, want) => {
      try {
        await waitFor(async () => {
          const r = await received();
          return r.sse.length >= want.length && r.ws.length >= want.length;
        }, name);
        await new Promise((r) => setTimeout(r, 300));  // room for any duplicate to show
      } catch (e) {
        // Fall through: the comparison below reports what arrived.
      }
      const r = await received();
      check(`${name} (SSE)`, sameList(r.sse, want), JSON.stringify(r.sse));
      check(`${name} (WebSocket)`, sameList(r.ws, want), JSON.stringify(r.ws));
    };

    const published = [];
    const publish = (data) => {
      heraldd.ctl('publish', topic, data);
      published.push(data);
    };
    for (let i = 1; i <= 5; i++) publish(`event ${i}`);
    await expectBoth('live events arrive in order', published);

    await page.fill('#publish-input', 'from the page');
    await page.click('#publish-button');
    published.push('from the page');
    await expectBoth('an event published from the page arrives in both panes', published);
    await expectRows(page, published.length, 'after a publish from the page');
    await page.waitForFunction(
        () => document.getElementById('publish-status').dataset.kind !== 'pending', null,
        {timeout: TIMEOUT_MS}).catch(() => {});  // the check reports what the box shows
    const answer = await page.textContent('#publish-status');
    check('the publish box shows the offset the server stored the event at',
          answer.includes(`#${published.length}`), answer);

    proxy.cut();
    for (let i = 6; i <= 10; i++) publish(`event ${i}`);
    await expectBoth('after a severed connection both resume without loss or duplicates',
                     published);

    await page.click('#drop');
    publish('event 11');
    await expectBoth('after the page drops its connections both resume', published);

    // heraldd's default store is durable: after a restart both resume their history with
    // nothing lost, nothing twice, and no reset.
    await heraldd.stop();
    await heraldd.start();
    const afterRestart = ['after restart 1', 'after restart 2'];
    for (const data of afterRestart) publish(data);
    await expectBoth('after a heraldd restart both resume with nothing lost or repeated',
                     published);
    const notices = await page.evaluate(() => window.notices);
    check('a restart of the durable store announces no reset (SSE)',
          !notices.sse.includes('herald.reset'), JSON.stringify(notices.sse));
    check('a restart of the durable store announces no reset (WebSocket)',
          !notices.ws.includes('herald.reset'), JSON.stringify(notices.ws));
    await expectRows(page, published.length, 'after a restart');
    const screenshot = path.join(outputDir('browser_e2e'), 'demo.png');
    await page.screenshot({path: screenshot});
    console.log(`  screenshot: ${screenshot}`);

    await expectHints(browser, proxyPort, heraldd, topic);

    await expectDeflatedEvents(page, httpPort, heraldd, `${topic}.json`);
  } catch (e) {
    check('browser end-to-end run', false, e.stack || String(e));
  } finally {
    await browser.close();
    proxy.close();
    await heraldd.stop();
    fs.rmSync(heraldd.dataDir, {recursive: true, force: true});
  }
  finish('browser_e2e');
}

main();
