// End-to-end over what operators watch: a live heraldd's /metrics (on the edge and on its
// --metrics_address port) scraped and parsed under a scripted workload, `promtool check
// metrics` on a scrape taken under load, and its log lines (--log_level=info) and access log
// for each connection's close and its reason.
//
//   node --experimental-websocket tests/e2e/observability.test.js   (observability_e2e.sh)
'use strict';

const {builtBinary, check, finish, freePort, healthy, waitFor} = require('./harness');
const {execFile, spawn} = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const heralddBin = builtBinary('broker/heraldd/heraldd');
const heraldctlBin = builtBinary('admin/heraldctl');

function run(file, args, input) {
  return new Promise((resolve) => {
    const child = execFile(file, args, {encoding: 'utf8', timeout: 60000, maxBuffer: 64 << 20},
                           (error, stdout, stderr) => {
                             const code = !error ? 0 : typeof error.code === 'number' ? error.code : -1;
                             resolve({code, stdout, stderr});
                           });
    if (input !== undefined) child.stdin.end(input);
  });
}

function get(port, urlPath) {
  return new Promise((resolve, reject) => {
    http.get({host: '127.0.0.1', port, path: urlPath, agent: false}, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (t) => body += t);
      response.on('end', () => resolve({status: response.statusCode, body}));
    }).on('error', reject);
  });
}

// Prometheus text → {'name{labels}': value}; label order as the server wrote it.
function parseMetrics(text) {
  const samples = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    samples[line.slice(0, space)] = Number(line.slice(space + 1));
  }
  return samples;
}

