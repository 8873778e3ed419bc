/**
 * The activities service's client for the users service: the call that makes every trace cross a process
 * boundary. Plain `fetch`, so each vendor's HTTP/undici instrumentation sees (and propagates through) it.
 */

import { HttpError } from '../http/errors';
import type { UserProfile } from '../store/types';
import type { Telemetry } from '../telemetry/facade';
import { correlationHeaders, type RequestCorrelation } from '../telemetry/request-context';

export const SERVICE_TOKEN_HEADER = 'x-service-token';

/** The users service refused our credentials (the injected downstream auth failure, or a misconfiguration). */
export class UpstreamAuthError extends HttpError {
  constructor(status: number) {
    super(500, 'Users service rejected our credentials', { upstream: 'users', upstreamStatus: status });
    this.name = 'UpstreamAuthError';
  }
}

export class UpstreamUnavailableError extends HttpError {
  constructor(reason: string) {
    super(502, `Users service unavailable: ${reason}`, { upstream: 'users' });
    this.name = 'UpstreamUnavailableError';
  }
}

export interface UsersClientOptions {
  baseUrl: string;
  serviceToken: string;
  timeoutMs?: number;
}

export class UsersClient {
  constructor(
    private readonly options: UsersClientOptions,
    private readonly telemetry: Telemetry,
  ) {}

  /** Profiles for these handles, keyed by handle; one batch call whatever the count. */
  async lookup(
    handles: readonly string[],
    correlation: RequestCorrelation,
    forgeToken = false,
  ): Promise<Map<string, UserProfile>> {
    const unique = [...new Set(handles)];
    if (unique.length === 0) return new Map();
    const url = `${this.options.baseUrl}/api/users?handles=${encodeURIComponent(unique.join(','))}`;
    return this.telemetry.span(
      'users.lookup',
      { kind: 'client', attributes: { 'peer.service': 'users', 'app.handles_count': unique.length } },
      async () => {
        const body = await this.get<{ users: UserProfile[] }>(url, correlation, forgeToken);
        this.telemetry.annotate('app.users_found', body.users.length);
        return new Map(body.users.map((u) => [u.handle, u]));
      },
    );
  }

  /** Is the users service up? Used by the health check; never throws. */
  async reachable(): Promise<boolean> {
    try {
      const res = await fetch(`${this.options.baseUrl}/api/health-check`, {
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 2000),
      });
      await res.body?.cancel();
      return res.ok;
    } catch {
      return false;
    }
  }

  private async get<T>(url: string, correlation: RequestCorrelation, forgeToken: boolean): Promise<T> {
    let res: Response;
    try {
      res = await fetch(url, {
        headers: {
          accept: 'application/json',
          [SERVICE_TOKEN_HEADER]: forgeToken ? 'forged-by-chaos' : this.options.serviceToken,
          ...correlationHeaders(correlation),
        },
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
    } catch (error) {
      throw new UpstreamUnavailableError(
        (error as Error).name === 'TimeoutError' ? 'timed out' : 'unreachable',
      );
    }
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel();
      throw new UpstreamAuthError(res.status);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new UpstreamUnavailableError(`answered ${res.status}`);
    }
    return (await res.json()) as T;
  }
}
