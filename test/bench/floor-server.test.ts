import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import SQLite from 'better-sqlite3';
import { type Child, startChild, stopChild } from '../../bench/children.ts';
import { eventually } from '../support/eventually.ts';

/**
 * The benchmark's floor (`BENCH_ONLY=floor`) is only a ceiling for openfc if it does the work it
 * claims: the key checked, the account read from SQLite at the size asked, and with `logged` one
 * row per answered request written to the database.
 */

interface Ready {
  url: string;
  secretKey: string;
  account: string;
}

const dirs: string[] = [];
const children: Child<Ready>[] = [];
after(async () => {
  await Promise.all(children.map((c) => stopChild(c.process)));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function floor(bytes: number, logged: boolean): Promise<{ ready: Ready; dataDir: string }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'openfc-floor-test-'));
  dirs.push(dataDir);
  const child = await startChild<Ready>('floor-server.ts', [
    dataDir,
    String(bytes),
    ...(logged ? ['logged'] : []),
  ]);
  children.push(child);
  return { ready: child.ready, dataDir };
}

const get = (ready: Ready, authorization?: string, account = ready.account) =>
  fetch(`${ready.url}/v1/financial_connections/accounts/${account}`, {
    headers: authorization === undefined ? {} : { authorization },
  });

describe('the benchmark floor server', () => {
  test('answers the account from SQLite at the size asked, to its key only', async () => {
    const { ready } = await floor(900, false);
    const answer = await get(ready, `Bearer ${ready.secretKey}`);
    assert.equal(answer.status, 200);
    const body = await answer.text();
    assert.equal(Buffer.byteLength(body), 900);
    assert.equal((JSON.parse(body) as { id: string }).id, ready.account);
    assert.match(answer.headers.get('request-id') ?? '', /^req_/);
    assert.equal((await get(ready)).status, 401);
    assert.equal((await get(ready, 'Bearer sk_test_wrong')).status, 401);
    assert.equal((await get(ready, `Bearer ${ready.secretKey}`, 'fca_missing')).status, 404);
  });

  test('with logged, writes one row per answered request, holding the answer', async () => {
    const { ready, dataDir } = await floor(844, true);
    const answers = await Promise.all(
      Array.from({ length: 25 }, () => get(ready, `Bearer ${ready.secretKey}`).then((r) => r.text())),
    );
    const db = new SQLite(path.join(dataDir, 'floor.sqlite'), { readonly: true });
    try {
      const rows = await eventually(
        'a log row for each answer',
        () => db.prepare('select response from request_logs').all() as { response: string }[],
        (read) => read.length >= answers.length,
        2000,
      );
      assert.equal(rows.length, answers.length);
      assert.ok(rows.every((row) => row.response === answers[0]));
    } finally {
      db.close();
    }
  });
});
