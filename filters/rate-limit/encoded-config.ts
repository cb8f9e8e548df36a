// What the request path sends, encoded once per configuration (at configure time, from the parsed
// Config): names and values passed to the host, the rejection's body and fixed headers. A request
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
  /** Per rule, in config order: its name (the shadow header's value, in the ietf headers). */
  readonly ruleNames: ArrayBuffer[] = [];
  /** Per rule: the info line of a shadow hit. */
  readonly shadowLogLines: ArrayBuffer[] = [];

  constructor(config: Config) {
    this.shadowHeader = stringToBuffer(config.shadowHeader);
    const reply = config.reply;
    this.rejectBody = stringToBuffer(reply.body);
    const rls = config.rls;
    this.rlsCluster = stringToBuffer(rls === null ? "" : rls.cluster);
    const extra = reply.headers;
    for (let i = 0; i < extra.length; i++) {
      this.rejectNames.push(stringToBuffer(extra.names[i]));
      this.rejectValues.push(stringToBuffer(extra.values[i]));
    }
    const rules = config.rules;
    for (let i = 0; i < rules.length; i++) {
      const name = rules[i].name;
      this.ruleNames.push(stringToBuffer(name));
      this.shadowLogLines.push(stringToBuffer("rate-limit: shadow limited by rule " + name));
    }
  }
}
