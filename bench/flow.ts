/**
 * The account holder's flow in the browser: the JavaScript it costs (gzipped), and the time to its
 * first usable screen (flow-consent.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type ConsentSeries, type ConsentTimes, consentTimes } from './flow-consent.ts';

const projectDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const chromiumPath = process.env.OPENFC_TEST_CHROMIUM ?? '/usr/bin/chromium';

export interface FlowMeasurement {
  /** gzip (zlib's default level) of every script of the flow app, summed. */
  flowJsGzipBytes: number;
  flowJsFiles: number;
  /** gzip of the classic client library. */
  clientGzipBytes: number;
  consent: ConsentTimes | { skipped: string };
}

const gzipped = (file: string) => gzipSync(readFileSync(file)).length;

function sizes(): Omit<FlowMeasurement, 'consent'> {
  const assets = path.join(projectDir, 'dist/flow/assets');
  const client = path.join(projectDir, 'dist/client/openfc.js');
  if (!existsSync(assets) || !existsSync(client))
    throw new Error('dist/ is missing: run `npm run build` first.');
  const scripts = readdirSync(assets).filter((f) => f.endsWith('.js'));
  return {
    flowJsGzipBytes: scripts.reduce((sum, f) => sum + gzipped(path.join(assets, f)), 0),
    flowJsFiles: scripts.length,
    clientGzipBytes: gzipped(client),
  };
}

export async function measureFlow(runs: number): Promise<FlowMeasurement> {
  const measured = sizes();
  if (!existsSync(chromiumPath)) {
    const skipped = `no Chromium at ${chromiumPath} (set OPENFC_TEST_CHROMIUM)`;
    process.stderr.write(`flow: skipping the browser timing: ${skipped}\n`);
    return { ...measured, consent: { skipped } };
  }
  return { ...measured, consent: await consentTimes(chromiumPath, runs) };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const verdict = (met: boolean) => (met ? 'met' : 'NOT MET');

export function reportFlow(m: FlowMeasurement): void {
  console.log('\nThe flow in the browser (sizes: gzip at zlib level 6, KB = 1024 bytes)');
  console.log(
    `  flow app JavaScript:  ${kb(m.flowJsGzipBytes)} in ${m.flowJsFiles} file(s) (goal < 60 KB: ${verdict(m.flowJsGzipBytes < 60 * 1024)})`,
  );
  console.log(
    `  openfc.js:            ${kb(m.clientGzipBytes)} (goal < 8 KB: ${verdict(m.clientGzipBytes < 8 * 1024)})`,
  );
  if ('skipped' in m.consent) {
    console.log(`  collect → consent:    skipped: ${m.consent.skipped}`);
    return;
  }
  const { coldMs, atCall, prepared } = m.consent;
  const line = (label: string, c: ConsentSeries, goal: boolean) =>
    console.log(
      `  ${label} p50 ${c.p50.toFixed(0)} ms, p99 ${c.p99.toFixed(0)} ms over ${c.runs} calls${goal ? ` (goal p50 < 300 ms: ${verdict(c.p50 < 300)})` : ''}`,
    );
  line('collect → consent, OpenFC() made at page load:', prepared, true);
  line('collect → consent, OpenFC() made at the call: ', atCall, false);
  console.log(`  the cold first call (OpenFC() at the call, empty cache): ${coldMs.toFixed(0)} ms`);
  const at = atCall.phaseP50;
  console.log(
    `  medians since the call (OpenFC() at the call): frame navigation ${at.frame.toFixed(0)} ms, its HTML ${at.document.toFixed(0)} ms, its script ${at.script.toFixed(0)} ms, POST /flow/v1/session answered ${at.session.toFixed(0)} ms, consent usable ${at.consent.toFixed(0)} ms`,
  );
  console.log(
    `  medians since the call (prepared): POST /flow/v1/session answered ${prepared.phaseP50.session.toFixed(0)} ms, consent usable ${prepared.phaseP50.consent.toFixed(0)} ms`,
  );
}
