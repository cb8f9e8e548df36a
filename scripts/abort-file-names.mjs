// Compiler transform (scripts/build.mjs passes it to asc): drops the source file names that
// AssemblyScript stores for its aborts. Every `throw` and failed bounds check in the standard
// library calls abort(message, fileName, line, column) with the file's path as a static UTF-16
// string (`~lib/array.ts`, ...), about 40 bytes each; our abort (filters/shared/abort.ts) logs
// the message only, so the optimizer removes the argument but not the string. After compiling,
// a static string whose text is a `.ts` path and whose address the module uses only as the
// second argument of an abort call is left out of the data segments (ARCHITECTURE.md, "Module
// size"). Anything else that names the address keeps the string.
const ABORT = "filters/shared/abort/sluiceAbort";
/** The runtime's id of `string` (rtId in a static object's header). */
const STRING_ID = 2;
const PATH = /^[\w~./-]+\.ts$/;
/** An abort's first argument: a constant or a call with constant arguments (a packed literal). */
const MESSAGE = String.raw`\((?:[^()]|\([^()]*\))*\)`;

/** The text of the static string object `data` (header, then UTF-16), or null. */
function staticString(data) {
  if (data.length < 20) return null;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (view.getUint32(12, true) !== STRING_ID) return null;
  const size = view.getUint32(16, true);
  if (size % 2 !== 0 || 20 + size > data.length) return null;
  let text = "";
  for (let i = 0; i < size; i += 2) text += String.fromCharCode(view.getUint16(20 + i, true));
  return text;
}

function count(text, pattern) {
  return (text.match(pattern) ?? []).length;
}

export default class AbortFileNamesTransform {
  afterCompile(module) {
    const text = module.emitText();
    if (!text.includes(`$${ABORT}`)) return;
    const segments = [];
    let dropped = 0;
    for (let i = 0, n = module.getNumDataSegments(); i < n; i++) {
      const info = module.getDataSegmentInfo(module.getDataSegmentByIndex(i));
      const data = new Uint8Array(info.data);
      const string = info.passive ? null : staticString(data);
      if (string !== null && PATH.test(string)) {
        const address = info.offset + 20;
        const uses = count(text, new RegExp(`\\(i32\\.const ${address}\\)`, "g"));
        const asFileName = count(text, new RegExp(`\\(call \\$${ABORT}\\s+${MESSAGE}\\s+\\(i32\\.const ${address}\\)`, "g"));
        if (uses > 0 && uses === asFileName) {
          dropped++;
          continue;
        }
      }
      segments.push({ name: info.name, data, offset: module.i32.const(info.offset), passive: info.passive });
    }
    if (dropped === 0) return;
    const memory = module.getMemoryInfo();
    const name = text.match(/\(memory \$(\S+)/)?.[1] ?? "0";
    module.setMemory(memory.initial, memory.max ?? -1, null, segments, memory.shared, memory.is64, name);
  }
}
