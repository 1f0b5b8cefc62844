// Turns the runs of bench/run.sh into the Markdown table (stdout and <out>/latest.md) and a chart
// (<out>/latest.svg, drawn here: no plotting dependency).
//   node bench/report.mjs results.jsonl micro.json|null out-dir     (BENCH_META: machine, versions)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { targetRows } from './targets.mjs';

const [resultsPath, microPath, outDir] = process.argv.slice(2);
const meta = JSON.parse(process.env.BENCH_META ?? '{}');
const runs = readFileSync(resultsPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

// The clients that run for a fixed time and count their requests, instead of doing N.
const timed = new Set(['wrk', 'h2load']);
// The clients that speak HTTP/1.1 only (wrk has no h2; the Node SDK's fetch offers no h2 by ALPN).
const http1Only = new Set(['wrk', 'node-sdk']);

// The protocol a run really spoke: the server's own h2 count where it keeps one (openai-mock),
// else what the client reports (openai-bench's pool, curl's %{http_version}, h2load), else what
// the client can speak; undefined when nothing tells (update-many against nginx).
function protocol(r) {
  if (typeof r.h2_connections === 'number') return r.h2_connections > 0 ? 'h2' : 'http/1.1';
  if (r.tool?.protocol) return r.tool.protocol;
  return http1Only.has(r.client) ? 'http/1.1' : undefined;
}

// One run -> its metrics. Throughput and CPU come from bench-runner for every client alike
// (process start to exit, user + sys of the process), so no client reports on itself.
function metrics(r) {
  const updates = timed.has(r.client) ? (r.tool?.requests ?? 0) : r.n;
  const cpu = (r.run.user_s + r.run.sys_s) * 1e6;
  return {
    updates,
    ups: updates / r.run.wall_s,
    cpu: updates ? cpu / updates : NaN,
    rss: r.run.max_rss_kib / 1024,
    conns: r.connections,
    // Requests in flight (C, or all of them when fewer) per TLS connection the server accepted.
    spc: r.connections > 0 ? Math.min(r.c, updates) / r.connections : NaN,
    protocol: protocol(r),
    p50: r.tool?.p50_us,
    p99: r.tool?.p99_us,
    errors: r.tool?.errors ?? (r.exit === 0 ? 0 : updates),
    failed: r.exit !== 0 || r.run.timed_out,
  };
}

const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && !Number.isNaN(x)).sort((a, b) => a - b);
  if (!v.length) return undefined;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

function summarize(filter) {
  const groups = new Map();
  for (const r of runs.filter(filter)) {
    const key = `${r.server}|${r.client}|${r.c}`;
    if (!groups.has(key)) groups.set(key, { server: r.server, client: r.client, c: r.c, ms: [] });
    groups.get(key).ms.push(metrics(r));
  }
  return [...groups.values()].map((g) => {
    const pick = (k) => median(g.ms.map((m) => m[k]));
    return {
      ...g,
      rounds: g.ms.length,
      updates: pick('updates'),
      ups: pick('ups'),
      upsMin: Math.min(...g.ms.map((m) => m.ups)),
      upsMax: Math.max(...g.ms.map((m) => m.ups)),
      cpu: pick('cpu'),
      rss: pick('rss'),
      conns: pick('conns'),
      spc: pick('spc'),
      // One protocol when every round agrees, "mixed" otherwise.
      protocol: (([p, ...more]) => (more.length ? 'mixed' : p))([...new Set(g.ms.map((m) => m.protocol ?? '?'))]),
      p50: pick('p50'),
      p99: pick('p99'),
      errors: g.ms.reduce((s, m) => s + (m.errors || 0), 0),
    };
  });
}

const fmt = (x, digits = 0) =>
  x === undefined ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
// The median, and the range over the rounds when there are several: the machine is shared.
const rate = (s) => (s.rounds > 1 ? `${fmt(s.ups)} <sub>${fmt(s.upsMin)}–${fmt(s.upsMax)}</sub>` : fmt(s.ups));
const ms = (us) => (us === undefined ? '–' : fmt(us / 1000, us < 10000 ? 2 : 1));

const order = ['openai-bench-h2', 'openai-bench-h1', 'update-many-h2', 'update-many-h1', 'update-many',
  'h2load', 'wrk', 'curl-h2', 'curl-h1', 'node-sdk'];
const v0 = meta.versions ?? {};
const names = {
  'openai-bench-h2': 'openai-asio (`openai-bench --http2`)',
  'openai-bench-h1': 'openai-asio (`openai-bench --http1`)',
  'update-many-h2': '`openai chat:completions update-many --http2`',
  'update-many-h1': '`openai chat:completions update-many --http1`',
  'update-many': '`openai chat:completions update-many` (its default protocol)',
  h2load: `h2load ${v0.h2load ?? ''} \`-c 1 -m C\` (HTTP/2 ceiling)`,
  wrk: `wrk ${v0.wrk ?? ''} (HTTP/1.1 ceiling)`,
  'curl-h2': `curl ${v0.curl ?? ''} \`--http2 --parallel\``,
  'curl-h1': `curl ${v0.curl ?? ''} \`--http1.1 --parallel\``,
  'node-sdk': `OpenAI Node SDK ${v0.sdk ?? ''} (Node ${v0.node ?? ''}, HTTP/1.1)`,
};
const byOrder = (a, b) => order.indexOf(a.client) - order.indexOf(b.client);
const protoName = (p) => ({ h2: 'h2', 'http/1.1': 'HTTP/1.1' })[p] ?? (p === '?' ? '–²' : p);
const spcText = (s) => fmt(s.spc, s.spc !== undefined && s.spc < 10 ? 1 : 0);

