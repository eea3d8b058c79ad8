import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Lifecycle } from '../../src/domain/financial-connections/lifecycle.ts';
import { backends } from '../support/backends.ts';
import { body, linkAccounts, type PreviewAccount } from '../support/fc.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { assertMatchesSchema } from '../support/stripe-schemas.ts';

for (const backend of backends) {
  describe(`connection lifecycle on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    let lifecycle: Lifecycle;
    before(async () => {
      h = await startHarness(backend);
      lifecycle = h.running.services.lifecycle;
    });
    after(() => h?.close());

    async function statuses(ids: string[]) {
      const stripe = h.stripe();
      const out: Record<string, unknown> = {};
      for (const id of ids) {
        const account = (await stripe.financialConnections.accounts.retrieve(
          id,
        )) as unknown as PreviewAccount;
        assertMatchesSchema('financial_connections.account', body(account));
        out[id] = { status: account.status, status_details: account.status_details };
      }
      return out;
    }

    const authorizationFacts = [
      ['consent_expired', 'access_expired'],
      ['access_revoked', 'access_denied'],
      ['reauthentication_required', 'institution_requirement'],
    ] as const;

    for (const [fact, cause] of authorizationFacts) {
      test(`${fact} breaks the authorization and all its accounts (${cause}, relink_required)`, async () => {
        const { accounts, authorization } = await linkAccounts(h, { limit: 3 });
        const ids = accounts.map((a) => a.id);
        const db = h.running.store.db;
        const moved = await lifecycle.breakAuthorization(db, authorization, fact);
        assert.deepEqual(moved, { authorization, deactivated: ids, reactivated: [] });
        const inactive = {
          status: 'inactive',
          status_details: { inactive: { cause, action: 'relink_required' } },
        };
        assert.deepEqual(await statuses(ids), Object.fromEntries(ids.map((id) => [id, inactive])));
        const authz = (await h
          .stripe()
          .rawRequest('GET', `/v1/financial_connections/authorizations/${authorization}`)) as Record<
          string,
          unknown
        >;
        assert.equal(authz.status, 'inactive');
        assert.deepEqual(authz.status_details, { inactive: { cause, action: 'relink_required' } });

        const restored = await lifecycle.restoreAuthorization(db, authorization);
        assert.deepEqual(restored, { authorization, deactivated: [], reactivated: ids, notices: [] });
        const active = { status: 'active', status_details: {} };
        assert.deepEqual(await statuses(ids), Object.fromEntries(ids.map((id) => [id, active])));
      });
    }

    test('account facts break one account; a relink does not repair them; reopening does', async () => {
      const { accounts, authorization } = await linkAccounts(h, { limit: 3 });
      const [closed, unavailable, healthy] = accounts.map((a) => a.id) as [string, string, string];
      const db = h.running.store.db;
      assert.deepEqual(await lifecycle.breakAccount(db, closed, 'account_closed'), {
        authorization: null,
        deactivated: [closed],
        reactivated: [],
      });
      assert.deepEqual(await lifecycle.breakAccount(db, unavailable, 'account_unavailable'), {
        authorization: null,
        deactivated: [unavailable],
        reactivated: [],
      });
      assert.deepEqual(await statuses([closed, unavailable, healthy]), {
        [closed]: {
          status: 'inactive',
          status_details: { inactive: { cause: 'account_closed', action: 'none' } },
        },
        [unavailable]: {
          status: 'inactive',
          status_details: { inactive: { cause: 'account_unavailable', action: 'none' } },
        },
        [healthy]: { status: 'active', status_details: {} },
      });

      await lifecycle.breakAuthorization(db, authorization, 'consent_expired');
      const restored = await lifecycle.restoreAuthorization(db, authorization);
      assert.deepEqual(restored.reactivated, [healthy], 'only the account a relink repairs comes back');
      assert.deepEqual((await statuses([closed]))[closed], {
        status: 'inactive',
        status_details: { inactive: { cause: 'account_closed', action: 'none' } },
      });

      assert.deepEqual(await lifecycle.reopenAccount(db, closed), {
        authorization: null,
        deactivated: [],
        reactivated: [closed],
      });
      assert.deepEqual(
        await lifecycle.reopenAccount(db, closed),
        { authorization: null, deactivated: [], reactivated: [] },
        'a second reopen changes nothing',
      );
      assert.equal((await h.stripe().financialConnections.accounts.retrieve(closed)).status, 'active');
    });

    test('a disconnected account is never reactivated and a broken one is not broken twice', async () => {
      const { stripe, accounts, authorization } = await linkAccounts(h, { limit: 2 });
      const [gone, kept] = accounts.map((a) => a.id) as [string, string];
      await stripe.financialConnections.accounts.disconnect(gone);
      const db = h.running.store.db;
      const broken = await lifecycle.breakAuthorization(db, authorization, 'access_revoked');
      assert.deepEqual(broken.deactivated, [kept]);
      const again = await lifecycle.breakAccount(db, kept, 'account_closed');
      assert.deepEqual(again.deactivated, [], 'an inactive account keeps its first cause');
      const restored = await lifecycle.restoreAuthorization(db, authorization);
      assert.deepEqual(restored.reactivated, [kept]);
      assert.equal((await stripe.financialConnections.accounts.retrieve(gone)).status, 'disconnected');
    });
  });
}
