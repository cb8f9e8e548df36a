// The bucket key of a request: a composite of key parts, hashed (FNV-1a 64 over each part's
// length and bytes, then the MurmurHash3 finalizer) into a 64-bit fingerprint. Values are never
// kept or copied: the slot's owner is the fingerprint, its set the fingerprint mixed with the
// process's secret seed (setOf).
// A part that is absent, invalid or longer than MAX_KEY_PART_BYTES makes the key missing.
import { cookieValue, HeaderMap, pathWithoutQuery, queryParam } from "../shared/headers";
import { stringToBuffer } from "../shared/bytes";
import { readHeader, readProperty, releaseValue, valuePtr } from "../shared/host-values";
import { hostSpanOf, SOURCE_ADDRESS, stripPort } from "../shared/properties";
import { Cidr, Family, parseIp } from "./ip";
import { encodedHeaderName, RequestView } from "./request";
import { addEntry, addEntryString } from "./rls";

export namespace KeySource {
  export const Header: i32 = 0;
  export const Query: i32 = 1;
  export const Cookie: i32 = 2;
  export const Path: i32 = 3;
  export const Method: i32 = 4;
  export const Host: i32 = 5;
  export const ClientIp: i32 = 6;
  export const Cidr: i32 = 7;
  export const SpiffeId: i32 = 8;
  export const TrustDomain: i32 = 9;
  export const SpiffeNs: i32 = 10;
  export const SpiffeSa: i32 = 11;
}

/** Config names of the sources (schema.json's KeyPart branches), indexed by KeySource. */
export const KEY_SOURCES: string[] = [
  "header", "query", "cookie", "path", "method", "host", "client_ip", "cidr",
  "peer_id", "peer_trust_domain", "peer_namespace", "peer_service_account",
];

// @ts-ignore: decorator
@inline export const MAX_KEY_PART_BYTES = 4096;
/** Returned by keyFingerprint when a part is missing; real fingerprints are never 0. */
// @ts-ignore: decorator
@inline export const MISSING_KEY: u64 = 0;

/** A named group of address ranges; the key part is the name of the first group holding the IP. */
export class CidrGroup {
  constructor(readonly name: string, readonly ranges: Cidr[]) {}
}

export class KeyPart {
  constructor(
    readonly source: i32,
    /** Header, query parameter or cookie name (lowercase for headers). */
    readonly name: string,
    /** client_ip / cidr: 0 reads source.address, N the Nth x-forwarded-for entry from the right. */
    readonly trustedHops: i32,
    readonly groups: CidrGroup[],
  ) {}
}

// @ts-ignore: decorator
@inline const FNV_PRIME: u64 = 0x100000001b3;

// @ts-ignore: decorator
@inline
function mixByte(h: u64, b: u64): u64 {
  return (h ^ b) * FNV_PRIME;
}

/** Mixes byte string `s`, its length first. */
function mixString(h: u64, s: string): u64 {
  return mixUnits(h, changetype<usize>(s), s.length, 1);
}

/** mixString over `len` bytes at `p` (a header value read in place, never made a string). */
function mixBytes(h: u64, p: usize, len: i32): u64 {
  return mixUnits(h, p, len, 0);
}

// `shift`: 1 over a byte string's UTF-16 code units, 0 over bytes.
function mixUnits(h: u64, p: usize, len: i32, shift: i32): u64 {
  h = mixByte(h, <u64>len); // the length keeps ("ab","c") apart from ("a","bc")
  h = mixByte(h, <u64>(len >> 8));
  for (let i = 0; i < len; i++) h = mixByte(h, <u64>load<u8>(p + (<usize>i << shift)));
  return h;
}

const ipScratch = new StaticArray<u8>(16);
const SOURCE_ADDRESS_PATH = stringToBuffer(SOURCE_ADDRESS);
const XFF = stringToBuffer("x-forwarded-for");
// Where the last client IP parsed sits in the current host value (host-values.ts): [ipStart, ipEnd).
let ipStart: i32 = 0;
let ipEnd: i32 = 0;

/** Parses the client IP for `part` into ipScratch, reading source.address or x-forwarded-for in
 *  place (it stays the current host value, for keyValues); returns its Family (Invalid when
 *  missing). */
function clientIp(part: KeyPart): i32 {
  if (part.trustedHops == 0) {
    const len = readProperty(SOURCE_ADDRESS_PATH);
    if (len < 0) return Family.Invalid;
    const host = hostSpanOf(valuePtr(), len);
    ipStart = host.start;
    ipEnd = host.end;
    return parseIp(valuePtr(), ipStart, ipEnd, ipScratch);
  }
  const len = readHeader(HeaderMap.RequestHeaders, XFF);
  if (len < 0) return Family.Invalid;
  const p = valuePtr();
  // the trustedHops-th comma-separated entry from the right
  let end = len;
  let hop = 1;
  let i = end - 1;
  while (i >= 0) {
    if (load<u8>(p + <usize>i) == 0x2c) {
      if (hop == part.trustedHops) break;
      hop++;
      end = i;
    }
    i--;
  }
  if (hop != part.trustedHops) return Family.Invalid;
  let start = i + 1;
  while (start < end && isSpace(load<u8>(p + <usize>start))) start++;
  while (end > start && isSpace(load<u8>(p + <usize>(end - 1)))) end--;
  ipStart = start;
  ipEnd = end;
  return parseIp(p, start, end, ipScratch);
}

