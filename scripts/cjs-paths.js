// Injected by the build into every module that reads CommonJS's __filename or __dirname (google-gax computes a path from
// __dirname when it loads), so those names work in the ESM bundle without a top-level declaration that could clash
// with a module's own (@azure/storage-common declares `var __filename` itself).
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const __filename = fileURLToPath(import.meta.url);
export const __dirname = dirname(__filename);
