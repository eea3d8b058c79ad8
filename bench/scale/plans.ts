/**
 * The query plans of the statements the scale benchmark's routes and background work run. The
 * statements are not written out here: openfc's own services run them once against the seeded
 * database through a Kysely that records every statement it sends, and each recorded statement is
 * then explained with its parameters (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL). openfc
 * keeps its statements prepared on PostgreSQL, where after a few runs the server may settle on a
 * plan made without the parameters' values: that generic plan is shown as well when it does.
 */
import SQLite from 'better-sqlite3';
import { type CompiledQuery, Kysely, type LogEvent, PostgresDialect, SqliteDialect } from 'kysely';
import pino from 'pino';
import { catalogue } from '../../src/api/resources.ts';
import { EventLog } from '../../src/domain/events/log.ts';
import { AccountData } from '../../src/domain/financial-connections/account-data.ts';
import { AccountService } from '../../src/domain/financial-connections/accounts.ts';
import type { BankSync } from '../../src/domain/financial-connections/bank-sync.ts';
import { ScheduledSync } from '../../src/domain/financial-connections/scheduled-sync.ts';
import { TransactionService } from '../../src/domain/financial-connections/transactions.ts';
import { SandboxClocks } from '../../src/domain/sandbox-clock/clocks.ts';
import { WebhookEndpointService } from '../../src/domain/webhook-endpoints/service.ts';
import { postgresCapabilities, sqliteCapabilities } from '../../src/store/dialect.ts';
import { postgresPool } from '../../src/store/open.ts';
import type { Database } from '../../src/store/schema.ts';
import type { SecretBox } from '../../src/store/secrets.ts';
import { WakeSignal } from '../../src/webhooks/signal.ts';
import { DeliveryWorker } from '../../src/webhooks/worker.ts';
import type { SeedTarget } from './bulk-writer.ts';

export interface PlanInputs {
  merchant: string;
  account: string;
  customer: string;
  transactionsAccount: string;
  /** The `transacted_at` range and cursor the benchmark's transactions route sends. */
  range: { gte: number; lt: number };
  startingAfter: string;
}

export interface QueryPlan {
  what: string;
  sql: string;
  plan: string[];
  /** PostgreSQL's plan for the statement prepared, when it is one made without the values. */
  preparedPlan?: string[] | undefined;
}

/**
 * The worker's own statement, reached past its privacy: it never runs it on request. A claim
 * leases the due deliveries and reads their events, endpoints and merchants in the same step.
 */
interface WorkerInternals {
  claim(limit: number): Promise<unknown>;
}

