// The example page's script. It follows the relink guide's client code, with `OpenFC` for `Stripe`.
const config = document.getElementById('config').dataset;
const openfc = OpenFC(config.publishableKey);
const result = document.getElementById('result');
const list = document.getElementById('accounts');

async function post(path, body) {
  const response = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body ?? {}),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error);
  return answer;
}

function describe(session) {
  if (session.status === 'succeeded') {
    const names = session.accounts.data.map((a) => `${a.display_name} ••••${a.last4}`).join(', ');
    return session.relink_result ? `Relinked: ${names}.` : `Linked: ${names}.`;
  }
  if (session.status === 'failed' && session.relink_result) {
    return `The relink failed: ${session.relink_result.failure_reason}.`;
  }
  return 'No account was linked.';
}

async function collect(body) {
  result.textContent = '';
  try {
    const { clientSecret } = await post('/api/sessions', body);
    const { financialConnectionsSession, error } = await openfc.collectFinancialConnectionsAccounts({
      clientSecret,
    });
    result.textContent = error ? `Error: ${error.message}` : describe(financialConnectionsSession);
  } catch (error) {
    result.textContent = `Error: ${error.message}`;
  }
  await refresh();
}

function button(label, onClick) {
  const b = document.createElement('button');
  b.type = 'button';
  b.textContent = label;
  b.addEventListener('click', onClick);
  return b;
}

async function refresh() {
  const accounts = await (await fetch('/api/accounts')).json();
  list.replaceChildren();
  if (accounts.length === 0)
    list.append(Object.assign(document.createElement('li'), { textContent: 'No linked accounts yet.' }));
  for (const account of accounts) {
    const item = document.createElement('li');
    item.dataset.account = account.id;
    const title = document.createElement('p');
    title.textContent = `${account.institution} — ${account.name} ••••${account.last4}: ${account.status}`;
    item.append(title);
    const actions = document.createElement('div');
    if (account.relink_prompt) {
      const why = document.createElement('p');
      why.className = 'prompt';
      why.textContent = `This account needs to be reconnected (${account.relink_prompt.cause}).`;
      item.append(why);
      actions.append(
        button('Reconnect this account', () => collect({ account: account.id })),
        button(`Reconnect any account at ${account.institution}`, () =>
          collect({ account: account.id, scope: 'authorization' }),
        ),
        button('Get a hosted relink link', async () => {
          const { url } = await post('/api/hosted-relink', { account: account.id });
          const link = Object.assign(document.createElement('a'), {
            href: url,
            textContent: 'Hosted relink link',
          });
          item.append(link);
        }),
      );
    } else if (account.status === 'active') {
      actions.append(
        button('Make it inactive (sandbox)', async () => {
          await post('/api/make-inactive', { account: account.id });
          result.textContent = 'The bank ended the consent; waiting for the webhook…';
          setTimeout(refresh, 1000);
        }),
      );
    }
    item.append(actions);
    list.append(item);
  }
}

document.getElementById('link').addEventListener('click', () => collect({}));
if (new URLSearchParams(location.search).has('relinked'))
  result.textContent = 'Welcome back: the hosted relink finished.';
refresh();
