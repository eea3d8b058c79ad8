import type { SandboxInstitution } from '../../bank/catalogue.ts';
import {
  type Authorized,
  type BankResult,
  fail,
  type InstitutionConnector,
  type LoginPrompt,
  ok,
} from '../../bank/connector.ts';
import { type SandboxControl, SandboxControlRefused } from '../../bank/sandbox-control.ts';
import { type ApiError, invalidRequest } from '../errors.ts';

/**
 * What the holder types at a credential login: a username and a password, then the answers to the
 * bank's prompts, in the order the bank asks them (the option picked, the one-time code, the
 * security answer, ...).
 */
export interface Credentials {
  username: string;
  password: string;
  answers: string[];
}

const answersParam = 'credentials[answers]';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function unanswered(institution: SandboxInstitution, prompt: LoginPrompt, used: number): ApiError {
  const choices = prompt.kind === 'options' ? `: ${prompt.options.join('; ')}` : '';
  return invalidRequest(
    `After ${plural(used, 'answer')}, ${institution.name} asked "${prompt.message}" (${prompt.kind}${choices}). Add the answer to ${answersParam}.`,
    answersParam,
  );
}

/** Credentials are for institutions whose login is a credential form; the others are refused. */
export function refuseCredentials(institution: SandboxInstitution): ApiError | undefined {
  if (institution.auth === 'credentials') return undefined;
  const how = institution.auth === 'oauth' ? 'logs in with OAuth' : 'needs no login';
  return invalidRequest(
    `${institution.name} ${how}: credentials are only accepted for an institution with a credential login, such as Sandbox Bank (Non-OAuth).`,
    'credentials',
  );
}

/**
 * The holder at the bank the username logs in as. A bank that does not answer is unavailable, as it
 * would be for the login itself.
 */
export async function holderAtBank(
  control: SandboxControl,
  merchantId: string,
  institution: SandboxInstitution,
  username: string,
): Promise<BankResult<string>> {
  try {
    return ok(await control.holder(merchantId, institution.id, username));
  } catch (error) {
    if (error instanceof SandboxControlRefused && error.status < 500) throw error;
    return fail({ kind: 'institution_unavailable' });
  }
}

/**
 * Logs in with credentials, answering each prompt of the bank with the next answer. A prompt left
 * without an answer, or answers the bank never asked for, are refused (the session stays pending);
 * what the bank itself refuses comes back as its failure.
 */
export async function logInWithCredentials(
  connector: InstitutionConnector,
  merchantId: string,
  institution: SandboxInstitution,
  credentials: Credentials,
): Promise<BankResult<Authorized>> {
  const { username, password, answers } = credentials;
  let step = await connector.logIn(institution.id, { tenant: merchantId, username, password });
  let used = 0;
  while (step.ok && step.value.status === 'prompt') {
    const { loginId, prompt } = step.value;
    const answer = answers[used];
    if (answer === undefined) throw unanswered(institution, prompt, used);
    used += 1;
    step = await connector.logIn(institution.id, { loginId, answer });
  }
  if (!step.ok) return step;
  if (step.value.status !== 'authorized') throw new Error('unreachable: every prompt was answered');
  const { authorized } = step.value;
  if (used < answers.length) {
    // The bank granted a consent nobody will use: give it back before refusing.
    await connector.revoke(institution.id, authorized.grant);
    throw invalidRequest(
      `The login at ${institution.name} finished after ${plural(used, 'answer')}, but ${answersParam} has ${answers.length}. Remove the answers the bank did not ask for.`,
      answersParam,
    );
  }
  return ok(authorized);
}
