// Runs one official protocol test suite (../shared/conformance, prepared by prepare.sh into a cache
// folder) against `sio-signalling --conformance` on 127.0.0.1:3000, inside a private network
// namespace (unshare -n, lo up): port 3000 never collides and nothing leaves the machine.
// Full run with mocha's JSON reporter, then each failed case alone (--grep on its exact full
// title) up to ten times; a case counts as passed if it passed once. Exit codes: 0 all passed,
// 1 a case never passed / wrong number of cases / setup error, 77 (meson: skipped) when the
// suites are not there.
// Usage: node tests/conformance/run.mjs engine.io|socket.io
//   env SIO_SIGNALLING (the binary), SIO_CONFORMANCE_CACHE (else SIO_CONFORMANCE_CACHE_DEFAULT,
//   else <repo>/build/conformance-cache), SIO_CONFORMANCE_SRC (else <repo>/../shared/conformance),
//   SIO_CONFORMANCE_LOG_DIR (keep the server's stderr and mocha's reports there; else discarded),
//   SIO_CONFORMANCE_SERVER_ARGS (extra sio-signalling arguments, e.g. --log-level=debug).
import { spawn, spawnSync } from 'node:child_process';
import dns from 'node:dns/promises';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { signallingBinary, spawnServer } from '../node/lib/server.mjs';

const SUITES = {
  'engine.io': { folder: 'engine.io-protocol', cases: 24 },
  'socket.io': { folder: 'socket.io-protocol', cases: 32 },
};
const MAX_TRIES = 10;
const MOCHA_TIMEOUT_MS = 240000;
const SKIP = 77;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const suiteName = process.argv[2];
const suite = SUITES[suiteName];
if (!suite) {
  console.error(`usage: run.mjs ${Object.keys(SUITES).join('|')}`);
  process.exit(2);
}
const sourceDir = path.resolve(process.env.SIO_CONFORMANCE_SRC ?? path.join(repoRoot, '..', 'shared', 'conformance'));
const cacheDir = path.resolve(process.env.SIO_CONFORMANCE_CACHE ?? process.env.SIO_CONFORMANCE_CACHE_DEFAULT ??
  path.join(repoRoot, 'build', 'conformance-cache'));
const suiteSource = path.join(sourceDir, suite.folder, 'test-suite');
const suiteDir = path.join(cacheDir, suite.folder);
const mocha = path.join(suiteDir, 'node_modules', 'mocha', 'bin', 'mocha');

function fail(message) {
  console.error(`${suite.folder}: ${message}`);
  process.exit(1);
}

if (!existsSync(suiteSource)) {
  console.log(`conformance suites not found at ${sourceDir}: not run`);
  process.exit(SKIP);
}
if (!existsSync(mocha)) {
  fail(`not prepared in ${cacheDir}: run tests/conformance/prepare.sh ${cacheDir} (needs the npm registry)`);
}
if (!readFileSync(path.join(suiteSource, 'test-suite.js')).equals(readFileSync(path.join(suiteDir, 'test-suite.js')))) {
  fail(`the copy in ${suiteDir} is stale: run tests/conformance/prepare.sh ${cacheDir}`);
}

if (process.env.SIO_CONFORMANCE_IN_NETNS !== '1') {
  // Re-run this script inside a new network namespace with only loopback up.
  const unshareArgs = process.getuid() === 0 ? ['-n'] : ['-r', '-n'];
  const result = spawnSync('unshare', [...unshareArgs, 'sh', '-c', 'ip link set lo up && exec "$@"', 'sh',
    process.execPath, fileURLToPath(import.meta.url), suiteName], {
    stdio: 'inherit',
    env: { ...process.env, SIO_CONFORMANCE_IN_NETNS: '1', SIO_SIGNALLING: signallingBinary() },
  });
  if (result.error) fail(`cannot start unshare: ${result.error.message}`);
  process.exit(result.status ?? 1);
}

// --- inside the namespace ---

const logDir = process.env.SIO_CONFORMANCE_LOG_DIR;
const workDir = logDir ? path.join(path.resolve(logDir), suite.folder) : mkdtempSync(path.join(os.tmpdir(), `conformance-${suiteName}-`));
if (logDir) mkdirSync(workDir, { recursive: true });
let server = null;
let serverStarts = 0;
const serverNotes = [];

