import envContractJson from '../../services/user-service/configs/env-contract.json';
import { deepMerge } from '../config/merge';
import type { EnvironmentName } from '../config/schema';
import { environment } from '../../test/support/objects';
import { renderEnvironment, type KubeObject } from '../synth/render';
import { contractViolations, renderedServiceVariables } from '../synth/service-env';
import {
  contractVariable,
  ENV_CONTRACT,
  ENV_VARS,
  fileVariableOf,
  parseEnvContract,
  SECRET_KEYS,
  SECRET_VARIABLES,
} from './contract';

type Mutable = Record<string, unknown>;

const ENVIRONMENTS: readonly EnvironmentName[] = ['dev', 'staging', 'prod'];

/** Each environment as it is, and with Consul and the collector switched off. */
const VARIANTS = ENVIRONMENTS.flatMap((name) => [
  [name, renderEnvironment(environment(name))] as const,
  [
    `${name} without Consul and the collector`,
    renderEnvironment(
      deepMerge(environment(name), { consul: { enabled: false }, otel: { enabled: false } }),
    ),
  ] as const,
]);

/** A deep copy of the objects whose service container the test may change. */
function withContainer(objects: readonly KubeObject[], change: (c: Mutable, cm: Mutable) => void) {
  const copy = structuredClone(objects) as unknown as Mutable[];
  const deployment = copy.find(
    (o) => o.kind === 'Deployment' && (o.metadata as Mutable).name === 'user-service',
  );
  const configMap = copy.find(
    (o) => o.kind === 'ConfigMap' && (o.metadata as Mutable).name === 'user-service-config',
  );
  const spec = ((deployment?.spec as Mutable).template as Mutable).spec as Mutable;
  change((spec.containers as Mutable[])[0] as Mutable, configMap?.data as Mutable);
  return copy as unknown as KubeObject[];
}

describe('the env-var contract (services/user-service/configs/env-contract.json)', () => {
  it('is the one list: ENV_VARS, the secrets and their _FILE names come from it', () => {
    const json = envContractJson.variables;
    expect(ENV_CONTRACT.map((v) => v.name)).toEqual(json.map((v) => v.name));
    for (const name of Object.values(ENV_VARS)) expect(contractVariable(name).name).toBe(name);
    expect(SECRET_VARIABLES.map((v) => [v.name, v.fileVariable])).toEqual(
      json.filter((v) => v.secret).map((v) => [v.name, v.fileVariable]),
    );
    for (const key of Object.values(SECRET_KEYS)) {
      expect(fileVariableOf(key)).toBe(`${key}_FILE`);
    }
    expect(() => contractVariable('DB_PASS')).toThrow(
      'DB_PASS is not in services/user-service/configs/env-contract.json',
    );
    expect(() => fileVariableOf('DB_HOST')).toThrow('DB_HOST is not a secret variable');
  });

  it.each([
    [
      'a secret without its _FILE variable',
      {
        shutdownStopSeconds: 15,
        variables: [{ name: 'A_TOKEN', secret: true, required: false, description: 'x' }],
      },
      'variables.0.fileVariable: secret A_TOKEN must name its file as A_TOKEN_FILE',
    ],
    [
      'a name listed twice',
      {
        shutdownStopSeconds: 15,
        variables: [
          { name: 'A', secret: false, required: false, description: 'x' },
          { name: 'A', secret: false, required: true, description: 'y' },
        ],
      },
      'variable A is listed twice',
    ],
    [
      'an unknown key',
      {
        shutdownStopSeconds: 15,
        variables: [{ name: 'A', secret: false, required: false, description: 'x', typo: 1 }],
      },
      'variables.0',
    ],
    [
      'no shutdownStopSeconds',
      { variables: [{ name: 'A', secret: false, required: false, description: 'x' }] },
      'shutdownStopSeconds',
    ],
  ])('refuses a contract with %s', (_label, json, expected) => {
    expect(() => parseEnvContract(json)).toThrow(expected);
  });

  describe.each(VARIANTS.map(([label, objects]) => [label, objects] as const))(
    'environment %s',
    (_label, objects) => {
      it('sets only variables the service reads, every required one, and secrets as files', () => {
        expect(contractViolations(objects)).toEqual([]);
      });

      it('delivers DB_PASSWORD, REDIS_PASSWORD and PAGE_TOKEN_SECRET to every replica', () => {
        const names = renderedServiceVariables(objects).map((v) => v.name);
        expect(names).toEqual(
          expect.arrayContaining([
            'DB_PASSWORD_FILE',
            'REDIS_PASSWORD_FILE',
            'PAGE_TOKEN_SECRET_FILE',
            'GOMEMLIMIT',
            'POD_IP',
          ]),
        );
      });
    },
  );

  describe('fails', () => {
    const prod = renderEnvironment(environment('prod'));

    it('when the charts set a variable the service does not read', () => {
      const objects = withContainer(prod, (c, cm) => {
        cm.DB_POOL_SIZE = '10';
        c.env = [...((c.env as Mutable[] | undefined) ?? []), { name: 'DEBUG', value: '1' }];
      });
      expect(contractViolations(objects)).toEqual([
        'DB_POOL_SIZE is set but the service does not read it (not in the contract)',
        'DEBUG is set but the service does not read it (not in the contract)',
      ]);
    });

    it('when a required variable is never set', () => {
      const objects = withContainer(prod, (_c, cm) => {
        delete cm.DB_HOST;
      });
      expect(contractViolations(objects)).toEqual([
        'DB_HOST is required by the service but never set',
      ]);
    });

    it('when a secret is set as a literal, a ConfigMap entry or a secretKeyRef', () => {
      const objects = withContainer(prod, (c, cm) => {
        cm.REDIS_PASSWORD = 'hunter2';
        c.env = [
          ...((c.env as Mutable[] | undefined) ?? []),
          { name: 'PAGE_TOKEN_SECRET', value: 'x'.repeat(32) },
          {
            name: 'DB_PASSWORD',
            valueFrom: { secretKeyRef: { name: 'user-service-secrets', key: 'DB_PASSWORD' } },
          },
        ];
      });
      expect(contractViolations(objects)).toEqual([
        'DB_PASSWORD is secret but set as a secretKeyRef value: mount it and set DB_PASSWORD_FILE',
        'REDIS_PASSWORD is secret but set as a configMap value: mount it and set REDIS_PASSWORD_FILE',
        'PAGE_TOKEN_SECRET is secret but set as a literal value: mount it and set PAGE_TOKEN_SECRET_FILE',
      ]);
    });

    it('when a _FILE variable points elsewhere than its key in the mounted Secret', () => {
      const objects = withContainer(prod, (_c, cm) => {
        cm.DB_PASSWORD_FILE = '/etc/db-password';
      });
      expect(contractViolations(objects)).toEqual([
        'DB_PASSWORD_FILE is /etc/db-password, expected /var/run/secrets/user-service/DB_PASSWORD',
      ]);
    });
  });
});
