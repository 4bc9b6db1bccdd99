import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCheckArgs } from './check-args';

describe('parseCheckArgs', () => {
  let dir: string;
  let tool: string;
  let plain: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'check-args-'));
    tool = join(dir, 'tool');
    writeFileSync(tool, '#!/bin/sh\n');
    chmodSync(tool, 0o755);
    plain = join(dir, 'plain');
    writeFileSync(plain, '');
    chmodSync(plain, 0o644);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['no program', [], false, 'the tool is missing'],
    ['an unknown option', ['TOOL', '--envs', 'dev'], false, "Unknown option '--envs'"],
    [
      '--env without its value',
      ['TOOL', '--env'],
      false,
      "Option '--env <value>' argument missing",
    ],
    [
      '--scrape where it is not accepted',
      ['TOOL', '--scrape', 'f'],
      false,
      "Unknown option '--scrape'",
    ],
    ['two programs', ['TOOL', 'other'], false, 'unexpected argument other'],
    ['a program that is not executable', ['PLAIN'], false, 'PLAIN is not an executable file'],
  ])('refuses %s, naming it', (_what, argv, scrape, problem) => {
    const sub = (s: string): string => s.replace('TOOL', tool).replace('PLAIN', plain);
    const r = parseCheckArgs(argv.map(sub), { program: 'the tool', scrape });
    expect(typeof r).toBe('string');
    expect(r).toContain(sub(problem));
  });

  it('returns the program, every --env in order and --scrape', () => {
    expect(
      parseCheckArgs(['--env', 'dev', tool, '--scrape', 's.txt', '--env', 'prod'], {
        program: 'the tool',
        scrape: true,
      }),
    ).toEqual({ program: tool, environments: ['dev', 'prod'], scrape: 's.txt' });
    expect(parseCheckArgs([tool], { program: 'the tool' })).toEqual({
      program: tool,
      environments: [],
    });
  });
});
