// What the client's tests share: a real heraldd on free ports (started, SIGKILLed, paused and
// restarted on the same ports and data directory), heraldctl, TCP front doors that stand for
// nodes (or for a proxy that refuses WebSocket upgrades), HS256 access tokens, and a
// recorder of a client's callbacks. No mocks: every byte the client reads, heraldd wrote.
//
//   const node = await Heraldd.start();
//   await node.createTopic('orders');
//   const log = new Recorder();
//   const client = new HeraldClient({urls: [node.url], ...log.options});
//   client.subscribe('orders', log.onEvent);
//   await node.publish('orders', 'hello');
//   await log.waitForData('orders', ['hello']);
import {execFile, spawn} from 'node:child_process';
import {createHmac} from 'node:crypto';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {createRequire} from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const {builtBinary, freePort, healthy, waitFor} = require('../../../tests/e2e/harness.js');

export {freePort, waitFor};

const heralddBin = builtBinary('broker/heraldd/heraldd');
const heraldctlBin = builtBinary('admin/heraldctl');

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

if (typeof WebSocket !== 'function') {
  throw new Error('this Node has no global WebSocket: run Node 22+, or Node 20 with ' +
                  '--experimental-websocket (tests/e2e/js_client_e2e.sh does)');
}

function run(file, args) {
  return new Promise((resolve, reject) => {
    execFile(file, args, {encoding: 'utf8', timeout: 20000}, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`${path.basename(file)} ${args.join(' ')}: ${stderr || error.message}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

// One heraldd on fixed ports and its own data directory for the test's life.
export class Heraldd {
  // `flags`: heraldd's flags, or a function of the node that returns them (to name files
  // written with node.file()).
  static async start(flags = []) {
    const node = new Heraldd(await freePort(), await freePort());
    node.flags = typeof flags === 'function' ? flags(node) : flags;
    await node.start();
    return node;
  }

  constructor(httpPort, grpcPort) {
    this.httpPort = httpPort;
    this.grpcPort = grpcPort;
    this.flags = [];
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'herald-js-'));
    this.url = `http://127.0.0.1:${httpPort}`;
  }

  async start() {
    this.proc = spawn(heralddBin, [
      `--data_dir=${path.join(this.dir, 'data')}`, `--http_port=${this.httpPort}`,
      `--grpc_port=${this.grpcPort}`, ...this.flags,
    ], {stdio: ['ignore', 'ignore', 'inherit']});
    this.exited = new Promise((resolve) => this.proc.once('exit', resolve));
    await waitFor(() => healthy(this.httpPort), 'heraldd to answer /healthz');
  }

  async kill(signal = 'SIGKILL') {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    await this.exited;
  }

  // SIGSTOP: connections stay open and nothing comes through them, as with a hung node.
  pause() {
    this.proc.kill('SIGSTOP');
  }

  resume() {
    this.proc.kill('SIGCONT');
  }

  async stop() {
    this.resume();
    await this.kill('SIGTERM');
    rmSync(this.dir, {recursive: true, force: true});
  }

  // A file in the node's directory (for flags that take one).
  file(name, contents) {
    const file = path.join(this.dir, name);
    writeFileSync(file, contents);
    return file;
  }

  ctl(...args) {
    return run(heraldctlBin, [`--server=127.0.0.1:${this.grpcPort}`, ...args]);
  }

  createTopic(name, {browserPublish = false} = {}) {
    return this.ctl('topics', 'create', name, '--allow-browser-publish', String(browserPublish));
  }

  // Resolves to {offset, id} of the stored event.
  async publish(topic, data, ...flags) {
    return parseAck(await this.ctl('publish', topic, data, ...flags));
  }

  async publishBytes(topic, bytes) {
    const file = this.file(`payload-${Date.now()}`, bytes);
    return parseAck(await this.ctl('publish', topic, '--file', file));
  }

  async connections() {
    const listed = JSON.parse(await this.ctl('--output', 'json', 'connections', 'list'));
    return listed.connections || [];
  }

  kick(id, reason) {
    return this.ctl('connections', 'kick', id, '--reason', reason);
  }
}

// heraldctl's table: a header line, then TOPIC OFFSET EPOCH ID.
function parseAck(stdout) {
  const [, offset, , id] = stdout.trim().split('\n').at(-1).split(/\s+/);
  return {offset: Number(offset), id};
}

// A TCP front door to a heraldd: a node URL of its own, which the test can tear down (every
// socket cut, nothing listening) as a node dies. With refuseWebSocket it answers upgrade
// requests with 403, as a proxy that does not pass WebSockets does.
export class FrontDoor {
  static async open(targetPort, {refuseWebSocket = false} = {}) {
    const door = new FrontDoor(targetPort, refuseWebSocket);
    await new Promise((resolve) => door.server.listen(0, '127.0.0.1', resolve));
    door.url = `http://127.0.0.1:${door.server.address().port}`;
    return door;
  }

  constructor(targetPort, refuseWebSocket) {
    this.sockets = new Set();
    this.refusedUpgrades = 0;
    this.server = net.createServer((client) => {
      this.#track(client);
      client.once('data', (head) => this.#route(client, head, targetPort, refuseWebSocket));
    });
  }

  close() {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(resolve));
  }

  // Every request of the client's runtime here opens a connection of its own (SSE answers
  // close theirs), so the first chunk holds the head that decides.
  #route(client, head, targetPort, refuseWebSocket) {
    if (refuseWebSocket && /^upgrade:\s*websocket/im.test(head.toString('latin1'))) {
      this.refusedUpgrades++;
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    this.#track(upstream);
    upstream.write(head);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  #track(socket) {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
  }
}

const base64url = (value) => Buffer.from(value).toString('base64url');

// An HS256 access token, as a backend would sign one for heraldd --access_token_secret_file.
export function accessToken(secret, {topics, publish = false, sub, expiresInS = 3600}) {
  const header = base64url(JSON.stringify({alg: 'HS256', typ: 'JWT'}));
  const claims = base64url(JSON.stringify({
    topics, publish, sub, exp: Math.floor(Date.now() / 1000) + expiresInS,
  }));
  const signature = createHmac('sha256', secret).update(`${header}.${claims}`).digest('base64url');
  return `${header}.${claims}.${signature}`;
}

// Everything a client tells its callbacks, with waits on it.
export class Recorder {
  constructor() {
    this.events = [];
    this.states = [];
    this.notices = [];
    this.errors = [];
    this.onEvent = (event) => this.events.push(event);
    this.options = {
      onState: (change) => this.states.push(change),
      onNotice: (notice) => this.notices.push(notice),
      onError: (error) => this.errors.push(error),
    };
  }

  data(topic) {
    return this.events.filter((e) => e.topic === topic).map((e) => e.data);
  }

  opens() {
    return this.states.filter((s) => s.state === 'open');
  }

  waitForOpens(count) {
    return waitFor(() => this.opens().length >= count, `${count} opens; states ${this.summary()}`);
  }

  waitForState(predicate, what) {
    return waitFor(() => this.states.some(predicate), `${what}; states ${this.summary()}`);
  }

  // Waits until `topic` received at least as many events as `want` has; then a short pause
  // gives a duplicate room to show before the caller compares.
  async waitForData(topic, want) {
    await waitFor(() => this.data(topic).length >= want.length,
                  `${want.length} events on ${topic}; got ${JSON.stringify(this.data(topic))}`);
    await sleep(150);
  }

  summary() {
    return JSON.stringify(this.states.map((s) => s.reason ? `${s.state}(${s.reason})` : s.state));
  }
}

// A Storage kept in memory, as localStorage keeps one across reloads of a page.
export class MemoryStorage {
  #items = new Map();

  getItem(key) {
    return this.#items.has(key) ? this.#items.get(key) : null;
  }

  setItem(key, value) {
    this.#items.set(key, String(value));
  }

  removeItem(key) {
    this.#items.delete(key);
  }
}

// Each transport, for tests that must hold on both.
export const TRANSPORTS = ['websocket', 'sse'];
