import assert from 'node:assert/strict';

/** One sample line of Prometheus' text format: `name{label="value",…} number`. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const sampleLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const labelPair = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses an exposition, failing on any line that is neither a comment nor a sample. */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = line.match(sampleLine);
    assert.ok(match, `not a sample line: ${line}`);
    const [, name, labelText = '', value] = match as unknown as [string, string, string | undefined, string];
    const labels: Record<string, string> = {};
    for (const [, key, raw] of labelText.matchAll(labelPair)) labels[key as string] = raw as string;
    samples.push({ name, labels, value: Number(value === '+Inf' ? Infinity : value) });
  }
  return samples;
}

/** A scrape's samples, read by name and labels (a label not given matches any value). */
export class Scrape {
  constructor(readonly samples: Sample[]) {}

  /** The samples named `name` whose labels include `labels`. */
  all(name: string, labels: Record<string, string> = {}): Sample[] {
    return this.samples.filter(
      (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
  }

  /** The sum over matching samples; 0 when there is none (a series not yet seen). */
  value(name: string, labels: Record<string, string> = {}): number {
    return this.all(name, labels).reduce((sum, s) => sum + s.value, 0);
  }
}
