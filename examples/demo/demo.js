// The demo page: one topic followed over Server-Sent Events and over WebSocket side by side,
// with a publish box that sends over the WebSocket. Uses the browser client in herald.js.
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
  // their format may change: this page reads one only to show where each event sits. The
  // gRPC API carries offsets as fields of their own.
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
  setInterval(() => {
    for (const pane of Object.values(panes)) {
      $(`${pane.name}-rate`).textContent = pane.rate().toLocaleString();
    }
  }, 250);

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

  // SSE notices carry {"topic": …, "message": …}.
  function noticeMessage(data) {
    try {
      return JSON.parse(data).message || data;
    } catch (e) {
      return data;
    }
  }

  const base = location.origin;
  const sse = Herald.subscribeSse(`${base}/v1/sse`, [topic], {
    onEvent: (e) => {
      received.sse.push(e.data);
      panes.sse.add('event', e.data, e.lastEventId);
    },
    onNotice: (e) => {
      notices.sse.push(e.type);
      panes.sse.add('notice', noticeMessage(e.data), e.lastEventId, e.type);
    },
    onStatus: (state) => {
      panes.sse.setState(state);
      // The stream opens only on a topic that exists.
      if (state === 'open') showHint('');
    },
  });

  const publishButton = $('publish-button');
  const publishStatus = $('publish-status');
  const socket = new Herald.Socket(`${base.replace(/^http/, 'ws')}/v1/ws`, {
    onNotice: (m) => {
      notices.ws.push(m.code || m.op);
      panes.ws.add('notice', m.message || '', m.id, m.code || m.op);
    },
    onError: (m) => {
      if (m.topic === topic && m.code === 'not_found') {
        showHint(`Topic '${topic}' does not exist yet. Create it, with publishing from ` +
                     'browsers allowed:',
                 `heraldctl topics create ${topic} --allow-browser-publish=true`);
        return;
      }
      if (m.topic === topic && m.code === 'permission_denied') {
        publishStatus.textContent = m.message;
        publishStatus.dataset.kind = 'error';
        return;
      }
      panes.ws.add('notice', m.message, null, `error ${m.code}`);
    },
    onStatus: (state, code, reason) => {
      panes.ws.setState(state, code ? `${code}${reason ? ` ${reason}` : ''}` : '');
      publishButton.disabled = state !== 'open';
    },
  });
  socket.subscribe(topic, (m) => {
    showHint('');
    const data = m.data !== undefined ? m.data : `(binary) ${m.data_b64}`;
    received.ws.push(data);
    panes.ws.add('event', data, m.id, m.event);
  });

  // A publish that is stored gets no reply of its own: it shows up as an event in both panes.
  // One that is refused comes back as an error frame (see onError above).
  $('publish').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('publish-input');
    if (!input.value) return;
    socket.publish(topic, input.value);
    publishStatus.textContent = 'Sent over WebSocket. It appears below once stored.';
    publishStatus.dataset.kind = 'ok';
    input.value = '';
    input.focus();
  });

  $('drop').addEventListener('click', () => {
    sse.drop();
    socket.drop();
  });
})();
