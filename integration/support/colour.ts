// traffic-colour's keyed split, computed outside the filter (README "Percentage splits"):
// bucket = floor(fmix32(fnv1a32(salt + "\0" + key)) * 10000 / 2^32). The integration suite uses it
// to predict which upstream each user must reach; the filter's unit tests check the AS hash
// against it.
export function splitBucket(salt: string, key: string): number {
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(`${salt}\0${key}`, "latin1")) h = Math.imul(h ^ byte, 0x01000193) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return Math.floor((h * 10_000) / 2 ** 32);
}

export interface SplitWeight {
  colour: string;
  basis_points: number;
}

/** The colour a keyed split assigns, or undefined when the bucket is beyond the weights. */
export function splitColour(salt: string, key: string, weights: readonly SplitWeight[]): string | undefined {
  const bucket = splitBucket(salt, key);
  let start = 0;
  for (const w of weights) {
    if (bucket < start + w.basis_points) return w.colour;
    start += w.basis_points;
  }
  return undefined;
}
