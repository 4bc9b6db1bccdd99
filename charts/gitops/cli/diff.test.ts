import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { gitopsSettings } from '../settings';
import { compareTrees, type ObjectChange } from './diff';
import { formatMarkdown } from './format';
import { git } from './git';
import { toRepoLayout } from './layout';
import { renderedDiff, synthAtCommit } from './rendered-diff';
import { parseGitOpsSettings } from '../schema';
import {
  changedLines,
  commitFiles,
  gitIdentityForSuite,
  settingsWith,
  scratch,
  writeFiles,
  type Scratch,
} from './testing';
import { synthTree, type Tree } from './tree';

const PROD_HPA = 'HorizontalPodAutoscaler user-service-prod/user-service-hpa';
const DEV_HPA = 'HorizontalPodAutoscaler user-service-dev/user-service-hpa';
const DEV_PDB = 'PodDisruptionBudget user-service-dev/user-service-pdb';

const maxReplicas25 = settingsWith('prod', { autoscaling: { maxReplicas: 25 } });
const baseline = synthTree();

function expectOnlyMaxReplicas(changes: readonly ObjectChange[]): void {
  expect(changes.map((c) => [c.group, c.status, c.key])).toEqual([['prod', 'changed', PROD_HPA]]);
  expect(changedLines(changes[0]?.patch ?? '')).toEqual([
    '-  maxReplicas: 20',
    '+  maxReplicas: 25',
  ]);
}

