/**
 * Logins without OAuth: the credential form of "Sandbox Bank (Non-OAuth)" (with its magic inputs),
 * the no-login test institutions, and the sandbox shortcut that hands out an authorization code
 * without a browser, for automated tests.
 */
import type { FastifyInstance } from 'fastify';
import type { SandboxInstitution } from '../catalogue.ts';
import type { LoginBody } from '../wire.ts';
import { assertAvailable, institutionOrThrow } from './availability.ts';
import { challengePattern } from './codes.ts';
import { BankError, invalidRequest } from './errors.ts';
import { bodyOf, requiredText, text, texts } from './http.ts';
import { loginOutcome } from './login-flow.ts';
import type { BankContext } from './plugin.ts';

export function loginRoutes(app: FastifyInstance, { bank, authorizations }: BankContext): void {
  /** A completed login consents to every account; the holder picks among them in openfc's flow. */
  const authorized = (institution: SandboxInstitution, userId: string): LoginBody => {
    const ids = bank.accountsOf(userId).map((held) => held.id);
    return { status: 'authorized', token: bank.grant(institution, userId, ids).token };
  };

  app.post('/login', async (request): Promise<LoginBody> => {
    const fields = bodyOf(request);
    const loginId = text(fields, 'login_id');
    if (loginId !== undefined) {
      const login = authorizations.login(loginId);
      if (!login) throw new BankError('login_failed', 'This login has ended; start again.');
      assertAvailable(login.institution, bank.now());
      const answer = requiredText(fields, 'answer');
      const outcome = loginOutcome([answer], answer);
      if (outcome.kind === 'error') authorizations.endLogin(login.id);
      if (outcome.kind === 'error') throw new BankError('login_failed', 'The bank ended this login.');
      if (outcome.kind === 'incorrect')
        throw new BankError('invalid_credentials', 'That answer is incorrect.');
      if (outcome.kind === 'prompt') return { status: 'prompt', login_id: login.id, prompt: outcome.prompt };
      authorizations.endLogin(login.id);
      return authorized(login.institution, login.userId);
    }

    const institution = institutionOrThrow(fields.institution);
    assertAvailable(institution, bank.now());
    const username = text(fields, 'username');
    if (institution.auth === 'oauth') throw invalidRequest(`${institution.name} logs in with OAuth.`);
    if (institution.auth === 'none') return authorized(institution, bank.user(institution, username));

    const password = text(fields, 'password');
    if (username === undefined || password === undefined) {
      throw new BankError('invalid_credentials', 'Enter a username and a password.');
    }
    const outcome = loginOutcome([username, password], password);
    if (outcome.kind === 'error') throw new BankError('login_failed', 'The bank ended this login.');
    if (outcome.kind === 'incorrect')
      throw new BankError('invalid_credentials', 'Incorrect username or password.');
    const userId = bank.user(institution, username);
    if (outcome.kind === 'done') return authorized(institution, userId);
    const login = authorizations.openLogin(institution, userId);
    return { status: 'prompt', login_id: login.id, prompt: outcome.prompt };
  });

  app.post('/sandbox/authorizations', async (request) => {
    const fields = bodyOf(request);
    const institution = institutionOrThrow(fields.institution);
    assertAvailable(institution, bank.now());
    const keys = texts(fields, 'accounts') ?? institution.accounts.map((a) => a.key);
    const unknown = keys.filter((key) => !institution.accounts.some((a) => a.key === key));
    if (keys.length === 0 || unknown.length > 0) {
      throw invalidRequest(
        `accounts must name accounts of ${institution.name}; unknown: ${unknown.join(', ')}`,
      );
    }
    const codeChallenge = text(fields, 'code_challenge');
    if (codeChallenge !== undefined && !challengePattern.test(codeChallenge)) {
      throw invalidRequest('code_challenge must be an S256 challenge (43 base64url characters).');
    }
    const userId = bank.user(institution, text(fields, 'bank_user'));
    const code = authorizations.issueCode({
      institution,
      userId,
      accountIds: bank.accountsOf(userId, keys).map((held) => held.id),
      redirectUri: undefined,
      codeChallenge,
    });
    return { code, bank_user_id: userId };
  });
}