async function startServer() {
  const extra = (process.env.SIO_CONFORMANCE_SERVER_ARGS ?? '').split(/\s+/).filter(Boolean);
  const started = await spawnServer(signallingBinary(), ['--conformance', '--host', '127.0.0.1', '--port', '3000', ...extra]);
  const start = ++serverStarts;
  server = started;
  started.exited.then(({ code, signal }) => {
    if (logDir) writeFileSync(path.join(workDir, `server-${start}.stderr`), started.stderr());
    if (!started.stopping) serverNotes.push(`sio-signalling exited (${code ?? signal}) during the run`);
  });
}

async function ensureServer() {
  if (server && server.child.exitCode === null && server.child.signalCode === null) return;
  if (server) console.log(`${suite.folder}: restarting sio-signalling (it exited); stderr tail:\n${server.stderr().slice(-2000)}`);
  await startServer();
}

// Runs mocha with the JSON reporter; resolves its report (or null with the reason).
function runMocha(extraArgs, tag) {
  const output = path.join(workDir, `${tag}.json`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [mocha, 'test-suite.js', '--reporter', 'json',
      '--reporter-option', `output=${output}`, '--exit', ...extraArgs], { cwd: suiteDir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), MOCHA_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!existsSync(output)) {
        resolve({ report: null, why: `mocha exited (${code ?? signal}) without a report: ${stderr.slice(-1000)}` });
        return;
      }
      resolve({ report: JSON.parse(readFileSync(output, 'utf8')) });
    });
  });
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

async function main() {
  // The suites connect to http://localhost:3000 and the server listens on 127.0.0.1 only.
  const addresses = await dns.lookup('localhost', { all: true });
  const order = addresses.map((a) => a.address).join(', ');
  if (addresses[0]?.address !== '127.0.0.1') {
    console.log(`${suite.folder}: note: localhost resolves to ${order} here (127.0.0.1 is not first; ` +
      'the suites rely on the client falling back to it)');
  }

  await startServer();
  const full = await runMocha([], 'full');
  if (!full.report) throw new Error(full.why);
  const titles = full.report.tests.map((t) => t.fullTitle);
  const passedInFull = new Set(full.report.passes.map((t) => t.fullTitle));
  const failedInFull = titles.filter((t) => !passedInFull.has(t));
  const firstErrors = new Map(full.report.failures.map((t) => [t.fullTitle, t.err?.message ?? JSON.stringify(t.err)]));

  const passedOnRetry = [];
  const neverPassed = [];
  for (const [index, title] of failedInFull.entries()) {
    let passed = false;
    let lastError = firstErrors.get(title);
    for (let attempt = 1; attempt <= MAX_TRIES && !passed; attempt++) {
      await ensureServer();
      const retry = await runMocha(['--grep', `^${escapeRegExp(title)}$`], `retry-${index + 1}-${attempt}`);
      if (!retry.report) { lastError = retry.why; continue; }
      if (retry.report.tests.length !== 1) throw new Error(`--grep matched ${retry.report.tests.length} cases for "${title}"`);
      passed = retry.report.passes.length === 1;
      if (!passed) lastError = retry.report.failures[0]?.err?.message ?? lastError;
    }
    if (passed) passedOnRetry.push(title);
    else neverPassed.push({ title, firstError: firstErrors.get(title), lastError });
  }

  server.stopping = true;
  await server.stop();

  const total = titles.length;
  const passed = total - neverPassed.length;
  let line = `${suite.folder}: ${passed}/${total} passed (full run ${passedInFull.size}/${total}`;
  if (passedOnRetry.length) line += `, ${passedOnRetry.length} passed on retry: ${passedOnRetry.join('; ')}`;
  line += ')';
  console.log(line);
  for (const { title, firstError, lastError } of neverPassed) {
    console.log(`  NEVER PASSED (${MAX_TRIES} retries): ${title}\n    full run: ${firstError}\n    last try: ${lastError}`);
  }
  for (const note of serverNotes) console.log(`  ${note}`);
  if (neverPassed.length) console.log(`  sio-signalling stderr (tail):\n${server.stderr().slice(-3000)}`);

  let ok = neverPassed.length === 0;
  if (total !== suite.cases) {
    console.log(`  expected ${suite.cases} cases in ${suite.folder}, the suite ran ${total}`);
    ok = false;
  }
  return ok ? 0 : 1;
}

let code = 1;
try {
  code = await main();
} catch (e) {
  console.error(`${suite.folder}: ${e.message ?? e}`);
  if (server) {
    server.stopping = true;
    await server.stop();
  }
} finally {
  if (!logDir) rmSync(workDir, { recursive: true, force: true });
}
process.exit(code);
