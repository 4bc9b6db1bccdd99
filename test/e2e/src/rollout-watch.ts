/** Watches a Deployment's status with `kubectl get -w` while an update runs. */
import { spawn } from 'node:child_process';

/** One status seen: ready / updated / total replicas. */
export interface StatusSample {
  readonly ready: number;
  readonly updated: number;
  readonly replicas: number;
}

/** Starts the watch; `stop()` ends it and returns every status seen, in order. */
export function watchDeployment(
  namespace: string,
  name: string,
): { stop: () => Promise<StatusSample[]> } {
  const template = '{.status.readyReplicas} {.status.updatedReplicas} {.status.replicas}{"\\n"}';
  const child = spawn(
    'kubectl',
    ['get', 'deployment', name, '-n', namespace, '-w', '-o', `jsonpath=${template}`],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  let text = '';
  child.stdout.on('data', (b: Buffer) => (text += b.toString('utf8')));
  const stop = async (): Promise<StatusSample[]> => {
    const closed = new Promise<void>((resolve) =>
      child.on('close', () => {
        resolve();
      }),
    );
    child.kill('SIGTERM');
    await closed;
    return text
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => {
        // kubectl prints an empty field for a missing (zero) count
        const [ready = '', updated = '', replicas = ''] = line.split(' ');
        return {
          ready: Number(ready || 0),
          updated: Number(updated || 0),
          replicas: Number(replicas || 0),
        };
      });
  };
  return { stop };
}