// An SSE stream read with Node's http; `paused` never reads (a slow consumer).
class Sse {
  constructor(port, query, {lastEventId, paused} = {}) {
    this.raw = '';
    this.ended = false;
    this.request = http.get({
      host: '127.0.0.1', port, path: `/v1/sse?${query}`, agent: false,
      headers: lastEventId ? {'Last-Event-ID': lastEventId} : {},
    }, (response) => {
      this.status = response.statusCode;
      if (paused) {
        response.pause();
        return;
      }
      response.setEncoding('utf8');
      response.on('data', (t) => this.raw += t);
      response.on('end', () => this.ended = true);
    });
    this.request.on('error', () => this.ended = true);
    this.request.on('close', () => this.ended = true);
  }
  // Message events, as {id, data}.
  events() {
    const events = [];
    for (const block of this.raw.split('\n\n').slice(0, -1)) {
      const fields = {};
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
      }
      if (fields.data !== undefined && fields.event === undefined) events.push(fields);
    }
    return events;
  }
  close() {
    this.request.destroy();
  }
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-obs-'));
  const [httpPort, grpcPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const accessLog = path.join(tmp, 'access.log');
  let stderr = '';
  const proc = spawn(heralddBin, [
    '--store=memory', `--http_port=${httpPort}`, `--grpc_port=${grpcPort}`,
    `--metrics_address=127.0.0.1:${metricsPort}`, '--metrics_topics=obs', '--log_level=info',
    `--access_log=${accessLog}`,
  ], {stdio: ['ignore', 'ignore', 'pipe']});
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (t) => stderr += t);
  const exited = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  const ctl = (...args) => run(heraldctlBin, [`--server=127.0.0.1:${grpcPort}`, ...args]);
  const scrape = async (port = httpPort) => parseMetrics((await get(port, '/metrics')).body);
  const logLine = (pattern) => stderr.split('\n').find((l) => pattern.test(l));
  const waitForLog = (pattern, what) => waitFor(() => logLine(pattern) !== undefined,
                                                () => `${what} in the log:\n${stderr}`);
  const closed = (transport, reason) =>
      `herald_sessions_closed_total{transport="${transport}",reason="${reason}"}`;

  try {
    await waitFor(() => healthy(httpPort), 'heraldd to answer /healthz');
    check('start-up: one heraldd_starting line sums up the configuration',
          /info heraldd_starting version=\S+ .*engine=local store=memory/.test(stderr), stderr);
    await waitForLog(/ heraldd_ready edge=http:\/\/127\.0\.0\.1:\d+ grpc=127\.0\.0\.1:\d+ metrics=http/,
                     'heraldd_ready');
    check('start-up: heraldd_ready names the edge, gRPC and metrics listeners', true);
    for (const topic of ['obs', 'slow']) {
      const created = await ctl('topics', 'create', topic);
      if (created.code !== 0) throw new Error(`topics create ${topic}: ${created.stderr}`);
    }

    // Publishes and deliveries: counters move by exactly the workload.
    const before = await scrape();
    const live = new Sse(httpPort, 'topic=obs');
    await waitFor(async () => (await scrape())['herald_sessions{transport="sse"}'] === 1,
                  'the SSE stream to open');
    const kEvents = 20;
    const lines = Array.from({length: kEvents}, (_, i) => `event-${i}`).join('\n') + '\n';
    const published = await run(heraldctlBin, [`--server=127.0.0.1:${grpcPort}`, 'publish', 'obs',
                                               '--stream'], lines);
    check('workload: 20 publishes acknowledged', published.code === 0, published.stderr);
    await waitFor(() => live.events().length === kEvents, 'the SSE stream to get 20 events');
    await waitFor(async () => (await scrape())['herald_events_delivered_total{transport="sse"}'] -
                              before['herald_events_delivered_total{transport="sse"}'] === kEvents,
                  'the delivered counter');
    const after = await scrape();
    const delta = (name) => after[name] - before[name];
    check('metrics: herald_events_published_total rose by exactly 20',
          delta('herald_events_published_total') === kEvents, delta('herald_events_published_total'));
    check('metrics: herald_publish_seconds counted every publish',
          delta('herald_publish_seconds_count') === kEvents &&
              after['herald_publish_seconds_bucket{le="+Inf"}'] === after['herald_publish_seconds_count'],
          delta('herald_publish_seconds_count'));
    check('metrics: herald_events_delivered_total{sse} rose by exactly 20',
          delta('herald_events_delivered_total{transport="sse"}') === kEvents, '');
    check('metrics: --metrics_topics=obs counts its publishes apart, and only its',
          after['herald_topic_events_published_total{topic="obs"}'] === kEvents &&
              !Object.keys(after).some((k) => k.includes('topic="slow"')), '');
    check('metrics: herald_sessions_opened_total{sse} counts the stream',
          delta('herald_sessions_opened_total{transport="sse"}') === 1, '');

    // The client closes: a close with its reason, counted and logged.
    live.close();
    await waitForLog(/ info session_closed .*transport=sse .*topics=obs reason=client_closed .*delivered=20/,
                     'the SSE close');
    check('log: an SSE client that closes is logged with reason=client_closed and its peer',
          / session_closed .*peer=ipv4:127\.0\.0\.1:\d+ /.test(logLine(/session_closed .*transport=sse/)),
          logLine(/session_closed .*transport=sse/));
    check('metrics: the client close is counted under client_closed',
          (await scrape())[closed('sse', 'client_closed')] === 1, '');

    // A resume: the client was away since event 9 and is replayed the 10 after it.
    const tenth = live.events()[9].id;
    const beforeResume = await scrape();
    const resumed = new Sse(httpPort, 'topic=obs', {lastEventId: tenth});
    await waitFor(() => resumed.events().length === 10, 'the resumed stream to replay 10 events');
    await waitFor(async () => (await scrape())['herald_resume_replayed_events_count'] >
                              beforeResume['herald_resume_replayed_events_count'], 'the resume');
    const afterResume = await scrape();
    check('metrics: a resume counts in herald_resumes_total',
          afterResume['herald_resumes_total'] - beforeResume['herald_resumes_total'] === 1, '');
    check('metrics: herald_resume_away_seconds observed the resume',
          afterResume['herald_resume_away_seconds_count'] -
              beforeResume['herald_resume_away_seconds_count'] === 1, '');
    check('metrics: herald_resume_replayed_events observed the 10 replayed',
          afterResume['herald_resume_replayed_events_sum'] -
              beforeResume['herald_resume_replayed_events_sum'] === 10,
          afterResume['herald_resume_replayed_events_sum']);
    resumed.close();

    // A WebSocket client kicked by an operator.
    const ws = new WebSocket(`ws://127.0.0.1:${httpPort}/v1/ws`, 'herald.v1.json');
    const wsClosed = new Promise((resolve) => ws.addEventListener('close', (e) => resolve(e.code)));
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve);
      ws.addEventListener('error', reject);
    });
    const subscribed = new Promise((resolve) => ws.addEventListener('message', resolve));
    ws.send(JSON.stringify({op: 'subscribe', topic: 'obs'}));
    await subscribed;
    const listed = JSON.parse((await ctl('--output', 'json', 'connections', 'list')).stdout);
    const wsId = (listed.connections || []).find((c) => c.transport === 'ws').id;
    const kicked = await ctl('connections', 'kick', wsId, '--reason', 'maintenance');
    check('workload: heraldctl connections kick the WebSocket', kicked.code === 0, kicked.stderr);
    check('the kicked WebSocket closes with 1008', (await wsClosed) === 1008, '');
    await waitForLog(new RegExp(` session_closed id=${wsId} transport=ws .*topics=obs reason=kicked`),
                     'the WebSocket kick');
    check('log: the kicked WebSocket is logged with reason=kicked', true);
    await waitFor(async () => (await scrape())[closed('ws', 'kicked')] === 1, 'the kick counted');
    check('metrics: the kick is counted under kicked', true);

    // A subscriber that never reads: closed as a slow consumer, which is a close, not a
    // refusal. Under this load, promtool checks a scrape of the metrics port.
    const refusedBefore = Object.entries(await scrape())
                              .filter(([k]) => k.startsWith('herald_edge_refused_total'));
    const slow = new Sse(httpPort, 'topic=slow', {paused: true});
    await waitFor(async () => (await scrape())['herald_sessions{transport="sse"}'] === 1,
                  'the slow stream to open');
    const big = `${'x'.repeat(64 << 10)}\n`.repeat(600);
    const flood = run(heraldctlBin, [`--server=127.0.0.1:${grpcPort}`, 'publish', 'slow', '--stream'],
                      big);
    await waitFor(async () => (await scrape())['herald_events_published_total'] > 40,
                  'the flood to start');
    const underLoad = (await get(metricsPort, '/metrics')).body;
    const lint = await run('promtool', ['check', 'metrics'], underLoad);
    check('promtool check metrics passes on a scrape of --metrics_address under load',
          lint.code === 0, lint.stdout + lint.stderr);
    check('the metrics port serves herald_build_info and process metrics',
          /^herald_build_info\{version="[^"]+"\} 1$/m.test(underLoad) &&
              /^process_resident_memory_bytes /m.test(underLoad), underLoad.slice(0, 200));
    await waitFor(async () => (await scrape())[closed('sse', 'slow_consumer')] === 1,
                  'the slow consumer to be closed', 60000);
    check('metrics: a slow consumer is counted as a close (slow_consumer)', true);
    const refusedAfter = Object.entries(await scrape())
                             .filter(([k]) => k.startsWith('herald_edge_refused_total'));
    check('metrics: ... and not as a refusal',
          JSON.stringify(refusedAfter) === JSON.stringify(refusedBefore), JSON.stringify(refusedAfter));
    await waitForLog(/ session_closed .*transport=sse .*topics=slow reason=slow_consumer/,
                     'the slow-consumer close');
    check('log: the slow consumer is logged with reason=slow_consumer', true);
    slow.close();
    const flooded = await flood;
    check('workload: the flood was acknowledged', flooded.code === 0, flooded.stderr.slice(0, 300));

    // The access log: requests answered and streams ended.
    await waitFor(() => fs.existsSync(accessLog) &&
                            / stream transport=ws .*reason=kicked/.test(fs.readFileSync(accessLog, 'utf8')),
                  'the access log');
    const access = fs.readFileSync(accessLog, 'utf8');
    check('access log: a line per HTTP request', / http peer=\S+ method=GET path=\/metrics status=200/.test(access),
          access.slice(0, 400));
    check('access log: a line per stream ended with its reason',
          / stream transport=sse .*reason=client_closed/.test(access), access.slice(0, 400));
  } finally {
    proc.kill('SIGTERM');
    const code = await exited;
    check('SIGTERM: heraldd exits 0', code === 0, code);
    check('log: the drain and the stop are logged',
          / drain_started /.test(stderr) && / drain_finished /.test(stderr) &&
              / heraldd_stopped/.test(stderr), stderr.slice(-600));
    fs.rmSync(tmp, {recursive: true, force: true});
  }
  finish('observability_e2e');
}

main().catch((e) => {
  check('the suite ran to its end', false, e.stack);
  finish('observability_e2e');
});
