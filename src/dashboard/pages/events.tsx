import { useState } from 'preact/hooks';
import { ApiError, type DashboardApi } from '../api.ts';
import { useLoad } from '../load.ts';
import { Link, type Route } from '../nav.tsx';
import { Facts, Loading, Page, PagedList } from '../page.tsx';
import type { Attempt, Delivery } from '../types.ts';
import { say, statuses, when, whenMs } from '../words.ts';

const path = '/dashboard/events';

export function EventsList({ api, route, live }: { api: DashboardApi; route: Route; live: number }) {
  const [loaded] = useLoad(`${route.query}#${live}`, () => api.events(Object.fromEntries(route.query)));
  return (
    <Page title="Events">
      <PagedList loaded={loaded} path={path} query={route.query} empty="No events yet.">
        {(items) => (
          <ul class="rows">
            {items.map((event) => (
              <li key={event.id}>
                <Link href={`${path}/${event.id}`}>{event.type}</Link>
                <span class="muted">{when(event.created)}</span>
                <span class="muted">
                  {event.pending_webhooks === 0
                    ? 'no webhooks pending'
                    : `${event.pending_webhooks} webhook${event.pending_webhooks === 1 ? '' : 's'} pending`}
                </span>
                <code class="id">{event.data.object.id ?? event.id}</code>
              </li>
            ))}
          </ul>
        )}
      </PagedList>
    </Page>
  );
}

function outcome(attempt: Attempt): string {
  if (attempt.status_code !== null) return `HTTP ${attempt.status_code}`;
  return attempt.error ?? 'no answer';
}

function AttemptItem({ attempt, index }: { attempt: Attempt; index: number }) {
  return (
    <li>
      <strong>
        Attempt {index + 1}: {outcome(attempt)}
      </strong>
      <span class="muted">
        {whenMs(attempt.attempted_at)}, {attempt.duration_ms} ms
        {attempt.next_attempt_at !== null ? `; next try ${whenMs(attempt.next_attempt_at)}` : ''}
      </span>
      {attempt.response_excerpt ? <code class="excerpt">{attempt.response_excerpt}</code> : null}
    </li>
  );
}

function DeliveryItem({ delivery }: { delivery: Delivery }) {
  return (
    <li class="delivery">
      <p>
        <span class={`status status-${delivery.status}`}>{say(statuses, delivery.status)}</span>{' '}
        <span class="url">{delivery.endpoint.url}</span>
      </p>
      {delivery.attempts.length === 0 ? (
        <p class="muted">
          No attempt yet{delivery.next_attempt_at !== null ? `; due ${whenMs(delivery.next_attempt_at)}` : ''}
          .
        </p>
      ) : (
        <ol class="attempts" aria-label={`Attempts to ${delivery.endpoint.url}`}>
          {delivery.attempts.map((attempt, index) => (
            <AttemptItem key={attempt.id} attempt={attempt} index={index} />
          ))}
        </ol>
      )}
    </li>
  );
}

export function EventDetail({ api, id, live }: { api: DashboardApi; id: string; live: number }) {
  const [loaded, show] = useLoad(`${id}#${live}`, () => api.event(id));
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  const title = loaded.state === 'ready' ? loaded.value.event.type : 'Event';
  return (
    <Page title={title}>
      <p>
        <Link href={path}>All events</Link>
      </p>
      <Loading loaded={loaded}>
        {({ event, deliveries }) => (
          <>
            <Facts
              rows={[
                ['Id', <code key="id">{event.id}</code>],
                ['Created', when(event.created)],
                [
                  'Object',
                  event.data.object.object === 'financial_connections.account' && event.data.object.id ? (
                    <Link key="object" href={`/dashboard/accounts/${event.data.object.id}`}>
                      {event.data.object.id}
                    </Link>
                  ) : (
                    `${event.data.object.object ?? ''} ${event.data.object.id ?? ''}`
                  ),
                ],
              ]}
            />
            <section aria-labelledby="deliveries-heading">
              <h2 id="deliveries-heading">Webhook deliveries</h2>
              <button
                type="button"
                class="primary inline"
                disabled={busy}
                onClick={() => {
                  setBusy(true);
                  setMessage(undefined);
                  api.resend(event.id).then(
                    (view) => {
                      setBusy(false);
                      show(view);
                      setMessage({ text: 'Sent again to every endpoint that listens to it.', error: false });
                    },
                    (failure: unknown) => {
                      setBusy(false);
                      setMessage({
                        text: failure instanceof ApiError ? failure.message : String(failure),
                        error: true,
                      });
                    },
                  );
                }}
              >
                Resend
              </button>
              <p role="status" class={message?.error ? 'error' : 'done'}>
                {message?.text ?? ''}
              </p>
              {deliveries.length === 0 ? (
                <p>No webhook endpoint listens to this event.</p>
              ) : (
                <ul class="deliveries">
                  {deliveries.map((delivery) => (
                    <DeliveryItem key={delivery.id} delivery={delivery} />
                  ))}
                </ul>
              )}
            </section>
          </>
        )}
      </Loading>
    </Page>
  );
}
