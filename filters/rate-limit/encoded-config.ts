// What the request path sends, encoded once per configuration (at configure time, from the parsed
// Config): names and values passed to the host, the rejection's body and fixed headers (each
// rule's own: rule-state.ts). A request
// then copies bytes and writes digits in place instead of making strings.
import { stringToBuffer } from "../shared/bytes";
import { Config } from "./config";

export class EncodedConfig {
  readonly shadowHeader: ArrayBuffer;
  readonly rejectBody: ArrayBuffer;
  /** rls.cluster ("" without rls). */
  readonly rlsCluster: ArrayBuffer;
  /** reply.headers, added to every rejection. */
  readonly rejectNames: ArrayBuffer[] = [];
  readonly rejectValues: ArrayBuffer[] = [];

  constructor(config: Config) {
    this.shadowHeader = stringToBuffer(config.shadowHeader);
    const reply = config.reply;
    this.rejectBody = stringToBuffer(reply.body);
    const rls = config.rls;
    this.rlsCluster = stringToBuffer(rls === null ? "" : rls.cluster);
    const extra = reply.headers;
    for (let i = 0; i < extra.length; i++) {
      this.rejectNames.push(stringToBuffer(unchecked(extra.names[i])));
      this.rejectValues.push(stringToBuffer(unchecked(extra.values[i])));
    }
  }
}
