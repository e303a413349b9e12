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
  return { families, sample, text };
}

export async function scrape(url) {
  const response = await fetch(url);
  assert.equal(response.status, 200, `${url}: ${response.status}`);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseMetrics(await response.text());
}

// Prometheus naming, on the text as served (the parser would add a missing _total itself): a
// counter's name ends in _total, a gauge's does not, and every # TYPE follows its # HELP.
export function assertConventions(text) {
  const lines = text.split('\n');
  let types = 0;
  lines.forEach((line, i) => {
    const m = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (!m) return;
    types++;
    const [, name, type] = m;
    assert.match(name, /^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
    if (type === 'counter') assert.match(name, /_total$/, `counter ${name} lacks _total`);
    else assert.doesNotMatch(name, /_total$/, `${type} ${name} is named like a counter`);
    assert.ok(lines[i - 1]?.startsWith(`# HELP ${name} `), `# TYPE ${name} without its # HELP before it`);
  });
  assert.ok(types > 0, 'no # TYPE line at all');
}
