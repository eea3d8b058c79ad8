/**
 * The magic inputs of "Sandbox Bank (Non-OAuth)", as Stripe documents them: any credentials
 * succeed; `options`, `mfa`, `confirm_mfa` or `security_question` in the password or a later answer
 * asks a further question; `error` anywhere ends the login; `incorrect` lets the holder try again.
 */
import type { PromptBody } from '../wire.ts';

export type LoginOutcome =
  | { kind: 'error' }
  | { kind: 'incorrect' }
  | { kind: 'prompt'; prompt: PromptBody }
  | { kind: 'done' };

/** A Map, not an object: a password such as `constructor` must not find an inherited name. */
const prompts = new Map<string, PromptBody>(
  (
    [
      {
        kind: 'options',
        message: 'Where should we send your one-time code?',
        options: ['Text message to (•••) •••-0123', 'Email to a•••@example.com'],
      },
      { kind: 'mfa', message: 'Enter the one-time code we sent you.' },
      { kind: 'confirm_mfa', message: 'Confirm the one-time code to finish logging in.' },
      { kind: 'security_question', message: 'What was the name of your first pet?' },
    ] satisfies PromptBody[]
  ).map((prompt) => [prompt.kind, prompt]),
);

const normalise = (value: string) => value.trim().toLowerCase();

/** `values`: every field of this step; `asking`: the field whose value can ask a further question. */
export function loginOutcome(values: readonly string[], asking: string): LoginOutcome {
  const all = values.map(normalise);
  if (all.includes('error')) return { kind: 'error' };
  if (all.includes('incorrect')) return { kind: 'incorrect' };
  const prompt = prompts.get(normalise(asking));
  return prompt ? { kind: 'prompt', prompt } : { kind: 'done' };
}
