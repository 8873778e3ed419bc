/**
 * Splits vendors into as few process groups as their manifests' conflicts allow: each vendor joins the first
 * group it conflicts with no member of. The demo runs one pair of service processes per group.
 */
import { type AdapterName, conflictBetween } from './index';

export function processGroups(names: readonly AdapterName[]): AdapterName[][] {
  const groups: AdapterName[][] = [];
  for (const name of names) {
    const home = groups.find((group) => group.every((member) => !conflictBetween(name, member)));
    if (home) home.push(name);
    else groups.push([name]);
  }
  return groups;
}
