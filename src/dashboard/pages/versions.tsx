import type { VersionRenderings } from '../types.ts';

interface Line {
  text: string;
  /** The dotted path of the field the line shows; '' for the object itself. */
  path: string;
}

/** The object as indented JSON, one line per field, each knowing its field's path. */
function jsonLines(value: unknown, path = '', key = '', indent = '', last = true): Line[] {
  const label = key ? `${JSON.stringify(key)}: ` : '';
  const comma = last ? '' : ',';
  const join = (child: string) => (path ? `${path}.${child}` : child);
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v, ''] as const)
      : Object.entries(value).map(([k, v]) => [k, v, k] as const);
    const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) return [{ text: `${indent}${label}${open}${close}${comma}`, path }];
    return [
      { text: `${indent}${label}${open}`, path },
      ...entries.flatMap(([child, v, k], i) =>
        jsonLines(v, join(child), k, `${indent}  `, i === entries.length - 1),
      ),
      { text: `${indent}${close}${comma}`, path },
    ];
  }
  return [{ text: `${indent}${label}${JSON.stringify(value)}${comma}`, path }];
}

/** Whether a line shows a differing field, a field inside one, or a field that holds one. */
function differs(path: string, differing: readonly string[]): boolean {
  if (path === '') return false;
  return differing.some((d) => d === path || path.startsWith(`${d}.`) || d.startsWith(`${path}.`));
}

function Json({ object, differing }: { object: unknown; differing: readonly string[] }) {
  return (
    <pre class="json">
      {jsonLines(object).map((line, i) =>
        differs(line.path, differing) ? <mark key={i}>{`${line.text}\n`}</mark> : `${line.text}\n`,
      )}
    </pre>
  );
}

function value(found: { value: unknown } | null | undefined): string {
  return found ? JSON.stringify(found.value) : 'absent';
}

/**
 * The event's object as each API version openfc speaks renders it: one rendering when they all
 * agree, else side by side, with the fields that differ listed and marked.
 */
export function Versions({ versions }: { versions: VersionRenderings }) {
  const { renderings, differences } = versions;
  const shown = renderings.map((r, i) => ({ ...r, index: i })).filter((r) => r.object !== null);
  const hidden = renderings.filter((r) => r.object === null);
  const differing = differences.map((d) => d.path);
  return (
    <section aria-labelledby="versions-heading">
      <h2 id="versions-heading">The object on each API version</h2>
      {hidden.map((r) => (
        <p key={r.versions.join()}>
          Readers on {r.versions.join(', ')} never see this event: its type exists on preview versions only.
        </p>
      ))}
      {shown.length === 1 ? (
        <>
          <p>
            {hidden.length === 0 ? 'Every API version openfc speaks' : (shown[0]?.versions.join(', ') ?? '')}{' '}
            renders the object the same way.
          </p>
          <Json object={shown[0]?.object} differing={[]} />
        </>
      ) : (
        <>
          <h3 id="differences-heading">Fields that differ</h3>
          <table class="differences" aria-labelledby="differences-heading">
            <thead>
              <tr>
                <th scope="col">Field</th>
                {shown.map((r) => (
                  <th key={r.index} scope="col">
                    {r.versions.join(', ')}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {differences.map((d) => (
                <tr key={d.path}>
                  <th scope="row">
                    <code>{d.path}</code>
                  </th>
                  {shown.map((r) => (
                    <td key={r.index}>
                      <code>{value(d.values[r.index])}</code>
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          <div class="versions">
            {shown.map((r) => (
              <figure key={r.index}>
                <figcaption>{r.versions.join(', ')}</figcaption>
                <Json object={r.object} differing={differing} />
              </figure>
            ))}
          </div>
        </>
      )}
    </section>
  );
}
