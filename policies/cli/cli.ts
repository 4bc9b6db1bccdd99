import { runPolicyCli } from './main';

process.exitCode = runPolicyCli(process.argv.slice(2));
