import { invalidRequest } from '../errors.ts';
import { sameSecret } from '../ids.ts';

/**
 * The intent `load` finds, for a caller that proves it was handed its client secret (a
 * publishable key reads and confirms an intent only so).
 */
export async function withClientSecret<T extends { clientSecret: string }>(
  objectName: 'PaymentIntent' | 'SetupIntent',
  clientSecret: string | undefined,
  load: () => Promise<T>,
): Promise<T> {
  if (clientSecret === undefined) {
    throw invalidRequest(
      `Missing required param: client_secret. A publishable key reads a ${objectName} only with its client secret.`,
      'client_secret',
      'parameter_missing',
    );
  }
  const intent = await load();
  if (!sameSecret(clientSecret, intent.clientSecret)) {
    throw invalidRequest(
      `The client_secret provided does not match the client_secret associated with the ${objectName}.`,
      'client_secret',
    );
  }
  return intent;
}

/**
 * The intent as a caller with this kind of key reaches it: a publishable key only with its client
 * secret; a secret key always, and a client secret it sends must match too.
 */
export function reachIntent<T extends { clientSecret: string }>(
  objectName: 'PaymentIntent' | 'SetupIntent',
  keyKind: 'secret' | 'publishable',
  clientSecret: string | undefined,
  load: () => Promise<T>,
): Promise<T> {
  if (keyKind === 'secret' && clientSecret === undefined) return load();
  return withClientSecret(objectName, clientSecret, load);
}
