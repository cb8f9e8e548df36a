// What the request path sends, encoded once per configuration (at configure time, from the parsed
// Config): names and values passed to the host, the rejection's body and fixed headers (each
// rule's own: rule-state.ts). A request
// then copies bytes and writes digits in place instead of making strings.
import { stringToBuffer } from "../shared/bytes";
import { Config } from "./config";

export class EncodedConfig {
  /** reply.headers, added to every rejection. */
  readonly rejectNames: ArrayBuffer[] = [];
  readonly rejectValues: ArrayBuffer[] = [];

  constructor(
    readonly shadowHeader: ArrayBuffer,
    readonly rejectBody: ArrayBuffer,
    /** rls.cluster ("" without rls). */
    readonly rlsCluster: ArrayBuffer,
  ) {}
}

/** What `config` makes the request path send, encoded. */
export function encodeConfig(config: Config): EncodedConfig {
  const reply = config.reply;
  const rls = config.rls;
  const encoded = new EncodedConfig(stringToBuffer(config.shadowHeader), stringToBuffer(reply.body),
    stringToBuffer(rls === null ? "" : rls.cluster));
  const extra = reply.headers;
  for (let i = 0; i < extra.length; i++) {
    encoded.rejectNames.push(stringToBuffer(unchecked(extra.names[i])));
    encoded.rejectValues.push(stringToBuffer(unchecked(extra.values[i])));
  }
  return encoded;
}
