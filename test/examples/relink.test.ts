import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { backends } from '../support/backends.ts';
import { type Harness, startHarness } from '../support/harness.ts';
import { openfcEnv } from '../support/processes.ts';

/**
 * The README's TypeScript example is `examples/relink.ts` (which `npm run typecheck` checks under
 * strict mode against the `stripe` SDK): the same text, and it does what it says against openfc.
 */

const root = path.resolve(import.meta.dirname, '../..');
const example = path.join(root, 'examples', 'relink.ts');

test('the README shows examples/relink.ts as it is', () => {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  assert.deepEqual(blocks, [readFileSync(example, 'utf8')]);
});

for (const backend of backends) {
  describe(`examples/relink.ts against openfc on ${backend.name}`, { skip: backend.skip }, () => {
    let h: Harness;
    before(async () => {
      h = await startHarness(backend);
    });
    after(() => h?.close());

    test('links an account, reads why it became inactive, and relinks it', async () => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', example], {
        cwd: root,
        env: openfcEnv({ OPENFC_API_BASE: h.url, OPENFC_SECRET_KEY: h.secretKey }),
        timeout: 30_000,
      });
      assert.match(
        stdout,
        /^(fca_\w+) is inactive: access_expired, relink_required\nrelink succeeded: \1 is active\n$/,
      );
    });
  });
}
