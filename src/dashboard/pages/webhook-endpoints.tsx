import { useState } from 'preact/hooks';
import { ApiError, type DashboardApi } from '../api.ts';
import { FilterForm, isFiltered, SelectFilter } from '../filters.tsx';
import { useLoad } from '../load.ts';
import { Link, type Route } from '../nav.tsx';
import { Facts, Loading, Page, PagedList } from '../page.tsx';
import type { EndpointView, WebhookEndpoint } from '../types.ts';
import { choices, list, when } from '../words.ts';
import { DeliveryItem } from './events.tsx';

const path = '/dashboard/webhook-endpoints';

const endpointStatuses: Record<WebhookEndpoint['status'], string> = {
  enabled: 'Enabled',
  disabled: 'Disabled',
};

function EndpointStatus({ status }: { status: WebhookEndpoint['status'] }) {
  return (
    <span class={`status status-${status === 'enabled' ? 'active' : 'disconnected'}`}>
      {endpointStatuses[status]}
    </span>
  );
}

function version(endpoint: WebhookEndpoint): string {
  return endpoint.api_version ?? 'the account’s default';
}

export function WebhookEndpointsList({
  api,
  route,
  live,
}: {
  api: DashboardApi;
  route: Route;
  live: number;
}) {
  const [loaded] = useLoad(`${route.query}#${live}`, () =>
    api.webhookEndpoints(Object.fromEntries(route.query)),
  );
  return (
    <Page title="Webhook endpoints">
      <FilterForm path={path} query={route.query} names={['status']} label="Filter webhook endpoints">
        <SelectFilter
          label="Status"
          name="status"
          query={route.query}
          any="Any status"
          options={choices(['enabled', 'disabled'], endpointStatuses)}
        />
      </FilterForm>
      <PagedList
        loaded={loaded}
        path={path}
        query={route.query}
        empty={
          isFiltered(route.query, ['status'])
            ? 'No webhook endpoints match these filters.'
            : 'No webhook endpoints yet.'
        }
      >
        {(items) => (
          <ul class="rows">
            {items.map((endpoint) => (
              <li key={endpoint.id}>
                <Link href={`${path}/${endpoint.id}`}>{endpoint.url}</Link>
                <span class="muted">{list(endpoint.enabled_events)}</span>
                <EndpointStatus status={endpoint.status} />
                <span class="muted">API version {version(endpoint)}</span>
              </li>
            ))}
          </ul>
        )}
      </PagedList>
    </Page>
  );
}

/** "Disable" or "Enable": the endpoint's update, as the API makes it. */
function Switch({
  api,
  endpoint,
  onView,
}: {
  api: DashboardApi;
  endpoint: WebhookEndpoint;
  onView: (view: EndpointView) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  const enable = endpoint.status === 'disabled';
  return (
    <section aria-labelledby="status-heading">
      <h2 id="status-heading">Sending</h2>
      <p class="muted">
        {enable
          ? 'openfc sends this endpoint nothing while it is disabled.'
          : 'Disabling stops every delivery to this endpoint, retries included.'}
      </p>
      <button
        type="button"
        class="primary inline"
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setMessage(undefined);
          api.setEndpointEnabled(endpoint.id, enable).then(
            (view) => {
              setBusy(false);
              onView(view);
              setMessage({
                text: enable
                  ? 'Enabled: events are sent to it again.'
                  : 'Disabled: nothing more is sent to it.',
                error: false,
              });
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
        {enable ? 'Enable' : 'Disable'}
      </button>
      <p role="status" class={message?.error ? 'error' : 'done'}>
        {message?.text ?? ''}
      </p>
    </section>
  );
}

export function WebhookEndpointDetail({ api, id, live }: { api: DashboardApi; id: string; live: number }) {
  const [loaded, show] = useLoad(`${id}#${live}`, () => api.webhookEndpoint(id));
  return (
    <Page title="Webhook endpoint">
      <p>
        <Link href={path}>All webhook endpoints</Link>
      </p>
      <Loading loaded={loaded}>
        {({ endpoint, deliveries }) => (
          <>
            <Facts
              rows={[
                ['Id', <code key="id">{endpoint.id}</code>],
                [
                  'URL',
                  <span key="url" class="url">
                    {endpoint.url}
                  </span>,
                ],
                ['Status', <EndpointStatus key="status" status={endpoint.status} />],
                ['Listens to', list(endpoint.enabled_events)],
                ['API version', version(endpoint)],
                ['Description', endpoint.description ?? 'none'],
                ['Created', when(endpoint.created)],
              ]}
            />
            <Switch api={api} endpoint={endpoint} onView={show} />
            <section aria-labelledby="recent-heading">
              <h2 id="recent-heading">Recent deliveries</h2>
              {deliveries.length === 0 ? (
                <p>Nothing has been sent to this endpoint yet.</p>
              ) : (
                <ul class="deliveries">
                  {deliveries.map((delivery) => (
                    <DeliveryItem
                      key={delivery.id}
                      delivery={delivery}
                      attemptsLabel={`Attempts to send ${delivery.event.id}`}
                      about={
                        <Link href={`/dashboard/events/${delivery.event.id}`}>{delivery.event.type}</Link>
                      }
                    />
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
