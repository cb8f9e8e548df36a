// Config errors in the one format every filter logs (docs/config.md, "Errors"), one critical line
// each:   <filter>: <json.path>: <what is wrong>, got <value>
// `sluice validate` prints the same lines (cli/config-walker.ts walks the same model).
import { JsonValue, memberPath, pathOf, renderValue } from "./json";
import { logMessage, LogLevel } from "./log";
import { decimal } from "./number-text";

/** At most this many lines are logged; one more line counts the rest. */
// @ts-ignore: decorator
@inline export const MAX_ERRORS = 20;

/** Where the configuration being read sits in a larger document (the bundle's
 *  `filters[i].config`), or "" for a plugin's own configuration: paths are printed below it. */
let pathPrefix = "";

/** Sets the prefix of every path recorded from now on ("" for none). */
export function setConfigPathPrefix(prefix: string): void {
  pathPrefix = prefix;
}

/** `path` below the prefix, as `sluice validate` prints it for sluice.yaml (only the bundle's
 *  build, `--use SLUICE_BUNDLE=1`, has a prefix). */
function located(path: string): string {
  if (!isDefined(SLUICE_BUNDLE)) return path;
  const prefix = pathPrefix;
  if (prefix.length == 0) return path;
  if (path == "$") return prefix;
  return path.charCodeAt(0) == 0x5b ? prefix + path : prefix + "." + path;
}

/** Every problem found in a configuration, in the order found. */
export class ConfigErrors {
  readonly lines: string[] = [];
  count: i32 = 0;

  constructor(readonly filter: string) {}

  get failed(): bool { return this.count > 0; }

  /** Records `<path>: <problem>` and `, got <got>` unless `got` is null. */
  add(path: string, problem: string, got: string | null): void {
    if (this.count++ >= MAX_ERRORS) return;
    const line = this.filter + ": " + located(path) + ": " + problem;
    this.lines.push(got === null ? line : line + ", got " + got);
  }

  /** A problem with `value`. */
  at(value: JsonValue, problem: string): void {
    this.add(pathOf(value), problem, renderValue(value));
  }

  /** A problem with member `key` of `obj`, which is absent. */
  absent(obj: JsonValue, key: string, problem: string): void {
    this.add(memberPath(obj, key), problem, "nothing");
  }

  /** Logs every line at critical (proxy_on_configure then returns false). */
  log(): void {
    const lines = this.lines;
    for (let i = 0; i < lines.length; i++) logMessage(LogLevel.Critical, lines[i]);
    if (this.count > MAX_ERRORS) {
      logMessage(LogLevel.Critical, this.filter + ": " + located("$") + ": " + decimal(this.count - MAX_ERRORS) + " more errors not shown");
    }
  }
}
