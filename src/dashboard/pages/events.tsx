import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { ApiError, type DashboardApi } from '../api.ts';
import { FilterForm, TextFilter } from '../filters.tsx';
import { useLoad } from '../load.ts';
import { Link, type Route } from '../nav.tsx';
import { Facts, Loading, Page, PagedList } from '../page.tsx';
import type { Attempt, Delivery } from '../types.ts';
import { say, statuses, when, whenMs } from '../words.ts';
import { Versions } from './versions.tsx';

const path = '/dashboard/events';

export function EventsList({ api, route, live }: { api: DashboardApi; route: Route; live: number }) {
  const [loaded] = useLoad(`${route.query}#${live}`, () => api.events(Object.fromEntries(route.query)));
  return (
    <Page title="Events">
      <FilterForm path={path} query={route.query} names={['type']} label="Filter events">
        <TextFilter
          label="Event type"
          name="type"
          query={route.query}
          hint="An exact type, or the start of one followed by *, as in financial_connections.account.*"
        />
      </FilterForm>
      <PagedList
        loaded={loaded}
        path={path}
        query={route.query}
        empty={route.query.get('type') ? 'No events of this type.' : 'No events yet.'}
      >
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

/**
 * A delivery with its attempts. `about`: what the delivery is named by (the endpoint's URL on an
 * event's page, the event on an endpoint's page).
 */
export function DeliveryItem({
  delivery,
  about,
  attemptsLabel = `Attempts to ${delivery.endpoint.url}`,
}: {
  delivery: Delivery;
  about?: ComponentChildren;
  attemptsLabel?: string;
}) {
  return (
    <li class="delivery">
      <p>
        <span class={`status status-${delivery.status}`}>{say(statuses, delivery.status)}</span>{' '}
        {about ?? <span class="url">{delivery.endpoint.url}</span>}
      </p>
      {delivery.attempts.length === 0 ? (
        <p class="muted">
          No attempt yet{delivery.next_attempt_at !== null ? `; due ${whenMs(delivery.next_attempt_at)}` : ''}
          .
        </p>
      ) : (
        <ol class="attempts" aria-label={attemptsLabel}>
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
        {({ event, deliveries, versions }) => (
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
                    <DeliveryItem
                      key={delivery.id}
                      delivery={delivery}
                      about={
                        <Link href={`/dashboard/webhook-endpoints/${delivery.endpoint.id}`}>
                          <span class="url">{delivery.endpoint.url}</span>
                        </Link>
                      }
                    />
                  ))}
                </ul>
              )}
            </section>
            <Versions versions={versions} />
          </>
        )}
      </Loading>
    </Page>
  );
}
