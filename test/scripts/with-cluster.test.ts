/**
 * test/e2e/with-cluster.sh must never stop a cluster it did not start: with a state directory
 * whose cluster is running, `cluster.sh start` refuses ("already running") and the wrapper exits
 * without stopping anything. The "cluster" here is one `sleep` standing in for kube-apiserver
 * (cluster.sh checks the pid file), so no tool build is needed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const WITH_CLUSTER = resolve(__dirname, '..', 'e2e', 'with-cluster.sh');

/** Whether the process runs (a killed child of this test stays a zombie until reaped: state Z). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

describe('test/e2e/with-cluster.sh', () => {
  it('refuses a state directory whose cluster runs, and leaves that cluster running', () => {
    const state = mkdtempSync(join(tmpdir(), 'with-cluster-test-'));
    const apiserver = spawn('sleep', ['300'], { stdio: 'ignore' });
    try {
      const pid = apiserver.pid;
      if (pid === undefined) throw new Error('sleep did not start');
      mkdirSync(join(state, 'pids'));
      writeFileSync(join(state, 'pids', 'kube-apiserver.pid'), `${pid}\n`);
      const result = spawnSync('bash', [WITH_CLUSTER, 'true'], {
        env: { ...process.env, E2E_CLUSTER_DIR: state },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('already running');
      expect(alive(pid)).toBe(true);
    } finally {
      apiserver.kill('SIGKILL');
      rmSync(state, { recursive: true, force: true });
    }
  });
});
