// Glass-to-glass latency, side by side (issue 13): the sender draws its wall-clock time into each
// picture (launcher/frame_stamp.hpp has the layout; sio-webrtc --stamp, or a page's stamped canvas
// camera) and the receiver reads it back from the decoded picture, on one machine (one clock):
//   launcher -> launcher          sio-webrtc --stamp calls sio-webrtc --mode=recv, for several
//                                 receiving --latency values (--latencies=default,20,...)
//   launcher -> Chromium          sio-webrtc --stamp calls our receiver.html and the chapter's
//   Chromium -> launcher          our sender.html (a stamped canvas as its camera) calls sio-webrtc
//   Chromium -> Chromium          the same sender.html calls receiver.html: the reference
// through one sio-signalling in an lo-only network namespace (glass-to-glass.sh). "Shown" is when
// the picture is on screen: for a page, requestVideoFrameCallback's expectedDisplayTime; for a
// launcher, when a display sink synchronised to the clock shows it (running time + the latency
// upstream of the sink). "Decoded" is when the decoder's picture is ready (a page's
// presentationTime). Figures only, no thresholds.
import browserLib from '../interop/lib/browser.js';
import launcherLib from '../launcher/lib/launcher.js';
import { openPageWith, cameraReady as pageCameraReady } from './bench-pages.mjs';

const { webDir, launchBrowser, startServer, selectPeer, chapterPagesDir, sleep } = browserLib;
const { startLauncher } = launcherLib;

const arg = (name, fallback) => {
  const found = process.argv.find((a) => a.startsWith(`--${name}=`));
  return found ? found.slice(name.length + 3) : fallback;
};
const SECONDS = Number(arg('seconds', 10));
// Receiving --latency values; "default" runs without the option (the element's default).
const LATENCIES = arg('latencies', 'default,20,100,200').split(',');
const STEP_MS = 20000;
const QUIET = ['--status-interval=0', '--ice-address=127.0.0.1'];

// Before any page script: the stamp reader on every playing <video>, and (for a sending page) a
// camera that is a canvas with the stamp drawn into each frame. The layout is frame_stamp.hpp's.
const pageInit = () => {
  const BITS = 32, MODULO = 1 << 24;
  const now = () => performance.timeOrigin + performance.now();
  const stripRows = (h) => Math.max(8, Math.floor(h / 16));
  const check = (t) => (((t >> 16) & 0xff) * 7 + ((t >> 8) & 0xff) * 3 + (t & 0xff) + 0x5a) & 0xff;
  const age = (stamp, at) => {
    const forward = (((Math.floor(at) % MODULO) - stamp) % MODULO + MODULO) % MODULO;
    return forward < MODULO / 2 ? forward : forward - MODULO;
  };
  const read = (data, w, rows) => {
    const bw = Math.floor(w / BITS);
    const y0 = Math.floor(rows / 4), y1 = Math.max(y0 + 1, Math.floor(rows * 3 / 4));
    let word = 0;
    for (let bit = 0; bit < BITS; bit++) {
      const x0 = bit * bw + Math.floor(bw / 4), x1 = Math.max(x0 + 1, bit * bw + Math.floor(bw * 3 / 4));
      let lo = 255, hi = 0, sum = 0, n = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) {
        const g = data[(y * w + x) * 4 + 1];
        lo = Math.min(lo, g); hi = Math.max(hi, g); sum += g; n++;
      }
      const mean = sum / n;
      if (hi - lo > 96 || (mean >= 80 && mean <= 176)) return null;
      word = (word * 2 + (mean > 176 ? 1 : 0)) >>> 0;
    }
    const time = word >>> 8;
    return (word & 0xff) === check(time) ? time : null;
  };
  const samples = [];
  Object.defineProperty(window, '__g2g', { value: samples });
  const watched = new WeakSet();
  const watch = (video) => {
    if (watched.has(video) || !video.requestVideoFrameCallback) return;
    watched.add(video);
    const canvas = document.createElement('canvas');
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const onFrame = (_, meta) => {
      const w = meta.width, rows = stripRows(meta.height);
      if (w >= 64 && video.srcObject && !(video.srcObject.__stamped)) {
        if (canvas.width !== w || canvas.height !== rows) { canvas.width = w; canvas.height = rows; }
        ctx.drawImage(video, 0, 0, w, rows, 0, 0, w, rows);
        const stamp = read(ctx.getImageData(0, 0, w, rows).data, w, rows);
        if (stamp !== null && samples.length < 100000) {
          samples.push({ shown: age(stamp, performance.timeOrigin + meta.expectedDisplayTime),
                         decoded: age(stamp, performance.timeOrigin + meta.presentationTime) });
        }
      }
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  };
  document.addEventListener('playing', (e) => { if (e.target.tagName === 'VIDEO') watch(e.target); }, true);

  // The stamped camera: 640x480 at 30 fps, the stamp drawn with the time of drawing.
  const camera = () => {
    const canvas = document.createElement('canvas');
    canvas.width = 640; canvas.height = 480;
    const ctx = canvas.getContext('2d');
    const draw = () => {
      const t = Math.floor(now()) % MODULO;
      const word = ((t << 8) | check(t)) >>> 0;
      ctx.fillStyle = '#404060';
      ctx.fillRect(0, 0, 640, 480);
      const bw = 640 / BITS, rows = stripRows(480);
      for (let bit = 0; bit < BITS; bit++) {
        ctx.fillStyle = (word >>> (BITS - 1 - bit)) & 1 ? '#ffffff' : '#000000';
        ctx.fillRect(bit * bw, 0, bw, rows);
      }
    };
    draw();
    setInterval(draw, 1000 / 30);
    const stream = canvas.captureStream(30);
    stream.__stamped = true;  // our own preview: not a received picture
    return stream;
  };
  if (new URLSearchParams(location.search).has('stampedCamera')) {
    navigator.mediaDevices.getUserMedia = async () => camera();
  }
};