const head = (first) => [
  `| ${first} | spoke | updates/s | CPU µs/update | peak RSS MiB | TLS connections | streams per connection | p50 ms | p99 ms | errors |`,
  `|${first.startsWith('C') ? '--:' : '---'}|:-:|--:|--:|--:|--:|--:|--:|--:|--:|`,
];
const cells = (s) => {
  // curl's %{time_total} leaves out the time a transfer waits inside curl (its p50 is far
  // below C / throughput, Little's law's mean), so it is not comparable and not shown; h2load
  // gives no percentiles.
  const [p50, p99] = s.client.startsWith('curl') ? ['–¹', '–¹']
    : s.client === 'h2load' ? ['–', '–'] : [ms(s.p50), ms(s.p99)];
  return `${protoName(s.protocol)} | ${rate(s)} | ${fmt(s.cpu, 1)} | ${fmt(s.rss, 1)} | ${fmt(s.conns)} | ${spcText(s)} | ${p50} | ${p99} | ${s.errors} |`;
};

function table(server) {
  const rows = summarize((r) => r.server === server && r.c === meta.c).sort(byOrder);
  const lines = [...head('client'), ...rows.map((s) => `| ${names[s.client] ?? s.client} | ${cells(s)}`)];
  return { rows, text: lines.join('\n') };
}

const nginx = table('nginx');
const mock = table('mock');
// Ours at every C against nginx (C in flight; the pool may open up to C connections).
function scalingTable(client) {
  const rows = summarize((r) => r.server === 'nginx' && r.client === client).sort((a, b) => a.c - b.c);
  return { rows, text: [...head('C (in flight)'), ...rows.map((s) => `| ${s.c} | ${cells(s)}`)].join('\n') };
}
const scaling = [
  ['openai-bench-h2', 'openai-asio over h2 (`--http2`) at other concurrencies (nginx)'],
  ['openai-bench-h1', 'openai-asio over HTTP/1.1 (`--http1`) at other concurrencies (nginx)'],
].map(([client, title]) => ({ title, ...scalingTable(client) })).filter((t) => t.rows.length > 1);

// The targets, from this run's own nginx rows at C: ratios to wrk's figures (absolute numbers
// move between machines), stated, never asserted.
const targets = targetRows(nginx.rows, meta.c);
const targetsText = targets.length ? [
  '| target (nginx, C = ' + meta.c + ') | measured | target | |',
  '|---|--:|--:|---|',
  ...targets.map((t) => `| ${t.what} | ${t.measured} | ${t.target} | ${t.verdict} |`),
].join('\n') : '';

let microText = '';
if (microPath && microPath !== 'null') {
  const micro = JSON.parse(readFileSync(microPath, 'utf8'));
  microText = [
    '| step | ns/op |',
    '|---|--:|',
    ...micro.benchmarks.map((b) => `| ${b.name} | ${fmt(b.real_time, b.real_time < 100 ? 1 : 0)} |`),
  ].join('\n');
}