export async function explainPlans(
  target: SeedTarget,
  secrets: SecretBox,
  inputs: PlanInputs,
): Promise<QueryPlan[]> {
  let recorded: CompiledQuery[] = [];
  const log = (event: LogEvent) => {
    if (event.level === 'query') recorded.push(event.query);
  };
  const sqlite = target.kind === 'sqlite' ? new SQLite(target.file) : undefined;
  const pool = target.kind === 'postgres' ? await postgresPool(target.url, 2) : undefined;
  const db = new Kysely<Database>({
    dialect: sqlite
      ? new SqliteDialect({ database: sqlite })
      : new PostgresDialect({ pool: pool as NonNullable<typeof pool> }),
    log,
  });
  const caps = sqlite ? sqliteCapabilities : postgresCapabilities;
  const events = new EventLog(db);
  const accounts = new AccountService(db, events);
  const transactions = new TransactionService(db, accounts);
  const clocks = new SandboxClocks(db);
  // No account is due a refresh; a connection due a check is checked with a bank that says nothing.
  const bank = { checkAuthorization: async () => undefined } as unknown as BankSync;
  const scheduled = new ScheduledSync(
    db,
    clocks,
    bank,
    new AccountData(db, accounts, bank, clocks, events),
    3600,
  );
  const worker = new DeliveryWorker(
    db,
    caps,
    new WebhookEndpointService(db, secrets),
    new WakeSignal(),
    { schedule: [], timeoutMs: 10_000, concurrency: 32, pollMs: 1000, catalogue },
    pino({ level: 'silent' }),
  ) as unknown as WorkerInternals;

  const m = inputs.merchant;
  const steps: Array<[string, () => Promise<unknown>]> = [
    ['GET …/accounts/{id}', () => accounts.get(m, inputs.account)],
    [
      'GET …/accounts?account_holder[customer]=…',
      () => accounts.list(m, { holder: { type: 'customer', customer: inputs.customer } }, { limit: 10 }),
    ],
    [
      'GET …/transactions?account=…&transacted_at[gte]=…&transacted_at[lt]=…&starting_after=…',
      () =>
        transactions.list(
          m,
          { account: inputs.transactionsAccount, transactedAt: inputs.range },
          { limit: 10, startingAfter: inputs.startingAfter },
        ),
    ],
    ['GET /v1/events?limit=10', () => events.list(m, {}, { limit: 10 })],
    ['webhook worker: claim due deliveries', () => worker.claim(32)],
    ['scheduler: a pass over the merchant', () => scheduled.runFor(m)],
  ];
  const plans: QueryPlan[] = [];
  try {
    for (const [what, run] of steps) {
      recorded = [];
      await run();
      for (const query of recorded) {
        // Transaction control and the clock lookup are not worth a plan; the worker's claim (an
        // UPDATE, or on PostgreSQL a WITH around one) is.
        if (!/^\s*(select|with|update)/i.test(query.sql) || /sandbox_clocks/.test(query.sql)) continue;
        plans.push({
          what,
          sql: query.sql,
          plan: await explain(query),
          ...(pool && { preparedPlan: await explainPrepared(query) }),
        });
      }
    }
  } finally {
    await db.destroy();
  }
  return plans;

  async function explain(query: CompiledQuery): Promise<string[]> {
    const parameters = [...query.parameters];
    if (sqlite) {
      const rows = sqlite.prepare(`explain query plan ${query.sql}`).all(...parameters) as {
        id: number;
        parent: number;
        detail: string;
      }[];
      const depth = new Map<number, number>([[0, 0]]);
      return rows.map((r) => {
        const d = (depth.get(r.parent) ?? 0) + 1;
        depth.set(r.id, d);
        return `${'  '.repeat(d - 1)}${r.detail}`;
      });
    }
    const result = await (pool as NonNullable<typeof pool>).query(`explain ${query.sql}`, parameters);
    return result.rows.map((r: Record<string, string>) => String(r['QUERY PLAN']));
  }

  /**
   * The plan PostgreSQL runs the statement with once prepared: after five runs it keeps a plan
   * made without the values (generic) when that costs no more than those it made for each run's
   * values. The runs are rolled back. Undefined when it keeps planning for each run's values.
   */
  async function explainPrepared(query: CompiledQuery): Promise<string[] | undefined> {
    const client = await (pool as NonNullable<typeof pool>).connect();
    try {
      await client.query('begin');
      await client.query(`prepare openfc_plan as ${query.sql}`);
      // EXECUTE's arguments cannot be bound parameters under EXPLAIN: they are written out.
      const args = query.parameters
        .map((v) =>
          v === null ? 'null' : typeof v === 'number' ? String(v) : client.escapeLiteral(String(v)),
        )
        .join(', ');
      const execute = `execute openfc_plan${args ? `(${args})` : ''}`;
      for (let i = 0; i < 5; i++) await client.query(execute);
      const result = await client.query(`explain ${execute}`);
      const plan = result.rows.map((r: Record<string, string>) => String(r['QUERY PLAN']));
      return plan.some((line) => /\$\d/.test(line)) ? plan : undefined;
    } finally {
      await client.query('rollback').catch(() => {});
      await client.query('deallocate openfc_plan').catch(() => {});
      client.release();
    }
  }
}
