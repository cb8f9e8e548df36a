// Resuming a request a filter paused (rate-limit, after the rate limit service answered).
// On its own a filter resumes the stream at the host (proxy_continue_stream). Inside the bundle
// (filters/sluice) the filters after it in the bundle's chain must see the request first, so the
// bundle defers the resume: it notes which stream asked and runs the rest of its chain itself.
import { proxy_continue_stream } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";

// @ts-ignore: decorator
@inline const REQUEST_STREAM: u32 = 0;
// @ts-ignore: decorator
@inline const NONE: u32 = 0;

let deferring = false;
let deferredStream: u32 = NONE;

/** Resumes request stream `contextId` (the effective context), or notes it while deferring (only
 *  in the bundle's build, `--use SLUICE_BUNDLE=1`). */
export function continueRequest(contextId: u32): void {
  if (isDefined(SLUICE_BUNDLE) && deferring) {
    deferredStream = contextId;
    return;
  }
  proxy_continue_stream(REQUEST_STREAM);
}

/** From now on continueRequest only notes the stream (the bundle runs a member's callback). */
export function deferContinue(): void {
  deferring = true;
  deferredStream = NONE;
}

/** Stops deferring; the stream that asked to resume meanwhile, or 0 when none did. */
export function takeDeferredContinue(): u32 {
  deferring = false;
  const id = deferredStream;
  deferredStream = NONE;
  return id;
}
