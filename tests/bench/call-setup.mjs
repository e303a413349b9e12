// Call setup, side by side (issue 13): from the moment a call starts to its first decoded frame,
// cold (the first call after the processes started) and warm (later calls), min/median/max of
// --runs runs, for
//   pipeline -> Chromium   sio-webrtc --mode=send --call=all calls our receiver.html
//   Chromium -> pipeline   our sender.html calls sio-webrtc --mode=recv
//   launcher -> launcher   sio-webrtc --mode=send --call=all calls sio-webrtc --mode=recv
//   Chromium -> Chromium   sender.html calls receiver.html: the reference
// all through one sio-signalling, in an lo-only network namespace (call-setup.sh). Figures only,
// no thresholds.
//
// "Starts": the caller decides to call: the launcher's "call: started with" line, or the sending
// page making its RTCPeerConnection. "First frame": the receiving page's first `loadeddata` on the
// video, or the launcher's "picture: first video frame" line. Page times are wall-clock
// (performance.timeOrigin + now), launcher lines are stamped when they arrive here (same machine).
// The launchers' own steps (offer or answer sent, the peer's in, ICE, DTLS; from the element's
// socketio-call-connected message) give the breakdown.
//
// Warm launcher -> launcher calls: the sender runs with --max-calls=1, so the next receiver waits
// (connected, its certificate made) until the previous one leaves, then is called at once.
import browserLib from '../interop/lib/browser.js';
import launcherLib from '../launcher/lib/launcher.js';
import { openPageWith, cameraReady as pageCameraReady } from './bench-pages.mjs';

const { webDir, launchBrowser, startServer, selectPeer, sleep } = browserLib;
const { startLauncher } = launcherLib;

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? found.slice(name.length + 3) : fallback;
};
const RUNS = Number(arg('runs', 5));
const STEP_MS = 20000;
const ICE = '--ice-address=127.0.0.1';
// --latency=MS: the receiving launchers' jitter buffer (default: theirs).
const LATENCY = arg('latency', '');
const QUIET = ['--status-interval=0', ICE, ...(LATENCY ? [`--latency=${LATENCY}`] : [])];

// Before any page script: wall-clock stamps of the first RTCPeerConnection and of each video's
// first frame.
const benchInit = () => {
  const now = () => performance.timeOrigin + performance.now();
  const bench = { pcAt: 0, frames: {} };
  Object.defineProperty(window, '__bench', { value: bench });
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      if (!bench.pcAt) bench.pcAt = now();
      super(...args);
    }
  };
  document.addEventListener('loadeddata', (e) => {
    if (e.target.id && !(e.target.id in bench.frames)) bench.frames[e.target.id] = now();
  }, true);
};

const openBenchPage = (browser, url) => openPageWith(browser, url, benchInit, STEP_MS);
const frameAt = async (record, videoId) => (await record.page.waitForFunction(
  (id) => window.__bench.frames[id] || 0, videoId, { timeout: STEP_MS, polling: 'raf' })).jsonValue();
const cameraReady = (record) => pageCameraReady(record, STEP_MS);
const pageSocketId = (record) => Promise.race([
  record.socketId, sleep(STEP_MS).then(() => { throw new Error('the page logged no socket id'); })]);

// A receiving launcher's last steps, since its call started: the first video RTP packet (the
// element's socketio-call-media) and the first decoded picture (its line, read as it came).
const receivingSteps = (rtp, first, started) => ({ 'first video RTP': rtp.ms, 'first picture': first.at - started.at });

// --- the four cases; each returns {ms, steps} for one call ------------------------------------

// The launcher calls a receiver.html it sees join.
const pipelineToPage = async (launcher, browser, url) => {
  const page = await openBenchPage(browser, `${url}receiver.html`);
  try {
    const id = await pageSocketId(page);
    const started = await launcher.waitFor('call-started', `call: started with ${id}`, STEP_MS, (e) => e.peer === id);
    const first = await frameAt(page, 'otherCamera');
    const connected = await launcher.waitFor('call-connected', 'call: connected', STEP_MS, (e) => e.peer === id);
    return { ms: first - started.at, steps: connected.steps };
  } finally {
    await page.close();
  }
};

