// The report's own arithmetic on fixed runs: the targets as ratios within one run, the protocol
// each row really spoke, streams per connection. `node --test bench/report_test.mjs` (ctest
// bench.report).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { targetRows } from './targets.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const row = (client, fields) => ({ client, protocol: 'http/1.1', errors: 0, ...fields });
const verdicts = (rows) => Object.fromEntries(targetRows(rows, 64).map((t) => [t.what, [t.measured, t.verdict]]));

test('h2_targets_are_ratios_to_the_same_runs_wrk_and_h1_rows', () => {
  const v = verdicts([
    row('openai-bench-h2', { protocol: 'h2', cpu: 8, ups: 60000, rss: 10, conns: 1 }),
    row('openai-bench-h1', { cpu: 20, ups: 40000, rss: 16, conns: 64 }),
    row('wrk', { cpu: 10, ups: 80000, rss: 12, conns: 65 }),
  ]);
  assert.deepEqual(v["over h2: CPU per update ÷ wrk's"], ['0.80×', 'met']);
  assert.deepEqual(v['over h2: updates/s ÷ ours over HTTP/1.1'], ['1.50×', 'met']);
  assert.deepEqual(v['over h2: TLS connections'], ['1', 'met']);
  assert.deepEqual(v["over h2: peak RSS ÷ wrk's"], ['0.83×', 'met']);
  assert.deepEqual(v["over HTTP/1.1: CPU per update ÷ wrk's"], ['2.00×', '**missed**']);
});

test('an_h2_row_that_spoke_http1_is_not_measured_whatever_its_numbers', () => {
  const v = verdicts([
    row('openai-bench-h2', { cpu: 1, ups: 1e6, rss: 1, conns: 1 }),
    row('openai-bench-h1', { cpu: 20, ups: 40000, rss: 16, conns: 64 }),
    row('wrk', { cpu: 10, ups: 80000, rss: 12, conns: 65 }),
  ]);
  assert.deepEqual(v["over h2: CPU per update ÷ wrk's"], ['0.10×', 'not measured: spoke HTTP/1.1']);
  assert.equal(v['over h2: TLS connections'][1], 'not measured: spoke HTTP/1.1');
});

test('a_row_with_errors_misses_its_targets', () => {
  const v = verdicts([
    row('openai-bench-h2', { protocol: 'h2', cpu: 8, ups: 60000, rss: 10, conns: 1, errors: 3 }),
    row('wrk', { cpu: 10, ups: 80000, rss: 12, conns: 65 }),
  ]);
  assert.equal(v["over h2: CPU per update ÷ wrk's"][1], '**missed**: 3 errors');
});

test('without_a_wrk_row_no_ratio_to_it_is_made_up', () => {
  const v = verdicts([row('openai-bench-h2', { protocol: 'h2', cpu: 8, ups: 1, rss: 1, conns: 1 })]);
  assert.deepEqual(Object.keys(v), ['over h2: TLS connections']);
});

test('the_table_shows_what_each_row_spoke_and_its_streams_per_connection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-report-'));
  const run = (wall, cpu, rss) => ({ wall_s: wall, user_s: cpu, sys_s: 0, max_rss_kib: rss, exit: 0, timed_out: false });
  const lines = [
    // nginx: the client says what its pool spoke
    { server: 'nginx', client: 'openai-bench-h2', c: 64, n: 1000, round: 1, exit: 0, connections: 1,
      h2_connections: null, tool: { errors: 0, protocol: 'h2', p50_us: 900, p99_us: 1500 }, run: run(0.01, 0.008, 10240) },
    { server: 'nginx', client: 'wrk', c: 64, n: 1000, round: 1, exit: 0, connections: 65,
      h2_connections: null, tool: { requests: 2000, errors: 0 }, run: run(0.02, 0.02, 12288) },
    // openai-mock counts h2 connections: its count wins over what the client claims
    { server: 'mock', client: 'curl-h2', c: 64, n: 1000, round: 1, exit: 0, connections: 64,
      h2_connections: 0, tool: { errors: 0, protocol: 'h2' }, run: run(0.1, 0.05, 16384) },
  ];
  const results = join(dir, 'results.jsonl');
  writeFileSync(results, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  const md = execFileSync('node', [join(here, 'report.mjs'), results, 'null', dir], {
    env: { ...process.env, BENCH_META: JSON.stringify({ n: 1000, c: 64, rounds: 1, versions: {} }) },
  }).toString();
  assert.equal(md, readFileSync(join(dir, 'latest.md'), 'utf8'));
  // 64 in flight on 1 connection; 100,000 updates/s; 8 µs per update; 1.0 = 10 MiB
  assert.match(md, /\| openai-asio \(`openai-bench --http2`\) \| h2 \| 100,000 \| 8\.0 \| 10\.0 \| 1 \| 64 \|/);
  assert.match(md, /\| wrk +\(HTTP\/1\.1 ceiling\) \| HTTP\/1\.1 \| 100,000 \| 10\.0 \| 12\.0 \| 65 \| 1\.0 \|/);
  assert.match(md, /\| curl +`--http2 --parallel` \| HTTP\/1\.1 \|/);
  assert.match(md, /\| over h2: CPU per update ÷ wrk's \| 0\.80× \| ≤ 0\.90× \| met \|/);
});
