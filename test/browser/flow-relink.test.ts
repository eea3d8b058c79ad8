import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { completeSession, createSession, type PreviewAccount } from '../support/fc.ts';
import { type FlowFixture, pickAccounts, startFlowFixture } from './flow-fixture.ts';

describe('the flow in a merchant page: relinking', () => {
  let f: FlowFixture;
  before(async () => {
    f = await startFlowFixture();
  });
  after(() => f?.close());

  /** Accounts a customer linked earlier (through the test helper), to relink in the browser. */
  async function linked(institution: string, credentials?: { username: string; password: string }) {
    const stripe = f.h.stripe();
    const customer = await stripe.customers.create({ email: 'holder@example.com' });
    const first = await createSession(stripe, {
      account_holder: { type: 'customer', customer: customer.id },
      permissions: ['payment_method', 'balances'],
    });
    const completed = await completeSession(stripe, first.id, {
      institution,
      ...(credentials && { credentials }),
    });
    const accounts = completed.accounts.data as PreviewAccount[];
    return { customer: customer.id, accounts, authorization: accounts[0]?.authorization as string };
  }

  const label = (a: PreviewAccount) => `${a.display_name} ••••${a.last4}`;

  test('the account to repair, picked again: succeeded, same account id', async () => {
    const { customer, accounts, authorization } = await linked('Test Institution');
    const target = accounts[0] as PreviewAccount;
    const flow = await f.open({
      account_holder: { type: 'customer', customer },
      relink_options: { authorization, account: target.id },
    });
    await flow.screen('Default uses openfc to reconnect your accounts', 'relink-consent');
    await flow.frame.getByRole('button', { name: 'Agree and continue' }).click();
    await flow.screen('Connect to Test Institution', 'relink-login');
    assert.equal(await flow.frame.getByRole('button', { name: 'Back' }).count(), 0);
    await flow.frame.getByRole('button', { name: 'Continue' }).click();
    await flow.screen('Choose the accounts to reconnect', 'relink-accounts');
    // The account to repair starts chosen, alone, and says why.
    const checked = flow.frame.getByRole('checkbox', { checked: true });
    assert.deepEqual(
      await checked.evaluateAll((boxes) => boxes.map((b) => b.closest('label')?.textContent)),
      [label(target)],
    );
    assert.equal(
      await flow.frame.getByRole('checkbox', { name: label(target) }).getAttribute('aria-describedby'),
      `target-${await flow.frame.getByRole('checkbox', { name: label(target) }).getAttribute('value')}`,
    );
    await pickAccounts(flow.frame, [label(target)]);
    await flow.frame.getByRole('button', { name: 'Link accounts' }).click();
    await flow.screen('Your account is reconnected', 'relink-success');
    await flow.frame.getByRole('button', { name: 'Done' }).click();

    const session = await flow.resolvedSession();
    assert.equal(session.status, 'succeeded');
    assert.deepEqual(session.relink_result, { account: target.id, authorization, failure_reason: null });
    assert.deepEqual(
      session.accounts.data.map((a) => a.id),
      [target.id],
    );
    const account = await f.h.stripe().financialConnections.accounts.retrieve(target.id);
    assert.equal(account.status, 'active');
  });

  test('another account picked: the error screen, then failed with no_account', async () => {
    const { customer, accounts, authorization } = await linked('Test Institution');
    const target = accounts[0] as PreviewAccount;
    const other = accounts.find((a) => a.id !== target.id) as PreviewAccount;
    const flow = await f.open({
      account_holder: { type: 'customer', customer },
      relink_options: { authorization, account: target.id },
    });
    await flow.frame.getByRole('button', { name: 'Agree and continue' }).click();
    await flow.frame.getByRole('button', { name: 'Continue' }).click();
    await flow.screen('Choose the accounts to reconnect', 'relink-other-accounts');
    await pickAccounts(flow.frame, [label(other)]);
    await flow.frame.getByRole('button', { name: 'Link accounts' }).click();
    await flow.screen('That account could not be reconnected', 'relink-no-account');
    assert.equal(await flow.frame.getByRole('button', { name: 'Try again' }).count(), 0);
    await flow.frame.getByRole('button', { name: 'Done' }).click();

    const session = await flow.resolvedSession();
    assert.equal(session.status, 'failed');
    assert.deepEqual(session.relink_result, { account: null, authorization, failure_reason: 'no_account' });
    assert.deepEqual(session.accounts.data, []);
  });

  test('a failed login, then Done: cancelled with no_authorization', async () => {
    const credentials = { username: 'relinker', password: 'pw' };
    const { customer, authorization } = await linked('Sandbox Bank (Non-OAuth)', credentials);
    const flow = await f.open({
      account_holder: { type: 'customer', customer },
      relink_options: { authorization },
    });
    await flow.frame.getByRole('button', { name: 'Agree and continue' }).click();
    await flow.screen('Log in to Sandbox Bank (Non-OAuth)', 'relink-credentials');
    await flow.frame.getByLabel('Username').fill('relinker');
    await flow.frame.getByLabel('Password').fill('incorrect');
    await flow.frame.getByRole('button', { name: 'Log in' }).click();
    await flow.screen('We could not log you in', 'relink-login-failed');
    await flow.frame.getByRole('button', { name: 'Done' }).click();

    const session = await flow.resolvedSession();
    assert.equal(session.status, 'cancelled');
    assert.deepEqual(session.relink_result, {
      account: null,
      authorization: null,
      failure_reason: 'no_authorization',
    });
  });

  test('any account at the institution with limits[accounts]=1: radio buttons, one account', async () => {
    const { customer, accounts, authorization } = await linked('Test Institution');
    const flow = await f.open({
      account_holder: { type: 'customer', customer },
      relink_options: { authorization },
      limits: { accounts: 1 },
    });
    await flow.frame.getByRole('button', { name: 'Agree and continue' }).click();
    await flow.frame.getByRole('button', { name: 'Continue' }).click();
    await flow.screen('Choose an account to reconnect', 'relink-one-account');
    assert.equal(await flow.frame.getByRole('checkbox').count(), 0);
    const savings = accounts.find((a) => a.display_name === 'High Yield Savings') as PreviewAccount;
    await flow.frame.getByRole('radio', { name: label(savings) }).check();
    await flow.frame.getByRole('button', { name: 'Link accounts' }).click();
    await flow.screen('Your account is reconnected', 'relink-one-success');
    await flow.frame.getByRole('button', { name: 'Done' }).click();

    const session = await flow.resolvedSession();
    assert.equal(session.status, 'succeeded');
    assert.deepEqual(
      session.accounts.data.map((a) => a.id),
      [savings.id],
    );
    // A relink of the whole authorization names no one account in its result.
    assert.deepEqual(session.relink_result, { account: null, authorization, failure_reason: null });
  });
});