// sender.html calls the launcher (its id picked in the page's list once the camera runs).
const pageToPipeline = async (launcher, launcherId, browser, url) => {
  const page = await openBenchPage(browser, `${url}sender.html`);
  try {
    const id = await pageSocketId(page);
    await cameraReady(page);
    const before = Date.now();
    await selectPeer(page, launcherId);
    const first = await launcher.waitFor('first-frame', `picture: first video frame from ${id}`, STEP_MS,
                                         (e) => e.peer === id && e.at >= before);
    const connected = await launcher.waitFor('call-connected', 'call: connected', STEP_MS, (e) => e.peer === id);
    const started = await launcher.waitFor('call-started', 'call: started', STEP_MS, (e) => e.peer === id);
    const rtp = await launcher.waitFor('first-rtp', 'call: first video RTP', STEP_MS,
                                       (e) => e.peer === id && e.media === 'video');
    const pcAt = await page.page.evaluate(() => window.__bench.pcAt);
    // The page's share: from its RTCPeerConnection to its offer reaching the launcher.
    return { ms: first.at - pcAt, steps: { ...connected.steps, ...receivingSteps(rtp, first, started) },
             pageSteps: { 'offer in': started.at - pcAt } };
  } finally {
    await page.close();
  }
};

// sender.html calls receiver.html.
const pageToPage = async (browser, url) => {
  const receiver = await openBenchPage(browser, `${url}receiver.html`);
  const sender = await openBenchPage(browser, `${url}sender.html`);
  try {
    const receiverId = await pageSocketId(receiver);
    await cameraReady(sender);
    await selectPeer(sender, receiverId);
    const first = await frameAt(receiver, 'otherCamera');
    const pcAt = await sender.page.evaluate(() => window.__bench.pcAt);
    return { ms: first - pcAt, steps: {} };
  } finally {
    await sender.close();
    await receiver.close();
  }
};

// A receiving launcher joins; the sender (max-calls=1) calls it as soon as it is free.
const launcherToLauncher = async (sender, url) => {
  const receiver = startLauncher(['--mode=recv', `--server=${url}`, '--sink=fake', ...QUIET], { name: 'receiver' });
  try {
    const id = await receiver.localId(STEP_MS);
    return {
      id, receiver,
      // Called once the sender is free (the caller's start line, the receiver's first frame).
      measure: async () => {
        const started = await sender.waitFor('call-started', `call: started with ${id}`, STEP_MS, (e) => e.peer === id);
        const first = await receiver.waitFor('first-frame', 'picture: first video frame', STEP_MS);
        const connected = await sender.waitFor('call-connected', 'call: connected', STEP_MS, (e) => e.peer === id);
        const answered = await receiver.waitFor('call-connected', 'call: connected', STEP_MS);
        const answeredAt = await receiver.waitFor('call-started', 'call: started', STEP_MS);
        const rtp = await receiver.waitFor('first-rtp', 'call: first video RTP', STEP_MS, (e) => e.media === 'video');
        return { ms: first.at - started.at, steps: connected.steps,
                 answererSteps: { ...answered.steps, ...receivingSteps(rtp, first, answeredAt) } };
      },
    };
  } catch (error) {
    await receiver.stopAndCheck();
    throw error;
  }
};

// --- running them --------------------------------------------------------------------------

const sendArgs = (url, extra = []) => ['--mode=send', '--call=all', `--server=${url}`, '--audio=test', ...QUIET, ...extra];

const runCase = async (name, cold, warm) => {
  const results = { cold: [], warm: [] };
  for (let i = 0; i < RUNS; i++) results.cold.push(await cold());
  results.warm = await warm();
  return { name, ...results };
};

