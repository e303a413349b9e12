// Waiting on the events a child process reports (sio-peer's JSON lines, sio-webrtc's status
// lines): waitFor resolves with the first event, past or future, that matches, and fails as soon
// as failure() names a reason (bus error, exit) rather than sitting out its timeout.
'use strict';

const eventWaiters = (name, events, failure) => {
  const waiters = new Set();

  // Call after every new event and when failure() may have changed.
  const settle = () => {
    for (const waiter of [...waiters]) {
      const found = events.find(waiter.predicate);
      const reason = found ? undefined : failure();
      if (found) {
        waiters.delete(waiter);
        waiter.resolve(found);
      } else if (reason) {
        waiters.delete(waiter);
        waiter.reject(new Error(`${name}: ${reason} while waiting for ${waiter.what}`));
      }
    }
  };

  const waitFor = (predicate, what, timeoutMs) => new Promise((resolve, reject) => {
    const waiter = { predicate, what, resolve, reject };
    const timer = setTimeout(() => {
      waiters.delete(waiter);
      reject(new Error(`${name}: timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const done = (fn) => (value) => {
      clearTimeout(timer);
      fn(value);
    };
    waiter.resolve = done(resolve);
    waiter.reject = done(reject);
    waiters.add(waiter);
    settle();
  });

  return { settle, waitFor };
};

module.exports = { eventWaiters };
