import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Backend } from '../support/backends.ts';
import { startHarness } from '../support/harness.ts';

/**
 * The SQLite data folder holds the database, the sealing key and the test keys: whatever the
 * process umask, the folder is its owner's alone (0700) and so are its files (0600), from the first
 * start and, for files made otherwise, from the next one.
 */

const root = mkdtempSync(path.join(tmpdir(), 'openfc-modes-'));
let umask = 0;
before(() => {
  // The most permissive umask: modes must not depend on it.
  umask = process.umask(0);
});
after(() => {
  process.umask(umask);
  rmSync(root, { recursive: true, force: true });
});

/** SQLite on a data folder of the test's choosing, left in place for the next start. */
function sqliteAt(dataDir: string): Backend {
  return {
    name: 'sqlite',
    skip: false,
    provision: async () => ({ databaseUrl: undefined, dataDir, drop: async () => {} }),
  };
}

const files = [
  'openfc.db',
  'openfc.db-wal',
  'openfc.db-shm',
  'secret-key',
  'test-keys.json',
  'sandbox-bank.db',
];

function mode(file: string): string {
  return (statSync(file).mode & 0o777).toString(8);
}

/** The modes of the data folder and of its files, as openfc runs on it. */
async function modesWhileRunning(dataDir: string): Promise<Record<string, string>> {
  const h = await startHarness(sqliteAt(dataDir));
  try {
    // A write, so that the WAL and shared-memory files exist.
    await h.stripe().customers.create({ email: 'modes@example.com' });
    const modes: Record<string, string> = { '.': mode(dataDir) };
    for (const name of files) {
      const file = path.join(dataDir, name);
      modes[name] = existsSync(file) ? mode(file) : 'missing';
    }
    return modes;
  } finally {
    await h.close();
  }
}

const private_ = { '.': '700', ...Object.fromEntries(files.map((name) => [name, '600'])) };

describe('the SQLite data folder is private', () => {
  test('a new data folder and its files are made for their owner only', async () => {
    const dataDir = path.join(root, 'new', 'data');
    assert.deepEqual(await modesWhileRunning(dataDir), private_);
  });

  test('an existing folder and files left open to others are made private at start', async () => {
    const dataDir = path.join(root, 'existing');
    await modesWhileRunning(dataDir);
    chmodSync(dataDir, 0o755);
    for (const name of files) {
      const file = path.join(dataDir, name);
      if (existsSync(file)) chmodSync(file, 0o644);
    }
    assert.deepEqual(await modesWhileRunning(dataDir), private_);
  });
});
