/**
 * mulberry32 (public domain): a tiny seeded PRNG, so property-style tests draw the same inputs on every run.
 * @example
 * const random = seededRandom(42);
 * random(); // 0 ≤ x < 1, the same sequence for seed 42 every time
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
