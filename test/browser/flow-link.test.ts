import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { pressEscapeToClose } from '../support/browser.ts';
import type { PreviewAccount } from '../support/fc.ts';
import { type FlowFixture, type OpenFlow, startFlowFixture } from './flow-fixture.ts';

/** Through consent and the search to an institution's login. */
async function toInstitution(flow: OpenFlow, name: string, shots: string) {
  await flow.screen('Default uses openfc to connect your accounts', `${shots}-consent`);
  await flow.frame.getByRole('button', { name: 'Agree and continue' }).click();
  await flow.screen('Select your bank', `${shots}-search`);
  await flow.frame.getByRole('button', { name, exact: true }).click();
}

/** The accounts openfc's API holds for the session, as the merchant's SDK lists them. */
async function apiAccounts(f: FlowFixture, session: string) {
  const listed = await f.h.stripe().financialConnections.accounts.list({ session });
  return (listed.data as PreviewAccount[]).map((a) => ({
    id: a.id,
    display_name: a.display_name,
    last4: a.last4,
    status: a.status,
  }));
}

describe('the flow in a merchant page: linking', () => {
  let f: FlowFixture;
  before(async () => {
    f = await startFlowFixture();
  });
  after(() => f?.close());

  test('Test Institution: consent, search, one click, the picker, success', async () => {
    const flow = await f.open();
    await toInstitution(flow, 'Test Institution', 'test-institution');
    await flow.screen('Connect to Test Institution', 'test-institution-login');
    await flow.frame.getByRole('button', { name: 'Continue' }).click();
    await flow.screen('Choose the accounts to connect', 'test-institution-accounts');
    const credit = flow.frame.getByRole('checkbox', { name: 'Rewards Credit Card ••••5517' });
    assert.equal(await credit.isDisabled(), true);
    await flow.frame.getByRole('checkbox', { name: 'High Yield Savings ••••4321' }).uncheck();
    await flow.frame.getByRole('button', { name: 'Link accounts' }).click();
    await flow.screen('Your account is connected', 'test-institution-success');
    assert.deepEqual(await flow.frame.getByRole('listitem').allTextContents(), ['Success ••••6789']);
    await flow.frame.getByRole('button', { name: 'Done' }).click();

    const session = await flow.resolvedSession();
    assert.equal(session.status, 'succeeded');
    assert.deepEqual(await apiAccounts(f, session.id), [
      {
        id: session.accounts.data[0]?.id,
        display_name: 'Success',
        last4: '6789',
        status: 'active',
      },
    ]);
  });

  test('the keyboard alone: Tab from each heading to its control, Enter and Space', async () => {
    const flow = await f.open();
    const keys = flow.page.keyboard;
    await flow.screen('Default uses openfc to connect your accounts', 'keyboard-consent');
    await keys.press('Tab'); // "Agree and continue"
    await keys.press('Enter');
    await flow.screen('Select your bank', 'keyboard-search');
    await keys.press('Tab'); // the search box
    await keys.press('Tab'); // the first featured bank
    await keys.press('Enter');
    await flow.screen('Connect to Test Institution', 'keyboard-login');
    await keys.press('Tab'); // "Continue"
    await keys.press('Enter');
    await flow.screen('Choose the accounts to connect', 'keyboard-accounts');
    await keys.press('Tab'); // Success
    await keys.press('Tab'); // High Yield Savings
    await keys.press('Space'); // unchecked
    await keys.press('Tab'); // "Link accounts" (the disabled accounts are skipped)
    await keys.press('Enter');
    await flow.screen('Your account is connected', 'keyboard-success');
    // Done is disabled while a request of the flow is under way: Tab skips it then, and a focused
    // button that becomes disabled loses focus. So: wait until it is enabled, Tab until it has
    // focus, press Enter, and do it again if Done is still there.
    const done = flow.frame.getByRole('button', { name: 'Done' });
    const resolved = flow.resolvedSession();
    // The page closes once the flow has resolved, possibly in the middle of any step here.
    const ended = (error: unknown) =>
      flow.page.isClosed() || /has been closed/.test(error instanceof Error ? error.message : '');
    for (let attempt = 1; !flow.page.isClosed(); attempt++) {
      try {
        await done.click({ trial: true });
        for (
          let tabs = 0;
          tabs < 6 && !(await done.evaluate((el) => el === el.ownerDocument.activeElement));
          tabs++
        )
          await keys.press('Tab');
        await keys.press('Enter');
        // The flow has ended once Done is gone.
        await done.waitFor({ state: 'hidden', timeout: 2000 });
        break;
      } catch (error) {
        if (ended(error)) break;
        if (!(error instanceof Error && error.name === 'TimeoutError')) throw error;
        assert.ok(attempt < 3, 'Enter on Done did not end the flow');
      }
    }

    const session = await resolved;
    assert.equal(session.status, 'succeeded');
    assert.deepEqual(
      (await apiAccounts(f, session.id)).map((a) => `${a.display_name} ${a.last4}`),
      ['Success 6789'],
    );
  });

  test('Sandbox Bank (OAuth): the bank page in a popup, then the picker', async () => {
    const flow = await f.open();
    await toInstitution(flow, 'Sandbox Bank (OAuth)', 'oauth');
    await flow.screen('Log in at Sandbox Bank (OAuth)', 'oauth-continue');
    const [popup] = await Promise.all([
      flow.page.context().waitForEvent('page'),
      flow.frame.getByRole('button', { name: 'Continue to Sandbox Bank (OAuth)' }).click(),
    ]);
    // The callback page closes the popup as soon as it has told the flow.
    const closed = popup.waitForEvent('close');
    await popup.getByRole('button', { name: 'Approve' }).click();
    await closed;
    await flow.screen('Choose the accounts to connect', 'oauth-accounts');
    await flow.frame.getByRole('button', { name: 'Link accounts' }).click();
    await flow.screen('Your accounts are connected', 'oauth-success');
    await flow.frame.getByRole('button', { name: 'Done' }).click();

    const session = await flow.resolvedSession();
    assert.equal(session.status, 'succeeded');
    assert.deepEqual(
      (await apiAccounts(f, session.id)).map((a) => `${a.display_name} ${a.last4} ${a.status}`).sort(),
      ['Primary Checking 3418 active', 'Savings 6052 active'],
    );
  });

  test('Sandbox Bank (OAuth) denied at the bank: the error screen, Try again, back to the search', async () => {
    const flow = await f.open();
    await toInstitution(flow, 'Sandbox Bank (OAuth)', 'oauth-denied');
    const [popup] = await Promise.all([
      flow.page.context().waitForEvent('page'),
      flow.frame.getByRole('button', { name: 'Continue to Sandbox Bank (OAuth)' }).click(),
    ]);
    const closed = popup.waitForEvent('close');
    await popup.getByRole('button', { name: 'Deny' }).click();
    await closed;
    await flow.screen('Access was not granted', 'oauth-denied-error');
    await flow.frame.getByRole('button', { name: 'Try again' }).click();
    await flow.screen('Select your bank', 'oauth-denied-search');
    await flow.frame.getByRole('button', { name: 'Close' }).click();
    const session = await flow.resolvedSession();
    assert.equal(session.status, 'cancelled');
    assert.deepEqual(await apiAccounts(f, session.id), []);
  });

  for (const [password, field, shot] of [
    ['mfa', 'One-time code', 'mfa'],
    ['security_question', 'Security answer', 'security-question'],
  ] as const) {
    test(`Sandbox Bank (Non-OAuth) asking "${field}"`, async () => {
      const flow = await f.open();
      await toInstitution(flow, 'Sandbox Bank (Non-OAuth)', shot);
      await flow.screen('Log in to Sandbox Bank (Non-OAuth)', `${shot}-login`);
      await flow.frame.getByLabel('Username').fill('holder');
      await flow.frame.getByLabel('Password').fill(password);
      await flow.frame.getByRole('button', { name: 'Log in' }).click();
      await flow.screen("Verify it's you at Sandbox Bank (Non-OAuth)", `${shot}-prompt`);
      await flow.frame.getByLabel(field).fill('answer-42');
      await flow.frame.getByRole('button', { name: 'Continue' }).click();
      await flow.screen('Choose the accounts to connect', `${shot}-accounts`);
      await flow.frame.getByRole('checkbox', { name: 'Business Checking ••••5829' }).uncheck();
      await flow.frame.getByRole('checkbox', { name: 'Money Market Savings ••••7390' }).uncheck();
      await flow.frame.getByRole('button', { name: 'Link accounts' }).click();
      await flow.screen('Your account is connected', `${shot}-success`);
      await flow.frame.getByRole('button', { name: 'Done' }).click();

      const session = await flow.resolvedSession();
      assert.equal(session.status, 'succeeded');
      assert.deepEqual(
        (await apiAccounts(f, session.id)).map((a) => `${a.display_name} ${a.last4} ${a.status}`),
        ['Checking 4716 active'],
      );
    });
  }

  test('Close: the session is cancelled with no accounts, and focus goes back to the page', async () => {
    const flow = await f.open();
    await flow.screen('Default uses openfc to connect your accounts', 'close-consent');
    await flow.frame.getByRole('button', { name: 'Close' }).click();
    await flow.page.getByRole('dialog').waitFor({ state: 'detached' });
    assert.equal(await flow.page.evaluate('document.activeElement?.id'), 'connect');
    const session = await flow.resolvedSession();
    assert.equal(session.status, 'cancelled');
    assert.deepEqual(session.accounts.data, []);
    assert.deepEqual(await apiAccounts(f, session.id), []);
  });

  test('Escape closes too', async () => {
    const flow = await f.open();
    await flow.screen('Default uses openfc to connect your accounts', 'escape-consent');
    await pressEscapeToClose(flow.page, () => flow.page.getByRole('dialog').waitFor({ state: 'detached' }));
    const session = await flow.resolvedSession();
    assert.equal(session.status, 'cancelled');
  });

  test('a bank that is down: listed as unavailable with its return time; its login ends on the error screen', async () => {
    const flow = await f.open();
    await toInstitution(flow, 'Down Bank (Scheduled)', 'down-bank');
    await flow.screen('Connect to Down Bank (Scheduled)', 'down-bank-login');
    await flow.frame.getByRole('button', { name: 'Continue' }).click();
    await flow.screen('Down Bank (Scheduled) is unavailable', 'down-bank-error');
    assert.match(
      (await flow.frame.locator('p.message').textContent()) ?? '',
      /^This bank cannot be reached right now\. It is expected back at \d{1,2}:\d{2}\s?[AP]M\. Try again later, or choose another bank\.$/,
    );
    await flow.frame.getByRole('button', { name: 'Try again' }).click();
    await flow.screen('Select your bank', 'down-bank-search-again');
    const down = flow.frame.getByRole('button', { name: 'Down Bank (Scheduled)', exact: true });
    const noteId = (await down.getAttribute('aria-describedby')) as string;
    assert.match(noteId, /^bank-note-fcinst_\w+$/);
    assert.match(
      (await flow.frame.locator(`#${noteId}`).textContent()) ?? '',
      /^Unavailable, expected back at \d{1,2}:\d{2}\s?[AP]M$/,
    );
    const unscheduled = flow.frame.getByRole('button', { name: 'Down Bank (Unscheduled)', exact: true });
    const unscheduledNote = (await unscheduled.getAttribute('aria-describedby')) as string;
    assert.equal(await flow.frame.locator(`#${unscheduledNote}`).textContent(), 'Unavailable right now');
    await flow.frame.getByRole('button', { name: 'Close' }).click();
    const session = await flow.resolvedSession();
    assert.equal(session.status, 'cancelled');
    assert.deepEqual(await apiAccounts(f, session.id), []);
  });
});
