/**
 * Logins without OAuth: the credential form of "Sandbox Bank (Non-OAuth)" (with its magic inputs)
 * and the no-login test institutions, which end in an authorization code for the client that asked
 * (exchanged at the token endpoint with the client's credentials, as an OAuth code is); and the
 * sandbox shortcut that hands a client a code without a browser, for automated tests.
 */
import type { FastifyInstance } from 'fastify';
import type { SandboxInstitution } from '../catalogue.ts';
import type { LoginBody } from '../wire.ts';
import { assertAvailable, institutionOrThrow } from './availability.ts';
import { requiredTenant } from './clients.ts';
import { challengePattern } from './codes.ts';
import { BankError, invalidRequest } from './errors.ts';
import { bodyOf, requiredText, text, texts } from './http.ts';
import { loginOutcome } from './login-flow.ts';
import type { BankContext } from './plugin.ts';

export function loginRoutes(
  app: FastifyInstance,
  { clock, holders, authorizations, clients }: BankContext,
): void {
  /** A completed login consents to every account; the holder picks among them in openfc's flow. */
  const authorized = async (
    institution: SandboxInstitution,
    clientId: string,
    userId: string,
  ): Promise<LoginBody> => {
    const accountIds = (await holders.accountsOf(userId)).map((held) => held.id);
    const code = await authorizations.issueCode({
      institution,
      clientId,
      userId,
      accountIds,
      redirectUri: undefined,
      codeChallenge: undefined,
    });
    return { status: 'authorized', code };
  };

  app.post('/login', async (request): Promise<LoginBody> => {
    const fields = bodyOf(request);
    const loginId = text(fields, 'login_id');
    if (loginId !== undefined) {
      const login = await authorizations.login(loginId);
      if (!login) throw new BankError('login_failed', 'This login has ended; start again.');
      assertAvailable(login.institution, clock.now());
      const answer = requiredText(fields, 'answer');
      const outcome = loginOutcome([answer], answer);
      if (outcome.kind === 'error') {
        await authorizations.close(login.id);
        throw new BankError('login_failed', 'The bank ended this login.');
      }
      if (outcome.kind === 'incorrect')
        throw new BankError('invalid_credentials', 'That answer is incorrect.');
      if (outcome.kind === 'prompt') return { status: 'prompt', login_id: login.id, prompt: outcome.prompt };
      if (!(await authorizations.close(login.id)))
        throw new BankError('login_failed', 'This login has ended; start again.');
      return authorized(login.institution, login.clientId, login.userId);
    }

    const institution = institutionOrThrow(fields.institution);
    assertAvailable(institution, clock.now());
    const clientId = requiredText(fields, 'client_id');
    if (!(await clients.isRegistered(clientId)))
      throw invalidRequest('client_id must name a registered client.');
    const tenant = requiredTenant(fields.tenant);
    const username = text(fields, 'username');
    if (institution.auth === 'oauth') throw invalidRequest(`${institution.name} logs in with OAuth.`);
    if (institution.auth === 'none')
      return authorized(institution, clientId, await holders.user(tenant, institution, username));

    const password = text(fields, 'password');
    if (username === undefined || password === undefined) {
      throw new BankError('invalid_credentials', 'Enter a username and a password.');
    }
    const outcome = loginOutcome([username, password], password);
    if (outcome.kind === 'error') throw new BankError('login_failed', 'The bank ended this login.');
    if (outcome.kind === 'incorrect')
      throw new BankError('invalid_credentials', 'Incorrect username or password.');
    const userId = await holders.user(tenant, institution, username);
    if (outcome.kind === 'done') return authorized(institution, clientId, userId);
    const login = await authorizations.openLogin(institution, clientId, userId);
    return { status: 'prompt', login_id: login.id, prompt: outcome.prompt };
  });

  app.post('/sandbox/authorizations', async (request) => {
    const caller = await clients.caller(request);
    const fields = bodyOf(request);
    const institution = institutionOrThrow(fields.institution);
    assertAvailable(institution, clock.now());
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
    const userId = await holders.user(requiredTenant(fields.tenant), institution, text(fields, 'bank_user'));
    const code = await authorizations.issueCode({
      institution,
      // The administrator's code may be exchanged by any client.
      clientId: caller.kind === 'client' ? caller.clientId : undefined,
      userId,
      accountIds: (await holders.accountsOf(userId, keys)).map((held) => held.id),
      redirectUri: undefined,
      codeChallenge,
    });
    return { code, bank_user_id: userId };
  });
}
