/** The routes both benches drive. */
import type { LoadRequest } from './load-child';

/** The light read: a search that matches nothing, so the route does one store query and no users-service call. */
export const LIGHT_ROUTE: LoadRequest = {
  method: 'GET',
  path: '/api/activities/search?term=zz-bench-no-match',
};

/** The home feed: a store query plus the batch call to the users service (a trace that crosses processes). */
export const HOME_ROUTE: LoadRequest = { method: 'GET', path: '/api/activities/home' };

/** The run id header every bench request carries (`bench-<arm>-<round>`), so our correlation code runs too. */
export const benchRunHeaders = (arm: string, round: number): Record<string, string> => ({
  'x-bakeoff-run': `bench-${arm}-${round}`,
});
