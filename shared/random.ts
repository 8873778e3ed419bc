/**
 * Deterministic randomness: every draw is a pure function of (seed, rule, seq, stream), so two runs with the
 * same seed give every request the same delay and fault, whichever vendor is listening and in whatever order
 * requests arrive. No state, no Math.random.
 */

/** 53-bit string hash (cyrb53): fast, well mixed, and stable across Node versions. */
function cyrb53(input: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < input.length; i++) {
    const ch = input.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** A uniform draw in [0, 1) for one (seed, rule, seq, stream). */
export function uniform01(seed: number, rule: string, seq: number, stream: string): number {
  return cyrb53(`${rule}\u0000${seq}\u0000${stream}`, seed) / 2 ** 53;
}

/** A standard normal draw (Box–Muller over two independent uniform streams). */
export function standardNormal(seed: number, rule: string, seq: number, stream: string): number {
  const u1 = Math.max(uniform01(seed, rule, seq, `${stream}.u1`), Number.EPSILON);
  const u2 = uniform01(seed, rule, seq, `${stream}.u2`);
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}