const v = meta.versions ?? {};
const md = [
  '# openai-asio benchmarks',
  '',
  `${meta.date} · ${meta.nproc} cores (${meta.cpu}) · ${meta.mem_gib} GiB · Linux ${meta.kernel} · commit ${meta.commit}`,
  `g++ ${v.gxx}, Boost ${v.boost}, OpenSSL ${v.openssl}, nginx ${v.nginx}, Node ${v.node} with npm openai ${v.sdk}, curl ${v.curl}, wrk ${v.wrk}, h2load ${v.h2load}.`,
  `N = ${meta.n} updates per client${meta.peer_n && meta.peer_n !== meta.n ? ` (${meta.peer_n} for curl and the Node SDK)` : ''}, C = ${meta.c} in flight, median of ${meta.rounds} round${meta.rounds > 1 ? 's' : ''}${meta.smoke ? ' (**smoke run**: too small to compare)' : ''}; load average ${meta.load?.start} at the start, ${meta.load?.end} at the end.`,
  'Reproduce: `bash bench/run.sh`',
  '',
  ...(nginx.rows.length ? ['## nginx over HTTPS (h2 and HTTP/1.1 by ALPN, keep-alive, fixed 863-byte chat.completion)', '', nginx.text, ''] : []),
  ...(targetsText ? ['Targets, as ratios within this run:', '', targetsText, ''] : []),
  ...(mock.rows.length ? ['## openai-mock over HTTPS (`openai-mock --seed 1000 --threads 1`)', '', mock.text, ''] : []),
  ...scaling.flatMap((t) => [`## ${t.title}`, '', t.text, '']),
  ...(microText ? ['## Micro-benchmarks (`micro_bench`, CPU only)', '', microText, ''] : []),
  'updates/s: median, with the range over the rounds in small print.',
  '',
  'How it is measured: every client is its own process, started by `bench-runner`, which reports',
  'its wall time (start to exit, TLS handshakes included), user + sys CPU and peak RSS (wait4);',
  'updates/s = updates / wall time, CPU µs/update = (user + sys) / updates. TLS connections are',
  "counted by the server (nginx `stub_status` accepts, openai-mock's handshake counter). Streams per",
  'connection = requests in flight (C, or all of them when fewer) / TLS connections accepted: the',
  'mean over the run, derived, not counted (HTTP/1.1 carries one request at a time, so ≤ 1 there).',
  '"spoke" is the protocol the run used, as the server counts it (openai-mock\'s h2 connections) or else as',
  "the client reports it (openai-bench's pool, curl's `%{http_version}`, h2load); wrk and the Node SDK",
  'speak only HTTP/1.1; ² nothing tells (update-many against nginx). p50/p99',
  'are per-request latencies as each tool measures them. ¹ curl\'s own `%{time_total}` leaves out the',
  'time a transfer waits inside curl (its p50 is far below C / throughput), so it is not shown; h2load gives',
  'no percentiles. wrk and h2load run for a fixed time on one completion instead of N requests and do not',
  'verify certificates. Clients alternate within each round; the machine is shared by client and server',
  '(nginx: 1 worker).',
  ...(meta.notes?.length ? ['', ...meta.notes.map((n) => `Note: ${n}`)] : []),
  '',
].join('\n');

writeFileSync(join(outDir, 'latest.md'), md);
writeFileSync(join(outDir, 'latest.jsonl'), runs.map((r) => JSON.stringify(r)).join('\n') + '\n');
writeFileSync(join(outDir, 'latest.svg'), chart(nginx.rows));
process.stdout.write(md);

// Two horizontal bar panels over the nginx rows: updates/s and CPU µs per update.
function chart(rows) {
  const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/`/g, '');
  const short = {
    'openai-bench-h2': 'openai-asio over h2', 'openai-bench-h1': 'openai-asio over HTTP/1.1',
    'update-many-h2': 'update-many over h2', 'update-many-h1': 'update-many over HTTP/1.1', 'update-many': 'update-many',
    h2load: 'h2load (HTTP/2 ceiling)', wrk: 'wrk (HTTP/1.1 ceiling)', 'curl-h2': 'curl over h2',
    'curl-h1': 'curl over HTTP/1.1', 'node-sdk': 'Node SDK (HTTP/1.1)',
  };
  const label = (c) => esc(short[c] ?? c);
  const barH = 26, gap = 10, top = 56, left = 250, panelW = 330, panelGap = 60;
  const height = top + rows.length * (barH + gap) + 30;
  const width = left + 2 * panelW + panelGap + 40;
  const panels = [
    { title: 'updates per second (higher is better)', key: 'ups', digits: 0, x: left },
    { title: 'CPU µs per update (lower is better)', key: 'cpu', digits: 1, x: left + panelW + panelGap },
  ];
  const colors = {
    'openai-bench-h2': '#2b6cb0', 'openai-bench-h1': '#63b3ed', 'update-many-h2': '#4299e1', 'update-many-h1': '#90cdf4',
    'update-many': '#4299e1', h2load: '#4a5568', wrk: '#718096', 'curl-h2': '#2f855a', 'curl-h1': '#68d391', 'node-sdk': '#c05621',
  };
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="13">\n`;
  svg += `<rect width="100%" height="100%" fill="white"/>\n`;
  svg += `<text x="10" y="22" font-size="15" font-weight="bold">${esc(`Stored-completion metadata updates: N = ${meta.n}, C = ${meta.c}, nginx HTTPS on loopback`)}</text>\n`;
  svg += `<text x="10" y="40" fill="#555">${esc(`${meta.date} · ${meta.nproc} cores · ${meta.cpu} · median of ${meta.rounds}`)}</text>\n`;
  for (const p of panels) {
    const max = Math.max(...rows.map((r) => r[p.key] || 0), 1);
    svg += `<text x="${p.x}" y="${top - 4}" font-weight="bold">${esc(p.title)}</text>\n`;
    rows.forEach((r, i) => {
      const y = top + 6 + i * (barH + gap);
      const w = Math.max(1, ((r[p.key] || 0) / max) * (panelW - 70));
      svg += `<rect x="${p.x}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${colors[r.client] ?? '#999'}"/>\n`;
      svg += `<text x="${(p.x + w + 5).toFixed(1)}" y="${y + barH / 2 + 5}">${fmt(r[p.key], p.digits)}</text>\n`;
    });
  }
  rows.forEach((r, i) => {
    const y = top + 6 + i * (barH + gap) + barH / 2 + 5;
    svg += `<text x="${left - 10}" y="${y}" text-anchor="end">${label(r.client)}</text>\n`;
  });
  return svg + '</svg>\n';
}
