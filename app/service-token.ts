/**
 * The token the activities service presents to the users service. Never a well-known default: `SERVICE_TOKEN`
 * when set; otherwise `bakeoff serve` generates one per start for the pair it runs, and a role started on its
 * own (`--role`, two containers, two terminals) shares one with its peer through the data directory they both
 * use, created at random by whichever starts first.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { BakeoffError } from '../config/errors';

export const SERVICE_TOKEN_FILE = 'service-token';

export interface ServiceToken {
  value: string;
  /** Printable: where the token came from, never the token. */
  origin: string;
}

/** 256 random bits, URL-safe: fits a header as it is. */
export function generateServiceToken(): string {
  return randomBytes(32).toString('base64url');
}

/** `SERVICE_TOKEN` if set, else the one shared through `<dataDir>/service-token` (created when missing). */
export function resolveServiceToken(config: {
  serviceToken: string | undefined;
  dataDir: string;
}): ServiceToken {
  if (config.serviceToken) return { value: config.serviceToken, origin: 'SERVICE_TOKEN' };
  const file = path.join(config.dataDir, SERVICE_TOKEN_FILE);
  const created = createOnce(file);
  const value = readToken(file);
  return { value, origin: `${created ? 'generated in' : 'shared through'} ${file}` };
}

/**
 * Writes a new token to `file` unless one is there. Written aside and hard-linked into place, so a peer that
 * starts at the same moment reads either no file or a whole one, and both end up with the same token.
 */
function createOnce(file: string): boolean {
  if (fs.existsSync(file)) return false;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const aside = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(aside, `${generateServiceToken()}\n`, { mode: 0o600 });
    fs.linkSync(aside, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new BakeoffError(
      'BAKEOFF_ERR_SERVICE_TOKEN',
      `Cannot create the service token file ${file} (${(error as NodeJS.ErrnoException).code}): set SERVICE_TOKEN to the same value for both services instead.`,
    );
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

function readToken(file: string): string {
  const value = fs.readFileSync(file, 'utf8').trim();
  if (!/^\S{16,}$/.test(value)) {
    throw new BakeoffError(
      'BAKEOFF_ERR_SERVICE_TOKEN',
      `The service token file ${file} does not hold a token: delete it (a new one is generated) or set SERVICE_TOKEN.`,
    );
  }
  return value;
}
