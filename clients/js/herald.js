// Herald's browser client: subscriptions that resume from their last cursor after any drop,
// with nothing lost and nothing twice (within the topic's retention).
//
//   const socket = new Herald.Socket('ws://127.0.0.1:8080/v1/ws');
//   socket.subscribe('orders', (e) => console.log(e.offsetHint, e.data));
//   const sse = Herald.subscribeSse('http://127.0.0.1:8080/v1/sse', ['orders'], {
//     onEvent: (e) => console.log(e.lastEventId, e.data),
//   });
//
// Loaded as a plain script: it defines window.Herald.
(function (global) {
  'use strict';

  const SUBPROTOCOL = 'herald.v1.json';

  // A WebSocket speaking herald.v1.json that reconnects with backoff and resubscribes every
  // topic from the cursor of the last event it delivered.
  class Socket {
    // options.accessToken: the server's access token (sent as ?access_token=, which is
    // all a browser's WebSocket handshake can carry).
    constructor(url, options = {}) {
      this.url = options.accessToken
          ? `${url}${url.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(options.accessToken)}`
          : url;
      this.onNotice = options.onNotice || (() => {});
      this.onError = options.onError || (() => {});
      this.onStatus = options.onStatus || (() => {});
      this.minDelayMs = options.minDelayMs || 250;
      this.maxDelayMs = options.maxDelayMs || 10000;
      this.topics = new Map();  // topic -> {cursor, onEvent}
      this.delayMs = this.minDelayMs;
      this.closed = false;
      this.ws = null;
      this.connect();
    }

    // Follows `topic`; `from` (a cursor) resumes after it, otherwise only new events arrive.
    subscribe(topic, onEvent, from) {
      this.topics.set(topic, {cursor: from || null, onEvent});
      this.sendSubscribe(topic);
    }

    unsubscribe(topic) {
      this.topics.delete(topic);
      this.send({op: 'unsubscribe', topic});
    }

    // Publishes from the browser (only where the topic and credentials allow it).
    publish(topic, data, event) {
      this.send({op: 'publish', topic, data, event: event || ''});
    }

    // Drops the connection as a network failure would; the client reconnects and resumes.
    drop() {
      if (this.ws) this.ws.close(4000, 'dropped by the client');
    }

    close() {
      this.closed = true;
      if (this.ws) this.ws.close(1000);
    }

    connect() {
      if (this.closed) return;
      const ws = new WebSocket(this.url, SUBPROTOCOL);
      this.ws = ws;
      this.onStatus('connecting');
      ws.onopen = () => {
        this.delayMs = this.minDelayMs;
        this.onStatus('open');
        for (const topic of this.topics.keys()) this.sendSubscribe(topic);
      };
      ws.onmessage = (message) => this.receive(message.data);
      ws.onclose = (event) => {
        if (this.ws !== ws) return;
        this.ws = null;
        this.onStatus('closed', event.code, event.reason);
        if (this.closed) return;
        // Jitter spreads the reconnects of many clients after a server restart or drain.
        const delay = this.delayMs * (0.5 + Math.random() / 2);
        this.delayMs = Math.min(this.delayMs * 2, this.maxDelayMs);
        setTimeout(() => this.connect(), delay);
      };
    }

    receive(text) {
      let message;
      try {
        message = JSON.parse(text);
      } catch (e) {
        this.onError({code: 'bad_frame', message: String(e)});
        return;
      }
      const entry = message.topic ? this.topics.get(message.topic) : undefined;
      switch (message.op) {
        case 'event':
          if (!entry) return;
          entry.cursor = message.id;
          entry.onEvent(message);
          break;
        case 'subscribed':
          // A live-only subscription learns its starting point here, so a drop before its
          // first event still resumes without loss.
          if (entry && !entry.cursor) entry.cursor = message.cursor;
          if (entry) entry.retryMs = 0;
          break;
        case 'error':
          if (message.code === 'herald.reset' || message.code === 'herald.gap') {
            // The notice's id resumes after it (in the topic's current history).
            if (entry && message.id) entry.cursor = message.id;
            this.onNotice(message);
          } else if (entry && (message.code === 'not_found' || message.code === 'unavailable')) {
            // The topic is missing or the node draining, as during a server restart: keep
            // the subscription and ask again later rather than give up on it.
            this.onError(message);
            this.retrySubscribe(message.topic);
          } else {
            this.onError(message);
          }
          break;
        default:
          this.onNotice(message);
      }
    }

    retrySubscribe(topic) {
      const entry = this.topics.get(topic);
      entry.retryMs = Math.min((entry.retryMs || this.minDelayMs) * 2, this.maxDelayMs);
      setTimeout(() => {
        if (this.topics.get(topic) === entry) this.sendSubscribe(topic);
      }, entry.retryMs);
    }

    sendSubscribe(topic) {
      const entry = this.topics.get(topic);
      const op = {op: 'subscribe', topic};
      if (entry && entry.cursor) op.from = entry.cursor;
      this.send(op);
    }

    send(op) {
      if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(op));
    }
  }

  // An EventSource on `topics` that keeps resuming: the browser resends Last-Event-ID on its
  // own reconnects; when it gives up (an HTTP error), this reopens with last_event_id.
  function subscribeSse(url, topics, handlers = {}) {
    const onEvent = handlers.onEvent || (() => {});
    const onNotice = handlers.onNotice || (() => {});
    const onStatus = handlers.onStatus || (() => {});
    let lastEventId = handlers.lastEventId || '';
    let source = null;
    let stopped = false;
    let delayMs = 500;

    function open() {
      const query = new URLSearchParams();
      for (const topic of topics) query.append('topic', topic);
      if (lastEventId) query.set('last_event_id', lastEventId);
      if (handlers.accessToken) query.set('access_token', handlers.accessToken);
      source = new EventSource(`${url}?${query}`);
      onStatus('connecting');
      source.onopen = () => {
        delayMs = 500;
        onStatus('open');
      };
      const deliver = (notice) => (e) => {
        if (e.lastEventId) lastEventId = e.lastEventId;
        (notice ? onNotice : onEvent)(e);
      };
      source.onmessage = deliver(false);
      for (const type of handlers.eventTypes || []) source.addEventListener(type, deliver(false));
      source.addEventListener('herald.gap', deliver(true));
      source.addEventListener('herald.reset', deliver(true));
      source.onerror = () => {
        if (source.readyState !== EventSource.CLOSED) return;
        onStatus('closed');
        if (!stopped) setTimeout(open, delayMs);
        delayMs = Math.min(delayMs * 2, 10000);
      };
    }

    open();
    return {
      // Drops the stream as a network failure would; it reopens from the last id.
      drop() {
        source.close();
        onStatus('closed');
        setTimeout(open, 100);
      },
      close() {
        stopped = true;
        source.close();
      },
      get lastEventId() {
        return lastEventId;
      },
    };
  }

  global.Herald = {Socket, subscribeSse};
})(typeof window !== 'undefined' ? window : globalThis);
