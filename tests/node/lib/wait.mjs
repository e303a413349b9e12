// Bounded waiting for the interop tests: every wait has a deadline and names what it waited for.
import { io } from 'socket.io-client';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// Resolves with the arguments of the next `event` on `emitter` (an array), or rejects after `ms`.
export function nextEvent(emitter, event, ms = 5000, what = event) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, handler);
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const handler = (...args) => {
      clearTimeout(timer);
      resolve(args);
    };
    emitter.once(event, handler);
  });
}

// Polls `predicate` every 20 ms until it returns truthy, for at most `ms`.
export async function waitUntil(predicate, ms = 5000, what = 'condition') {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

// A socket.io-client that records every `clients` broadcast and every relayed event, so tests
// can wait for "the latest clients map lists X" or "B received peerOffer" without races.
// transport: 'polling' | 'websocket' | 'default' (polling, then upgrade to websocket).
export async function connectClient(url, transport = 'default', extra = {}) {
  const options = { forceNew: true, reconnection: false, timeout: 5000, ...extra };
  if (transport === 'polling') options.transports = ['polling'];
  else if (transport === 'websocket') options.transports = ['websocket'];
  const socket = io(url, options);
  socket.clientsUpdates = [];
  socket.received = [];
  socket.on('clients', (map) => socket.clientsUpdates.push(map));
  socket.onAny((event, ...args) => {
    if (event !== 'clients') socket.received.push({ event, args });
  });
  try {
    await nextEvent(socket, 'connect', 8000, `${transport} client connect to ${url}`);
  } catch (e) {
    socket.close();
    throw e;
  }
  return socket;
}

export const latestClients = (socket) => socket.clientsUpdates.at(-1);

// Waits until `socket`'s latest `clients` map has exactly the ids `ids` (in that order).
export function waitForClients(socket, ids, ms = 5000) {
  return waitUntil(() => {
    const map = latestClients(socket);
    return map && JSON.stringify(Object.keys(map)) === JSON.stringify(ids) ? map : null;
  }, ms, `clients == [${ids.join(', ')}] on ${socket.id}`);
}

// Waits for the next relayed `event` on `socket` after index `from` in socket.received.
export function waitForRelay(socket, event, from = 0, ms = 5000) {
  return waitUntil(() => socket.received.slice(from).find((r) => r.event === event), ms,
    `${event} on ${socket.id}`);
}
