// Starts the Google Cloud emulator on loopback and prints the environment that points handoff at it (for trying it by hand).
import { startGcpEmulator } from './gcp-emulator.js';

const emulator = await startGcpEmulator({ containers: (process.env.HANDOFF_EMULATOR_CONTAINERS as 'podman' | 'process' | 'auto' | undefined) ?? 'auto' });
for (const [key, value] of Object.entries(emulator.env)) process.stdout.write(`export ${key}=${value}\n`);
process.stdout.write(`# Google Cloud emulator at ${emulator.url}; Ctrl-C stops it\n`);
const stop = (): void => void emulator.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
