import { createHash } from 'node:crypto';
import type { Kysely, Selectable, Transaction, Updateable } from 'kysely';
import type { BankAccount, Grant, LoginPrompt } from '../../bank/connector.ts';
import type { Database, FcSessionFlowsTable, FlowStepKind } from '../../store/schema.ts';
import type { SecretBox } from '../../store/secrets.ts';
import { invalidRequest } from '../errors.ts';

/** The accounts the bank shared after the login, without anything secret. */
export type SharedAccount = Omit<BankAccount, 'status' | 'currency'>;

/** Why the login ended at the error step; when a down bank expects to be back (Unix seconds). */
export interface FlowFailure {
  kind: string;
  message: string | null;
  availableAt: number | null;
}

/** A flow as its steps read it; secrets are opened only when a step needs them. */
export interface Flow {
  sessionId: string;
  merchantId: string;
  version: number;
  step: FlowStepKind;
  institutionId: string | null;
  consented: boolean;
  redirectUri: string | null;
  prompt: LoginPrompt | null;
  bankAccounts: SharedAccount[] | null;
  failure: FlowFailure | null;
}

/** What a step changes; secrets in the clear here, sealed on the way in. */
export interface FlowChange {
  step: FlowStepKind;
  institutionId?: string | null;
  consented?: boolean;
  oauth?: { state: string; verifier: string; redirectUri: string; authorizeUrl: string } | null;
  loginId?: string | null;
  prompt?: LoginPrompt | null;
  grant?: Grant | null;
  bankAccounts?: SharedAccount[] | null;
  failure?: FlowFailure | null;
}

export function stateDigest(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

function fromRow(row: Selectable<FcSessionFlowsTable>): Flow {
  return {
    sessionId: row.session_id,
    merchantId: row.merchant_id,
    version: row.version,
    step: row.step,
    institutionId: row.institution_id,
    consented: row.consented === 1,
    redirectUri: row.redirect_uri,
    prompt: row.prompt === null ? null : (JSON.parse(row.prompt) as LoginPrompt),
    bankAccounts: row.bank_accounts === null ? null : (JSON.parse(row.bank_accounts) as SharedAccount[]),
    failure:
      row.failure_kind === null
        ? null
        : { kind: row.failure_kind, message: row.failure_message, availableAt: row.failure_available_at },
  };
}

/** The only module that reads and writes `fc_session_flows`. */
export class FlowStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: SecretBox,
  ) {}

  private seal(sessionId: string, what: string, value: string): string {
    return this.secrets.seal(value, `${sessionId}:${what}`);
  }

  private open(sessionId: string, what: string, sealed: string | null): string | null {
    return sealed === null ? null : this.secrets.open(sealed, `${sessionId}:${what}`);
  }

  private find(merchantId: string, sessionId: string) {
    return this.db
      .selectFrom('fc_session_flows')
      .selectAll()
      .where('session_id', '=', sessionId)
      .where('merchant_id', '=', merchantId)
      .executeTakeFirst();
  }

  /** How far the holder got in the session's flow; undefined when the flow was never opened. */
  async progress(merchantId: string, sessionId: string): Promise<Flow | undefined> {
    const found = await this.find(merchantId, sessionId);
    return found && fromRow(found);
  }

  /**
   * The session's flow, started at the consent step the first time it is asked for (only then
   * written: reading a flow writes nothing).
   */
  async load(merchantId: string, sessionId: string): Promise<Flow> {
    const found = await this.find(merchantId, sessionId);
    if (found) return fromRow(found);
    await this.db
      .insertInto('fc_session_flows')
      .values({
        session_id: sessionId,
        merchant_id: merchantId,
        version: 0,
        step: 'consent',
        consented: 0,
        updated: Date.now(),
      })
      .onConflict((oc) => oc.column('session_id').doNothing())
      .execute();
    const row = await this.find(merchantId, sessionId);
    if (!row) throw new Error(`the flow of ${sessionId} was not kept`);
    return fromRow(row);
  }

  async findByState(state: string): Promise<Flow | undefined> {
    const row = await this.db
      .selectFrom('fc_session_flows')
      .selectAll()
      .where('state_digest', '=', stateDigest(state))
      .where('step', '=', 'oauth')
      .executeTakeFirst();
    return row && fromRow(row);
  }

  /** The secrets a step needs, opened. */
  async secretsOf(flow: Flow) {
    const row = await this.db
      .selectFrom('fc_session_flows')
      .select(['verifier_sealed', 'login_id_sealed', 'grant_sealed', 'authorize_url_sealed'])
      .where('session_id', '=', flow.sessionId)
      .executeTakeFirstOrThrow();
    const id = flow.sessionId;
    const grant = this.open(id, 'grant', row.grant_sealed);
    return {
      verifier: this.open(id, 'verifier', row.verifier_sealed),
      loginId: this.open(id, 'login', row.login_id_sealed),
      grant: grant === null ? null : (JSON.parse(grant) as Grant),
      authorizeUrl: this.open(id, 'authorize_url', row.authorize_url_sealed),
    };
  }

  /**
   * Takes a step from the version the flow was read at: of two processes taking a step from the
   * same state, the second is refused and changes nothing.
   */
  async move(flow: Flow, change: FlowChange, db: Kysely<Database> | Transaction<Database> = this.db) {
    const id = flow.sessionId;
    const set: Updateable<FcSessionFlowsTable> = {
      version: flow.version + 1,
      step: change.step,
      updated: Date.now(),
    };
    if (change.institutionId !== undefined) set.institution_id = change.institutionId;
    if (change.consented !== undefined) set.consented = change.consented ? 1 : 0;
    if (change.oauth !== undefined) {
      const o = change.oauth;
      set.state_digest = o && stateDigest(o.state);
      set.verifier_sealed = o && this.seal(id, 'verifier', o.verifier);
      set.redirect_uri = o?.redirectUri ?? null;
      set.authorize_url_sealed = o && this.seal(id, 'authorize_url', o.authorizeUrl);
    }
    if (change.loginId !== undefined)
      set.login_id_sealed = change.loginId && this.seal(id, 'login', change.loginId);
    if (change.prompt !== undefined) set.prompt = change.prompt && JSON.stringify(change.prompt);
    if (change.grant !== undefined)
      set.grant_sealed = change.grant && this.seal(id, 'grant', JSON.stringify(change.grant));
    if (change.bankAccounts !== undefined)
      set.bank_accounts = change.bankAccounts && JSON.stringify(change.bankAccounts);
    if (change.failure !== undefined) {
      set.failure_kind = change.failure?.kind ?? null;
      set.failure_message = change.failure?.message ?? null;
      set.failure_available_at = change.failure?.availableAt ?? null;
    }
    const updated = await db
      .updateTable('fc_session_flows')
      .set(set)
      .where('session_id', '=', id)
      .where('version', '=', flow.version)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) {
      throw invalidRequest(
        'This step was already taken for this session; read the session again for its current step.',
        'client_secret',
        'status_transition_invalid',
      );
    }
  }
}
