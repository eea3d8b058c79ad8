import type { Config } from '../config.ts';
import { migrateToLatest, migrationPlan } from '../store/migrations.ts';
import { openStore } from '../store/open.ts';

/** Prints the migration plan, then applies it unless it is a dry run. */
export async function migrateCommand(config: Config, dryRun: boolean): Promise<void> {
  const store = openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const plan = await migrationPlan(store.db, store.caps);
    console.log(`Database: ${store.location}`);
    for (const name of plan.applied) console.log(`  applied  ${name}`);
    for (const name of plan.pending) console.log(`  pending  ${name}`);
    if (plan.pending.length === 0) {
      console.log('Nothing to apply.');
      return;
    }
    if (dryRun) {
      console.log(`${plan.pending.length} migration(s) would be applied.`);
      return;
    }
    const applied = await migrateToLatest(store.db, store.caps);
    for (const name of applied) console.log(`  applied  ${name} (now)`);
  } finally {
    await store.close();
  }
}
