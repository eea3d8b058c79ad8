import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { configSources } from '../../src/config.ts';
import { cleanUp, run } from '../support/processes.ts';

/**
 * `openfc --help`, the configuration and the README name the same flags and environment
 * variables, so that none of them can be added to one and forgotten in the others.
 */

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const sources = Object.values(configSources);

/** The lines of the README's shell blocks that run openfc, continuation lines included. */
function openfcCommandLines(): string[] {
  const lines: string[] = [];
  for (const block of readme.matchAll(/```sh\n([\s\S]*?)```/g)) {
    let continued = false;
    for (const line of (block[1] ?? '').split('\n')) {
      const command = line.replace(/\s#.*$/, '');
      const runsOpenfc: boolean = continued || /^(npx )?openfc /.test(command);
      if (runsOpenfc) lines.push(command);
      continued = runsOpenfc && command.trimEnd().endsWith('\\');
    }
  }
  return lines;
}

/** Rows of the README's configuration table: `| \`--flag\` | \`ENV\` | …`. */
function configurationTable(): Array<{ flag: string; env: string }> {
  return [...readme.matchAll(/^\| `(--[a-z-]+)` \| `([A-Z_]+)` \|/gm)].map((m) => ({
    flag: m[1] as string,
    env: m[2] as string,
  }));
}

describe('openfc --help', () => {
  let help: string;
  before(async () => {
    const result = await run(['--help']);
    assert.equal(result.code, 0, result.stderr);
    help = result.stdout;
  });
  after(cleanUp);

  test('names every configuration flag and its environment variable', () => {
    for (const { flag, env } of sources) {
      assert.match(help, new RegExp(`${flag}(?![\\w-])`), `${flag} is missing from openfc --help`);
      assert.match(help, new RegExp(`\\b${env}\\b`), `${env} is missing from openfc --help`);
    }
  });

  test('names every flag the README gives an openfc command', () => {
    const lines = openfcCommandLines();
    assert.ok(
      lines.some((line) => line.startsWith('npx openfc listen')),
      'the README runs openfc listen',
    );
    assert.ok(
      lines.every((line) => !line.startsWith('openfc ')),
      'the README runs openfc as npx openfc (npm install does not put it on PATH)',
    );
    const flags = new Set(lines.flatMap((line) => line.match(/--[a-z][a-z-]*/g) ?? []));
    for (const flag of flags)
      assert.match(help, new RegExp(`${flag}(?![\\w-])`), `${flag} is missing from openfc --help`);
  });

  test('names every environment variable the README documents', () => {
    const envs = new Set(readme.match(/\b(?:OPENFC|STRIPE)_[A-Z0-9_]+\b/g));
    envs.delete('OPENFC_TEST_POSTGRES_URL'); // read by the test suite, not by openfc
    for (const env of envs) assert.match(help, new RegExp(`\\b${env}\\b`), `${env} is missing`);
  });

  test("the README's configuration table is the configuration's sources table", () => {
    assert.deepEqual(
      configurationTable().sort((a, b) => a.flag.localeCompare(b.flag)),
      [...sources].sort((a, b) => a.flag.localeCompare(b.flag)),
    );
  });
});