// The chapter's pages log nothing: their id is the one the launcher calls.
const openPage = (browser, url) => openPageWith(browser, url, pageInit, STEP_MS);
const cameraReady = (record) => pageCameraReady(record, STEP_MS);
const pageSamples = async (record) => record.page.evaluate(() => window.__g2g.slice());
const waitForSamples = (record, n) => record.page.waitForFunction(
  (count) => window.__g2g.length >= count, n, { timeout: STEP_MS, polling: 200 });

const stats = (values) => {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (!v.length) return null;
  const at = (p) => v[Math.min(v.length - 1, Math.round(p * (v.length - 1)))];
  return { n: v.length, median: at(0.5), p95: at(0.95) };
};

// --- the cases -----------------------------------------------------------------------------

const sendArgs = (url) => ['--mode=send', '--call=all', `--server=${url}`, '--video=test', '--stamp',
                           '--audio=none', ...QUIET];

const launcherToLauncher = async (url, latency) => {
  const sender = startLauncher(sendArgs(url), { name: 'sender' });
  try {
    await sender.localId(STEP_MS);
    const receiver = startLauncher(['--mode=recv', `--server=${url}`, '--sink=fake',
                                    ...(latency === 'default' ? [] : [`--latency=${latency}`]),
                                    `--duration=${SECONDS}`, ...QUIET], { name: 'receiver' });
    await receiver.waitFor('first-frame', 'picture: first video frame', STEP_MS);
    await receiver.waitExit((SECONDS + 10) * 1000);
    const line = await receiver.waitFor('latency', 'latency: the whole run', 1000);
    return { shown: { median: line.shown, p95: line.shownP95, n: line.frames },
             decoded: { median: line.decoded, p95: line.decodedP95, n: line.frames }, note: `sink latency ${line.upstream} ms` };
  } finally {
    await sender.stopAndCheck();
  }
};

const launcherToPage = async (browser, url, pageUrl) => {
  const sender = startLauncher(sendArgs(url), { name: 'sender' });
  let page;
  try {
    await sender.localId(STEP_MS);
    page = await openPage(browser, pageUrl);
    await waitForSamples(page, 1);
    await sleep(SECONDS * 1000);
    const samples = await pageSamples(page);
    return { shown: stats(samples.map((s) => s.shown)), decoded: stats(samples.map((s) => s.decoded)) };
  } finally {
    if (page) await page.close();
    await sender.stopAndCheck();
  }
};

