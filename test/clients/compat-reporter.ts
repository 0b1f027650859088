/**
 * Collects the client-compatibility suite's per-feature outcomes into
 * test-results/clients/compat.json and, after a full run, checks that the table committed in
 * docs/compatibility.md (between its compat-table markers) is what scripts/compat-table.mjs
 * renders from them: the run fails when it is out of date (run `npm run compat-table`, commit it).
 *
 * A test records each feature it decides with an annotation `{ type: 'compat', description:
 * JSON of { client, feature, outcome } }` (see `feature()` in fixtures.ts). A feature whose test ran
 * but recorded nothing for it (the test crashed or timed out first) is a failure. A run that did
 * not include every test of the matrix (`-g`, a file filter) writes its partial results and
 * skips the check.
 */
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FullResult, Reporter, TestCase, TestResult } from '@playwright/test/reporter';
import { CLIENTS, FEATURES, testFor } from './matrix.mjs';
import { DOC_PATH, RESULTS_PATH, generatedRegion, renderTable } from '../../scripts/compat-table.mjs';

type Outcome = 'pass' | 'fail' | 'n/a';
interface Cell {
  client: string;
  package: string;
  version: string;
  feature: string;
  outcome: Outcome;
  /** Why it failed (first line of the error), for the JSON only; never rendered. */
  detail?: string;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The version npm installed (read from the file: some packages do not export their package.json). */
export function installedVersion(pkg: string): string {
  return (JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
}

export default class CompatReporter implements Reporter {
  private readonly results = new Map<string, { test: TestCase; result: TestResult }>();

  onTestEnd(test: TestCase, result: TestResult): void {
    this.results.set(test.title, { test, result });
  }

  async onEnd(full: FullResult): Promise<{ status?: FullResult['status'] } | undefined> {
    const cells: Cell[] = [];
    let complete = true;
    for (const client of CLIENTS) {
      const version = installedVersion(client.package);
      for (const f of FEATURES) {
        const base = { client: client.id, package: client.package, version, feature: f.id };
        const title = testFor(client, f.id);
        if (title === null) {
          cells.push({ ...base, outcome: 'n/a' });
          continue;
        }
        const ran = this.results.get(title);
        if (!ran || ran.result.status === 'skipped') {
          complete = false;
          continue;
        }
        const recorded = ran.result.annotations
          .filter((a) => a.type === 'compat' && a.description)
          .map((a) => JSON.parse(a.description!) as { client: string; feature: string; outcome: Outcome; detail?: string })
          .find((a) => a.client === client.id && a.feature === f.id);
        if (recorded) cells.push({ ...base, outcome: recorded.outcome, ...(recorded.detail ? { detail: recorded.detail } : {}) });
        else cells.push({ ...base, outcome: 'fail', detail: `not recorded: the test ended ${ran.result.status} before checking it` });
      }
    }

    mkdirSync(dirname(RESULTS_PATH), { recursive: true });
    writeFileSync(RESULTS_PATH, JSON.stringify({ complete, cells }, null, 2) + '\n');
    const failed = cells.filter((c) => c.outcome === 'fail');
    console.log(`\nclient compatibility: ${cells.filter((c) => c.outcome === 'pass').length} pass, ${failed.length} fail, ` +
      `${cells.filter((c) => c.outcome === 'n/a').length} n/a${complete ? '' : ' (partial run)'}; results in ${RESULTS_PATH}`);
    for (const c of failed) console.log(`  ✗ ${c.package} [${c.client}] ${c.feature}: ${c.detail ?? ''}`);

    if (!complete) {
      console.log('  partial run: docs/compatibility.md not checked');
      return undefined;
    }
    const rendered = renderTable({ cells });
    const committed = existsSync(DOC_PATH) ? generatedRegion(readFileSync(DOC_PATH, 'utf8')) : null;
    if (rendered === committed) {
      console.log('  the table in docs/compatibility.md matches this run');
      return undefined;
    }
    console.log('  the table in docs/compatibility.md does NOT match this run: `npm run compat-table` rewrites it from these results; commit it');
    return { status: full.status === 'passed' ? 'failed' : full.status };
  }

  printsToStdio(): boolean {
    return false;
  }
}
