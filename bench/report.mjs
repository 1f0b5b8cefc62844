// Turns the runs of bench/run.sh into the Markdown table (stdout and <out>/latest.md) and a chart
// (<out>/latest.svg, drawn here: no plotting dependency).
//   node bench/report.mjs results.jsonl micro.json|null out-dir     (BENCH_META: machine, versions)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [resultsPath, microPath, outDir] = process.argv.slice(2);
const meta = JSON.parse(process.env.BENCH_META ?? '{}');
const runs = readFileSync(resultsPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));

// One run -> its metrics. Throughput and CPU come from bench-runner for every client alike
// (process start to exit, user + sys of the process), so no client reports on itself.
function metrics(r) {
  const updates = r.client === 'wrk' ? (r.tool?.requests ?? 0) : r.n;
  const cpu = (r.run.user_s + r.run.sys_s) * 1e6;
  return {
    updates,
    ups: updates / r.run.wall_s,
    cpu: updates ? cpu / updates : NaN,
    rss: r.run.max_rss_kib / 1024,
    conns: r.connections,
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

const order = ['openai-bench', 'update-many', 'node-sdk', 'curl', 'wrk'];
const names = {
  'openai-bench': 'openai-asio (`openai-bench`)',
  'update-many': '`openai chat:completions update-many`',
  'node-sdk': `OpenAI Node SDK ${meta.versions?.sdk ?? ''} (Node ${meta.versions?.node ?? ''})`,
  curl: `curl ${meta.versions?.curl ?? ''} \`--parallel\``,
  wrk: `wrk ${meta.versions?.wrk ?? ''} (server ceiling)`,
};
const byOrder = (a, b) => order.indexOf(a.client) - order.indexOf(b.client);

function table(server) {
  const rows = summarize((r) => r.server === server && r.c === meta.c).sort(byOrder);
  const lines = [
    '| client | updates/s | CPU µs/update | peak RSS MiB | TLS connections | p50 ms | p99 ms | errors |',
    '|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const s of rows) {
    // curl's %{time_total} leaves out the time a transfer waits inside curl (its p50 is far
    // below C / throughput, Little's law's mean), so it is not comparable and not shown.
    const [p50, p99] = s.client === 'curl' ? ['–¹', '–¹'] : [ms(s.p50), ms(s.p99)];
    lines.push(
      `| ${names[s.client] ?? s.client} | ${rate(s)} | ${fmt(s.cpu, 1)} | ${fmt(s.rss, 1)} | ${fmt(s.conns)} | ${p50} | ${p99} | ${s.errors} |`,
    );
  }
  return { rows, text: lines.join('\n') };
}

const nginx = table('nginx');
const mock = table('mock');
const scaling = summarize((r) => r.server === 'nginx' && r.client === 'openai-bench').sort((a, b) => a.c - b.c);
const scalingText = [
  '| C (in flight = pool size) | updates/s | CPU µs/update | peak RSS MiB | TLS connections | p50 ms | p99 ms | errors |',
  '|--:|--:|--:|--:|--:|--:|--:|--:|',
  ...scaling.map(
    (s) => `| ${s.c} | ${rate(s)} | ${fmt(s.cpu, 1)} | ${fmt(s.rss, 1)} | ${fmt(s.conns)} | ${ms(s.p50)} | ${ms(s.p99)} | ${s.errors} |`,
  ),
].join('\n');

// The issue's targets, on the nginx run: stated, never asserted.
const get = (rows, client) => rows.find((s) => s.client === client);
const lib = get(nginx.rows, 'openai-bench');
const targets = [];
if (lib) {
  const verdict = (ok) => (ok ? 'met' : '**missed**');
  const node = get(nginx.rows, 'node-sdk');
  const curl = get(nginx.rows, 'curl');
  if (node) targets.push(`updates/s ${fmt(lib.ups / node.ups, 1)}× the Node SDK's (target ≥ 10×): ${verdict(lib.ups >= 10 * node.ups)}`);
  if (curl) targets.push(`updates/s ${fmt(lib.ups / curl.ups, 2)}× curl's (target ≥ 1.5×): ${verdict(lib.ups >= 1.5 * curl.ups)}`);
  targets.push(`CPU ${fmt(lib.cpu, 1)} µs per update (target ≤ 25): ${verdict(lib.cpu <= 25)}`);
  targets.push(`peak RSS ${fmt(lib.rss, 1)} MiB (target ≤ 24): ${verdict(lib.rss <= 24)}`);
  targets.push(`TLS connections ${fmt(lib.conns)} (target ≤ C = ${meta.c}): ${verdict(lib.conns <= meta.c)}`);
}

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
  `g++ ${v.gxx}, Boost ${v.boost}, OpenSSL ${v.openssl}, nginx ${v.nginx}, Node ${v.node} with npm openai ${v.sdk}, curl ${v.curl}, wrk ${v.wrk}.`,
  `N = ${meta.n} updates per client, C = ${meta.c} in flight, median of ${meta.rounds} round${meta.rounds > 1 ? 's' : ''}${meta.smoke ? ' (**smoke run**: too small to compare)' : ''}; load average ${meta.load?.start} at the start, ${meta.load?.end} at the end.`,
  'Reproduce: `bash bench/run.sh`',
  '',
  ...(nginx.rows.length ? ['## nginx over HTTPS (keep-alive, fixed 863-byte chat.completion)', '', nginx.text, ''] : []),
  ...(targets.length ? ['Targets (nginx, this machine):', '', ...targets.map((t) => `- ${t}`), ''] : []),
  ...(mock.rows.length ? ['## openai-mock over HTTPS (`openai-mock --seed 1000 --threads 1`)', '', mock.text, ''] : []),
  ...(scaling.length > 1 ? ['## openai-asio at other concurrencies (nginx)', '', scalingText, ''] : []),
  ...(microText ? ['## Micro-benchmarks (`micro_bench`, CPU only)', '', microText, ''] : []),
  'updates/s: median, with the range over the rounds in small print.',
  '',
  'How it is measured: every client is its own process, started by `bench-runner`, which reports',
  'its wall time (start to exit, TLS handshakes included), user + sys CPU and peak RSS (wait4);',
  'updates/s = updates / wall time, CPU µs/update = (user + sys) / updates. TLS connections are',
  "counted by the server (nginx `stub_status` accepts, openai-mock's handshake counter). p50/p99",
  'are per-request latencies as each tool measures them. ¹ curl\'s own `%{time_total}` leaves out the',
  'time a transfer waits inside curl (its p50 is far below C / throughput), so it is not shown. wrk runs for a',
  'fixed time instead of N requests and does not verify certificates. Clients alternate within',
  'each round; the machine is shared by client and server (nginx: 1 worker).',
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
  const label = (c) => esc((names[c] ?? c).replace(/ \((?!server).*\)$/, ''));
  const barH = 26, gap = 10, top = 56, left = 250, panelW = 330, panelGap = 60;
  const height = top + rows.length * (barH + gap) + 30;
  const width = left + 2 * panelW + panelGap + 40;
  const panels = [
    { title: 'updates per second (higher is better)', key: 'ups', digits: 0, x: left },
    { title: 'CPU µs per update (lower is better)', key: 'cpu', digits: 1, x: left + panelW + panelGap },
  ];
  const colors = { 'openai-bench': '#2b6cb0', 'update-many': '#4299e1', 'node-sdk': '#c05621', curl: '#2f855a', wrk: '#718096' };
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
