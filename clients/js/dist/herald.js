// Generated from src/herald.js by build.js (npm run build): edit the module, not this.
// A plain <script> that defines the global `Herald`.
(function (global) {
'use strict';
// Herald's browser client: one API over WebSocket and Server-Sent Events that follows topics
// and resumes each from the cursor of its last event after any drop, with nothing lost and
// nothing twice (within the topic's retention).
//
//   import {HeraldClient} from '@herald/client';
//   const herald = new HeraldClient({
//     urls: ['https://a.example', 'https://b.example'],
//     getToken: () => fetch('/herald-token').then((r) => r.text()),
//   });
//   herald.subscribe('orders', (e) => console.log(e.topic, e.id, e.data));
//   const {offset} = await herald.publish('chat', 'hello');   // once the server stored it
//
// No dependencies; runs in browsers and in Node 18+ (given a WebSocket constructor).

const SUBPROTOCOL = 'herald.v1.json';
const TRANSPORTS = ['websocket', 'sse'];

const DEFAULTS = {
  transports: TRANSPORTS,
  // The server's SSE heartbeat (heraldd --sse_heartbeat). Nothing for twice this long, not
  // even a heartbeat, means the connection stalled.
  heartbeatMs: 15000,
  connectTimeoutMs: 10000,
  backoff: {initialMs: 500, maxMs: 30000},
  maxQueuedPublishes: 100,
  // Below the server's WebSocket message limit (100 per second by default), with room for
  // windows that do not line up with the server's.
  maxMessagesPerSecond: 30,
  storageKey: 'herald.cursor:',
  // A WebSocket asks getToken() for a new token this long before its token expires (at the
  // latest halfway through the token's remaining life) and hands it to the server, which
  // would otherwise end the connection at expiry.
  refreshMarginMs: 30000,
};

// Subscription errors that may pass (a topic being created, a node draining): the
// subscription asks again with backoff. Any other error ends it.
const RETRIED_TOPIC_ERRORS = new Set(['not_found', 'unavailable']);

// How many recent event ids per topic are remembered to drop repeats.
const RECENT_IDS = 256;

// WebSocket close codes whose reason the server means for the user (a kick, a slow
// consumer, a rate limit, a drain, an expired access token).
const SERVER_CLOSE_CODES = new Set([1008, 1012, 4001]);

// An error the server sent, or one the client met on its behalf. `code` is the server's
// WebSocket error code ("not_found", "permission_denied", ...) or one of the client's own:
// "disconnected", "queue_full", "no_websocket", "closed", "token", "storage", "bad_frame".
class HeraldError extends Error {
  constructor(code, message, topic) {
    super(message);
    this.name = 'HeraldError';
    this.code = code;
    if (topic) this.topic = topic;
  }
}

// Full jitter: a delay drawn uniformly below an exponentially growing ceiling, so that many
// clients cut off at once come back spread out rather than in waves.
function backoffDelay(attempt, {initialMs, maxMs}) {
  return Math.random() * Math.min(maxMs, initialMs * 2 ** attempt);
}

function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

// When a JWT's `exp` claim says it expires, in milliseconds since the epoch; null for a
// token that is no JWT or has no `exp` (the client cannot know, and does not refresh it).
function tokenExpiry(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const {exp} = JSON.parse(atob(payload.padEnd(Math.ceil(payload.length / 4) * 4, '=')));
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch (e) {
    return null;
  }
}

// The endpoint `kind` ('ws' or 'sse') of the node at `base` (an http(s) or ws(s) URL, which
// may carry a path prefix), with the scheme that endpoint needs.
function endpointUrl(base, kind) {
  const url = new URL(base, globalThis.location?.href);
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  if (kind === 'ws') {
    url.protocol = secure ? 'wss:' : 'ws:';
  } else {
    url.protocol = secure ? 'https:' : 'http:';
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/${kind}`;
  return url;
}

// Throws user code's exceptions outside the client, where they reach the console or the
// process's handler without unwinding the client's own state.
function reportLater(error) {
  setTimeout(() => {
    throw error;
  });
}

// The ids of a topic's recent events, oldest dropped first (a Set keeps insertion order).
class RecentIds {
  #ids = new Set();

  has(id) {
    return this.#ids.has(id);
  }

  add(id) {
    this.#ids.add(id);
    if (this.#ids.size > RECENT_IDS) this.#ids.delete(this.#ids.values().next().value);
  }

  clear() {
    this.#ids.clear();
  }
}

// Each topic's cursor under `${prefix}${topic}` in a Storage (localStorage, sessionStorage or
// anything with getItem/setItem/removeItem), so that a page resumes where it was after a
// reload. One key per topic: pages following different topics never overwrite each other.
class CursorStore {
  #storage;
  #prefix;
  #onError;

  constructor(storage, prefix, onError) {
    this.#storage = storage;
    this.#prefix = prefix;
    this.#onError = onError;
  }

  get(topic) {
    return this.#attempt(() => this.#storage.getItem(this.#prefix + topic)) || null;
  }

  set(topic, cursor) {
    this.#attempt(() => this.#storage.setItem(this.#prefix + topic, cursor));
  }

  delete(topic) {
    this.#attempt(() => this.#storage.removeItem(this.#prefix + topic));
  }

  // Storage may be full or forbidden (private modes): following the topic matters more.
  #attempt(operation) {
    if (!this.#storage) return null;
    try {
      return operation();
    } catch (e) {
      this.#onError(new HeraldError('storage', `cannot use the cursor storage: ${e.message}`));
      return null;
    }
  }
}

// Calls onIdle once a connection has been quiet for one heartbeat interval, and onStall once
// it has been quiet for two.
class Watchdog {
  #heartbeatMs;
  #onIdle;
  #onStall;
  #last = Date.now();
  #idleReported = false;
  #timer;

  constructor(heartbeatMs, {onIdle = () => {}, onStall}) {
    this.#heartbeatMs = heartbeatMs;
    this.#onIdle = onIdle;
    this.#onStall = onStall;
    this.#timer = setInterval(() => this.#check(), Math.max(10, heartbeatMs / 4));
  }

  touch() {
    this.#last = Date.now();
    this.#idleReported = false;
  }

  stop() {
    clearInterval(this.#timer);
  }

  #check() {
    const quiet = Date.now() - this.#last;
    if (quiet >= 2 * this.#heartbeatMs) {
      this.stop();
      this.#onStall();
    } else if (quiet >= this.#heartbeatMs && !this.#idleReported) {
      this.#idleReported = true;
      this.#onIdle();
    }
  }
}

// Reads a text/event-stream as WHATWG HTML 9.2.6 does, fed text as it arrives. Calls
// onBlock({id, event, data}) at each blank line: `id` is null when the block set none, `data`
// is null when it had no data line (an id-only block moves the cursor without an event).
class SseParser {
  #onBlock;
  #rest = '';
  #id = null;
  #event = '';
  #data = [];

  constructor(onBlock) {
    this.#onBlock = onBlock;
  }

  push(text) {
    const buffer = this.#rest + text;
    // A CR at the very end may be the first half of a CRLF: it waits for the next chunk.
    const lineEnd = /\r\n|\r(?!$)|\n/g;
    let start = 0;
    for (let match = lineEnd.exec(buffer); match !== null; match = lineEnd.exec(buffer)) {
      this.#line(buffer.slice(start, match.index));
      start = lineEnd.lastIndex;
    }
    this.#rest = buffer.slice(start);
  }

  #line(line) {
    if (line === '') {
      this.#dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.#data.push(value);
    } else if (field === 'event') {
      this.#event = value;
    } else if (field === 'id' && !value.includes('\0')) {
      this.#id = value;
    }
    // `retry:` is the EventSource's reconnect delay; this client keeps its own backoff.
  }

  #dispatch() {
    const block = {
      id: this.#id,
      event: this.#event,
      data: this.#data.length ? this.#data.join('\n') : null,
    };
    this.#id = null;
    this.#event = '';
    this.#data = [];
    if (block.id !== null || block.data !== null) this.#onBlock(block);
  }
}

// What a connection tells the client. Every call passes the connection, so that the client
// can ignore one it has already given up on.
//   opened(c)                      usable: subscribe and publish
//   down(c, {reason, code})        ended; called once, never after close()
//   started(c, topic, cursor)      a subscription's starting cursor
//   event(c, topic, id, type, data)
//   notice(c, {kind, topic, message, id})    kind: 'gap', 'reset', 'disconnect' or 'expired'
//   topicError(c, topic, error)    a subscription was refused
//   answer(c, ref, error, result)  the server's answer to a publish
//   error(c, error)                anything else worth showing

// One WebSocket to one node, speaking herald.v1.json. Sends at most maxMessagesPerSecond
// client messages per second so that a burst (resubscribing many topics, flushing queued
// publishes) stays under the server's message rate limit. Refreshes its access token
// in-band before it expires.
class WsConnection {
  transport = 'websocket';
  canPublish = true;
  #options;
  #sink;
  #url;
  #getToken;
  #token;
  #refreshing = null;
  #refreshTimer = null;
  #socket = null;
  #open = false;
  #closed = false;
  #outbox = [];
  #windowStart = 0;
  #sentInWindow = 0;
  #flushTimer = null;
  #connectTimer = null;
  #watchdog = null;

  constructor(url, options, sink, getToken) {
    this.#url = url;
    this.#options = options;
    this.#sink = sink;
    this.#getToken = getToken;
  }

  // Opens the socket with `token` (the server reads ?access_token=: a browser's WebSocket
  // handshake cannot carry an Authorization header).
  start(token) {
    if (this.#closed) return;
    this.#token = token;
    const target = endpointUrl(this.#url, 'ws');
    if (token) target.searchParams.set('access_token', token);
    try {
      this.#socket = new this.#options.WebSocket(target.href, SUBPROTOCOL);
    } catch (e) {
      this.#fail({reason: `cannot open a WebSocket to ${target.origin}: ${e.message}`});
      return;
    }
    this.#socket.onopen = () => this.#opened();
    this.#socket.onmessage = (message) => this.#receive(message.data);
    this.#socket.onclose = (event) => this.#socketClosed(event);
    // Once open, a close follows each error and says more. A failed handshake may end with
    // the error alone (Node 20's WebSocket does).
    this.#socket.onerror = () => {
      if (!this.#open) this.#fail({reason: `the WebSocket to ${target.origin} did not open`});
    };
    this.#connectTimer = setTimeout(
        () => this.#fail({reason: 'no answer to the WebSocket handshake in time'}),
        this.#options.connectTimeoutMs);
  }

  subscribe(topic, from) {
    this.#send(from ? {op: 'subscribe', topic, from} : {op: 'subscribe', topic});
  }

  unsubscribe(topic) {
    this.#send({op: 'unsubscribe', topic});
  }

  publish(ref, topic, data, event) {
    const op = {op: 'publish', topic, data, ref};
    if (event) op.event = event;
    this.#send(op);
  }

  // Ends the connection without telling the client (it asked).
  close() {
    if (this.#closed) return;
    this.#release();
    if (this.#socket) this.#socket.close(1000);
  }

  #opened() {
    clearTimeout(this.#connectTimer);
    this.#open = true;
    this.#watchdog = new Watchdog(this.#options.heartbeatMs, {
      // Browsers answer the server's pings without showing them: ask for a sign of life.
      onIdle: () => this.#send({op: 'ping'}),
      onStall: () => this.#fail({reason: 'stalled: nothing received, not even a pong'}),
    });
    this.#sink.opened(this);
    this.#flush();
    this.#scheduleRefresh();
  }

  // Past its token's expiry the server closes the connection (4001): ask for the next token
  // before then. A refresh that fails leaves that close, and the reconnect after it.
  #scheduleRefresh() {
    const expiresAt = this.#token ? tokenExpiry(this.#token) : null;
    const remaining = expiresAt === null ? 0 : expiresAt - Date.now();
    if (remaining <= 0) return;
    const delay = remaining - Math.min(this.#options.refreshMarginMs, remaining / 2);
    this.#refreshTimer = setTimeout(() => this.#refresh(), delay);
  }

  #refresh() {
    this.#getToken().then((token) => {
      if (this.#closed || !token) return;
      this.#refreshing = token;
      this.#send({op: 'refresh', token});
    }, (error) => this.#sink.error(this, error));
  }

  #socketClosed(event) {
    const fromServer = SERVER_CLOSE_CODES.has(event.code) && event.reason;
    if (fromServer) {
      this.#sink.notice(this, {kind: event.code === 4001 ? 'expired' : 'disconnect',
                               message: event.reason, code: event.code});
    }
    this.#fail({
      reason: fromServer ? event.reason : `WebSocket closed (${event.code})`,
      code: event.code,
    });
  }

  #fail(details) {
    if (this.#closed) return;
    const socket = this.#socket;
    this.#release();
    if (socket) socket.close();
    this.#sink.down(this, details);
  }

  #release() {
    this.#closed = true;
    this.#open = false;
    clearTimeout(this.#connectTimer);
    clearTimeout(this.#flushTimer);
    clearTimeout(this.#refreshTimer);
    if (this.#watchdog) this.#watchdog.stop();
    if (this.#socket) {
      this.#socket.onopen = this.#socket.onmessage = this.#socket.onclose = null;
      this.#socket.onerror = null;
    }
  }

  #send(op) {
    if (this.#closed) return;
    this.#outbox.push(JSON.stringify(op));
    if (this.#open) this.#flush();
  }

  #flush() {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = null;
    const now = Date.now();
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now;
      this.#sentInWindow = 0;
    }
    while (this.#outbox.length && this.#sentInWindow < this.#options.maxMessagesPerSecond) {
      this.#socket.send(this.#outbox.shift());
      this.#sentInWindow++;
    }
    if (this.#outbox.length) {
      this.#flushTimer = setTimeout(() => this.#flush(), this.#windowStart + 1000 - now);
    }
  }

  #receive(text) {
    if (this.#closed) return;
    this.#watchdog.touch();
    let message;
    try {
      message = JSON.parse(text);
    } catch (e) {
      this.#sink.error(this, new HeraldError('bad_frame', `the server sent no JSON: ${e.message}`));
      return;
    }
    switch (message.op) {
      case 'event':
        this.#sink.event(this, message.topic, message.id, message.event || '',
                         'data_b64' in message ? decodeBase64(message.data_b64) : message.data);
        break;
      case 'subscribed':
        this.#sink.started(this, message.topic, message.cursor);
        break;
      case 'published':
        this.#sink.answer(this, message.ref, null,
                          {topic: message.topic, id: message.id, offset: message.offset});
        break;
      case 'refreshed':
        this.#token = this.#refreshing;
        this.#scheduleRefresh();
        break;
      case 'error':
        this.#receiveError(message);
        break;
      default:
        // "pong", and ops of later protocol versions: liveness is all they tell this client.
        break;
    }
  }

  #receiveError(message) {
    const {code, topic} = message;
    if (code === 'herald.gap' || code === 'herald.reset') {
      this.#sink.notice(this, {kind: code.slice('herald.'.length), topic, message: message.message,
                               id: message.id});
      return;
    }
    const error = new HeraldError(code, message.message, topic);
    if (message.ref) {
      this.#sink.answer(this, message.ref, error);
    } else if (topic) {
      this.#sink.topicError(this, topic, error);
    } else {
      this.#sink.error(this, error);
    }
  }
}

// The error code of an SSE request's refusal, and whether it concerns the node (so the
// client reconnects, elsewhere) rather than the topic.
function sseRefusal(status) {
  switch (status) {
    case 400:
      return {code: 'bad_request', node: false};
    case 401:
      return {code: 'unauthenticated', node: true};
    case 403:
      return {code: 'permission_denied', node: false};
    case 404:
      return {code: 'not_found', node: false};
    case 503:
      return {code: 'unavailable', node: true};
    default:
      return {code: `http_${status}`, node: true};
  }
}

// One topic's SSE stream, read with fetch rather than EventSource: EventSource hides
// heartbeats (stall detection needs them), HTTP statuses (an expired token and a missing
// topic look alike) and reconnects by itself to the same URL with the same token.
class SseStream {
  #topic;
  #connection;
  #controller = new AbortController();
  #watchdog = null;
  #ended = false;

  constructor(topic, connection) {
    this.#topic = topic;
    this.#connection = connection;
  }

  // Resolves once the server answered the request (a stream or a refusal); streams until
  // the response ends or stop() is called.
  async run(from, token, options) {
    const target = endpointUrl(this.#connection.url, 'sse');
    target.searchParams.set('topic', this.#topic);
    // A query parameter, not the Last-Event-ID header: no CORS preflight for a cross-origin
    // stream.
    if (from) target.searchParams.set('last_event_id', from);
    if (token) target.searchParams.set('access_token', token);
    const timer = setTimeout(() => this.#controller.abort(), options.connectTimeoutMs);
    let response;
    try {
      response = await options.fetch(target.href, {
        headers: {Accept: 'text/event-stream'},
        signal: this.#controller.signal,
      });
    } catch (e) {
      this.#fail(`cannot reach ${target.origin}: ${e.message}`);
      return;
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) {
      await this.#refused(response);
      return;
    }
    this.#stream(response, options);
  }

  stop() {
    this.#ended = true;
    if (this.#watchdog) this.#watchdog.stop();
    this.#controller.abort();
  }

  async #refused(response) {
    const message = (await response.text().catch(() => '')).trim() || response.statusText;
    const {code, node} = sseRefusal(response.status);
    this.stop();
    if (node) {
      this.#connection.failed({reason: `${response.status}: ${message}`});
    } else {
      this.#connection.refused(this, new HeraldError(code, message, this.#topic));
    }
  }

  async #stream(response, options) {
    this.#watchdog = new Watchdog(options.heartbeatMs, {
      onStall: () => this.#fail('stalled: nothing received, not even a heartbeat'),
    });
    const parser = new SseParser((block) => this.#connection.block(this.#topic, block));
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    try {
      for (;;) {
        const {done, value} = await reader.read();
        if (done || this.#ended) break;
        this.#watchdog.touch();
        parser.push(decoder.decode(value, {stream: true}));
      }
    } catch (e) {
      this.#fail(`the stream broke: ${e.message}`);
      return;
    }
    // The server ends streams on a drain, a kick or a slow reader: resume elsewhere.
    this.#fail('the server ended the stream');
  }

  #fail(reason) {
    if (this.#ended) return;
    this.stop();
    this.#connection.failed({reason});
  }
}

// One stream per topic to one node: a stream of several topics does not say which topic an
// event belongs to, and per-topic streams carry per-topic cursors, the same as WebSocket's,
// so either transport resumes where the other stopped. Cannot publish.
class SseConnection {
  transport = 'sse';
  canPublish = false;
  url;
  #options;
  #sink;
  #getToken;
  #streams = new Map();
  #starting = [];
  #started = false;
  #open = false;
  #closed = false;

  // `getToken` is asked for each request: every stream is a connection of its own.
  constructor(url, options, sink, getToken) {
    this.url = url;
    this.#options = options;
    this.#sink = sink;
    this.#getToken = getToken;
  }

  // The connection is open once each stream subscribed so far has an answer; with none, once
  // the first stream subscribed later has one (until then the node is not known to answer).
  start() {
    this.#started = true;
    if (this.#starting.length) this.#openWhenAnswered();
  }

  subscribe(topic, from) {
    this.#streams.get(topic)?.stop();
    const stream = new SseStream(topic, this);
    this.#streams.set(topic, stream);
    const answered = this.#run(stream, from);
    if (this.#open) return;
    this.#starting.push(answered);
    if (this.#started && this.#starting.length === 1) this.#openWhenAnswered();
  }

  unsubscribe(topic) {
    this.#streams.get(topic)?.stop();
    this.#streams.delete(topic);
  }

  close() {
    this.#closed = true;
    for (const stream of this.#streams.values()) stream.stop();
  }

  // From a stream: the node failed it (network, stall, end, 401, 503).
  failed(details) {
    if (this.#closed) return;
    this.close();
    this.#sink.down(this, details);
  }

  // From a stream: its topic was refused; the stream has ended.
  refused(stream, error) {
    if (this.#streams.get(error.topic) === stream) this.#streams.delete(error.topic);
    this.#sink.topicError(this, error.topic, error);
  }

  block(topic, {id, event, data}) {
    if (this.#closed) return;
    if (data === null) {
      this.#sink.started(this, topic, id);
    } else if (event === 'herald.gap' || event === 'herald.reset') {
      this.#sink.notice(this, {kind: event.slice('herald.'.length), topic,
                               message: noticeMessage(data), id});
    } else if (event === 'herald.disconnect' || event === 'herald.expired') {
      // The stream ends next; the reconnect asks getToken() for a new token.
      this.#sink.notice(this, {kind: event.slice('herald.'.length), topic,
                               message: noticeMessage(data)});
    } else {
      // Binary payloads arrive base64-encoded and unmarked: they stay text here.
      this.#sink.event(this, topic, id, event, data);
    }
  }

  #openWhenAnswered() {
    Promise.all(this.#starting).then(() => {
      if (this.#closed) return;
      this.#open = true;
      this.#sink.opened(this);
    });
  }

  async #run(stream, from) {
    let token;
    try {
      token = await this.#getToken();
    } catch (error) {
      this.#sink.error(this, error);
      this.failed({reason: error.message});
      return;
    }
    if (!this.#closed) await stream.run(from, token, this.#options);
  }
}

// The "message" of a notice's JSON data, or the data itself when it is not such JSON.
function noticeMessage(data) {
  try {
    return JSON.parse(data).message ?? data;
  } catch (e) {
    return data;
  }
}

// Publishes waiting for a connection that can send them, and those sent and not yet
// answered, by ref. Bounded: past `limit` a publish is refused at once.
class PublishQueue {
  #limit;
  #waiting = [];
  #sent = new Map();
  #nextRef = 1;

  constructor(limit) {
    this.#limit = limit;
  }

  add(topic, data, event) {
    if (this.#waiting.length + this.#sent.size >= this.#limit) {
      return Promise.reject(new HeraldError(
          'queue_full', `${this.#limit} publishes are already waiting; wait for their answers`,
          topic));
    }
    return new Promise((resolve, reject) => {
      this.#waiting.push({ref: String(this.#nextRef++), topic, data, event, resolve, reject});
    });
  }

  sendAll(connection) {
    for (const entry of this.#waiting) {
      this.#sent.set(entry.ref, entry);
      connection.publish(entry.ref, entry.topic, entry.data, entry.event);
    }
    this.#waiting = [];
  }

  settle(ref, error, result) {
    const entry = this.#sent.get(ref);
    if (!entry) return;
    this.#sent.delete(ref);
    if (error) {
      entry.reject(error);
    } else {
      entry.resolve(result);
    }
  }

  // The connection of the sent ones dropped before their answers: each may or may not have
  // been stored, which only the topic's history can tell. Not resent, which could store it
  // twice.
  failSent() {
    for (const entry of this.#sent.values()) {
      entry.reject(new HeraldError(
          'disconnected',
          'the connection dropped before the server answered; the event may or may not be stored',
          entry.topic));
    }
    this.#sent.clear();
  }

  failAll(code, message) {
    for (const entry of [...this.#waiting, ...this.#sent.values()]) {
      entry.reject(new HeraldError(code, message, entry.topic));
    }
    this.#waiting = [];
    this.#sent.clear();
  }
}

function normalizeOptions(options) {
  const urls = [].concat(options.urls ?? globalThis.location?.origin ?? []);
  if (!urls.length) throw new TypeError('HeraldClient: options.urls names no node');
  const WebSocketClass = options.WebSocket ?? globalThis.WebSocket;
  const fetchFunction = options.fetch ?? globalThis.fetch?.bind(globalThis);
  const available = {websocket: Boolean(WebSocketClass), sse: Boolean(fetchFunction)};
  const transports = (options.transports ?? DEFAULTS.transports).filter((t) => available[t]);
  for (const t of options.transports ?? []) {
    if (!TRANSPORTS.includes(t)) throw new TypeError(`HeraldClient: unknown transport '${t}'`);
  }
  if (!transports.length) {
    throw new TypeError(
        'HeraldClient: no transport available; pass options.WebSocket or options.fetch');
  }
  return {
    ...DEFAULTS,
    ...options,
    urls,
    transports,
    backoff: {...DEFAULTS.backoff, ...options.backoff},
    WebSocket: WebSocketClass,
    fetch: fetchFunction,
  };
}

// A topic followed by the client, with the cursor it resumes from.
class TopicState {
  constructor(topic, onEvent, cursor) {
    this.topic = topic;
    this.onEvent = onEvent;
    this.cursor = cursor;
    this.recent = new RecentIds();
    this.retryAttempt = 0;
    this.retryTimer = null;
  }
}

// Follows topics and publishes through one connection at a time to one of `urls`,
// reconnecting (next node, backoff with full jitter) whenever it drops or stalls.
class HeraldClient {
  #options;
  #cursors;
  #topics = new Map();
  #publishes;
  #connection = null;
  #state = 'connecting';
  #attempt = 0;
  #node = 0;
  #transport = 0;
  #reconnectTimer = null;
  #closed = false;
  #sink;

  // Options (all but `urls` optional; see herald.d.ts):
  //   urls                  node base URLs, e.g. 'https://herald.example' (default: this page's)
  //   getToken()            access token (or a promise of one), asked for each connection
  //                         and, on WebSocket, before the token expires (refreshMarginMs)
  //   transports            preference order, default ['websocket', 'sse']
  //   heartbeatMs, connectTimeoutMs, backoff: {initialMs, maxMs}, maxQueuedPublishes
  //   storage, storageKey   where cursors survive page reloads (e.g. localStorage)
  //   onState, onNotice, onError
  //   WebSocket, fetch      constructors where the platform has none
  constructor(options = {}) {
    this.#options = normalizeOptions(options);
    this.#cursors = new CursorStore(this.#options.storage, this.#options.storageKey,
                                    (error) => this.#reportError(error));
    this.#publishes = new PublishQueue(this.#options.maxQueuedPublishes);
    this.#sink = this.#makeSink();
    // After the caller's first subscribe() calls, so that the first connection opens with
    // its topics.
    queueMicrotask(() => this.#connect());
  }

  // 'connecting', 'open', 'reconnecting' or 'closed'.
  get state() {
    return this.#state;
  }

  // 'websocket' or 'sse' while open, else null.
  get transport() {
    return this.#state === 'open' ? this.#connection.transport : null;
  }

  // Follows `topic`: onEvent({topic, id, event, data}) for each event after `from` (a cursor:
  // an event's id), else after the cursor stored for it, else from now on. `data` is a string,
  // or a Uint8Array for binary payloads over WebSocket. Throws if already following it.
  subscribe(topic, onEvent, {from} = {}) {
    if (this.#closed) throw new HeraldError('closed', 'the client is closed', topic);
    if (this.#topics.has(topic)) {
      throw new HeraldError('already_subscribed', `already subscribed to topic '${topic}'`, topic);
    }
    const state = new TopicState(topic, onEvent, from || this.#cursors.get(topic));
    this.#topics.set(topic, state);
    this.#connection?.subscribe(topic, state.cursor);
    const topics = this.#topics;
    return {
      topic,
      get cursor() {
        return state.cursor;
      },
      // False once unsubscribed, or ended by an error the server will not change its mind on.
      get active() {
        return topics.get(topic) === state;
      },
      unsubscribe: () => this.#unsubscribe(state),
    };
  }

  // Publishes `data` (a string) to `topic` over WebSocket; while disconnected it waits in a
  // bounded queue. Resolves to {topic, id, offset} once stored; rejects with the server's
  // HeraldError (e.g. 'permission_denied', 'not_found'), or 'disconnected' (no answer before
  // a drop: it may or may not be stored), 'queue_full', 'no_websocket' (the client fell back
  // to SSE) or 'closed'.
  publish(topic, data, {event} = {}) {
    if (typeof data !== 'string') {
      return Promise.reject(new TypeError('HeraldClient.publish: data must be a string'));
    }
    if (this.#closed) {
      return Promise.reject(new HeraldError('closed', 'the client is closed', topic));
    }
    if (this.#state === 'open' && !this.#connection.canPublish) {
      return Promise.reject(noWebSocket(topic));
    }
    const answer = this.#publishes.add(topic, data, event);
    if (this.#state === 'open') this.#publishes.sendAll(this.#connection);
    return answer;
  }

  // Drops the connection as a network failure would: the client reconnects and resumes.
  reconnect() {
    const connection = this.#connection;
    if (!connection) return;
    connection.close();
    this.#down(connection, {reason: 'reconnect() was called'});
  }

  // Stops for good: the connection closes, waiting publishes are rejected ('closed'), stored
  // cursors stay.
  close() {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#reconnectTimer);
    for (const state of this.#topics.values()) clearTimeout(state.retryTimer);
    this.#connection?.close();
    this.#connection = null;
    this.#publishes.failAll('closed', 'the client was closed before the server answered');
    this.#setState('closed', {});
  }

  #makeSink() {
    const live = (connection) => connection === this.#connection;
    return {
      opened: (c) => live(c) && this.#opened(c),
      down: (c, details) => live(c) && this.#down(c, details),
      started: (c, topic, cursor) => live(c) && this.#started(topic, cursor),
      event: (c, topic, id, type, data) => live(c) && this.#event(topic, id, type, data),
      notice: (c, notice) => live(c) && this.#notice(notice),
      topicError: (c, topic, error) => live(c) && this.#topicError(topic, error),
      answer: (c, ref, error, result) => live(c) && this.#publishes.settle(ref, error, result),
      error: (c, error) => live(c) && this.#reportError(error),
    };
  }

  #connect() {
    if (this.#closed) return;
    const transport = this.#options.transports[this.#transport];
    const url = this.#options.urls[this.#node];
    const getToken = () => this.#token();
    const connection = transport === 'websocket'
        ? new WsConnection(url, this.#options, this.#sink, getToken)
        : new SseConnection(url, this.#options, this.#sink, getToken);
    this.#connection = connection;
    this.#setState('connecting', {transport, url});
    for (const state of this.#topics.values()) connection.subscribe(state.topic, state.cursor);
    if (transport === 'sse') {
      connection.start();
      return;
    }
    getToken().then((token) => {
      if (this.#connection === connection) connection.start(token);
    }, (error) => {
      if (this.#connection !== connection) return;
      this.#reportError(error);
      connection.close();
      this.#down(connection, {reason: error.message});
    });
  }

  async #token() {
    if (!this.#options.getToken) return undefined;
    try {
      return await this.#options.getToken();
    } catch (e) {
      throw new HeraldError('token', `getToken() failed: ${e?.message ?? e}`);
    }
  }

  #opened(connection) {
    this.#attempt = 0;
    this.#setState('open', {transport: connection.transport, url: this.#options.urls[this.#node]});
    if (connection.canPublish) {
      this.#publishes.sendAll(connection);
    } else {
      this.#publishes.failAll('no_websocket', noWebSocket().message);
    }
  }

  // A connection that never opened is followed at once by the next transport on the same
  // node (WebSocket blocked by a proxy: SSE); otherwise the next node, after a backoff.
  // SSE serves subscriptions alone: a client without one does not fall back to it.
  #down(connection, {reason, code}) {
    const opened = this.#state === 'open';
    this.#connection = null;
    this.#publishes.failSent();
    for (const state of this.#topics.values()) clearTimeout(state.retryTimer);
    if (this.#closed) return;
    const transport = connection.transport;
    const next = this.#options.transports[this.#transport + 1];
    if (!opened && next && (next !== 'sse' || this.#topics.size)) {
      this.#transport++;
      this.#connect();
      return;
    }
    this.#transport = 0;
    this.#node = (this.#node + 1) % this.#options.urls.length;
    const delayMs = backoffDelay(this.#attempt++, this.#options.backoff);
    this.#setState('reconnecting', {transport, reason, code, delayMs});
    this.#reconnectTimer = setTimeout(() => this.#connect(), delayMs);
  }

  #started(topic, cursor) {
    const state = this.#topics.get(topic);
    if (!state) return;
    state.retryAttempt = 0;
    // A subscription from now on learns where "now" is here: a drop before its first event
    // still resumes with nothing lost.
    if (!state.cursor && cursor) this.#advance(state, cursor);
  }

  #event(topic, id, type, data) {
    const state = this.#topics.get(topic);
    if (!state || (id && state.recent.has(id))) return;
    if (id) {
      state.recent.add(id);
      this.#advance(state, id);
    }
    try {
      state.onEvent({topic, id, event: type, data});
    } catch (error) {
      reportLater(error);
    }
  }

  #notice(notice) {
    const state = notice.topic ? this.#topics.get(notice.topic) : undefined;
    // The notice's id resumes after it, in the topic's current history.
    if (state && notice.id) this.#advance(state, notice.id);
    if (state && notice.kind === 'reset') state.recent.clear();
    this.#callback('onNotice', notice);
  }

  #topicError(topic, error) {
    const state = this.#topics.get(topic);
    if (!state) return;
    this.#reportError(error);
    if (!RETRIED_TOPIC_ERRORS.has(error.code)) {
      // The server holds no subscription to end, and the stored cursor stays for a later try.
      this.#forget(state);
      return;
    }
    const connection = this.#connection;
    clearTimeout(state.retryTimer);
    state.retryTimer = setTimeout(() => {
      if (this.#connection === connection && this.#topics.get(topic) === state) {
        connection.subscribe(topic, state.cursor);
      }
    }, backoffDelay(state.retryAttempt++, this.#options.backoff));
  }

  #unsubscribe(state) {
    if (!this.#forget(state)) return;
    this.#cursors.delete(state.topic);
    this.#connection?.unsubscribe(state.topic);
  }

  // Whether `state` was followed until now.
  #forget(state) {
    if (this.#topics.get(state.topic) !== state) return false;
    clearTimeout(state.retryTimer);
    this.#topics.delete(state.topic);
    return true;
  }

  #advance(state, cursor) {
    state.cursor = cursor;
    this.#cursors.set(state.topic, cursor);
  }

  #setState(state, details) {
    this.#state = state;
    this.#callback('onState', {state, attempt: this.#attempt, ...details});
  }

  #reportError(error) {
    this.#callback('onError', error);
  }

  #callback(name, value) {
    const callback = this.#options[name];
    if (!callback) return;
    try {
      callback(value);
    } catch (error) {
      reportLater(error);
    }
  }
}

function noWebSocket(topic) {
  return new HeraldError(
      'no_websocket', 'publishing needs a WebSocket connection; this client fell back to SSE',
      topic);
}

global.Herald = {HeraldError, HeraldClient};
})(typeof window !== 'undefined' ? window : globalThis);