// @ts-ignore: decorator
@inline
function isSpace(c: i32): bool {
  return c == 0x20 || c == 0x09;
}

/** The value of a string-valued part, or null when missing. */
function partValue(part: KeyPart, req: RequestView): string | null {
  switch (part.source) {
    case KeySource.Header: return req.header(part.name);
    case KeySource.Query: {
      const path = req.header(":path");
      return path === null ? null : queryParam(path, part.name);
    }
    case KeySource.Cookie: {
      const cookies = req.header("cookie");
      return cookies === null ? null : cookieValue(cookies, part.name);
    }
    case KeySource.Path: {
      const path = req.header(":path");
      return path === null ? null : pathWithoutQuery(path);
    }
    case KeySource.Method: return req.header(":method");
    case KeySource.Host: {
      const host = req.header(":authority");
      return host === null ? null : stripPort(host);
    }
    default: {
      const id = req.peerSpiffeId();
      if (id === null) return null;
      if (part.source == KeySource.SpiffeId) return id.uri;
      if (part.source == KeySource.TrustDomain) return id.trustDomain();
      return part.source == KeySource.SpiffeNs ? id.namespace() : id.serviceAccount();
    }
  }
}

/** The fingerprint of the request's key under `parts`, or MISSING_KEY. With `entries` (a global
 *  rule's RLS descriptor entry names, "rule" first) each part is also added to the rate limit
 *  service request being written (rls.ts addEntry): header values and client IPs straight from the
 *  host's bytes, so the key is read once for both. */
export function keyFingerprint(parts: KeyPart[], req: RequestView, seed: u64, entries: string[] | null): u64 {
  let h: u64 = 0xcbf29ce484222325 ^ seed;
  for (let i = 0, n = parts.length; i < n; i++) {
    const part = unchecked(parts[i]);
    if (part.source == KeySource.ClientIp || part.source == KeySource.Cidr) {
      const family = clientIp(part);
      if (family != Family.Invalid && part.source == KeySource.ClientIp && entries !== null) {
        addEntry(unchecked(entries[i + 1]), valuePtr() + <usize>ipStart, ipEnd - ipStart);
      }
      releaseValue();
      if (family == Family.Invalid) return MISSING_KEY;
      if (part.source == KeySource.ClientIp) {
        for (let k = 0; k < 16; k++) h = mixByte(h, <u64>unchecked(ipScratch[k]));
        continue;
      }
      const group = groupOf(part.groups, family);
      if (group === null) return MISSING_KEY;
      h = mixString(h, group.name);
      if (entries !== null) addEntryString(unchecked(entries[i + 1]), group.name);
      continue;
    }
    if (part.source == KeySource.Header && !req.hasRead(part.name)) {
      const len = readHeader(HeaderMap.RequestHeaders, encodedHeaderName(part.name));
      const present = len >= 0 && len <= MAX_KEY_PART_BYTES;
      if (present) {
        h = mixBytes(h, valuePtr(), len);
        if (entries !== null) addEntry(unchecked(entries[i + 1]), valuePtr(), len);
      }
      releaseValue();
      if (!present) return MISSING_KEY;
      continue;
    }
    const value = partValue(part, req);
    if (value === null || value.length > MAX_KEY_PART_BYTES) return MISSING_KEY;
    h = mixString(h, value);
    if (entries !== null) addEntryString(unchecked(entries[i + 1]), value);
  }
  h = fmix(h);
  return h == MISSING_KEY ? 1 : h;
}

/** The MurmurHash3 finalizer: every input bit reaches every output bit. */
function fmix(h: u64): u64 {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccd;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53;
  return h ^ (h >> 33);
}

/** The set (of `sets`) that holds the bucket of `fingerprint`: the fingerprint is known to anyone
 *  who knows the configuration (and sent as the partition key), the process's secret `seed` is
 *  not, so no client can tell which keys share a set. */
// @ts-ignore: decorator
@inline export function setOf(fingerprint: u64, seed: u64, sets: u32): u32 {
  return <u32>(fmix(fingerprint ^ seed) % <u64>sets);
}

/** The first group with a range holding the address in ipScratch. */
function groupOf(groups: CidrGroup[], family: i32): CidrGroup | null {
  for (let g = 0, n = groups.length; g < n; g++) {
    const ranges = unchecked(groups[g]).ranges;
    for (let r = 0, m = ranges.length; r < m; r++) {
      if (unchecked(ranges[r]).contains(ipScratch, family)) return unchecked(groups[g]);
    }
  }
  return null;
}

/** Adds the RLS descriptor entry names of the parts to `names`: the header, parameter or cookie
 *  name, else the source. */
export function keyNames(parts: KeyPart[], names: string[]): void {
  for (let i = 0; i < parts.length; i++) {
    const part = unchecked(parts[i]);
    names.push(part.name.length > 0 ? part.name : KEY_SOURCES[part.source]);
  }
}
