// /metrics as Prometheus reads it: fetched, then parsed by the official Python client's parser
// (lib/parse_metrics.py), so a format mistake fails here as it would in a real scrape.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const parser = path.join(path.dirname(fileURLToPath(import.meta.url)), 'parse_metrics.py');
// Debian's python3, which has python3-prometheus-client (a python3 earlier in PATH, e.g. pyenv's,
// would not).
const python = process.env.SIO_PYTHON3 ?? '/usr/bin/python3';

export function parseMetrics(text) {
  const result = spawnSync(python, [parser], { input: text, encoding: 'utf8', timeout: 20000 });
  assert.equal(result.status, 0, `the Prometheus parser refused the text: ${result.stderr}\n${text}`);
  const { families } = JSON.parse(result.stdout);
  // sample(name, labels) -> value, or undefined
  const sample = (name, labels = {}) => {
    for (const family of families) {
      for (const s of family.samples) {
        if (s.name !== name) continue;
        if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
      }
    }
    return undefined;
  };
  return { families, sample };
}

export async function scrape(url) {
  const response = await fetch(url);
  assert.equal(response.status, 200, `${url}: ${response.status}`);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseMetrics(await response.text());
}

// Prometheus naming: counters end in _total; every family has HELP (the parser keeps it).
export function assertConventions(families) {
  for (const family of families) {
    for (const s of family.samples) {
      if (family.type === 'counter') assert.match(s.name, /_total$/, `counter ${s.name} lacks _total`);
      assert.match(s.name, /^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
    }
  }
}
