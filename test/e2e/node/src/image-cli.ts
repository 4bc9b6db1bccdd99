/** Entry point of `node lib/e2e-node/image.js ...` (see ./image.ts `main`). */
import { main } from './image';

main(process.argv.slice(2));
