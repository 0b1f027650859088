/**
 * GDPR erasure on ClickHouse: the same rule as the embedded store (store.ts `eraseUser`), done with
 * `ALTER TABLE ... DELETE` mutations, the only deletion 18.16 has (lightweight DELETE is newer).
 *
 * Mutations run in the background, and 18.16 has no `mutations_sync` setting, so this waits until
 * `system.mutations` shows none left for the tables it touched: when it returns, the rows are gone
 * from every part, not just hidden. Counts are taken before deleting, by distinct id, so a copy not
 * merged yet is counted once.
 *
 * An event of the user that arrives while the mutation runs may survive it (it was not there when
 * the mutation started); it counts as received after the erasure, as with the embedded store.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { sqlString, sqlStringList, wellFormed } from './clickhouse-rows.js';
import type { ErasureResult } from './store.js';

const MUTATION_POLL_MS = 50;
/** Ids per `DELETE WHERE message_id IN (...)` of the channel rows. */
const IDS_PER_MUTATION = 5_000;
const SETTINGS = { max_query_size: String(64 * 1024 * 1024) } as const;

export interface EraseDeps {
  client: ClickHouseClient;
  db: string;
  /** How long to wait for the mutations before failing the call (the rows still go, later). */
  timeoutMs: number;
}

export async function eraseUserFromClickHouse(deps: EraseDeps, userId: string): Promise<ErasureResult> {
  const { client, db } = deps;
  const select = async <T>(query: string): Promise<T[]> =>
    (await client.query({ query, format: 'JSONEachRow', clickhouse_settings: SETTINGS })).json<T>();
  const user = sqlString(wellFormed(userId));

  const devices = (
    await select<{ d: string }>(`SELECT DISTINCT anonymous_id AS d FROM ${db}.events WHERE user_id = ${user} AND isNotNull(anonymous_id)`)
  ).map((r) => r.d);
  const eventFilter =
    devices.length === 0 ? `user_id = ${user}` : `user_id = ${user} OR (isNull(user_id) AND anonymous_id IN ${sqlStringList(devices)})`;
  const ids = (await select<{ id: string }>(`SELECT DISTINCT message_id AS id FROM ${db}.events WHERE ${eventFilter}`)).map((r) => r.id);
  const manifests =
    devices.length === 0
      ? 0
      : Number((await select<{ n: string }>(`SELECT uniqExact(device_id) AS n FROM ${db}.loss_manifests WHERE device_id IN ${sqlStringList(devices)}`))[0].n);
  // A profile exists when one of its identify events is stored (as getProfile reads it); rows of
  // an identify whose events INSERT failed are deleted too, but do not make a profile.
  const [traits] = await select<{ rows: string; stored: string }>(
    `SELECT count() AS rows, countIf(message_id IN (SELECT message_id FROM ${db}.events WHERE user_id = ${user})) AS stored
     FROM ${db}.profile_traits WHERE user_id = ${user}`,
  );
  const profiles = Number(traits.stored) > 0 ? 1 : 0;

  const mutations: string[] = [];
  if (ids.length > 0) {
    mutations.push(`ALTER TABLE ${db}.events DELETE WHERE ${eventFilter}`);
    for (let i = 0; i < ids.length; i += IDS_PER_MUTATION) {
      mutations.push(`ALTER TABLE ${db}.event_channels DELETE WHERE message_id IN ${sqlStringList(ids.slice(i, i + IDS_PER_MUTATION))}`);
    }
  }
  if (manifests > 0) mutations.push(`ALTER TABLE ${db}.loss_manifests DELETE WHERE device_id IN ${sqlStringList(devices)}`);
  if (Number(traits.rows) > 0) mutations.push(`ALTER TABLE ${db}.profile_traits DELETE WHERE user_id = ${user}`);
  for (const query of mutations) await client.command({ query, clickhouse_settings: SETTINGS });
  if (mutations.length > 0) await waitForMutations(deps);

  return { events: ids.length, anonymousIds: devices.length, profiles, manifests };
}

async function waitForMutations(deps: EraseDeps): Promise<void> {
  const { client, db, timeoutMs } = deps;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await client.query({
      query: `SELECT count() AS n FROM system.mutations WHERE database = ${sqlString(db)} AND is_done = 0`,
      format: 'JSONEachRow',
    });
    const [{ n }] = await result.json<{ n: string }>();
    if (Number(n) === 0) return;
    if (Date.now() > deadline) throw new Error(`erasure is still running in ClickHouse after ${timeoutMs} ms (${n} mutations left); it completes on its own`);
    await new Promise((r) => setTimeout(r, MUTATION_POLL_MS));
  }
}
