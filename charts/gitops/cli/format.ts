import type { ObjectChange } from './diff';

const STATUS_WORD = { added: 'added', removed: 'removed', changed: 'changed' } as const;

function fence(language: string, body: string): string {
  // A fence longer than any backtick run inside keeps the block intact.
  const longest = Math.max(2, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const ticks = '`'.repeat(longest + 1);
  return `${ticks}${language}\n${body.endsWith('\n') ? body : `${body}\n`}${ticks}`;
}

function summaryTable(changes: readonly ObjectChange[]): string[] {
  const groups = [...new Set(changes.map((c) => c.group))];
  const count = (g: string, s: ObjectChange['status']) =>
    changes.filter((c) => c.group === g && c.status === s).length;
  return [
    '| folder | changed | added | removed |',
    '| --- | ---: | ---: | ---: |',
    ...groups.map(
      (g) => `| ${g} | ${count(g, 'changed')} | ${count(g, 'added')} | ${count(g, 'removed')} |`,
    ),
  ];
}

function section(change: ObjectChange): string[] {
  const title = `#### ${STATUS_WORD[change.status]}: \`${change.key}\``;
  if (change.status === 'changed') return [title, '', fence('diff', change.patch ?? '')];
  const yaml = change.after ?? change.before ?? '';
  return [title, '', '<details><summary>YAML</summary>', '', fence('yaml', yaml), '', '</details>'];
}

/**
 * The rendered diff as Markdown for a pull request: a summary table per dist/ folder, then
 * each changed object's unified diff and each added or removed object's YAML (collapsed).
 */
export function formatMarkdown(changes: readonly ObjectChange[], against: string): string {
  const heading = `### Rendered manifests compared with ${against}`;
  if (changes.length === 0) return `${heading}\n\nNo object changed.\n`;
  const lines = [heading, '', ...summaryTable(changes)];
  let group: string | undefined;
  for (const change of changes) {
    if (change.group !== group) {
      group = change.group;
      lines.push('', `### ${group}`);
    }
    lines.push('', ...section(change));
  }
  return `${lines.join('\n')}\n`;
}
