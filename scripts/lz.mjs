// A small LZ77 code for static data the modules unpack once (filters/shared/unpack.ts): the
// literal table (scripts/literal-table.mjs) and the config validation tables
// (scripts/config-table.mjs). A token byte t < 0x80 is followed by t + 1 literal bytes; t >= 0x80
// copies ((t >> 4) & 7) + 3 bytes from ((t & 15) << 8 | next byte) + 1 bytes back. The parse is
// optimal for this code (a shortest path over positions), so the output is deterministic.

const MIN_MATCH = 3;
const MAX_MATCH = 10;
const WINDOW = 4096;

/** The packed form of `data` (an array or Uint8Array of bytes). */
export function pack(data) {
  const n = data.length;
  // candidate positions by their first three bytes
  const chains = new Map();
  const matches = new Array(n);
  for (let i = 0; i < n; i++) {
    const found = [];
    if (i + MIN_MATCH <= n) {
      const key = data[i] * 65536 + data[i + 1] * 256 + data[i + 2];
      const list = chains.get(key) ?? [];
      for (let k = list.length - 1; k >= 0; k--) {
        const j = list[k];
        if (i - j > WINDOW) break;
        let len = 0;
        while (len < MAX_MATCH && i + len < n && data[j + len] === data[i + len]) len++;
        if (len >= MIN_MATCH && !found.some(([, l]) => l >= len)) found.push([i - j, len]);
      }
      list.push(i);
      chains.set(key, list);
    }
    matches[i] = found;
  }
  // cost[i]: fewest bytes to code data[i..]
  const cost = new Array(n + 1).fill(Infinity);
  const step = new Array(n + 1);
  cost[n] = 0;
  for (let i = n - 1; i >= 0; i--) {
    for (let len = 1; len <= 128 && i + len <= n; len++) {
      const c = 1 + len + cost[i + len];
      if (c < cost[i]) { cost[i] = c; step[i] = [0, len]; }
    }
    for (const [distance, longest] of matches[i]) {
      for (let len = MIN_MATCH; len <= longest; len++) {
        const c = 2 + cost[i + len];
        if (c < cost[i]) { cost[i] = c; step[i] = [distance, len]; }
      }
    }
  }
  const out = [];
  for (let i = 0; i < n;) {
    const [distance, len] = step[i];
    if (distance === 0) out.push(len - 1, ...Array.from(data.slice(i, i + len)));
    else out.push(0x80 | ((len - MIN_MATCH) << 4) | ((distance - 1) >> 8), (distance - 1) & 0xff);
    i += len;
  }
  return out;
}

/** `packed` unpacked (the reference the AssemblyScript decoder follows). */
export function unpack(packed) {
  const out = [];
  for (let i = 0; i < packed.length;) {
    const t = packed[i++];
    if (t < 0x80) {
      for (let k = 0; k <= t; k++) out.push(packed[i++]);
    } else {
      const len = ((t >> 4) & 7) + MIN_MATCH;
      const distance = (((t & 15) << 8) | packed[i++]) + 1;
      for (let k = 0; k < len; k++) out.push(out[out.length - distance]);
    }
  }
  return out;
}
