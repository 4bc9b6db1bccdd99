import { cli } from './main';

process.exitCode = cli(process.argv.slice(2));
