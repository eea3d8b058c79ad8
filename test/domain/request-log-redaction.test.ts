import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { requestLogBodyCap, toRow } from '../../src/domain/request-logs/log.ts';
import { redactJsonText } from '../../src/domain/request-logs/redact.ts';

function answered(params: () => unknown, response: string | undefined) {
  return {
    id: 'req_test',
    merchantId: 'acct_test',
    account: null,
    created: 0,
    method: 'POST',
    path: '/v1/things',
    status: 200,
    durationMs: 1.6,
    apiVersion: null,
    idempotencyKey: null,
    params,
    response,
  };
}

describe('request log redaction', () => {
  test('secret fields lose their values, wherever they are nested, and the JSON stays valid', () => {
    const body = {
      id: 'we_1',
      secret: 'whsec_abc',
      client_secret: 'seti_1_secret_2',
      nested: [
        { us_bank_account: { account_number: '000123456789', routing_number: 110000000, last4: '6789' } },
      ],
      password: 'hunter2 "quoted"',
      note: 'the secret is out',
      secret_missing: null,
    };
    const out = JSON.parse(redactJsonText(JSON.stringify(body)));
    assert.deepEqual(out, {
      id: 'we_1',
      secret: '[redacted]',
      client_secret: '[redacted]',
      nested: [
        { us_bank_account: { account_number: '[redacted]', routing_number: '[redacted]', last4: '6789' } },
      ],
      password: '[redacted]',
      note: 'the secret is out',
      secret_missing: null,
    });
  });

  test('a body without secrets is kept as it is', () => {
    const text = JSON.stringify({
      id: 'fca_1',
      object: 'financial_connections.account',
      secret_word: 'none',
    });
    assert.equal(redactJsonText(text), text);
  });

  test('secrets are recognised by their shape in any value', () => {
    const text = JSON.stringify({
      a: 'key sk_test_51HabcDEF0123456789 and sk_live_xyzXYZ0123 and rk_test_abc123',
      b: 'pi_3Nabc_secret_XYZ789 and fcsess_1AB_secret_CD2',
      c: ['whsec_0123abcDEF', 'btok_1NabcDEF'],
      d: 'masked sk_test_****6789 stays',
    });
    assert.deepEqual(JSON.parse(redactJsonText(text)), {
      a: 'key [redacted] and [redacted] and [redacted]',
      b: 'pi_3Nabc_secret_[redacted] and fcsess_1AB_secret_[redacted]',
      c: ['[redacted]', '[redacted]'],
      d: 'masked sk_test_****6789 stays',
    });
  });

  test('a log keeps at most 64 kB of each body, with the size it had', () => {
    const big = JSON.stringify({ data: 'x'.repeat(200_000) });
    const row = toRow(answered(() => ({ q: 'y'.repeat(100_000) }), big));
    assert.equal(row.response?.length, requestLogBodyCap);
    assert.equal(row.response_size, big.length);
    assert.equal(row.params?.length, requestLogBodyCap);
    assert.ok(row.params_size > 100_000);
    assert.equal(row.duration_ms, 2);
  });

  test('parameters that cannot be read are kept as null; no response body as null', () => {
    const row = toRow(
      answered(() => {
        throw new Error('not UTF-8');
      }, undefined),
    );
    assert.equal(row.params, null);
    assert.equal(row.params_size, 0);
    assert.equal(row.response, null);
    assert.equal(row.response_size, 0);
  });
});