const main = async () => {
  const server = await startServer(webDir, 'ours', ['--log-level=warn']);
  const url = server.baseUrl;
  const table = [];
  try {
    // pipeline -> Chromium
    {
      const browser = await launchBrowser();
      try {
        table.push(await runCase('pipeline -> Chromium receiver.html', async () => {
          const launcher = startLauncher(sendArgs(url), { name: 'sender' });
          try {
            await launcher.localId(STEP_MS);
            return await pipelineToPage(launcher, browser, url);
          } finally {
            await launcher.stopAndCheck();
          }
        }, async () => {
          const launcher = startLauncher(sendArgs(url, ['--max-calls=1']), { name: 'sender' });
          try {
            await launcher.localId(STEP_MS);
            await pipelineToPage(launcher, browser, url);  // the first call: not counted
            const runs = [];
            for (let i = 0; i < RUNS; i++) {
              await sleep(300);  // the page's leaving ends the call (the server's clients list)
              runs.push(await pipelineToPage(launcher, browser, url));
            }
            return runs;
          } finally {
            await launcher.stopAndCheck();
          }
        }));
      } finally {
        await browser.close();
      }
    }
    // Chromium -> pipeline
    {
      const browser = await launchBrowser();
      const recvArgs = ['--mode=recv', `--server=${url}`, '--sink=fake', ...QUIET];
      try {
        table.push(await runCase('Chromium sender.html -> pipeline', async () => {
          const launcher = startLauncher(recvArgs, { name: 'receiver' });
          try {
            const id = await launcher.localId(STEP_MS);
            return await pageToPipeline(launcher, id, browser, url);
          } finally {
            await launcher.stopAndCheck();
          }
        }, async () => {
          const launcher = startLauncher(recvArgs, { name: 'receiver' });
          try {
            const id = await launcher.localId(STEP_MS);
            await pageToPipeline(launcher, id, browser, url);
            const runs = [];
            for (let i = 0; i < RUNS; i++) {
              await sleep(300);
              runs.push(await pageToPipeline(launcher, id, browser, url));
            }
            return runs;
          } finally {
            await launcher.stopAndCheck();
          }
        }));
      } finally {
        await browser.close();
      }
    }
    // launcher -> launcher
    table.push(await runCase('launcher -> launcher', async () => {
      const sender = startLauncher(sendArgs(url), { name: 'sender' });
      let pair;
      try {
        await sender.localId(STEP_MS);
        pair = await launcherToLauncher(sender, url);
        return await pair.measure();
      } finally {
        if (pair) await pair.receiver.stopAndCheck();
        await sender.stopAndCheck();
      }
    }, async () => {
      const sender = startLauncher(sendArgs(url, ['--max-calls=1']), { name: 'sender' });
      const receivers = [];
      const stopped = new Set();
      try {
        await sender.localId(STEP_MS);
        let current = await launcherToLauncher(sender, url);
        receivers.push(current.receiver);
        await current.measure();  // the first call: not counted
        const runs = [];
        for (let i = 0; i < RUNS; i++) {
          const next = await launcherToLauncher(sender, url);  // waits: the sender is busy
          receivers.push(next.receiver);
          await sleep(1500);  // its certificate made, its spare ready: a warm receiver
          await current.receiver.stopAndCheck();
          stopped.add(current.receiver);
          runs.push(await next.measure());
          current = next;
        }
        return runs;
      } finally {
        for (const r of receivers) if (!stopped.has(r)) await r.kill().catch(() => {});
        await sender.stopAndCheck();
      }
    }));
    // Chromium -> Chromium: the reference
    table.push(await runCase('Chromium -> Chromium (reference)', async () => {
      const browser = await launchBrowser();
      try {
        return await pageToPage(browser, url);
      } finally {
        await browser.close();
      }
    }, async () => {
      const browser = await launchBrowser();
      try {
        await pageToPage(browser, url);
        const runs = [];
        for (let i = 0; i < RUNS; i++) runs.push(await pageToPage(browser, url));
        return runs;
      } finally {
        await browser.close();
      }
    }));
  } finally {
    await server.stop();
  }
  report(table);
};

// --- the tables ----------------------------------------------------------------------------

const stats = (values) => {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return null;
  return { min: v[0], median: v[Math.floor((v.length - 1) / 2)], max: v[v.length - 1] };
};
const fmt = (s) => (s ? `${Math.round(s.min)} / ${Math.round(s.median)} / ${Math.round(s.max)}` : '-');

const report = (table) => {
  const reference = table.find((row) => row.name.includes('reference'));
  console.log(`\ncall start -> first decoded frame, ms (min / median / max of ${RUNS} runs; launchers' ` +
              `latency ${LATENCY || 'default'})`);
  console.log('| case | cold | warm | warm median vs Chromium -> Chromium |');
  console.log('|---|---|---|---|');
  for (const row of table) {
    const warm = stats(row.warm.map((r) => r.ms));
    const cold = stats(row.cold.map((r) => r.ms));
    const ref = reference && stats(reference.warm.map((r) => r.ms));
    const ratio = warm && ref ? `x${(warm.median / ref.median).toFixed(2)}` : '-';
    console.log(`| ${row.name} | ${fmt(cold)} | ${fmt(warm)} | ${ratio} |`);
  }
  console.log('\nthe launchers\' steps, ms since the call started (median of the warm runs; cold in brackets)');
  console.log('| case | side | steps |');
  console.log('|---|---|---|');
  for (const row of table) {
    for (const [side, key] of [['caller (page, since its RTCPeerConnection)', 'pageSteps'], ['caller', 'steps'],
                               ['answerer', 'answererSteps']]) {
      const names = [...new Set(row.warm.flatMap((r) => Object.keys(r[key] || {})))];
      if (!names.length) continue;
      const parts = names.map((n) => {
        const w = stats(row.warm.map((r) => (r[key] || {})[n]));
        const c = stats(row.cold.map((r) => (r[key] || {})[n]));
        return `${n} ${w ? Math.round(w.median) : '-'} (${c ? Math.round(c.median) : '-'})`;
      });
      const who = row.name.startsWith('Chromium sender') && key === 'steps' ? 'answerer (launcher, since the offer)' : side;
      console.log(`| ${row.name} | ${who} | ${parts.join(', ')} |`);
    }
  }
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
