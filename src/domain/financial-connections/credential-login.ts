import type { SandboxInstitution } from '../../bank/catalogue.ts';
import { type BankResult, fail, type LoginPrompt, ok } from '../../bank/connector.ts';
import { type SandboxControl, SandboxControlRefused } from '../../bank/sandbox-control.ts';
import { type ApiError, invalidRequest } from '../errors.ts';
import type { FlowCall, FlowService, FlowState } from './flow.ts';

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
 * The credential login through the flow's steps: the password, then each answer in the order the
 * bank asks. A question left without an answer, or answers the bank never asked for, are refused
 * (the session stays pending); what the bank itself refuses leaves the flow at its error step.
 */
export async function logInThroughFlow(
  flow: FlowService,
  call: FlowCall,
  institution: SandboxInstitution,
  credentials: Credentials,
): Promise<FlowState> {
  const { username, password, answers } = credentials;
  let state = await flow.logIn(call, { username, password });
  let used = 0;
  while (state.step.kind === 'prompt') {
    const answer = answers[used];
    if (answer === undefined) throw unanswered(institution, state.step.prompt, used);
    used += 1;
    state = await flow.answer(call, answer);
  }
  if (state.step.kind === 'accounts' && used < answers.length) {
    // The bank granted a consent nobody will use: going back gives it back.
    await flow.back(call);
    throw invalidRequest(
      `The login at ${institution.name} finished after ${plural(used, 'answer')}, but ${answersParam} has ${answers.length}. Remove the answers the bank did not ask for.`,
      answersParam,
    );
  }
  return state;
}
