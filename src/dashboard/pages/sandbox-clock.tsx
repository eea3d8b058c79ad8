import { useState } from 'preact/hooks';
import { ApiError, type DashboardApi } from '../api.ts';
import { useLoad } from '../load.ts';
import { Link } from '../nav.tsx';
import { Facts, Loading, Page } from '../page.tsx';
import { when } from '../words.ts';
import { AccountRows } from './accounts.tsx';

const units = { minutes: 60, hours: 3600, days: 86_400 } as const;
type Unit = keyof typeof units;

/** The span as people say it: "90 days". */
function span(amount: number, unit: Unit): string {
  return `${amount} ${amount === 1 ? unit.slice(0, -1) : unit}`;
}

/**
 * The merchant's sandbox clock: choose a span, see the consents it will end, then advance. The
 * advance is the API's `POST /v1/test_helpers/sandbox_clock/advance`.
 */
export function SandboxClock({ api, live }: { api: DashboardApi; live: number }) {
  const [amount, setAmount] = useState(1);
  const [unit, setUnit] = useState<Unit>('days');
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  const [busy, setBusy] = useState(false);
  const [advanced, setAdvanced] = useState(0);
  const valid = Number.isInteger(amount) && amount >= 1;
  const seconds = valid ? amount * units[unit] : undefined;
  const [loaded] = useLoad(`${seconds}#${live}#${advanced}`, () => api.sandboxClock(seconds));
  return (
    <Page title="Sandbox clock">
      <p class="muted">
        Consents, tokenized numbers and deactivation notices follow this clock. It only moves forward.
      </p>
      <Loading loaded={loaded}>
        {(clock) => (
          <>
            <Facts
              rows={[
                ['Sandbox time', when(clock.now)],
                ['Ahead of real time by', `${Math.round(clock.offset_seconds / 3600)} hours`],
              ]}
            />
            <form
              class="advance"
              onSubmit={(event) => {
                event.preventDefault();
                if (!seconds) return;
                setBusy(true);
                setMessage(undefined);
                api.advanceClock(seconds).then(
                  (moved) => {
                    setBusy(false);
                    setAdvanced((n) => n + 1);
                    setMessage({
                      text: `Advanced by ${span(amount, unit)}. Sandbox time is now ${when(moved.now)}.`,
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
              <div class="pair">
                <label class="field">
                  <span>Amount</span>
                  <input
                    name="amount"
                    type="number"
                    min={1}
                    step={1}
                    required
                    value={amount}
                    onInput={(event) => setAmount(Number(event.currentTarget.value))}
                  />
                </label>
                <label class="field">
                  <span>Unit</span>
                  <select
                    name="unit"
                    value={unit}
                    onChange={(event) => setUnit(event.currentTarget.value as Unit)}
                  >
                    {Object.keys(units).map((name) => (
                      <option key={name} value={name}>
                        {name}
                      </option>
                    ))}
                  </select>
                </label>
              </div>
              <h2>Deactivations this advance will cause</h2>
              {!clock.deactivations || clock.deactivations.length === 0 ? (
                <p>None: no consent ends within {valid ? span(amount, unit) : 'this span'}.</p>
              ) : (
                <ul class="deactivations">
                  {clock.deactivations.map((ending) => (
                    <li key={ending.authorization}>
                      <p>
                        Consent of authorization{' '}
                        <Link href={`/dashboard/authorizations/${ending.authorization}`}>
                          <code>{ending.authorization}</code>
                        </Link>{' '}
                        ends {when(ending.ends_at)}; these accounts become inactive:
                      </p>
                      <AccountRows accounts={ending.accounts} />
                    </li>
                  ))}
                </ul>
              )}
              <button type="submit" class="primary inline" disabled={busy || !valid}>
                Advance the clock by {valid ? span(amount, unit) : '…'}
              </button>
            </form>
          </>
        )}
      </Loading>
      <p role="status" class={message?.error ? 'error' : 'done'}>
        {message?.text ?? ''}
      </p>
    </Page>
  );
}
