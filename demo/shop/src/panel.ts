/**
 * The live panel: what Homing did with this browser's events, refreshed twice a second, the
 * outage switch and the link to the collector's dashboard.
 *
 * Everything comes from `homing.stats()`: `captured` counts this page's calls, `outbox` the
 * origin's outbox (shared by every tab) and the collector's receipts since install.
 */
import { loadedHoming, type DemoEnv } from './homing-global.js';
import { readOutage, setOutage, type OutageState } from './outage.js';

const REFRESH_MS = 500;

export function startPanel(doc: Document, env: DemoEnv): void {
  const stat = (name: string) => doc.querySelector<HTMLElement>(`[data-stat="${name}"]`)!;
  const toggle = doc.getElementById('outage') as HTMLInputElement;
  const state = doc.getElementById('outage-state')!;
  const note = doc.getElementById('panel-note')!;
  const panel = doc.getElementById('panel')!;
  const link = doc.getElementById('dashboard-link') as HTMLAnchorElement;
  link.href = `${env.collector}/dashboard${env.dashboardKey ? `#key=${encodeURIComponent(env.dashboardKey)}` : ''}`;

  let switching = false;

  function showOutage(outage: OutageState | null): void {
    if (switching) return;
    toggle.disabled = outage === null;
    toggle.checked = outage?.down ?? false;
    panel.dataset.outage = outage === null ? 'unavailable' : outage.down ? 'down' : 'up';
    state.textContent = outageText(outage);
  }

  toggle.addEventListener('change', async () => {
    switching = true;
    const down = toggle.checked;
    try {
      await setOutage(env.collector, down);
      note.textContent = '';
    } catch (err) {
      toggle.checked = !down;
      note.textContent = `Could not switch the outage: ${String(err)}`;
    } finally {
      switching = false;
    }
    // Back up: ask the service worker to deliver now (it waits out the collector's Retry-After).
    if (!down) void loadedHoming()?.flush();
    await refresh();
  });

  async function refresh(): Promise<void> {
    const homing = loadedHoming();
    const [stats, outage] = await Promise.all([homing ? homing.stats() : null, readOutage(env.collector)]);
    const outbox = stats?.outbox;
    if (stats) stat('captured').textContent = String(stats.captured);
    stat('outbox').textContent = String(outbox?.pending ?? 0);
    stat('delivered').textContent = String(outbox?.delivered ?? 0);
    stat('duplicates').textContent = String(outbox?.duplicate ?? 0);
    stat('rejected').textContent = String(outbox?.rejected ?? 0);
    panel.classList.toggle('piling', (outbox?.pending ?? 0) > 0);
    showOutage(outage);
  }

  // One refresh at a time: a slow one (collector unreachable) must not stack up behind the timer.
  const loop = async () => {
    try {
      await refresh();
    } catch (err) {
      note.textContent = `Panel refresh failed: ${String(err)}`;
    } finally {
      setTimeout(loop, REFRESH_MS);
    }
  };
  void loop();
}

/**
 * The collector counts the requests each outage refused, from 0 at its start (demo-controls.ts):
 * while down, this outage's; once up, the last one's, until the next outage starts.
 */
function outageText(outage: OutageState | null): string {
  if (outage === null) return '(start the collector with --demo-controls)';
  const requests = `${outage.refused} ${outage.refused === 1 ? 'request' : 'requests'}`;
  if (outage.down) return `(down: ${requests} refused so far)`;
  return outage.since === null ? '(up)' : `(up; the last outage refused ${requests})`;
}
