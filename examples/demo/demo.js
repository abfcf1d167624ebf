// The demo page: one topic followed over Server-Sent Events and over WebSocket side by side,
// with a publish box that sends over the WebSocket. Uses the browser client's plain-script
// build, herald.js.
//
//   http://127.0.0.1:8080/             follows the topic "demo"
//   http://127.0.0.1:8080/?topic=NAME  follows NAME
'use strict';

(function () {
  const topic = new URLSearchParams(location.search).get('topic') || 'demo';
  // Rows kept on screen per pane; every event is still counted and kept in `received`.
  const MAX_ROWS = 200;

  // What each transport delivered, in order; the end-to-end test reads these.
  window.received = {sse: [], ws: []};
  window.notices = {sse: [], ws: []};

  const $ = (id) => document.getElementById(id);
  for (const el of document.querySelectorAll('.topic-name')) el.textContent = topic;
  document.title = `Herald · ${topic}`;

  // The offset inside a one-topic cursor, or null. Cursors are opaque to applications and
  // their format may change: this page reads one only to show where each event sits. Delivered
  // events carry no offset field in the browser formats; a publish's answer and the gRPC API
  // do.
  function offsetOf(cursor) {
    let bytes;
    try {
      bytes = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    } catch (e) {
      return null;
    }
    // A version byte, then per topic a 4-byte name hash, a 4-byte epoch and a varint offset,
    // then a 4-byte checksum.
    const end = bytes.length - 4;
    if (bytes.charCodeAt(0) !== 1 || end < 10) return null;
    let offset = 0;
    let scale = 1;
    let at = 9;
    while (at < end) {
      const byte = bytes.charCodeAt(at++);
      offset += (byte & 0x7f) * scale;
      scale *= 128;
      if ((byte & 0x80) === 0) break;
    }
    return at === end ? offset : null;
  }

  // One pane: its connection state, its events per second, and its list of events.
  class Pane {
    constructor(name) {
      this.name = name;
      this.list = $(name);
      this.count = 0;
      // Arrivals per 100 ms over the last second: the rate is their sum.
      this.buckets = new Array(10).fill(0);
      this.bucketStart = Math.floor(performance.now() / 100);
      this.pending = [];
    }

    setState(state, detail) {
      const status = $(`${this.name}-status`);
      status.textContent = state;
      status.parentElement.dataset.state = state;
      $(`${this.name}-detail`).textContent = detail || '';
      // A reconnect's reason can be long: the pill shows its start, the tooltip all of it.
      status.parentElement.title = detail || '';
    }

    // `kind` is 'event' or 'notice'.
    add(kind, text, id, type) {
      if (kind === 'event') {
        this.count++;
        this.tick();
        this.buckets[this.buckets.length - 1]++;
      }
      this.pending.push({kind, text, id, type, at: new Date()});
      if (this.pending.length === 1) requestAnimationFrame(() => this.render());
    }

    // Moves the buckets up to now, dropping those older than a second.
    tick() {
      const now = Math.floor(performance.now() / 100);
      const steps = Math.min(now - this.bucketStart, this.buckets.length);
      for (let i = 0; i < steps; i++) {
        this.buckets.shift();
        this.buckets.push(0);
      }
      this.bucketStart = now;
    }

    rate() {
      this.tick();
      return this.buckets.reduce((a, b) => a + b, 0);
    }

    // Once per frame, however many events arrived: a burst costs one layout, not one each.
    render() {
      const rows = this.pending.splice(0).slice(-MAX_ROWS);
      const fragment = document.createDocumentFragment();
      for (const row of rows) fragment.prepend(this.row(row));
      this.list.prepend(fragment);
      while (this.list.childElementCount > MAX_ROWS) this.list.lastElementChild.remove();
      $(`${this.name}-empty`).hidden = true;
      $(`${this.name}-count`).textContent = this.count.toLocaleString();
    }

    row({kind, text, id, type, at}) {
      const li = document.createElement('li');
      li.className = kind;
      const offset = document.createElement('span');
      offset.className = 'offset';
      const value = kind === 'event' && id ? offsetOf(id) : null;
      offset.textContent = value === null ? '' : `#${value}`;
      const body = document.createElement('span');
      body.className = 'data';
      body.textContent = text;
      if (type) {
        const tag = document.createElement('span');
        tag.className = 'type';
        tag.textContent = type;
        body.prepend(tag);
      }
      const meta = document.createElement('span');
      meta.className = 'meta';
      const cursor = document.createElement('code');
      cursor.textContent = id || 'no id';
      cursor.title = id ? `cursor: ${id}` : 'this notice carries no id';
      const time = document.createElement('time');
      time.textContent = at.toLocaleTimeString([], {hour12: false});
      meta.append(cursor, time);
      li.append(offset, body, meta);
      return li;
    }
  }

  const panes = {sse: new Pane('sse'), ws: new Pane('ws')};
  const publishButton = $('publish-button');
  const publishStatus = $('publish-status');

  // A line above the panes, with a command to run; no text hides it.
  function showHint(text, command) {
    const hint = $('hint');
    hint.textContent = text;
    if (command) {
      const code = document.createElement('code');
      code.className = 'cmd';
      code.textContent = command;
      hint.append(' ', code);
    }
    hint.hidden = !text;
  }

  function showPublishStatus(text, kind) {
    publishStatus.textContent = text;
    publishStatus.dataset.kind = kind;
  }

  // One client per pane, each held to one transport, so that both show side by side. A page
  // of its own would leave the default: WebSocket, and SSE where a WebSocket cannot open.
  function follow(pane, transport) {
    const client = new Herald.HeraldClient({
      transports: [transport],
      // The default ceiling (30 s) spreads out many clients coming back at once; a demo has
      // one visitor, who restarts heraldd and expects the page back within a few seconds.
      backoff: {maxMs: 3000},
      onState: ({state, attempt, reason}) => {
        let detail = '';
        if (state === 'reconnecting') detail = reason;
        if (state === 'connecting' && attempt > 0) detail = `attempt ${attempt + 1}`;
        panes[pane].setState(state, detail);
        // The client would hold a publish made meanwhile until it reconnects; the button shows
        // whether one goes out now.
        if (transport === 'websocket') publishButton.disabled = state !== 'open';
      },
      onNotice: ({kind, message, id}) => {
        notices[pane].push(`herald.${kind}`);
        panes[pane].add('notice', message, id, `herald.${kind}`);
      },
      onError: (error) => {
        // Both transports report a missing topic; the client keeps asking with backoff.
        if (error.topic === topic && error.code === 'not_found') {
          showHint(`Topic '${topic}' does not exist yet. Create it, with publishing from ` +
                       'browsers allowed:',
                   `heraldctl topics create ${topic} --allow-browser-publish=true`);
          return;
        }
        panes[pane].add('notice', error.message, null, `error ${error.code}`);
      },
    });
    const subscription = client.subscribe(topic, (e) => {
      // Binary payloads come as a Uint8Array over WebSocket.
      const data = typeof e.data === 'string' ? e.data : `(binary, ${e.data.length} bytes)`;
      received[pane].push(data);
      panes[pane].add('event', data, e.id, e.event);
    });
    return {client, subscription};
  }
  const sse = follow('sse', 'sse');
  const ws = follow('ws', 'websocket');

  setInterval(() => {
    for (const pane of Object.values(panes)) {
      $(`${pane.name}-rate`).textContent = pane.rate().toLocaleString();
    }
    // A subscription gets its starting cursor only from a topic that exists: once both have
    // one, the missing topic has been created.
    if (!$('hint').hidden && sse.subscription.cursor && ws.subscription.cursor) showHint('');
  }, 250);

  // The promise settles with the server's answer: the offset the event was stored at, or why
  // it was refused.
  $('publish').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('publish-input');
    if (!input.value) return;
    showPublishStatus('Sent over WebSocket; waiting for the server to store it.', 'pending');
    ws.client.publish(topic, input.value)
        .then(({offset}) => showPublishStatus(`Stored at offset #${offset}.`, 'ok'),
              (error) => showPublishStatus(error.message, 'error'));
    input.value = '';
    input.focus();
  });

  $('drop').addEventListener('click', () => {
    sse.client.reconnect();
    ws.client.reconnect();
  });
})();
