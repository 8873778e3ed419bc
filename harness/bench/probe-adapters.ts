/**
 * Prints which vendor adapters this build's registry can create, as JSON on stdout. Run in a child process
 * so the bench's own process never loads a vendor SDK.
 */
import { createAdapters } from '../../adapters';
import { ADAPTER_NAMES, type AdapterName } from '../../adapters/types';

async function main(): Promise<void> {
  const available: AdapterName[] = [];
  const missing: Array<{ name: AdapterName; reason: string }> = [];
  for (const name of ADAPTER_NAMES) {
    if (name === 'none') continue;
    try {
      // Building (not starting) an adapter only loads its module: no SDK is initialised.
      await createAdapters([name], { serviceName: 'bench-probe', sandboxUrl: 'http://127.0.0.1:9', env: {} });
      available.push(name);
    } catch (error) {
      missing.push({ name, reason: (error as Error).message });
    }
  }
  process.stdout.write(`${JSON.stringify({ available, missing })}\n`);
  process.exit(0);
}

void main();
