// sio-signalling's command line, .env, TLS (given and --dev-tls) and static files.
// Only sio-signalling: these are its own options (the Node server has none).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';

import { repoRoot, signallingBinary, spawnServer } from './lib/server.mjs';
import { connectClient, waitUntil } from './lib/wait.mjs';

const binary = signallingBinary();
const tmpRoot = mkdtempSync(path.join(os.tmpdir(), 'sio-cli-test-'));
after(() => rmSync(tmpRoot, { recursive: true, force: true }));

// The environment without the variables sio-signalling reads, so the host's cannot leak in.
function cleanEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  for (const key of ['PORT', 'NODE_ENV']) if (!(key in extra)) delete env[key];
  return env;
}

// Runs sio-signalling to completion (bounded: killed after `ms`).
function runToExit(args, { cwd = tmpRoot, env = {}, ms = 5000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(binary, args, { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const start = (args, { cwd = tmpRoot, env = {} } = {}) =>
  spawnServer(binary, args, { cwd, env: cleanEnv(env) });

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// GET with a raw path (no URL normalisation, so "/../" reaches the server as written).
function rawGet(baseUrl, rawPath) {
  const { hostname, port, protocol } = new URL(baseUrl);
  const client = protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request({ hostname, port, path: rawPath, method: 'GET', rejectUnauthorized: false, timeout: 5000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${rawPath} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

describe('--help', () => {
  test('exits 0 and documents every option, .env, PORT and NODE_ENV', async () => {
    const { code, stdout } = await runToExit(['--help']);
    assert.equal(code, 0);
    for (const option of ['--host', '--port', '--public', '--tls-cert', '--tls-key', '--dev-tls', '--cors-origin',
      '--ping-interval', '--ping-timeout', '--max-payload', '--max-send-buffer', '--header-timeout', '--max-clients',
      '--max-clients-per-ip', '--allowed-origins', '--log-level', '--batch-window',
      '--conformance']) {
      assert.match(stdout, new RegExp(`${option}\\b`), `--help does not document ${option}`);
    }
    for (const word of ['.env', 'PORT', 'NODE_ENV']) assert.ok(stdout.includes(word), `--help does not mention ${word}`);
  });
});

describe('--version', () => {
  test('exits 0 with the version, then the libsoup and GLib in use', async () => {
    const { code, stdout, stderr } = await runToExit(['--version']);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /^sio-signalling \d+\.\d+\.\d+\nlibsoup 3\.\d+\.\d+, GLib 2\.\d+\.\d+\n$/);
  });
});

describe('bad options exit 2 and name the option on stderr', () => {
  const rows = [
    { args: ['--no-such-option'], names: '--no-such-option' },
    { args: ['--port=abc'], names: '--port' },
    { args: ['--port=70000'], names: '--port' },
    { args: ['--port=-1'], names: '--port' },
    { args: ['--port'], names: '--port', what: 'missing value' },
    { args: ['--ping-interval=soon'], names: '--ping-interval' },
    { args: ['--max-payload=lots'], names: '--max-payload' },
    { args: ['--max-send-buffer=1000'], names: '--max-send-buffer' },
    { args: ['--header-timeout=soon'], names: '--header-timeout' },
    { args: ['--batch-window=100001'], names: '--batch-window' },
    { args: ['--batch-window=fast'], names: '--batch-window' },
    { args: ['--max-clients=0'], names: '--max-clients' },
    { args: ['--allowed-origins=cam.example'], names: '--allowed-origins' },
    { args: ['--max-clients-per-ip=-3'], names: '--max-clients-per-ip' },
    { args: ['--log-level=loud'], names: '--log-level' },
    { args: ['--log-level'], names: '--log-level', what: 'missing value' },
    { args: ['--tls-key=/nonexistent/key.pem'], names: '--tls-key' },
    { args: ['--tls-cert=/nonexistent/cert.pem', '--tls-key=/nonexistent/key.pem'], names: '--tls-cert' },
    { args: ['--public=/nonexistent/dir'], names: '--public' },
    { args: ['stray-argument'], names: 'stray-argument' },
  ];
  for (const row of rows) {
    test(`${row.args.join(' ')}${row.what ? ` (${row.what})` : ''}`, async () => {
      const { code, signal, stdout, stderr } = await runToExit(row.args);
      assert.equal(signal, null, `still running after 5 s: it started instead of refusing (stdout ${stdout})`);
      assert.equal(code, 2, `exit code (stderr: ${stderr})`);
      assert.match(stderr, /^sio-signalling: /m);
      assert.ok(stderr.includes(row.names), `stderr does not name ${row.names}: ${JSON.stringify(stderr)}`);
      assert.ok(!stdout.includes('listening on'));
    });
  }

  test('--tls-cert without --tls-key', async () => {
    const dir = mkdtempSync(path.join(tmpRoot, 'lonecert-'));
    const cert = path.join(dir, 'cert.pem');
    writeFileSync(cert, 'not checked before the pairing rule');
    const { code, stderr } = await runToExit([`--tls-cert=${cert}`, '--port=0']);
    assert.equal(code, 2, `exit code (stderr: ${stderr})`);
    assert.ok(stderr.includes('--tls-cert') && stderr.includes('--tls-key'), stderr);
  });
});

describe('.env and the environment', () => {
  test('PORT in ./.env is honoured', async () => {
    const dir = mkdtempSync(path.join(tmpRoot, 'dotenv-'));
    const port = await freePort();
    writeFileSync(path.join(dir, '.env'), `# the chapter's settings file\nPORT=${port}\n`);
    const server = await start(['--host=127.0.0.1'], { cwd: dir });
    try {
      assert.equal(server.port, port);
      const socket = await connectClient(server.url, 'websocket');
      socket.close();
    } finally {
      await server.stop();
    }
  });

  test('the environment overrides .env, the command line overrides both', async () => {
    const dir = mkdtempSync(path.join(tmpRoot, 'dotenv-'));
    const [portFile, portEnv] = [await freePort(), await freePort()];
    writeFileSync(path.join(dir, '.env'), `PORT=${portFile}\n`);
    let server = await start(['--host=127.0.0.1'], { cwd: dir, env: { PORT: String(portEnv) } });
    try { assert.equal(server.port, portEnv); } finally { await server.stop(); }
    server = await start(['--host=127.0.0.1', '--port=0'], { cwd: dir, env: { PORT: String(portEnv) } });
    try { assert.ok(server.port !== portEnv && server.port !== portFile && server.port > 0); } finally { await server.stop(); }
  });
});

describe('TLS', () => {
  test('--tls-cert/--tls-key serve HTTPS and a socket.io-client connects over wss', async () => {
    const dir = mkdtempSync(path.join(tmpRoot, 'tls-'));
    const cert = path.join(dir, 'localhost.crt');
    const key = path.join(dir, 'localhost.key');
    // The chapter's own command, plus an IP SAN for 127.0.0.1.
    execFileSync('openssl', ['req', '-x509', '-out', cert, '-keyout', key, '-newkey', 'rsa:2048', '-nodes', '-sha256',
      '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    const server = await start(['--host=127.0.0.1', '--port=0', `--tls-cert=${cert}`, `--tls-key=${key}`]);
    try {
      assert.match(server.url, /^https:\/\//);
      const page = await rawGet(server.url, '/');
      assert.equal(page.status, 200);
      for (const transport of ['websocket', 'default']) {
        const socket = await connectClient(server.url, transport, { rejectUnauthorized: false });
        if (transport === 'default') {
          await waitUntil(() => socket.io.engine.transport.name === 'websocket', 5000, 'upgrade to wss');
        }
        assert.ok(socket.connected);
        socket.close();
      }
    } finally {
      await server.stop();
    }
  });

  test('--dev-tls creates a certificate once, reuses it, and covers 127.0.0.1', async () => {
    const dir = path.join(mkdtempSync(path.join(tmpRoot, 'devtls-')), 'certs');
    const certificateFile = () => {
      const pems = readdirSync(dir).map((f) => path.join(dir, f))
        .filter((f) => readFileSync(f, 'utf8').includes('BEGIN CERTIFICATE'));
      assert.equal(pems.length, 1, `certificate files in ${dir}: ${pems}`);
      return pems[0];
    };
    const args = ['--host=127.0.0.1', '--port=0', '--dev-tls', `--dev-tls-dir=${dir}`];

    let server = await start(args);
    let first;
    try {
      assert.match(server.url, /^https:\/\//);
      const cert = certificateFile();
      first = { file: cert, mtime: statSync(cert).mtimeMs, fingerprint: sha256(readFileSync(cert)) };
      const socket = await connectClient(server.url, 'websocket', { rejectUnauthorized: false });
      socket.close();
    } finally {
      await server.stop();
    }

    server = await start(args);
    try {
      const cert = certificateFile();
      assert.equal(cert, first.file);
      assert.equal(statSync(cert).mtimeMs, first.mtime, 'the certificate was rewritten');
      assert.equal(sha256(readFileSync(cert)), first.fingerprint, 'a new certificate was made');
      // The served certificate is that file's.
      const served = await new Promise((resolve, reject) => {
        const req = https.get({ hostname: '127.0.0.1', port: server.port, path: '/', rejectUnauthorized: false }, (res) => {
          resolve(res.socket.getPeerCertificate().fingerprint256);
          res.resume();
        });
        req.on('error', reject);
      });
      const fileFingerprint = execFileSync('openssl', ['x509', '-in', cert, '-noout', '-fingerprint', '-sha256'], { encoding: 'utf8' });
      assert.equal(served, fileFingerprint.trim().split('=')[1]);
    } finally {
      await server.stop();
    }

    const sans = execFileSync('openssl', ['x509', '-in', first.file, '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' });
    assert.match(sans, /IP Address:127\.0\.0\.1\b/);
    assert.match(sans, /DNS:localhost\b/);
  });
});

describe('static files', () => {
  let server;
  const started = () => server ?? (server = start(['--host=127.0.0.1', '--port=0']));
  after(async () => { if (server) await (await server).stop(); });

  const files = [
    { path: '/', file: path.join(repoRoot, 'web', 'index.html'), type: /text\/html/ },
    { path: '/socket.io/socket.io.js', file: path.join(repoRoot, 'node_modules', 'socket.io-client', 'dist', 'socket.io.js'), type: /javascript/ },
    { path: '/vendor/simplepeer.min.js', file: path.join(repoRoot, 'node_modules', 'simple-peer', 'simplepeer.min.js'), type: /javascript/ },
  ];
  for (const row of files) {
    test(`GET ${row.path} returns ${path.relative(repoRoot, row.file)} byte for byte`, async () => {
      const { url } = await started();
      const answer = await rawGet(url, row.path);
      assert.equal(answer.status, 200);
      assert.match(answer.headers['content-type'] ?? '', row.type);
      assert.equal(sha256(answer.body), sha256(readFileSync(row.file)), `${row.path} differs from ${row.file}`);
    });
  }

  const traversals = [
    '/../etc/passwd',
    '/../../../../../../etc/passwd',
    '/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/%2E%2E%2F%2E%2E%2F%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
    '/..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/vendor/../../../../etc/passwd',
    '/vendor/..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/socket.io/..%2f..%2f..%2f..%2fetc%2fpasswd',
    '/socket.io/..%2fpackage.json',
    '/%2e%2e/package.json',
    '/..%5c..%5c..%5cetc%5cpasswd',
    '/index.html%00.js',
  ];
  const secrets = [readFileSync('/etc/passwd'), readFileSync(path.join(repoRoot, 'package.json'))];
  for (const rawPath of traversals) {
    test(`traversal ${rawPath} is refused (400/403/404), never a file outside the public folders`, async () => {
      const { url } = await started();
      const answer = await rawGet(url, rawPath);
      assert.ok([400, 403, 404].includes(answer.status), `status ${answer.status}`);
      assert.ok(!answer.body.includes('root:'), 'served /etc/passwd');
      for (const secret of secrets) assert.ok(!answer.body.equals(secret), 'served a file outside the public folders');
    });
  }
});
