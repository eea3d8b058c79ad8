/**
 * undici, loaded with openfc's first outgoing request (a webhook, a call to the bank): a server
 * that makes none does not hold it.
 */
import type Undici from 'undici';

let loaded: Promise<typeof Undici> | undefined;

/** The package's CommonJS exports (`default`, as both Node and the bundle import them). */
export const undici = (): Promise<typeof Undici> => {
  loaded ??= import('undici').then((module) => module.default);
  return loaded;
};
