/**
 * Wraps a route handler in what every route needs: its name for logs, a handler span, the chaos rules for
 * this route (delays and faults happen inside the handler span, where a real slow query would), and the
 * request's correlation.
 */
import type { Request, RequestHandler, Response } from 'express';
import { applyChaos, describeDecisions } from '../chaos/apply';
import type { ChaosEngine } from '../chaos/engine';
import type { SpanOptions, Telemetry } from '../telemetry/facade';
import { correlationOf, type RequestCorrelation } from '../telemetry/request-context';
import { hasBody, jsonBody } from './json-body';

export const CHAOS_HEADER = 'x-bakeoff-chaos';

export interface RouteContext {
  req: Request;
  res: Response;
  correlation: RequestCorrelation;
  /** The sequence number chaos decided with (the client's `x-bakeoff-seq`, else arrival order). */
  seq: number;
}

export interface RouteDeps {
  telemetry: Telemetry;
  chaos: ChaosEngine;
}

/**
 * @param route   `METHOD /template`, as chaos rules and logs name it.
 * @param spanName the handler span's name, e.g. `activities.home`.
 */
export function route(
  deps: RouteDeps,
  routeId: string,
  spanName: string,
  handler: (ctx: RouteContext) => Promise<void>,
): RequestHandler {
  const path = routeId.slice(routeId.indexOf(' ') + 1);
  // The same for every request of this route: built once (adapters copy span attributes, never change them).
  const spanOptions: SpanOptions = { attributes: { 'app.route': routeId } };
  const answer = (req: Request, res: Response): Promise<void> => {
    res.locals.route = routeId;
    const correlation = correlationOf(res);
    const seq = deps.chaos.seqFor(routeId, correlation.seq);
    const decisions = deps.chaos.decide(routeId, seq);
    deps.telemetry.annotate('http.route', path, 'root');
    const ctx: RouteContext = { req, res, correlation, seq };
    // Chaos off, the usual case: the handler is the span's work itself, with no extra async step around it.
    if (decisions.length === 0) return deps.telemetry.span(spanName, spanOptions, () => handler(ctx));
    // Clients (the load generator, tests, `none` runs) see what was injected without needing a vendor.
    res.setHeader(CHAOS_HEADER, describeDecisions(decisions));
    return deps.telemetry.span(spanName, spanOptions, async () => {
      await applyChaos(decisions, deps.telemetry);
      await handler(ctx);
    });
  };
  return (req, res, next) => {
    // The API's routes come before the app's JSON gate (app/server.ts), so a request with a body passes it
    // here, first, as it would have there; one without (the GETs, nearly every request) skips it.
    if (!hasBody(req)) return answer(req, res);
    jsonBody(req, res, (error?: unknown) => {
      if (error) return next(error);
      // As Express does for the handler itself: a throw or a rejection becomes the request's error.
      new Promise<void>((resolve) => resolve(answer(req, res))).catch(next);
    });
  };
}
