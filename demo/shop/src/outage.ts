/**
 * The collector's demo outage switch (`--demo-controls`, src/collector/routes/demo-controls.ts):
 * a real collector answering 503, so the SDK's real retry path runs.
 */
export interface OutageState {
  down: boolean;
  since: number | null;
  refused: number;
}

/** `null` when the collector runs without `--demo-controls` (404) or cannot be reached. */
export async function readOutage(collector: string): Promise<OutageState | null> {
  try {
    const res = await fetch(`${collector}/demo/outage`);
    return res.ok ? ((await res.json()) as OutageState) : null;
  } catch {
    return null;
  }
}

export async function setOutage(collector: string, down: boolean): Promise<OutageState> {
  const res = await fetch(`${collector}/demo/outage`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ down }),
  });
  if (!res.ok) throw new Error(`the collector answered ${res.status}`);
  return (await res.json()) as OutageState;
}
