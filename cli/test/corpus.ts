// The invalid-config corpus shared by the four filters (filters/<id>/test/corpus.ts): each case is
// the bytes Envoy would pass the filter and every line the filter logs for them. The corpus test
// (config-corpus.test.ts) runs each through the built module and through `sluice validate`.

export interface CorpusCase {
  name: string;
  /** A config object (sent as compact JSON), or the exact text or bytes. */
  config: unknown;
  /** The critical lines, in order. */
  lines: string[];
}

/** The bytes of a case's config. */
export function caseBytes(config: unknown): Uint8Array {
  if (config instanceof Uint8Array) return config;
  return Buffer.from(typeof config === "string" ? config : JSON.stringify(config), "utf8");
}

/** `{"<key>": [[[...]]]}` nested `depth` arrays deep. */
export const deeplyNested = (key: string, depth: number) => `{"${key}":${"[".repeat(depth)}${"]".repeat(depth)}}`;

/** Text with a raw byte spliced in at `marker` (non-UTF-8 input is bytes, not text). */
export function withByte(text: string, marker: string, byte: number): Uint8Array {
  const [before, after] = text.split(marker) as [string, string];
  return Buffer.concat([Buffer.from(before, "utf8"), Buffer.from([byte]), Buffer.from(after, "utf8")]);
}
