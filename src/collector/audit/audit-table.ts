/** The audit as a terminal table: the checks first (what decides the exit code), then the detail. */
import type { QualityReport } from '../../shared/reports.js';

export interface AuditCheck {
  name: string;
  value: number;
  /** null: reported, not checked. */
  max: number | null;
  ok: boolean;
}

const pct = (r: number) => `${(r * 100).toFixed(2)} %`;
const num = (n: number) => n.toLocaleString('en-US');
const ms = (n: number) => (Math.abs(n) >= 10_000 ? `${(n / 1000).toFixed(1)} s` : `${Math.round(n)} ms`);

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

export function formatAudit(report: QualityReport, checks: readonly AuditCheck[], db: string): string {
  const iso = (t: number) => new Date(t).toISOString();
  const lines = [`homing audit of ${db}: ${iso(report.from)} to ${iso(report.to)}`, ''];
  lines.push(table([
    ['check', 'value', 'max', 'result'],
    ...checks.map((c) => [c.name, pct(c.value), c.max === null ? '-' : pct(c.max), c.max === null ? '-' : c.ok ? 'ok' : 'FAILED']),
  ]));
  lines.push('');
  const l = report.loss;
  const detail: string[][] = [
    ['loss', `${num(l.missing)} missing of ${num(l.expected)} expected (${pct(l.rate)}), ${num(l.received)} received`],
    ...l.byBrowser.map((b) => [`  ${b.browser}`, `${num(b.missing)} of ${num(b.expected)} (${pct(b.rate)})`]),
    ...l.byDevice.slice(0, 5).map((d) => [`  device ${d.deviceId}`, `${num(d.missing)} of ${num(d.expected)} (${pct(d.rate)}, ${d.browser})`]),
    ['manifests', `${num(l.manifests.devices)} devices: ${Object.entries(l.manifests.counts).map(([k, v]) => `${k} ${num(v)}`).join(', ') || 'none'}`],
    ['duplicates', `${num(report.duplicates.total)} (${pct(report.duplicates.rate)}): ${Object.entries(report.duplicates.byChannel).map(([k, v]) => `${k} ${num(v)}`).join(', ') || 'none'}`],
    ['rejected', `${num(report.rejected.total)} (${pct(report.rejected.rate)}): ${report.rejected.byReason.map((r) => `${r.code} ${num(r.count)}`).join(', ') || 'none'}`],
    ['flagged', `${num(report.flagged.total)} (${pct(report.flagged.rate)} of stored): ${report.flagged.byRule.map((r) => `${r.rule} ${num(r.count)}`).join(', ') || 'none'}`],
    ['latency', `p50 ${ms(report.latency.p50)}, p90 ${ms(report.latency.p90)}, p99 ${ms(report.latency.p99)}, max ${ms(report.latency.max)}`],
    ['clock skew', `p50 ${ms(report.clockSkew.p50)}, p99 ${ms(report.clockSkew.p99)}, ${num(report.clockSkew.devicesOver1s)} devices off by more than 1 s`],
  ];
  lines.push(table(detail));
  const failed = checks.filter((c) => !c.ok);
  lines.push('', failed.length === 0 ? 'all checks passed' : `FAILED: ${failed.map((c) => `${c.name} ${pct(c.value)} is above ${pct(c.max!)}`).join('; ')}`);
  return lines.join('\n') + '\n';
}
