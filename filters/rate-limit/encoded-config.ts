// What the request path sends, encoded once per configuration (at configure time, from the parsed
// Config): names and values passed to the host, the rejection's body and fixed headers. A request
// then copies bytes and writes digits in place instead of making strings.
import { stringToBuffer } from "../shared/bytes";
import { HeaderPairs } from "../shared/header-pairs";
import { Config } from "./config";

export class EncodedConfig {
  readonly shadowHeader: ArrayBuffer;
  readonly rejectBody: ArrayBuffer;
  /** reject.headers, added to every rejection. */
  readonly rejectHeaders: HeaderPairs;
  /** Per rule, in config order: its name (the shadow header's value). */
  readonly ruleNames: ArrayBuffer[] = [];
  /** Per rule: `"<name>"`, as the ietf headers quote it. */
  readonly quotedRuleNames: ArrayBuffer[] = [];
  /** Per rule: the info line of a shadow hit. */
  readonly shadowLogLines: ArrayBuffer[] = [];

  constructor(config: Config) {
    this.shadowHeader = stringToBuffer(config.shadowHeader);
    this.rejectBody = stringToBuffer(config.rejectBody);
    this.rejectHeaders = HeaderPairs.of(config.rejectHeaders);
    const rules = config.rules;
    for (let i = 0; i < rules.length; i++) {
      const name = rules[i].name;
      this.ruleNames.push(stringToBuffer(name));
      this.quotedRuleNames.push(stringToBuffer("\"" + name + "\""));
      this.shadowLogLines.push(stringToBuffer("rate-limit: shadow limited by rule " + name));
    }
  }
}
