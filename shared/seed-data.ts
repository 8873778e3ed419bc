/**
 * The demo data both sides know: the app seeds it into a fresh store (app/store/seed.ts), and the load
 * generator (harness/load) addresses it, without either importing the other.
 */

export interface SeedUser {
  handle: string;
  displayName: string;
  bio: string;
}

export const seedUsers: readonly SeedUser[] = [
  { handle: 'ada', displayName: 'Ada', bio: 'Writes notes longer than the program.' },
  { handle: 'grace', displayName: 'Grace', bio: 'Finds the moth in the relay.' },
  { handle: 'linus', displayName: 'Linus', bio: 'Talk is cheap; shows the code.' },
  { handle: 'margaret', displayName: 'Margaret', bio: 'Plans for the error nobody expects.' },
  { handle: 'ken', displayName: 'Ken', bio: 'Prefers small tools that compose.' },
  { handle: 'barbara', displayName: 'Barbara', bio: 'Substitutes one abstraction for another, safely.' },
];

/** The fixed uuid of seed activity `id` (a valid v4 shape, recognisable in traces). */
export function seedActivityUuid(id: number): string {
  return `5eed0000-0000-4000-8000-${id.toString(16).padStart(12, '0')}`;
}
