import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backends } from '../support/backends.ts';
import { startHarnessOn } from '../support/harness.ts';

/**
 * Hosted pages hand the merchant's publishable key to the holder's browser, so openfc keeps it
 * sealed. An embedded sandbox made before that kept only the key's digest in its database (and
 * the key itself in its key file): its next start seals the key it kept.
 */
const sqlite = backends.find((b) => b.name === 'sqlite');

test('a start seals the publishable key the embedded sandbox kept from before', async () => {
  assert.ok(sqlite);
  const database = await sqlite.provision();
  try {
    const first = await startHarnessOn(database);
    const { merchant, services, store } = first.running;
    assert.equal(await services.merchants.publishableKey(merchant.id), first.publishableKey);
    // As a database from before sealed publishable keys holds it.
    await store.db.updateTable('api_keys').set({ key_sealed: null }).execute();
    assert.equal(await services.merchants.publishableKey(merchant.id), undefined);
    await first.close();

    const second = await startHarnessOn(database);
    try {
      assert.equal(second.publishableKey, first.publishableKey);
      assert.equal(
        await second.running.services.merchants.publishableKey(second.running.merchant.id),
        first.publishableKey,
      );
    } finally {
      await second.close();
    }
  } finally {
    await database.drop();
  }
});
