// The module's abort (asconfig.json `use abort=...`): AssemblyScript calls it on a failed
// assertion, an out-of-range index or an allocation failure. Filters must never get here (tests
// treat a trap as a bug); if one does, Envoy gets a critical log line naming the place and the VM
// traps. The message goes through proxy_log, not WASI stdout, and no file names are kept. The line
// is written into static memory, so an abort for a failed allocation does not allocate again.
import { proxy_log } from "@gcoredev/proxy-wasm-sdk-as/assembly/imports";

// @ts-ignore: decorator
@inline const LINE_BYTES = 256;
const line = memory.data(LINE_BYTES);

/** Appends the low byte of each character of `text` at `at`, up to the end of the line. */
function append(text: string, at: i32): i32 {
  for (let i = 0; i < text.length && at < LINE_BYTES; i++) store<u8>(line + at++, <u8>text.charCodeAt(i));
  return at;
}

function sluiceAbort(message: string | null, fileName: string | null, lineNumber: u32, column: u32): void {
  const length = append(message === null ? "" : message, append("sluice: abort: ", 0));
  proxy_log(5, line, length);
  unreachable();
}
