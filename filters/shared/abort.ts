// The module's abort (asconfig.json `use abort=...`): AssemblyScript calls it on a failed
// assertion, an out-of-range index or an allocation failure. Filters must never get here (tests
// treat a trap as a bug); if one does, Envoy gets a critical log line naming the place and the VM
// traps. The message goes through proxy_log, not WASI stdout, and no file names are kept.
import { proxy_log } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";

const PREFIX = "sluice: abort: ";

function sluiceAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const text = String.UTF8.encode(PREFIX + (message === null ? "" : message));
  proxy_log(5, changetype<usize>(text), text.byteLength);
  unreachable();
}
