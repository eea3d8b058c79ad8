import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, type FlowApi } from './api.ts';
import type { SetupHost } from './host.ts';
import { Frame, Loading, useEscape } from './screen.tsx';
import { MandateScreen } from './screens/mandate.tsx';
import type { FlowError, MandateView } from './types.ts';

const errorOf = (error: unknown): FlowError =>
  error instanceof ApiError ? error.error : { type: 'api_error', message: 'Something went wrong.' };

/** A PaymentMethod the page named, instead of the one already on the SetupIntent. */
const chosenBy = (paymentMethod: string | undefined): Record<string, string> =>
  paymentMethod ? { payment_method: paymentMethod } : {};

const acceptedHere = {
  'mandate_data[customer_acceptance][type]': 'online',
  // As Stripe.js sends it: openfc takes the IP address and user agent from this browser's request.
  'mandate_data[customer_acceptance][online][infer_from_client]': 'true',
};

/**
 * `confirmUsBankAccountSetup` in the modal: the mandate for the SetupIntent's bank account, then
 * the confirmation with the customer's acceptance. A SetupIntent that cannot be confirmed ends at
 * once with the API's error. Cancel or Close leave the SetupIntent as it was and end with it, as
 * Stripe.js ends a bank flow the customer closed.
 */
export function SetupApp(props: { api: FlowApi; host: SetupHost; paymentMethod?: string | undefined }) {
  const { api, host, paymentMethod } = props;
  const [view, setView] = useState<MandateView | null>(null);
  const [busy, setBusy] = useState(false);
  const ended = useRef(false);
  const end = useCallback((outcome: () => void) => {
    if (ended.current) return;
    ended.current = true;
    outcome();
  }, []);
  const chosen = chosenBy(paymentMethod);

  // The props come once, from the page's init: this reads the mandate once.
  useEffect(() => {
    api.post<MandateView>('setup_intents/mandate', chosenBy(paymentMethod)).then(setView, (error) => {
      end(() => host.fail(errorOf(error)));
    });
  }, [api, host, paymentMethod, end]);

  // While Accept's confirmation is on its way, closing would resolve with a SetupIntent it may
  // already have changed: the confirmation's answer ends the modal instead.
  const cancel = useCallback(() => {
    if (busy) return;
    end(() =>
      view
        ? host.finish(view.setup_intent)
        : host.fail({ type: 'invalid_request_error', message: 'The customer closed the mandate.' }),
    );
  }, [busy, end, host, view]);
  useEscape(true, cancel);

  const accept = async () => {
    if (!view) return;
    setBusy(true);
    try {
      const intent = await api.confirmSetupIntent<Record<string, unknown>>(String(view.setup_intent.id), {
        ...chosen,
        ...acceptedHere,
      });
      end(() => host.finish(intent));
    } catch (error) {
      end(() => host.fail(errorOf(error)));
    }
  };

  return (
    <Frame brand={view?.merchant.name ?? ''} busy={busy} onClose={cancel}>
      {view ? (
        <MandateScreen view={view} busy={busy} onAccept={() => void accept()} onCancel={cancel} />
      ) : (
        <Loading />
      )}
    </Frame>
  );
}
