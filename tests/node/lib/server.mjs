// Starts the server under test as a child process and waits for its
// "listening on http://127.0.0.1:<port>/" line.
// SIO_SERVER=ours (default): sio-signalling from $SIO_SIGNALLING (meson passes the built binary).
// SIO_SERVER=node: the chapter's express + socket.io server (tests/reference/server.js), so the
// same tests prove they encode the Node server's behaviour.
// SIO_SERVER=launcher: the server embedded in sio-webrtc ($SIO_WEBRTC), waiting for calls
// (hostile.test.mjs only: the rows that need no server option).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const serverKind = ['node', 'launcher'].includes(process.env.SIO_SERVER) ? process.env.SIO_SERVER : 'ours';
export const isOurs = serverKind === 'ours';

// The binary: $SIO_SIGNALLING, else the newest build-*/signalling/sio-signalling (manual runs).
export function signallingBinary() {
  if (process.env.SIO_SIGNALLING) return process.env.SIO_SIGNALLING;
  const candidates = readdirSync(repoRoot)
    .filter((name) => name.startsWith('build'))
    .map((name) => path.join(repoRoot, name, 'signalling', 'sio-signalling'))
    .filter((file) => existsSync(file))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (candidates.length === 0) throw new Error('sio-signalling not found: set SIO_SIGNALLING');
  return candidates[0];
}

// The command that runs our server under test on 127.0.0.1 with an ephemeral port, as
// [command, ...args] (for prlimit and the like).
export function ourServerCommand() {
  if (serverKind === 'launcher') {
    if (!process.env.SIO_WEBRTC) throw new Error('SIO_SERVER=launcher needs SIO_WEBRTC (the sio-webrtc binary)');
    return [process.env.SIO_WEBRTC, '--mode=recv', '--host=127.0.0.1', '--port=0', '--status-interval=0'];
  }
  return [signallingBinary(), '--host', '127.0.0.1', '--port', '0'];
}

export function referenceServerScript() {
  return process.env.SIO_REFERENCE_SERVER ?? path.join(repoRoot, 'tests', 'reference', 'server.js');
}

const LISTENING = /listening on (https?):\/\/([^/\s]+):(\d+)\//;

// Spawns `command args` and resolves once it prints the listening line.
// Returns { url, port, child, stdout(), stderr(), stop() }. Output is kept so tests can check
// what the server logged (a reason for every connection it closes).
export function spawnServer(command, args, { env = {}, cwd, timeoutMs = 15000 } = {}) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => { err += chunk; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} did not print its listening line within ${timeoutMs} ms\nstdout: ${out}\nstderr: ${err}`));
    }, timeoutMs);
    child.once('error', (e) => { clearTimeout(timer); reject(e); });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited (${code ?? signal}) before listening\nstdout: ${out}\nstderr: ${err}`));
    });
    // sio-webrtc is ready once its own element has joined (after its DTLS certificate is made, a
    // one-time few MB): a memory baseline taken at "listening" would count that as the server's.
    const launcher = process.env.SIO_WEBRTC && [command, ...args].includes(process.env.SIO_WEBRTC);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = LISTENING.exec(out);
      if (!match || (launcher && !/^connected: local id /m.test(out))) return;
      clearTimeout(timer);
      const [, scheme, host, port] = match;
      resolve({
        url: `${scheme}://${host}:${port}`,
        port: Number(port),
        child,
        exited,
        stdout: () => out,
        stderr: () => err,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            const timeout = new Promise((r) => setTimeout(r, 5000, 'timeout'));
            if ((await Promise.race([exited, timeout])) === 'timeout') child.kill('SIGKILL');
          }
          const status = await exited;
          // The ASan + UBSan build (suite 'sanitized'): any report, leaks at exit included, fails
          // the test that stopped the server.
          const report = /ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:/.exec(err);
          if (report) throw new Error(`sanitizer report from the server:\n${err.slice(report.index, report.index + 4000)}`);
          return status;
        },
      });
    });
  });
}

// The server under test on an ephemeral port. `oursArgs` only apply to sio-signalling (the
// Node server has no options; tests that need them skip there, saying so).
export function startServer({ oursArgs = [], env = {}, cwd } = {}) {
  if (serverKind === 'launcher' && oursArgs.length > 0) {
    throw new Error(`the launcher's embedded server takes no server options (${oursArgs.join(' ')})`);
  }
  if (serverKind !== 'node') {
    const [command, ...args] = ourServerCommand();
    return spawnServer(command, [...args, ...oursArgs], { env, cwd });
  }
  return spawnServer(process.execPath, [referenceServerScript()], { env: { PORT: '0', ...env }, cwd });
}
