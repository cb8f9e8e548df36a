// The functions of a module as binaryen prints it (`module.emitText()`), for the build steps that
// read compiled code: scripts/runtime-transform.mjs (the collector's scans) and scripts/build.mjs
// (which functions a request can run).

/** A name as binaryen prints it: `$name`, or `$"name"` when it has characters such as `,` (then
 *  parentheses are inside the quotes, so an unquoted name ends before one). */
export const NAME = String.raw`\$("[^"\n]+"|[^\s()]+)`;

/** A name matched by NAME without its quotes. @param {string} name */
export const unquote = (name) => (name.startsWith('"') ? name.slice(1, -1) : name);

/** The printed functions of `text` by (unquoted) name, each its whole text.
 *  @param {string} text @returns {Map<string, string>} */
export function printedFunctions(text) {
  const functions = new Map();
  for (const m of text.matchAll(new RegExp(String.raw`^ \(func ${NAME} [^\n]*\n(?:(?! \(func )[^\n]*\n?)*`, "gm"))) {
    functions.set(unquote(m[1]), m[0].trimEnd());
  }
  return functions;
}
