// ChatdClient — chatd's own WebSocket protocol (docs/protocol.md), with chatd's command and event
// names: one connection, requests matched to responses by seq, pushes as events, and a session
// that survives the network: reconnect with backoff and jitter, log in again, and tell the
// owner (`reconnected`) so it can repair the gap with syncMessages.
//
// Runs in browsers (their WebSocket) and in Node (its global WebSocket, else the `ws` package
// when installed, else the constructor passed as `WebSocket`).

/** A failed request: chatd's (Tencent's) code and text. */
export class ChatdError extends Error {
  code: number;
  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

/** Client-side codes (Tencent's Web SDK uses the 2xxx range for them). */
export const CLIENT_ERRORS = {
  NETWORK: 2800, // the connection dropped while the request was in flight, or is down
  TIMEOUT: 2801, // no answer within requestTimeoutMs
  NOT_LOGGED_IN: 2024, // the call needs a login first
  UNSUPPORTED: 2999, // an API chatd does not serve
} as const;

export type NetState = 'connected' | 'connecting' | 'disconnected';

export interface ChatdClientOptions {
  /** ws:// or wss:// URL of chatd's WebSocket endpoint (…/ws). */
  url: string;
  /** A WebSocket constructor for runtimes without one. */
  WebSocket?: unknown;
  /** Reconnect after the network drops (default true). */
  reconnect?: boolean;
  /** First and longest delay between reconnect attempts, ms (default 500 and 15000). */
  backoffMs?: [number, number];
  /** How long a request may wait for its answer, ms (default 15000). */
  requestTimeoutMs?: number;
}

interface Pending {
  cmd: string;
  body: unknown;
  retry: boolean;
  resolve: (v: any) => void;
  reject: (e: ChatdError) => void;
  timer: ReturnType<typeof setTimeout>;
  sent: boolean;
}

type Listener = (body: any) => void;

interface Socket {
  readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((ev: any) => void) | null;
  onclose: ((ev: any) => void) | null;
  onerror: ((ev: any) => void) | null;
  onmessage: ((ev: any) => void) | null;
}

/** Close codes after which reconnecting would be wrong (docs/protocol.md "Close codes"). */
const FINAL_CLOSES = new Set([4001, 4002]);

async function socketClass(given: unknown): Promise<any> {
  if (given) return given;
  const g = globalThis as any;
  if (typeof g.WebSocket === 'function') return g.WebSocket;
  const name = 'ws'; // a Node-only fallback, kept out of browser bundles
  try {
    const mod: any = await import(/* @vite-ignore */ name);
    return mod.WebSocket ?? mod.default;
  } catch {
    throw new ChatdError(CLIENT_ERRORS.NETWORK,
      'no WebSocket in this runtime: install the ws package or pass options.WebSocket');
  }
}

export class ChatdClient {
  readonly options: Required<Omit<ChatdClientOptions, 'WebSocket'>> & { WebSocket?: unknown };
  state: NetState = 'disconnected';
  userID = '';
  private socket: Socket | null = null;
  private seq = 0;
  private pending = new Map<number, Pending>();
  private queue: Pending[] = []; // waiting for a connection and a login
  private listeners = new Map<string, Set<Listener>>();
  private credentials: { userID: string; userSig: string; platform: string } | null = null;
  private attempt = 0;
  private closedByUs = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private loggedIn = false;

  constructor(options: ChatdClientOptions) {
    this.options = {
      reconnect: true,
      backoffMs: [500, 15000],
      requestTimeoutMs: 15000,
      ...options,
    };
  }

  /** Subscribes to a push (chatd's event name) or to the client's own events: `net`
   * ({state}), `reconnected` (after a new login on a new connection), `kicked` ({reason,
   * code}). Returns the unsubscribe function. */
  on(event: string, fn: Listener): () => void {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event)!.add(fn);
    return () => this.off(event, fn);
  }

  off(event: string, fn: Listener): void {
    this.listeners.get(event)?.delete(fn);
  }

  private emit(event: string, body: unknown): void {
    for (const fn of [...(this.listeners.get(event) ?? [])]) {
      try {
        fn(body);
      } catch (e) {
        setTimeout(() => { throw e; }); // a listener's bug must not break the client
      }
    }
  }

  private setState(state: NetState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('net', { state });
  }

  /** Opens the connection and logs in; later drops reconnect and log in again by themselves. */
  async login(userID: string, userSig: string, platform = 'Web'): Promise<any> {
    this.credentials = { userID, userSig, platform };
    this.closedByUs = false;
    await this.open();
    const body = await this.send('login', { userID, userSig, platform }, false, true);
    this.userID = userID;
    this.loggedIn = true;
    this.attempt = 0;
    this.flushQueue();
    return body;
  }

  /** Ends the session and closes the connection; nothing reconnects. */
  async logout(): Promise<void> {
    const wasIn = this.loggedIn;
    this.loggedIn = false;
    this.credentials = null;
    try {
      if (wasIn && this.socket?.readyState === 1) await this.send('logout', {}, false, true);
    } finally {
      this.close();
    }
  }

  /** Ends the session: closes the connection without reconnecting; requests waiting fail with
   * 2800, later ones with 2024 until the next login. */
  close(): void {
    this.closedByUs = true;
    this.credentials = null;
    this.loggedIn = false;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.socket?.close(1000, 'bye');
    this.socket = null;
    this.failAll(CLIENT_ERRORS.NETWORK, 'the client closed the connection');
    this.setState('disconnected');
  }

