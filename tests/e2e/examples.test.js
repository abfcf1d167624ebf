// End-to-end over the examples, each run the way its README says: its run.sh, on free ports,
// with the heraldd and heraldctl the suite's script built (HERALD_BIN). The chat and the
// ticker in Debian's Chromium (playwright-core), leaving screenshots in
// tests/e2e/out/examples_e2e/; the publishers (C++, Python, Node) each publishing through a
// broken stream and a retry, then the topic checked to hold each event once. A publisher
// whose packages are missing is skipped with a SKIP line.
//
//   node tests/e2e/examples.test.js   (run by tests/e2e/examples_e2e.sh, after a bazel build)
'use strict';

const {check, finish, freePort, launchChromium, outputDir, waitFor} = require('./harness');
const {spawn, spawnSync} = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.resolve(__dirname, '../..');
// A publisher's whole run.sh: heraldd's start, 300 events, a retry, heraldd's drain.
const PUBLISHER_TIMEOUT_MS = 120000;

// One example's run.sh in its own process group, its output prefixed and kept.
class Example {
  constructor(name, script, env, args = []) {
    this.name = name;
    this.output = '';
    this.proc = spawn(path.join(root, script), args, {
      env: {...process.env, ...env}, detached: true, stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const stream of [this.proc.stdout, this.proc.stderr]) {
      stream.setEncoding('utf8');
      stream.on('data', (text) => {
        this.output += text;
        for (const line of text.split('\n')) if (line) console.log(`  ${name}: ${line}`);
      });
    }
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
  }

  // Waits for the line the script prints once everything is up.
  ready(pattern) {
    return waitFor(() => pattern.test(this.output) || this.proc.exitCode !== null,
        `${this.name} to start`, 60000).then(() => {
      if (this.proc.exitCode !== null) throw new Error(`${this.name} exited: ${this.output}`);
    });
  }

  // SIGTERM to the script alone: its exit trap stops what it started, as Ctrl-C would.
  async stop() {
    if (this.proc.exitCode === null) this.proc.kill('SIGTERM');
    return this.exited;
  }
}

async function chat(browser) {
  const [chatPort, httpPort, grpcPort] = [await freePort(), await freePort(), await freePort()];
  const example = new Example('chat', 'examples/chat/run.sh', {
    CHAT_PORT: chatPort, HERALD_HTTP_PORT: httpPort, HERALD_GRPC_PORT: grpcPort,
  });
  try {
    await example.ready(/chat: serving/);
    const url = `http://127.0.0.1:${chatPort}/`;

    const refused = await fetch(`http://127.0.0.1:${httpPort}/v1/sse?topic=chat.lobby`);
    check('chat: heraldd refuses a stream without a token', refused.status === 401,
        `HTTP ${refused.status}`);

    const pages = [];
    for (const name of ['Ada', 'Grace']) {
      const page = await browser.newPage({viewport: {width: 1100, height: 700}});
      await page.goto(url);
      if (!pages.length) {
        await page.waitForSelector('#rooms button');
        await page.screenshot({path: path.join(outputDir('examples_e2e'), 'chat-join.png')});
      }
      await page.fill('#name', name);
      await page.click('#join button');
      await waitFor(() => page.$eval('#state', (el) => el.dataset.state === 'open'),
          `${name}'s page to connect`);
      pages.push(page);
    }
    check('chat: both pages joined and connected', true);

    const [ada, grace] = pages;
    const text = 'Hello Grace! Every room here is a Herald topic.';
    await ada.fill('#message', text);
    await ada.press('#message', 'Enter');
    const arrived = (page, wanted) => page.$$eval('#messages .text',
        (els, t) => els.some((el) => el.textContent === t), wanted);
    try {
      await waitFor(() => arrived(grace, text), 'the message on the other page');
      check('chat: a message typed on one page appears on the other', true);
    } catch (e) {
      check('chat: a message typed on one page appears on the other', false, e.message);
    }

    // Grace answers in another room: Ada sees it counted as unread there, then reads it.
    await grace.click('#rooms button:nth-child(2)');
    await grace.fill('#message', 'over here, Ada');
    await grace.press('#message', 'Enter');
    await grace.click('#rooms button:nth-child(1)');
    await grace.fill('#message', 'nice to meet you');
    await grace.press('#message', 'Enter');
    try {
      await waitFor(() => ada.$eval('#rooms button:nth-child(2) .unread',
          (el) => el.textContent === '1'), 'an unread count of 1 in #random');
      await ada.click('#rooms button:nth-child(2)');
      await waitFor(() => arrived(ada, 'over here, Ada'), 'the message in #random');
      await ada.click('#rooms button:nth-child(1)');
      await waitFor(() => arrived(ada, 'nice to meet you'), 'the reply in #lobby');
      check('chat: rooms are separate topics, with unread counts', true);
    } catch (e) {
      check('chat: rooms are separate topics, with unread counts', false, e.message);
    }

    const sent = await ada.$$eval('#messages .text', (els) => els.map((el) => el.textContent));
    check('chat: each message is shown once', sent.length === 2, JSON.stringify(sent));

    const screenshot = path.join(outputDir('examples_e2e'), 'chat.png');
    await ada.screenshot({path: screenshot});
    console.log(`  screenshot: ${screenshot}`);
    // Grace, back in #lobby, with Ada's message and her own reply.
    await grace.screenshot({path: path.join(outputDir('examples_e2e'), 'chat-other.png')});
    for (const page of pages) await page.close();
  } catch (e) {
    check('chat: runs', false, e.message);
  } finally {
    check('chat: run.sh stops on SIGTERM', [130, 143].includes(await example.stop()),
        'unexpected exit code');
  }
}

async function ticker(browser) {
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const example = new Example('ticker', 'examples/ticker/run.sh', {
    HERALD_HTTP_PORT: httpPort, HERALD_GRPC_PORT: grpcPort, TICK_MS: 50,
  });
  try {
    await example.ready(/ticker: open/);
    const page = await browser.newPage({viewport: {width: 1100, height: 720}});
    await page.goto(`http://127.0.0.1:${httpPort}/`);
    try {
      await waitFor(() => page.evaluate(() => window.ticks.length >= 60), 'sixty ticks');
      check('ticker: the page receives the feed\'s ticks over SSE', true);
    } catch (e) {
      check('ticker: the page receives the feed\'s ticks over SSE', false, e.message);
    }
    const cards = await page.$$eval('.symbol .name', (els) => els.map((el) => el.textContent));
    check('ticker: a card per symbol', cards.length === 4, JSON.stringify(cards));
    // The chart drew a line: some pixels of the canvas are neither blank nor the grid's grey.
    const drawn = await page.$eval('#chart', (canvas) => {
      const {data} = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
      let coloured = 0;
      for (let i = 0; i < data.length; i += 4) {
        const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
        if (a > 200 && Math.max(r, g, b) - Math.min(r, g, b) > 60) coloured++;
      }
      return coloured;
    });
    check('ticker: the chart is drawn', drawn > 200, `${drawn} coloured pixels`);
    const state = await page.evaluate(() => document.getElementById('state').textContent);
    check('ticker: the page says it is live', state === 'live', state);
    const screenshot = path.join(outputDir('examples_e2e'), 'ticker.png');
    await page.screenshot({path: screenshot});
    console.log(`  screenshot: ${screenshot}`);
    await page.close();
  } catch (e) {
    check('ticker: runs', false, e.message);
  } finally {
    check('ticker: run.sh stops on SIGTERM', [130, 143].includes(await example.stop()),
        'unexpected exit code');
  }
}

// Why a publisher cannot run here, or null when it can.
function publisherMissing(language) {
  if (language === 'python') {
    const probe = spawnSync('/usr/bin/python3', ['-c', 'import grpc, grpc_tools']);
    return probe.status === 0 ? null :
        'no python3-grpcio and python3-grpc-tools for /usr/bin/python3 (tools/setup.sh)';
  }
  if (language === 'node') {
    const modules = path.join(root, 'examples/publishers/node/node_modules/@grpc/grpc-js');
    return fs.existsSync(modules) ? null :
        'no examples/publishers/node/node_modules (tools/setup.sh)';
  }
  return null;
}

// A publisher's run.sh: N events with a stream broken after some acks and retried with the
// same dedup keys, then ten acked ones sent again; the topic must then hold each event once
// (heraldctl topics get, printed by run.sh: FIRST 1, LAST N).
async function publisher(language) {
  const missing = publisherMissing(language);
  if (missing) {
    console.log(`SKIP examples_e2e publishers/${language}: ${missing}`);
    return;
  }
  const [httpPort, grpcPort] = [await freePort(), await freePort()];
  const count = 300;
  const example = new Example(`publishers/${language}`,
      `examples/publishers/${language}/run.sh`,
      {HERALD_HTTP_PORT: httpPort, HERALD_GRPC_PORT: grpcPort},
      [`--count=${count}`, '--break_after=120']);
  // A publisher that hangs is stopped, and fails below, rather than holding up the suite.
  const timer = setTimeout(() => example.stop(), PUBLISHER_TIMEOUT_MS);
  const code = await example.exited;
  clearTimeout(timer);
  const name = `publishers/${language}`;
  check(`${name}: run.sh succeeds`, code === 0, `exit code ${code}`);
  check(`${name}: the first stream broke and the rest was retried`,
      /attempt 1: 120 of 300 acked/.test(example.output), 'no retry reported');
  const summary = `published ${count} events to 'orders': acked offsets 1..${count}, without a gap`;
  check(`${name}: every event was acked, at offsets without a gap`,
      example.output.includes(summary), 'no such summary');
  check(`${name}: acked events sent again are answered from their dedup keys`,
      example.output.includes('sent 10 acked events again with their keys: each answered with ' +
          'its first offset'), 'no such line');
  check(`${name}: the topic holds each event once`,
      new RegExp(`^orders\\s+\\d+\\s+1\\s+${count}\\s`, 'm').test(example.output),
      'heraldctl topics get shows another history');
}

async function main() {
  const browser = await launchChromium();
  try {
    await chat(browser);
    await ticker(browser);
  } finally {
    await browser.close();
  }
  for (const language of ['cpp', 'python', 'node']) await publisher(language);
  finish('examples_e2e');
}

main().catch((e) => {
  check('examples end-to-end', false, e.stack);
  finish('examples_e2e');
});
