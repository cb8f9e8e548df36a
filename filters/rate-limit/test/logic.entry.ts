// Pure request-path logic exported for logic.test.ts: IP and CIDR parsing, SPIFFE IDs, token
// bucket decisions, the partition key rendering.
import { Decision, decide, Limit, recordSize } from "../bucket";
import { Cidr, Family, parseIp } from "../ip";
import { partitionKey } from "../rate-limit-headers";
import { bytesToString, stringToBuffer } from "../../shared/bytes";
import { parseSpiffeId } from "../../shared/spiffe";

const ip = new StaticArray<u8>(16);

/** "<family> <32 hex digits>" for an address, "invalid" otherwise. */
export function ipText(text: string): string {
  const family = parseIp(changetype<usize>(stringToBuffer(text)), 0, text.length, ip);
  if (family == Family.Invalid) return "invalid";
  let hex = "";
  for (let i = 0; i < 16; i++) hex += (<u32>ip[i] + 0x100).toString(16).substring(1);
  return family.toString() + " " + hex;
}

/** Whether `address` lies in `cidr`; "invalid cidr" / "invalid ip" when either does not parse. */
export function cidrContains(cidr: string, address: string): string {
  const range = Cidr.parse(cidr);
  if (range === null) return "invalid cidr";
  const family = parseIp(changetype<usize>(stringToBuffer(address)), 0, address.length, ip);
  if (family == Family.Invalid) return "invalid ip";
  return range.contains(ip, family) ? "yes" : "no";
}

/** "<trust domain>|<ns or ->|<sa or ->" for a valid SPIFFE ID, "invalid" otherwise. */
export function spiffeParts(text: string): string {
  const id = parseSpiffeId(text);
  if (!id.valid) return "invalid";
  const ns = id.namespace();
  const sa = id.serviceAccount();
  return id.trustDomain() + "|" + (ns === null ? "-" : ns) + "|" + (sa === null ? "-" : sa);
}

const keyBytes = memory.data(14);

export function partitionKeyOf(hi: u32, lo: u32): string {
  partitionKey(keyBytes, (<u64>hi << 32) | <u64>lo);
  return bytesToString(keyBytes, 14);
}

// A bucket simulation: one record held here, limits set by `setLimits`.
let limits: Limit[] = [];
let record = new ArrayBuffer(0);
const decision = new Decision();

/** Limits as "max/perFill/fillMs" separated by commas; clears the record. */
export function setLimits(spec: string): void {
  limits = [];
  const parts = spec.split(",");
  for (let i = 0; i < parts.length; i++) {
    const f = parts[i].split("/");
    limits.push(new Limit(U64.parseInt(f[0]), U64.parseInt(f[1]), U64.parseInt(f[2]) * 1_000_000));
  }
  record = new ArrayBuffer(0);
}

/** One request of `cost` by key `owner` at `nowMs`: "allow|deny r=<remaining> reset=<ms> retry=<ms>[ evicted]". */
export function take(owner: u32, nowMs: u32, cost: u32): string {
  return takeIn(1, owner, nowMs, cost);
}

/** take() on a set of `ways` records; "overflow" when no way could be taken. */
export function takeIn(ways: i32, owner: u32, nowMs: u32, cost: u32): string {
  const out = new ArrayBuffer(recordSize(limits.length) * ways);
  decide(limits, changetype<usize>(record), record.byteLength, ways, <u64>owner, <i64>nowMs * 1_000_000, <u64>cost,
    changetype<usize>(out), decision);
  if (decision.write) record = out;
  if (decision.overflow) return "overflow";
  return (decision.allowed ? "allow" : "deny") + " r=" + decision.remaining.toString() +
    " reset=" + (decision.resetNs / 1_000_000).toString() + " retry=" + (decision.retryNs / 1_000_000).toString() +
    (decision.evicted ? " evicted" : "");
}
