// Raw Engine.IO/Socket.IO clients for the bad-input table: plain fetch for long-polling and the
// `ws` package (socket.io's own dependency) for WebSocket, so tests can send what no real
// client would. Every wait is bounded.
import WebSocket from 'ws';

import { sleep } from './wait.mjs';

export const RS = '\x1e';  // Engine.IO v4 payload separator

export function pollingUrl(base, query = 'EIO=4&transport=polling') {
  return `${base}/socket.io/?${query}`;
}

// fetch with a deadline; resolves { status, contentType, body } or { timedOut: true } or { error }.
export async function request(url, { method = 'GET', body, ms = 3000 } = {}) {
  try {
    const response = await fetch(url, { method, body, signal: AbortSignal.timeout(ms) });
    const text = await response.text();
    return { status: response.status, contentType: response.headers.get('content-type'), body: text };
  } catch (e) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return { timedOut: true };
    return { error: `${e.message}${e.cause ? `: ${e.cause.code ?? e.cause.message}` : ''}` };
  }
}

// Engine.IO handshake over long-polling; returns the sid.
export async function pollingHandshake(base) {
  const answer = await request(pollingUrl(base));
  if (answer.status !== 200 || !answer.body?.startsWith('0')) {
    throw new Error(`polling handshake failed: ${JSON.stringify(answer)}`);
  }
  return JSON.parse(answer.body.slice(1)).sid;
}

export const sessionUrl = (base, sid) => pollingUrl(base, `EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`);
export const post = (base, sid, body, ms) => request(sessionUrl(base, sid), { method: 'POST', body, ms });
export const poll = (base, sid, ms) => request(sessionUrl(base, sid), { ms });

// A polling session joined to the default namespace; returns { sid, socketId }.
export async function pollingSocketIo(base) {
  const sid = await pollingHandshake(base);
  const posted = await post(base, sid, '40');
  if (posted.status !== 200) throw new Error(`CONNECT post failed: ${JSON.stringify(posted)}`);
  const answer = await poll(base, sid);
  const connect = answer.body?.split(RS).find((p) => p.startsWith('40'));
  if (!connect) throw new Error(`no CONNECT answer: ${JSON.stringify(answer)}`);
  return { sid, socketId: JSON.parse(connect.slice(2)).sid };
}

// Asserts-by-return: polls until the session answers 400 {"code":1,...}. Pending close/noop
// packets may come first (the Node server flushes "6\x1e1" to an open poll).
export async function pollingSessionState(base, sid) {
  for (let i = 0; i < 4; i++) {
    const answer = await poll(base, sid, 2500);
    if (answer.timedOut) return { state: 'open', detail: 'GET hung: the session is alive' };
    if (answer.status === 400) {
      let json = null;
      try { json = JSON.parse(answer.body); } catch { /* reported below */ }
      return { state: json?.code === 1 ? 'gone' : 'error', detail: answer };
    }
    if (answer.status !== 200) return { state: 'error', detail: answer };
    const packets = answer.body.split(RS);
    if (!packets.every((p) => p === '1' || p === '6')) return { state: 'open', detail: answer };
  }
  return { state: 'error', detail: 'only close/noop packets, never 400' };
}

// A raw WebSocket that records everything. `opened` resolves true on open, false on an HTTP
// rejection or error; `closed` resolves { code, reason } (or { code: 'timeout' } after `ms`).
export function rawWebSocket(base, query, { ms = 4000 } = {}) {
  const url = `${base.replace(/^http/, 'ws')}/socket.io/?${query}`;
  const ws = new WebSocket(url, { rejectUnauthorized: false });
  const state = { ws, messages: [], http: null, errors: [] };
  ws.on('message', (data, isBinary) => state.messages.push(isBinary ? data : data.toString('utf8')));
  ws.on('error', (e) => state.errors.push(e.message));
  state.opened = new Promise((resolve) => {
    ws.once('open', () => resolve(true));
    ws.once('error', () => resolve(false));
    ws.once('unexpected-response', (req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => { body += c; });
      res.on('end', () => {
        state.http = { status: res.statusCode, body };
        resolve(false);
        ws.terminate();
      });
      res.on('error', () => resolve(false));
    });
  });
  state.closed = new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ code: 'timeout' }), ms);
    ws.once('close', (code, reason) => { clearTimeout(timer); resolve({ code, reason: reason.toString() }); });
  });
  state.waitMessage = async (predicate, waitMs = 3000) => {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const found = state.messages.find((m) => typeof m === 'string' && predicate(m));
      if (found !== undefined) return found;
      if (Date.now() > deadline || ws.readyState > WebSocket.OPEN) return undefined;
      await sleep(10);
    }
  };
  state.close = () => ws.terminate();
  return state;
}

// A WebSocket session joined to the default namespace.
export async function websocketSocketIo(base, { ms } = {}) {
  const socket = rawWebSocket(base, 'EIO=4&transport=websocket', { ms });
  if (!(await socket.opened)) throw new Error(`websocket refused: ${JSON.stringify(socket.http ?? socket.errors)}`);
  const open = await socket.waitMessage((m) => m.startsWith('0{'));
  if (!open) throw new Error('no Engine.IO open packet');
  socket.ws.send('40');
  const connect = await socket.waitMessage((m) => m.startsWith('40'));
  if (!connect) throw new Error('no Socket.IO CONNECT answer');
  socket.socketId = JSON.parse(connect.slice(2)).sid;
  return socket;
}
