// The benchmark's targets, computed from one run's own rows (report.mjs's summaries at C): the
// HTTP/2 issue's are ratios to wrk's figures in the same run, since absolute times move between
// machines. Each row says what was measured, the target, and met / missed; a row whose client did
// not speak the protocol it was asked for is "not measured", whatever its numbers.
//   targetRows(rows, c) -> [{ what, measured, target, verdict }]
const times = (x) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : '–');

export function targetRows(rows, c) {
  const get = (client) => rows.find((s) => s.client === client);
  const h2 = get('openai-bench-h2');
  const h1 = get('openai-bench-h1');
  const wrk = get('wrk');
  const out = [];
  // ok: the comparison holds; row: the row of ours it is about (its protocol and errors count).
  const add = (what, row, measured, target, ok, want) => {
    let verdict = ok ? 'met' : '**missed**';
    if (row.protocol !== want) verdict = `not measured: spoke ${({ h2: 'h2', 'http/1.1': 'HTTP/1.1' })[row.protocol] ?? 'unknown'}`;
    else if (row.errors > 0) verdict = `**missed**: ${row.errors} errors`;
    out.push({ what, measured, target, verdict });
  };
  if (h2 && wrk) {
    const cpu = h2.cpu / wrk.cpu;
    add(`over h2: CPU per update ÷ wrk's`, h2, times(cpu), '≤ 0.90×', cpu <= 0.9, 'h2');
  }
  if (h2 && h1) {
    const ups = h2.ups / h1.ups;
    add('over h2: updates/s ÷ ours over HTTP/1.1', h2, times(ups), '≥ 1.20×', ups >= 1.2, 'h2');
  }
  if (h2) add('over h2: TLS connections', h2, String(h2.conns), '1', h2.conns === 1, 'h2');
  if (h2 && wrk) {
    const rss = h2.rss / wrk.rss;
    add(`over h2: peak RSS ÷ wrk's`, h2, times(rss), '≤ 1.00×', rss <= 1, 'h2');
  }
  if (h1 && wrk) {
    const cpu = h1.cpu / wrk.cpu;
    add(`over HTTP/1.1: CPU per update ÷ wrk's`, h1, times(cpu), '≤ 1.50×', cpu <= 1.5, 'http/1.1');
  }
  // The earlier (HTTP/1.1) issue's targets, kept on the HTTP/1.1 row.
  if (h1) {
    const node = get('node-sdk');
    const curl = get('curl-h1');
    if (node) add(`over HTTP/1.1: updates/s ÷ the Node SDK's`, h1, times(h1.ups / node.ups), '≥ 10×', h1.ups >= 10 * node.ups, 'http/1.1');
    if (curl) add(`over HTTP/1.1: updates/s ÷ curl's (HTTP/1.1)`, h1, times(h1.ups / curl.ups), '≥ 1.50×', h1.ups >= 1.5 * curl.ups, 'http/1.1');
    add('over HTTP/1.1: TLS connections', h1, String(h1.conns), `≤ C = ${c}`, h1.conns <= c, 'http/1.1');
  }
  return out;
}
