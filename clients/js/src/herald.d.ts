// Types of Herald's browser client (src/herald.js).
//
//   import {HeraldClient, type HeraldEvent} from '@herald/client';
//   const herald = new HeraldClient({urls: ['https://herald.example']});
//   herald.subscribe('orders', (e: HeraldEvent) => render(e.data));

export type Transport = 'websocket' | 'sse';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** What onState is told at each change of the connection. */
export interface StateChange {
  state: ConnectionState;
  /** Failed connection attempts in a row (0 once a connection opened). */
  attempt: number;
  /** The transport tried ('connecting'), in use ('open') or just lost ('reconnecting'). */
  transport?: Transport;
  /** The node ('connecting', 'open'). */
  url?: string;
  /** 'reconnecting': why the connection ended (a WebSocket close reason from the server). */
  reason?: string;
  /** 'reconnecting': the WebSocket close code, when there was one (1008 kicked, 1012 drain). */
  code?: number;
  /** 'reconnecting': how long until the next attempt. */
  delayMs?: number;
}

export interface HeraldEvent {
  topic: string;
  /** The event's cursor: resuming from it delivers the events after this one. */
  id: string;
  /** The event type (SSE `event:`); '' when the publisher set none. */
  event: string;
  /**
   * The payload. Binary payloads (not UTF-8) are a Uint8Array over WebSocket; over SSE they
   * arrive as the server's base64 text, which the SSE format does not mark as such.
   */
  data: string | Uint8Array;
}

/**
 * History the client cannot deliver ('gap': older than retention; 'reset': the topic's
 * history was replaced), or the server ending the connection with a reason ('disconnect':
 * a kick, a drain, a slow consumer; 'expired': its access token expired, WebSocket close
 * 4001 or SSE event herald.expired). The client resumes by itself after each, asking
 * getToken() again.
 */
export interface Notice {
  kind: 'gap' | 'reset' | 'disconnect' | 'expired';
  topic?: string;
  message: string;
  /** gap and reset: the cursor the subscription resumes from after the notice. */
  id?: string;
  /** disconnect over WebSocket: the close code. */
  code?: number;
}

export interface PublishResult {
  topic: string;
  /** The stored event's cursor. */
  id: string;
  offset: number;
}

/** Storage as localStorage and sessionStorage implement it. */
export interface CursorStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export interface ClientOptions {
  /** Base URLs of the nodes (http, https, ws or wss; a path prefix is kept), tried in turn on
   * each reconnect. Default: this page's origin. */
  urls?: string | string[];
  /** The access token for the next connection; asked again for each one, so an expired token
   * is replaced by reconnecting. Sent as the access_token query parameter. On WebSocket it is
   * also asked before the current token's `exp` (see refreshMarginMs), and the new token is
   * sent in-band ({"op":"refresh"}) so the connection outlives the old one. */
  getToken?: () => string | null | undefined | Promise<string | null | undefined>;
  /** How long before its token's `exp` a WebSocket asks getToken() for the next one (at the
   * latest halfway through the token's remaining life). Default 30000. */
  refreshMarginMs?: number;
  /** Preference order; a connection that fails to open falls back to the next at once.
   * Default ['websocket', 'sse']. */
  transports?: Transport[];
  /** The server's heartbeat interval (heraldd --sse_heartbeat). Nothing received for twice
   * this long means a stalled connection, which is replaced. Default 15000. */
  heartbeatMs?: number;
  /** How long a connection may take to open. Default 10000. */
  connectTimeoutMs?: number;
  /** Reconnect delays: uniform in [0, min(maxMs, initialMs * 2^attempt)). Default 500, 30000. */
  backoff?: {initialMs?: number; maxMs?: number};
  /** Publishes waiting or unanswered, past which publish() rejects with 'queue_full'.
   * Default 100. */
  maxQueuedPublishes?: number;
  /** Client messages per second on a WebSocket, under the server's limit. Default 30. */
  maxMessagesPerSecond?: number;
  /** Where each topic's cursor is kept across page reloads, e.g. localStorage. */
  storage?: CursorStorage;
  /** Prefix of the storage keys: a topic's cursor is under `${storageKey}${topic}`.
   * Default 'herald.cursor:'. */
  storageKey?: string;
  onState?: (change: StateChange) => void;
  onNotice?: (notice: Notice) => void;
  /** Subscription refusals (error.topic set), token and storage failures, bad frames. */
  onError?: (error: HeraldError) => void;
  /** A WebSocket constructor where the platform has none (Node before 22). */
  WebSocket?: typeof WebSocket;
  /** A fetch where the platform has none; the SSE transport reads streams with it. */
  fetch?: typeof fetch;
}

export interface Subscription {
  readonly topic: string;
  /** Where the subscription resumes from; null until the server said where it starts. */
  readonly cursor: string | null;
  /** False once unsubscribed, or ended by a refusal other than not_found/unavailable. */
  readonly active: boolean;
  /** Stops following the topic and forgets its stored cursor. */
  unsubscribe(): void;
}

export declare class HeraldError extends Error {
  constructor(code: string, message: string, topic?: string);
  /**
   * The server's error code ('not_found', 'permission_denied', 'bad_cursor', 'bad_request',
   * 'unavailable', 'unauthenticated', ...) or the client's own: 'disconnected', 'queue_full',
   * 'no_websocket', 'closed', 'already_subscribed', 'token', 'storage', 'bad_frame'.
   */
  readonly code: string;
  readonly topic?: string;
}

export declare class HeraldClient {
  constructor(options?: ClientOptions);
  readonly state: ConnectionState;
  /** The transport of the open connection; null while not open. */
  readonly transport: Transport | null;
  /**
   * Follows `topic` from `from`, else from the stored cursor, else from now on.
   * Throws HeraldError 'already_subscribed' for a topic already followed.
   */
  subscribe(topic: string, onEvent: (event: HeraldEvent) => void,
            options?: {from?: string}): Subscription;
  /**
   * Publishes over WebSocket (topics that allow browser publishing); queued while
   * disconnected. Resolves once stored; rejects with a HeraldError.
   */
  publish(topic: string, data: string, options?: {event?: string}): Promise<PublishResult>;
  /** Drops the connection as a network failure would; the client reconnects and resumes. */
  reconnect(): void;
  /** Stops for good; stored cursors stay. */
  close(): void;
}