const pageToLauncher = async (browser, url) => {
  const receiver = startLauncher(['--mode=recv', `--server=${url}`, '--sink=fake', ...QUIET], { name: 'receiver' });
  let page;
  try {
    const id = await receiver.localId(STEP_MS);
    page = await openPage(browser, `${url}sender.html?stampedCamera`);
    await page.socketId;
    await cameraReady(page);
    await selectPeer(page, id);
    await receiver.waitFor('first-frame', 'picture: first video frame', STEP_MS);
    await sleep(SECONDS * 1000);
  } finally {
    if (page) await page.close();
  }
  await receiver.stopAndCheck();
  const line = receiver.events.find((e) => e.type === 'latency' && e.what === 'the whole run');
  if (!line) throw new Error('the receiving launcher printed no glass-to-glass figures');
  return { shown: { median: line.shown, p95: line.shownP95, n: line.frames },
           decoded: { median: line.decoded, p95: line.decodedP95, n: line.frames }, note: `sink latency ${line.upstream} ms` };
};

const pageToPage = async (browser, url) => {
  const receiver = await openPage(browser, `${url}receiver.html`);
  let sender;
  try {
    const id = await receiver.socketId;
    sender = await openPage(browser, `${url}sender.html?stampedCamera`);
    await sender.socketId;
    await cameraReady(sender);
    await selectPeer(sender, id);
    await waitForSamples(receiver, 1);
    await sleep(SECONDS * 1000);
    const samples = await pageSamples(receiver);
    return { shown: stats(samples.map((s) => s.shown)), decoded: stats(samples.map((s) => s.decoded)) };
  } finally {
    if (sender) await sender.close();
    await receiver.close();
  }
};

const main = async () => {
  const ours = await startServer(webDir, 'ours', ['--log-level=warn']);
  const chapter = await startServer(chapterPagesDir(), 'ours', ['--log-level=warn']);
  const rows = [];
  const run = async (name, fn) => {
    try {
      rows.push({ name, ...(await fn()) });
    } catch (error) {
      rows.push({ name, error: String(error.message || error).split('\n')[0] });
    }
  };
  try {
    for (const latency of LATENCIES) {
      await run(`launcher -> launcher, ${latency === 'default' ? 'default --latency' : `--latency=${latency}`}`,
                () => launcherToLauncher(ours.baseUrl, latency));
    }
    const browser = await launchBrowser();
    try {
      await run('launcher -> our receiver.html', () => launcherToPage(browser, ours.baseUrl, `${ours.baseUrl}receiver.html`));
      await run('launcher -> the chapter\'s receiver.html',
                () => launcherToPage(browser, chapter.baseUrl, `${chapter.baseUrl}receiver.html`));
      await run('Chromium sender.html (canvas camera) -> launcher', () => pageToLauncher(browser, ours.baseUrl));
      await run('Chromium -> Chromium (reference, canvas camera)', () => pageToPage(browser, ours.baseUrl));
    } finally {
      await browser.close();
    }
  } finally {
    await ours.stop();
    await chapter.stop();
  }
  const fmt = (s) => (s ? `${Math.round(s.median)} / ${Math.round(s.p95)}` : '-');
  const reference = rows.find((r) => r.name.includes('reference') && r.shown);
  console.log(`\nglass to glass, ms (median / p95; ${SECONDS} s of 30 fps 640x480 per case)`);
  console.log('| case | shown | decoded | frames | shown vs Chromium -> Chromium | note |');
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) {
    if (r.error) {
      console.log(`| ${r.name} | failed: ${r.error} | | | | |`);
      continue;
    }
    const ratio = reference && r.shown ? `x${(r.shown.median / reference.shown.median).toFixed(2)}` : '-';
    console.log(`| ${r.name} | ${fmt(r.shown)} | ${fmt(r.decoded)} | ${r.shown ? r.shown.n : 0} | ${ratio} | ${r.note || ''} |`);
  }
  if (rows.some((r) => r.error)) process.exitCode = 1;
};

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
