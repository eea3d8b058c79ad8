import type { Flow } from '../app.tsx';
import { Actions, Screen } from '../screen.tsx';
import type { FlowError, Step } from '../types.ts';

type ErrorStep = Extract<Step, { kind: 'error' }>;

function title(step: ErrorStep): string {
  const name = step.institution?.name ?? 'Your bank';
  switch (step.code) {
    case 'institution_unavailable':
      return `${name} is unavailable`;
    case 'invalid_credentials':
      return 'We could not log you in';
    case 'login_failed':
      return `${name} ended the login`;
    case 'access_denied':
      return 'Access was not granted';
    case 'no_account':
      return 'That account could not be reconnected';
    case 'other':
      return 'Something went wrong';
  }
}

/** The bank's own words for an outage are technical (a status code): the holder gets these. */
function unavailable(step: ErrorStep): string {
  const back = step.institution?.expected_available_at;
  const when = back
    ? ` It is expected back at ${new Date(back * 1000).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' })}.`
    : '';
  return `This bank cannot be reached right now.${when} Try again later, or choose another bank.`;
}

/** A step that failed. "Try again" goes back a step when the flow allows it; "Done" ends the flow. */
export function ErrorScreen({ flow, step }: { flow: Flow; step: ErrorStep }) {
  return (
    <Screen title={title(step)}>
      <p class="message">{step.code === 'institution_unavailable' ? unavailable(step) : step.message}</p>
      <Actions>
        {step.retry && (
          <button
            type="button"
            class="primary"
            disabled={flow.busy}
            onClick={() => void flow.act(() => flow.api.post('back'))}
          >
            Try again
          </button>
        )}
        <button
          type="button"
          class={step.retry ? 'secondary' : 'primary'}
          disabled={flow.busy}
          onClick={() => void flow.end()}
        >
          Done
        </button>
      </Actions>
    </Screen>
  );
}

/** The flow could not start or go on (unknown session, network): retry the read, or give up. */
export function FatalScreen(props: { error: FlowError; busy: boolean; onRetry(): void; onDone(): void }) {
  return (
    <Screen title="Something went wrong">
      <p class="message">{props.error.message}</p>
      <Actions>
        <button type="button" class="primary" disabled={props.busy} onClick={props.onRetry}>
          Try again
        </button>
        <button type="button" class="secondary" onClick={props.onDone}>
          Done
        </button>
      </Actions>
    </Screen>
  );
}