describe('rendered diff of two trees', () => {
  it('shows a changed field and nothing else', () => {
    expectOnlyMaxReplicas(compareTrees(baseline, synthTree({ settings: maxReplicas25 })));
  });

  it('finds nothing between two syntheses of the same settings', () => {
    expect(compareTrees(baseline, synthTree())).toEqual([]);
  });

  it('lists added and removed objects with their YAML', () => {
    // From two replicas on, dev gets a PodDisruptionBudget.
    const twoPods = synthTree({
      settings: settingsWith('dev', { autoscaling: { minReplicas: 2 } }),
    });
    const added = compareTrees(baseline, twoPods);
    expect(added.map((c) => [c.group, c.status, c.key])).toEqual([
      ['dev', 'changed', DEV_HPA],
      ['dev', 'added', DEV_PDB],
      ['dev', 'changed', 'kustomization.yaml'],
    ]);
    expect(added[1]?.after).toContain('maxUnavailable: 1');
    expect(changedLines(added[2]?.patch ?? '')).toEqual([
      '+  - poddisruptionbudget-user-service-pdb.yaml',
    ]);
    const removed = compareTrees(twoPods, baseline);
    expect(removed.map((c) => c.status)).toEqual(['changed', 'removed', 'changed']);
    expect(removed[1]?.before).toBe(added[1]?.after);
  });

  it('keeps to the selected environments', () => {
    expect(compareTrees(baseline, synthTree({ settings: maxReplicas25 }), ['dev'])).toEqual([]);
  });

  it('ignores comments and layout, comparing objects', () => {
    const reformatted: Tree = new Map(
      [...baseline].map(([p, c]) => [
        p,
        '# another header\n' +
          parseAllDocuments(c)
            .map((d) => stringify(d.toJS(), { indent: 4, sortMapEntries: true }))
            .join('---\n'),
      ]),
    );
    expect(reformatted.get('prod/deployment-user-service.yaml')).not.toBe(
      baseline.get('prod/deployment-user-service.yaml'),
    );
    expect(compareTrees(baseline, reformatted)).toEqual([]);
  });

  it('formats Markdown for a pull request', () => {
    const changes = compareTrees(baseline, synthTree({ settings: maxReplicas25 }));
    const md = formatMarkdown(changes, '`main`');
    expect(md).toContain('### Rendered manifests compared with `main`');
    expect(md).toContain('| prod | 1 | 0 | 0 |');
    expect(md).toContain(`#### changed: \`${PROD_HPA}\``);
    expect(md).toMatch(
      /```diff\n--- a\/HorizontalPodAutoscaler\/user-service-prod\/user-service-hpa\n/,
    );
    expect(md).toContain('\n-  maxReplicas: 20\n+  maxReplicas: 25\n');
    expect(formatMarkdown([], '`HEAD`')).toBe(
      '### Rendered manifests compared with `HEAD`\n\nNo object changed.\n',
    );
  });
});

describe('npm run diff', () => {
  let tmp: Scratch;
  gitIdentityForSuite();
  beforeEach(() => {
    tmp = scratch('gitops-diff-');
  });
  afterEach(() => {
    tmp.remove();
  });

  it('compares with a dist/ folder', () => {
    const dist = join(tmp.dir, 'dist');
    writeFiles(dist, baseline);
    const diff = renderedDiff({ against: dist, settings: maxReplicas25 });
    expect(diff.against).toBe(`folder \`${dist}\``);
    expectOnlyMaxReplicas(diff.changes);
  });

  it('compares with a GitOps checkout in the published layout', () => {
    const checkout = join(tmp.dir, 'gitops');
    writeFiles(checkout, toRepoLayout(baseline, parseGitOpsSettings(gitopsSettings)));
    writeFileSync(join(checkout, 'README.md'), 'other files of the GitOps repository\n');
    expectOnlyMaxReplicas(renderedDiff({ against: checkout, settings: maxReplicas25 }).changes);
  });

  it('synthesizes this repository at HEAD in a worktree that borrows its node_modules', () => {
    const root = git(process.cwd(), ['rev-parse', '--show-toplevel']).trim();
    const worktrees = () =>
      git(root, ['worktree', 'list', '--porcelain']).match(/^worktree .*$/gm) ?? [];
    const before = worktrees();
    const tree = synthAtCommit(root, git(root, ['rev-parse', 'HEAD']).trim());
    expect(tree.get('prod/deployment-user-service.yaml')).toMatch(/^kind: Deployment$/m);
    expect(tree.get('dev/kustomization.yaml')).toMatch(/^kind: Kustomization$/m);
    expect(worktrees()).toEqual(before);
  });

  describe('against a git ref (a temporary worktree that runs that ref`s npm run synth)', () => {
    let source: string;
    let first: string;

    /** A repository whose `npm run synth -- --outdir <dir>` writes the files of tree.json. */
    function commitSource(tree: Tree, message: string): string {
      const synth =
        "const fs = require('fs'), path = require('path');\n" +
        "const out = process.argv[process.argv.indexOf('--outdir') + 1];\n" +
        "for (const [p, c] of Object.entries(require('./tree.json'))) {\n" +
        '  fs.mkdirSync(path.dirname(path.join(out, p)), { recursive: true });\n' +
        '  fs.writeFileSync(path.join(out, p), c);\n}\n';
      return commitFiles(
        source,
        {
          'package.json': JSON.stringify({ scripts: { synth: 'node synth.js' } }),
          'synth.js': synth,
          'tree.json': JSON.stringify(Object.fromEntries(tree)),
        },
        message,
      );
    }

    beforeEach(() => {
      source = tmp.repo('source');
      first = commitSource(baseline, 'baseline');
    });

    it('defaults to HEAD without origin/main, and removes its worktree', () => {
      const diff = renderedDiff({ sourceDir: source, settings: maxReplicas25 });
      expect(diff.against).toBe(`\`HEAD\` (${first.slice(0, 12)})`);
      expectOnlyMaxReplicas(diff.changes);
      expect(git(source, ['worktree', 'list', '--porcelain']).match(/^worktree /gm)).toHaveLength(
        1,
      );
    });

    it('defaults to the merge base with origin/main when it exists', () => {
      git(source, ['update-ref', 'refs/remotes/origin/main', first]);
      commitSource(
        synthTree({ settings: settingsWith('prod', { logLevel: 'debug' }) }),
        'newer work',
      );
      const diff = renderedDiff({ sourceDir: source, settings: maxReplicas25 });
      expect(diff.against).toBe(`\`origin/main\` (merge base ${first.slice(0, 12)})`);
      expectOnlyMaxReplicas(diff.changes);
    });

    it('takes an explicit ref and restricts to --env', () => {
      commitSource(synthTree({ settings: maxReplicas25 }), 'raise prod');
      expect(renderedDiff({ sourceDir: source, against: 'HEAD', settings: maxReplicas25 })).toEqual(
        { against: expect.stringMatching(/^`HEAD` /) as unknown, changes: [] },
      );
      const diff = renderedDiff({ sourceDir: source, against: 'HEAD~1', settings: maxReplicas25 });
      expectOnlyMaxReplicas(diff.changes);
      const dev = renderedDiff({
        sourceDir: source,
        against: 'HEAD~1',
        settings: maxReplicas25,
        environments: ['dev'],
      });
      expect(dev.changes).toEqual([]);
    });

    it('names an unknown ref and a failing synth', () => {
      expect(() => renderedDiff({ sourceDir: source, against: 'no-such-ref' })).toThrow(
        `--against no-such-ref: neither a folder nor a git ref of ${source}`,
      );
      commitFiles(source, { 'synth.js': 'console.error("broken synth"); process.exit(3);\n' }, 'x');
      expect(() => renderedDiff({ sourceDir: source, against: 'HEAD' })).toThrow(
        /synth at [0-9a-f]{12} failed:\n.*broken synth/,
      );
      expect(git(source, ['worktree', 'list', '--porcelain']).match(/^worktree /gm)).toHaveLength(
        1,
      );
    });
  });
});
