import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type FlowApi } from './api.ts';
import type { Host } from './host.ts';
import { Frame, Loading, useEscape } from './screen.tsx';
import { AccountsScreen } from './screens/accounts.tsx';
import { ConsentScreen } from './screens/consent.tsx';
import { DoneScreen } from './screens/done.tsx';
import { ErrorScreen, FatalScreen } from './screens/error.tsx';
import { InstitutionScreen } from './screens/institution.tsx';
import { LoginScreen } from './screens/login.tsx';
import { OAuthScreen } from './screens/oauth.tsx';
import { PromptScreen } from './screens/prompt.tsx';
import type { FlowError, FlowView, Step } from './types.ts';

/** What every screen can do: run a flow API call, which moves the flow to the step it answers. */
export interface Flow {
  api: FlowApi;
  view: FlowView;
  busy: boolean;
  act(call: () => Promise<FlowView>): Promise<void>;
  /** A quiet re-read of the session (OAuth polling): no busy state, failures ignored. */
  refresh(): Promise<void>;
  /** Ends the flow: with the session's result when it has one, else after cancelling it. */
  end(): Promise<void>;
  say(problem: string | null): void;
}

/** Screens remount (and their heading takes focus) whenever the step changes. */
function stepKey(step: Step): string {
  if (step.kind === 'prompt') return `prompt:${step.prompt.kind}:${step.prompt.message}`;
  if (step.kind === 'error') return `error:${step.code}`;
  return step.kind;
}

/** A missing or foreign client secret cannot be fixed by retrying a step. */
const isFatal = (error: FlowError) =>
  error.code === 'resource_missing' || error.type === 'authentication_error';

export function App({ api, host }: { api: FlowApi; host: Host }) {
  const [view, setView] = useState<FlowView | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [fatal, setFatal] = useState<FlowError | null>(null);
  const ending = useRef(false);

  const fail = useCallback((error: unknown) => {
    const flowError =
      error instanceof ApiError ? error.error : { type: 'api_error', message: 'Something went wrong.' };
    if (isFatal(flowError)) setFatal(flowError);
    else setProblem(flowError.message);
  }, []);

  const act = useCallback(
    async (call: () => Promise<FlowView>) => {
      setBusy(true);
      setProblem(null);
      try {
        setView(await call());
        setFatal(null);
      } catch (error) {
        fail(error);
      } finally {
        setBusy(false);
      }
    },
    [fail],
  );

  const load = useCallback(() => act(() => api.session()), [act, api]);
  useEffect(() => void load(), [load]);

  const end = useCallback(async () => {
    if (ending.current) return;
    ending.current = true;
    try {
      const final = view?.result ? view : await api.post('cancel');
      host.finish(final);
    } catch (error) {
      ending.current = false;
      if (error instanceof ApiError) host.fail(error.error);
      else fail(error);
    }
  }, [api, host, view, fail]);

  // Escape closes a modal; on a full page (hosted) a stray key must not cancel the session.
  useEscape(host.mode === 'modal', end);

  const refresh = useCallback(async () => {
    try {
      const next = await api.session();
      setView((current) => (JSON.stringify(current) === JSON.stringify(next) ? current : next));
    } catch {
      // A missed poll is retried on the next tick.
    }
  }, [api]);

  return (
    <Frame brand={view?.merchant.name ?? ''} busy={busy} onClose={() => void end()}>
      {fatal ? (
        <FatalScreen error={fatal} busy={busy} onRetry={() => void load()} onDone={() => host.fail(fatal)} />
      ) : view ? (
        <StepScreen key={stepKey(view.step)} flow={{ api, view, busy, act, refresh, end, say: setProblem }} />
      ) : (
        <Loading />
      )}
      <p class="problem" aria-live="assertive">
        {problem}
      </p>
    </Frame>
  );
}

function StepScreen({ flow }: { flow: Flow }) {
  const step = flow.view.step;
  switch (step.kind) {
    case 'consent':
      return <ConsentScreen flow={flow} />;
    case 'institution':
      return <InstitutionScreen flow={flow} />;
    case 'login':
      return <LoginScreen flow={flow} step={step} />;
    case 'oauth':
      return <OAuthScreen flow={flow} step={step} />;
    case 'prompt':
      return <PromptScreen flow={flow} step={step} />;
    case 'accounts':
      return <AccountsScreen flow={flow} step={step} />;
    case 'error':
      return <ErrorScreen flow={flow} step={step} />;
    case 'done':
      return <DoneScreen flow={flow} step={step} />;
  }
}
