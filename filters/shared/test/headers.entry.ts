// Test entry for the pure parts of headers.ts, header-pairs.ts, properties.ts and local-reply.ts.
import { bufferToString, bytesToString, stringToBuffer } from "../bytes";
import { HeaderPairs } from "../header-pairs";
import { cookieValue, HeaderList, pathWithoutQuery, queryParam } from "../headers";
import { stripPort } from "../properties";

/** `name` in the cookie header, or "<none>". */
export function cookie(header: string, name: string): string {
  const v = cookieValue(header, name);
  return v === null ? "<none>" : v;
}

/** Query parameter `name` of `path`, or "<none>". */
export function query(path: string, name: string): string {
  const v = queryParam(path, name);
  return v === null ? "<none>" : v;
}

export function withoutQuery(path: string): string {
  return pathWithoutQuery(path);
}

/** Serializes pairs given as "name=value" lines (split on "\n"); returns the bytes as a byte string. */
export function serializePairs(lines: string): string {
  const list = new HeaderList();
  if (lines.length > 0) {
    const parts = lines.split("\n");
    for (let i = 0; i < parts.length; i++) {
      const eq = parts[i].indexOf("=");
      list.add(parts[i].substring(0, eq), parts[i].substring(eq + 1));
    }
  }
  return bufferToString(list.serialize());
}

const pairs = new HeaderPairs();

/** Writes "name=value" lines as HeaderPairs does, started for at most `most` headers (fewer or
 *  more than the lines); a value "#<digits>" is written as a number. Returns the layout. */
export function writePairs(lines: string, most: i32): string {
  pairs.start(most);
  if (lines.length > 0) {
    const parts = lines.split("\n");
    for (let i = 0; i < parts.length; i++) {
      const eq = parts[i].indexOf("=");
      pairs.named(stringToBuffer(parts[i].substring(0, eq)));
      const value = parts[i].substring(eq + 1);
      if (value.startsWith("#")) pairs.decimal(U64.parseInt(value.substring(1)));
      else pairs.string(value);
    }
  }
  pairs.finish();
  return bytesToString(pairs.ptr, <usize>pairs.length);
}

/** Parses pairs bytes (a byte string); returns "name=value" lines joined with "\n", "<empty>" for none. */
export function parsePairs(bytes: string): string {
  const buf = stringToBuffer(bytes);
  const list = HeaderList.parse(changetype<usize>(buf), buf.byteLength);
  if (list.length == 0) return "<empty>";
  let out = "";
  for (let i = 0; i < list.length; i++) out += (i > 0 ? "\n" : "") + list.names[i] + "=" + list.values[i];
  return out;
}

export function hostOf(address: string): string {
  return stripPort(address);
}
