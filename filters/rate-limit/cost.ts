// The tokens a request takes: the rule's constant, or a decimal number from a request header.
import { Cost } from "./config";
import { RequestView } from "./request";

/** Returned by requestCost for a header value the rule rejects. */
export const INVALID_COST: u64 = u64.MAX_VALUE;

// @ts-ignore: decorator
@inline const MAX_DIGITS = 10;

/**
 * The cost of this request under `cost`. A header value is 1 to 10 ASCII digits; anything else
 * (empty, signs, spaces, other bytes, more digits) is invalid, and so is a value above `max`.
 * Invalid values give INVALID_COST, or with `clamp` the default (unparsable) or `max` (too large).
 * An absent header costs the default.
 */
export function requestCost(cost: Cost, req: RequestView): u64 {
  if (cost.header.length == 0) return cost.amount;
  const text = req.header(cost.header);
  if (text === null) return cost.amount;
  const n = text.length;
  let value: u64 = 0;
  let valid = n > 0 && n <= MAX_DIGITS;
  for (let i = 0; i < n && valid; i++) {
    const c = text.charCodeAt(i);
    valid = c >= 0x30 && c <= 0x39;
    value = value * 10 + <u64>(c - 0x30);
  }
  if (!valid) return cost.clamp ? cost.amount : INVALID_COST;
  if (value > cost.max) return cost.clamp ? cost.max : INVALID_COST;
  return value;
}
