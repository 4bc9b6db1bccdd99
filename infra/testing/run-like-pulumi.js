// Runs the Pulumi program the way `pulumi up` starts it (node_modules/@pulumi/pulumi/cmd/run/run.js
// of @pulumi/pulumi 3.248: chdir to `main`, register ts-node with the tsconfig of Pulumi.yaml,
// require the program folder, call its exported function inside the root Stack), but against
// Pulumi's mock engine instead of a CLI. Used by ../pulumi-runtime.test.ts.
//
// Usage: node infra/testing/run-like-pulumi.js '<json {"stack": "...", "config": {...}}>'
// Prints one JSON line: { typescript, tsNode, outputs, resources: ["<type>::<name>", ...] }.
'use strict';
const { readFileSync } = require('node:fs');
const path = require('node:path');
const { parse } = require('yaml');

const root = path.resolve(__dirname, '..', '..');
const { stack, config } = JSON.parse(process.argv[2] ?? '{}');
const project = parse(readFileSync(path.join(root, 'Pulumi.yaml'), 'utf8'));
const pulumi = require('@pulumi/pulumi');
const tsutils = require('@pulumi/pulumi/tsutils');

const resources = [];
pulumi.runtime.setMocks(
  {
    newResource: (args) => {
      resources.push(`${args.type}::${args.name}`);
      return { id: args.custom ? `${args.name}-id` : undefined, state: args.inputs };
    },
    call: (args) => args.inputs,
  },
  project.name,
  stack,
  false,
);
pulumi.runtime.setAllConfig(
  Object.fromEntries(Object.entries(config).map(([k, v]) => [`${project.name}:${k}`, v])),
);

// run.js: `--pwd` is the folder of `main`; ts-node options come from the tsconfig named by
// runtime.options.tsconfig (PULUMI_NODEJS_TSCONFIG_PATH), relative to that folder.
process.chdir(path.join(root, project.main));
const tsConfigPath = project.runtime.options.tsconfig ?? 'tsconfig.json';
const compilerOptions = tsutils.loadTypeScriptCompilerOptions(tsConfigPath);
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const ts = require(typescriptRequire);
const [major = 0, minor = 0] = ts.version.split('.').map(Number);
const nodeNext = major > 4 || (major === 4 && minor >= 7);
require(tsnodeRequire).register({
  compiler: typescriptRequire,
  transpileOnly: compilerOptions.noCheck,
  project: tsConfigPath,
  skipProject: false,
  compilerOptions: {
    target: 'ES2020',
    module: nodeNext ? 'nodenext' : 'commonjs',
    moduleResolution: nodeNext ? 'nodenext' : 'node',
    sourceMap: 'true',
    ...compilerOptions,
  },
});

async function settled() {
  let count = -1;
  while (count !== resources.length) {
    count = resources.length;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

pulumi.runtime
  .runInPulumiStack(async () => {
    const program = require(`${process.cwd()}/`);
    return program instanceof Function ? program() : program;
  })
  .then(async (outputs) => {
    await settled();
    const tsNode = require(tsnodeRequire).VERSION;
    process.stdout.write(
      JSON.stringify({ typescript: ts.version, tsNode, outputs, resources }) + '\n',
    );
  })
  .catch((error) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