  /**
   * One command; resolves with the response body, rejects with a ChatdError. While the
   * connection is down the request waits for the next login. `retry` (for commands chatd
   * deduplicates, like sendMessage with its random) sends it again after a reconnect when the
   * connection dropped before the answer; other requests in flight then fail with 2800.
   */
  call(cmd: string, body: unknown = {}, retry = false): Promise<any> {
    return this.send(cmd, body, retry, false);
  }

  private send(cmd: string, body: unknown, retry: boolean, now: boolean): Promise<any> {
    return new Promise((resolve, reject) => {
      const p: Pending = {
        cmd, body, retry, resolve, reject, sent: false,
        timer: setTimeout(() => this.expire(p), this.options.requestTimeoutMs),
      };
      if (now || (this.loggedIn && this.socket?.readyState === 1)) this.transmit(p);
      else if (!this.credentials) this.finish(p, new ChatdError(CLIENT_ERRORS.NOT_LOGGED_IN, 'log in first'));
      else this.queue.push(p);
    });
  }

  private transmit(p: Pending): void {
    const seq = ++this.seq;
    this.pending.set(seq, p);
    p.sent = true;
    try {
      this.socket!.send(JSON.stringify({ seq, cmd: p.cmd, body: p.body }));
    } catch {
      this.pending.delete(seq);
      p.sent = false;
      this.queue.push(p); // the close handler takes it from here
    }
  }

  private finish(p: Pending, err: ChatdError | null, body?: unknown): void {
    clearTimeout(p.timer);
    if (err) p.reject(err);
    else p.resolve(body);
  }

  private expire(p: Pending): void {
    for (const [seq, q] of this.pending) if (q === p) this.pending.delete(seq);
    this.queue = this.queue.filter((q) => q !== p);
    p.reject(new ChatdError(CLIENT_ERRORS.TIMEOUT, `${p.cmd}: no answer within ${this.options.requestTimeoutMs} ms`));
  }

  private flushQueue(): void {
    const waiting = this.queue;
    this.queue = [];
    for (const p of waiting) this.transmit(p);
  }

  private failAll(code: number, message: string): void {
    for (const p of [...this.pending.values(), ...this.queue]) this.finish(p, new ChatdError(code, message));
    this.pending.clear();
    this.queue = [];
  }

  private async open(): Promise<void> {
    const WS = await socketClass(this.options.WebSocket);
    this.setState('connecting');
    await new Promise<void>((resolve, reject) => {
      const s: Socket = new WS(this.options.url);
      this.socket = s;
      let opened = false;
      s.onopen = () => {
        opened = true;
        this.setState('connected');
        resolve();
      };
      s.onerror = () => { /* onclose follows */ };
      s.onclose = (ev: any) => {
        if (this.socket === s) this.socket = null;
        if (!opened) reject(new ChatdError(CLIENT_ERRORS.NETWORK, `cannot connect to ${this.options.url}`));
        else this.onDrop(ev?.code ?? 1006, ev?.reason ?? '');
      };
      s.onmessage = (ev: any) => this.onFrame(typeof ev.data === 'string' ? ev.data : String(ev.data));
    });
  }

  private onFrame(text: string): void {
    let frame: any;
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof frame.event === 'string') {
      this.emit(frame.event, frame.body ?? {});
      this.emit('*', { event: frame.event, body: frame.body ?? {} });
      return;
    }
    const p = this.pending.get(frame.seq);
    if (!p) return;
    this.pending.delete(frame.seq);
    if (frame.code === 0) this.finish(p, null, frame.body ?? {});
    else this.finish(p, new ChatdError(frame.code, frame.desc || `${p.cmd} failed`));
  }

  /** The connection dropped: in-flight requests are retried or failed, then we reconnect. */
  private onDrop(code: number, reason: string): void {
    const wasIn = this.loggedIn;
    this.loggedIn = false;
    for (const [seq, p] of this.pending) {
      this.pending.delete(seq);
      if (p.retry) this.queue.push(p);
      else this.finish(p, new ChatdError(CLIENT_ERRORS.NETWORK, `${p.cmd}: the connection dropped (${code})`));
    }
    if (FINAL_CLOSES.has(code)) {
      this.credentials = null;
      this.failAll(CLIENT_ERRORS.NETWORK, `the session ended: ${reason || code}`);
      this.setState('disconnected');
      this.emit('kicked', { code, reason });
      return;
    }
    this.setState(this.closedByUs || !this.options.reconnect || !this.credentials ? 'disconnected' : 'connecting');
    if (!this.closedByUs && this.options.reconnect && this.credentials && wasIn) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const [first, longest] = this.options.backoffMs;
    const ceiling = Math.min(longest, first * 2 ** this.attempt++);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2); // "equal jitter"
    this.reconnectTimer = setTimeout(() => this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    this.reconnectTimer = null;
    const c = this.credentials;
    if (!c || this.closedByUs) return;
    try {
      await this.open();
      await this.send('login', c, false, true);
    } catch (e) {
      const code = (e as ChatdError).code;
      this.socket?.close(1000, 'retry');
      if (code === 70001 || code === 70003 || code === 70009 || code === 70107) {
        // the signature expired or the account went: trying again cannot help
        this.credentials = null;
        this.failAll(code, (e as Error).message);
        this.setState('disconnected');
        this.emit('kicked', { code, reason: (e as Error).message });
        return;
      }
      this.setState('connecting');
      this.scheduleReconnect();
      return;
    }
    this.loggedIn = true;
    this.attempt = 0;
    this.flushQueue();
    this.emit('reconnected', {});
  }
}
