/** A tiny sequential test runner: named steps, timings, and one summary line at the end. */

export interface StepResult {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly error?: string;
}

/** Steps run in order; a failed step's error is kept and the next steps still run. */
export class Suite {
  readonly results: StepResult[] = [];

  /** Runs one check; returns whether it passed. */
  async test(name: string, fn: () => Promise<void>): Promise<boolean> {
    const start = Date.now();
    log(`--- ${name}`);
    try {
      await fn();
      this.record({ name, ok: true, seconds: (Date.now() - start) / 1000 });
      return true;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.record({ name, ok: false, seconds: (Date.now() - start) / 1000, error: message });
      return false;
    }
  }

  /** Records a check that could not run because an earlier one failed. */
  skip(name: string, because: string): void {
    this.record({ name, ok: false, seconds: 0, error: `not run: ${because}` });
  }

  private record(result: StepResult): void {
    this.results.push(result);
    const status = result.ok ? 'ok' : 'FAIL';
    log(`${status} - ${result.name} (${result.seconds.toFixed(1)}s)`);
    if (result.error !== undefined) log(indent(result.error));
  }

  get failed(): number {
    return this.results.filter((r) => !r.ok).length;
  }

  get passed(): number {
    return this.results.filter((r) => r.ok).length;
  }

  /** The timing table and the final `N passed, N failed` line. */
  summary(): string {
    const rows = this.results.map(
      (r) => `  ${r.ok ? 'ok  ' : 'FAIL'} ${r.seconds.toFixed(1).padStart(7)}s  ${r.name}`,
    );
    return [...rows, `e2e: ${this.passed} passed, ${this.failed} failed`].join('\n');
  }
}

export function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `    ${line}`)
    .join('\n');
}

export function log(message: string): void {
  process.stdout.write(`${message}\n`);
}

/** Throws `message` (with details) unless `condition` holds. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}
