import type { ComponentChildren } from 'preact';
import type { DashboardApi } from '../api.ts';
import { useLoad } from '../load.ts';
import { Link } from '../nav.tsx';
import { Facts, Loading, Page } from '../page.tsx';
import type { FlowProgress, Session } from '../types.ts';
import { actions, list, say } from '../words.ts';
import { AccountRows, Holder, Status } from './accounts.tsx';

export function AuthorizationDetail({ api, id, live }: { api: DashboardApi; id: string; live: number }) {
  const [loaded] = useLoad(`${id}#${live}`, () => api.authorization(id));
  return (
    <Page title="Authorization">
      <p>
        <Link href="/dashboard/authorizations">All authorizations</Link>
      </p>
      <Loading loaded={loaded}>
        {({ authorization, accounts, sessions }) => (
          <>
            <Facts
              rows={[
                ['Id', <code key="id">{authorization.id}</code>],
                ['Status', <Status key="status" status={authorization.status} />],
                ...(authorization.status_details?.inactive
                  ? [
                      ['What to do', say(actions, authorization.status_details.inactive.action)] as [
                        string,
                        string,
                      ],
                    ]
                  : []),
                ['Institution', authorization.institution_name],
                ['Holder', <Holder key="holder" holder={authorization.account_holder} />],
                ['Linked and relinked by', <SessionLinks key="sessions" ids={sessions} />],
              ]}
            />
            <h2>Accounts</h2>
            {accounts.length === 0 ? <p>No accounts.</p> : <AccountRows accounts={accounts} />}
          </>
        )}
      </Loading>
    </Page>
  );
}

/** Links to sessions by id, or "no session". */
export function SessionLinks({ ids }: { ids: string[] }) {
  if (ids.length === 0) return <>no session</>;
  return (
    <ul class="inline">
      {ids.map((id) => (
        <li key={id}>
          <Link href={`/dashboard/sessions/${id}`}>
            <code>{id}</code>
          </Link>
        </li>
      ))}
    </ul>
  );
}

function relinkResult(session: Session): ComponentChildren {
  const result = session.relink_result;
  // A relink session carries an empty result (all null) until it ends.
  if (!result?.failure_reason && !result?.authorization)
    return session.status === 'pending' ? 'not yet' : 'none';
  if (result.failure_reason) return `failed: ${result.failure_reason}`;
  return result.account ? (
    <span>
      relinked account <Link href={`/dashboard/accounts/${result.account}`}>{result.account}</Link>
    </span>
  ) : (
    <span>
      relinked authorization{' '}
      <Link href={`/dashboard/authorizations/${result.authorization}`}>{result.authorization}</Link>
    </span>
  );
}

/** The authorizations a session's accounts belong to, each a link. */
function authorizationsOf(session: Session): ComponentChildren {
  const ids = [...new Set(session.accounts.data.map((account) => account.authorization))];
  if (ids.length === 0) return 'none';
  return (
    <ul class="inline">
      {ids.map((id) => (
        <li key={id}>
          <Link href={`/dashboard/authorizations/${id}`}>
            <code>{id}</code>
          </Link>
        </li>
      ))}
    </ul>
  );
}

export function SessionDetail({ api, id, live }: { api: DashboardApi; id: string; live: number }) {
  const [loaded] = useLoad(`${id}#${live}`, () => api.session(id));
  return (
    <Page title="Financial Connections session">
      <p>
        <Link href="/dashboard/sessions">All sessions</Link>
      </p>
      <Loading loaded={loaded}>
        {({ session, flow }) => (
          <>
            <Facts
              rows={[
                ['Id', <code key="id">{session.id}</code>],
                ['Status', <Status key="status" status={session.status} />],
                ...(session.status_details?.cancelled
                  ? [['Why it was cancelled', session.status_details.cancelled.reason] as [string, string]]
                  : []),
                ['Holder', <Holder key="holder" holder={session.account_holder} />],
                ['Permissions', list(session.permissions)],
                ['Prefetch', list(session.prefetch)],
                ['Flow', session.ui_mode === 'hosted' ? 'hosted page' : 'modal'],
                ...(session.url
                  ? [
                      [
                        'Hosted link',
                        <a key="url" href={session.url}>
                          Open the hosted flow
                        </a>,
                      ] as [string, ComponentChildren],
                    ]
                  : []),
                [
                  'Relinks',
                  session.relink_options ? (
                    <span key="relink">
                      authorization{' '}
                      <Link href={`/dashboard/authorizations/${session.relink_options.authorization}`}>
                        <code>{session.relink_options.authorization}</code>
                      </Link>
                      {session.relink_options.account ? ` (account ${session.relink_options.account})` : ''}
                    </span>
                  ) : (
                    'nothing: it links new accounts'
                  ),
                ],
                ['Relink result', relinkResult(session)],
                ['Authorizations', authorizationsOf(session)],
              ]}
            />
            <h2>The holder’s flow</h2>
            <Flow flow={flow} />
            <h2>Accounts it linked</h2>
            {session.accounts.data.length === 0 ? (
              <p>None.</p>
            ) : (
              <AccountRows accounts={session.accounts.data} />
            )}
          </>
        )}
      </Loading>
    </Page>
  );
}

const steps: Record<FlowProgress['step'], string> = {
  consent: 'the consent screen',
  institution: 'choosing a bank',
  login: 'signing in at the bank',
  oauth: 'signing in on the bank’s own page',
  prompt: 'answering the bank’s questions',
  accounts: 'choosing accounts',
  error: 'an error screen',
  done: 'done: the accounts were linked',
};

/** The steps the holder took in the flow, as openfc kept them. */
function Flow({ flow }: { flow: FlowProgress | null }) {
  if (!flow) return <p>The holder has not opened the flow (a test helper may have completed the session).</p>;
  return (
    <Facts
      rows={[
        ['Where the holder is, or stopped', steps[flow.step] ?? flow.step],
        ['Steps taken', String(flow.steps_taken)],
        ['Consented', flow.consented ? 'yes' : 'no'],
        ['Bank chosen', flow.institution_name ?? 'none yet'],
        [
          'Accounts the bank shared',
          flow.shared_accounts === null ? 'none yet' : String(flow.shared_accounts),
        ],
        ...(flow.failure
          ? [
              [
                'What went wrong',
                `${flow.failure.kind}${flow.failure.message ? `: ${flow.failure.message}` : ''}`,
              ] as [string, string],
            ]
          : []),
      ]}
    />
  );
}
