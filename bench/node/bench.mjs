// The official OpenAI Node SDK as a peer of openai-bench: N chat.completions.update calls with
// C in flight (a promise pool), maxRetries 0. Prints one JSON line like openai-bench.
//
//   NODE_EXTRA_CA_CERTS=ca.pem OPENAI_BASE_URL=https://127.0.0.1:8443/v1 OPENAI_API_KEY=sk-x \
//     node bench/node/bench.mjs --n 20000 --c 64
import OpenAI from 'openai';

function flags(argv) {
  const out = {
    n: 20000,
    c: 64,
    baseURL: process.env.OPENAI_BASE_URL,
    apiKey: process.env.OPENAI_API_KEY ?? 'sk-bench',
    idPrefix: 'chatcmpl-mock-',
    idCount: 1000,
  };
  for (let i = 2; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`missing value for ${flag}`);
    if (flag === '--n') out.n = Number(value);
    else if (flag === '--c') out.c = Number(value);
    else if (flag === '--base-url') out.baseURL = value;
    else if (flag === '--api-key') out.apiKey = value;
    else if (flag === '--id-prefix') out.idPrefix = value;
    else if (flag === '--id-count') out.idCount = Number(value);
    else throw new Error(`unknown flag ${flag}`);
  }
  if (!out.baseURL) throw new Error('no base URL (--base-url or OPENAI_BASE_URL)');
  return out;
}

const cfg = flags(process.argv);
const client = new OpenAI({ apiKey: cfg.apiKey, baseURL: cfg.baseURL, maxRetries: 0, timeout: 30000 });

const latencies = new Float64Array(cfg.n);
let next = 0;
let errors = 0;
let firstError = '';

async function worker() {
  while (next < cfg.n) {
    const i = next++;
    const id = cfg.idPrefix + String((i % cfg.idCount) + 1).padStart(6, '0');
    const t0 = process.hrtime.bigint();
    try {
      const c = await client.chat.completions.update(id, { metadata: { bench: 'run', i: String(i) } });
      if (!c.id) throw new Error('empty completion id');
    } catch (e) {
      if (errors++ === 0) firstError = String(e?.message ?? e);
    }
    latencies[i] = Number(process.hrtime.bigint() - t0) / 1000;
  }
}

const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
await Promise.all(Array.from({ length: Math.min(cfg.c, cfg.n) }, worker));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);

latencies.sort();
const pct = (p) => Math.round(latencies[Math.round(p * (latencies.length - 1))]);
console.log(
  JSON.stringify({
    tool: 'node-sdk',
    n: cfg.n,
    c: cfg.c,
    seconds: Number(seconds.toFixed(4)),
    updates_per_s: Number((cfg.n / seconds).toFixed(1)),
    p50_us: pct(0.5),
    p99_us: pct(0.99),
    errors,
    cpu_us_per_update: Number(((cpu.user + cpu.system) / cfg.n).toFixed(2)),
    max_rss_kib: Math.round(process.resourceUsage().maxRSS),
  }),
);
if (errors) console.error(`node-sdk: ${errors} of ${cfg.n} updates failed; first: ${firstError}`);
process.exitCode = errors ? 1 : 0;
