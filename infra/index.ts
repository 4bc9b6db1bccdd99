// The Pulumi program (Pulumi.yaml `main: infra/`). Pulumi calls the exported function and
// publishes what it returns as the stack outputs. Everything else lives in ./program.ts.
import { run } from './program';

export = run;
