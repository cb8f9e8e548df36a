// The `to` and `when` of every policy, compiled into one array of clauses (plus the PatternTable
// and the header keys they name): a large configuration keeps a handful of objects alive (the
// collector marks every live object each collection), and a request runs a policy's clauses in
// one loop. A clause is one field of `to` or one `when` condition:
//   [subject, flags, count, count entries: pattern indexes (ports: port numbers)]
// `flags`: CLAUSE_NEGATED (a `not_` list), CLAUSE_FOLD_CASE (ASCII case ignored: hosts, paths with
// `ignore_case`). A policy's clauses are in configuration order (methods, not_methods, hosts, not_hosts, ports,
// not_ports, paths, not_paths, then each condition's values and not_values), so the request's
// values are read from the host in the same order as a policy names them.
// An index on the canonical path's byte after the leading `/` (or its absence) gives the policies
// whose `paths` can match it, so a request skips the others without running their clauses.
import { setBitAt } from "./bit-set";
import { HostKey } from "./host-key";
import { HostRequest } from "./host-request";
import { ANY_PATH, PATH_END, PatternTable, PatternTableBuilder } from "./pattern-table";
import { RequestValue } from "./request-value";
import { element } from "./static-array";

export namespace Subject {
  export const Method: i32 = 0;
  export const Host: i32 = 1;
  export const Port: i32 = 2;
  export const Path: i32 = 3;
  /** Header + k: the header of key k. */
  export const Header: i32 = 4;
}

const CLAUSE_NEGATED = 1;
const CLAUSE_FOLD_CASE = 2;

export class RequestChecks {
  constructor(
    private readonly clauses: StaticArray<i32>,
    /** Policy i's clauses are clauses[starts[i], starts[i + 1]). */
    private readonly starts: StaticArray<i32>,
    private readonly patterns: PatternTable,
    private readonly headers: StaticArray<HostKey>,
    /** For each key (the byte after the path's leading `/`, or PATH_END): one bit per policy, by
     *  index, set when the policy has no `paths` or one that can match such a path. */
    private readonly pathCandidates: StaticArray<u32>,
    /** Words per key in pathCandidates. */
    readonly words: i32,
  ) {}

  /** Where the policies that can match the request's canonical path start in pathCandidates
   *  (`words` words). */
  pathCandidatesAt(request: HostRequest): i32 {
    const path = request.path();
    const key = path.length >= 2 ? <i32>load<u8>(path.ptr + 1) : PATH_END;
    return key * this.words;
  }

  // @ts-ignore: decorator
  @inline pathCandidatesWord(at: i32): u32 {
    return element(this.pathCandidates, at);
  }

  /** Whether policy `policy`'s `to` and `when` match the request (`from` is matched per caller:
   *  caller-matches.ts). A missing header never matches `values` and satisfies `not_values`. */
  matches(policy: i32, request: HostRequest): bool {
    const clauses = this.clauses;
    let at = element(this.starts, policy);
    const end = element(this.starts, policy + 1);
    while (at < end) {
      const subject = element(clauses, at);
      const flags = element(clauses, at + 1);
      const negated = (flags & CLAUSE_NEGATED) != 0;
      const first = at + 3;
      at = first + element(clauses, at + 2);
      let found = false;
      if (subject == Subject.Port) {
        const port = request.port();
        for (let i = first; i < at && !found; i++) found = <i64>element(clauses, i) == port;
      } else {
        const value = this.value(subject, request);
        if (value.length < 0) {
          if (negated) continue;
          return false;
        }
        const patterns = this.patterns;
        const foldCase = (flags & CLAUSE_FOLD_CASE) != 0;
        for (let i = first; i < at && !found; i++) found = patterns.matches(element(clauses, i), value, foldCase);
      }
      if (found == negated) return false;
    }
    return true;
  }

  /** Makes every `when` header read for this request carry only the value that was matched. */
  forwardHeaders(): void {
    const headers = this.headers;
    for (let i = 0, n = headers.length; i < n; i++) unchecked(headers[i]).forwardAsRead();
  }

  // @ts-ignore: decorator
  @inline private value(subject: i32, request: HostRequest): RequestValue {
    switch (subject) {
      case Subject.Method: return request.method();
      case Subject.Host: return request.host();
      case Subject.Path: return request.path();
      default: return unchecked(this.headers[subject - Subject.Header]).read();
    }
  }
}

/** Builds RequestChecks at configure time, one policy after the other. */
export class RequestChecksBuilder {
  readonly patterns: PatternTableBuilder = new PatternTableBuilder();
  private readonly clauses: i32[] = [];
  private readonly starts: i32[] = [0];
  private readonly headers: HostKey[] = [];
  /** Where the open clause's count is. */
  private countAt: i32 = 0;
  /** RequestChecks' pathCandidates, filled policy by policy. */
  private readonly pathCandidates: StaticArray<u32>;
  private readonly words: i32;
  /** The current policy's `paths` named a path key (its bits are set only for those keys). */
  private hasPathKeys: bool = false;

  constructor(policyCount: i32) {
    const words = (policyCount + 31) >> 5;
    this.pathCandidates = new StaticArray<u32>((PATH_END + 1) * words);
    this.words = words;
  }

  /** The subject of header `name`: one key per header, shared by every condition on it. */
  headerSubject(name: string): i32 {
    const keys = this.headers;
    for (let i = 0; i < keys.length; i++) if (keys[i].name == name) return Subject.Header + i;
    keys.push(new HostKey(name));
    return Subject.Header + keys.length - 1;
  }

  /** Opens a clause of the current policy; `add` then appends its entries. */
  clause(subject: i32, negated: bool, foldCase: bool): void {
    const clauses = this.clauses;
    clauses.push(subject);
    clauses.push((negated ? CLAUSE_NEGATED : 0) | (foldCase ? CLAUSE_FOLD_CASE : 0));
    this.countAt = clauses.length;
    clauses.push(0);
  }

  /** Appends a pattern index (or a port) to the open clause. */
  add(entry: i32): void {
    const clauses = this.clauses;
    clauses.push(entry);
    clauses[this.countAt]++;
  }

  /** Notes that the current policy's `paths` has path pattern `pattern` (lowercase and matched
   *  either case when `foldCase`). */
  addPathKey(pattern: i32, foldCase: bool): void {
    this.hasPathKeys = true;
    const key = this.patterns.pathKey(pattern);
    if (key == ANY_PATH) {
      this.setPathKeys(0, PATH_END);
    } else {
      this.setPathKeys(key, key);
      if (foldCase && <u32>(key - 0x61) < 26) this.setPathKeys(key - 0x20, key - 0x20);
    }
  }

  /** Ends the current policy: the clauses since the previous one are its. */
  endPolicy(): void {
    // without path keys, the policy is a candidate for every path
    if (!this.hasPathKeys) this.setPathKeys(0, PATH_END);
    this.hasPathKeys = false;
    this.starts.push(this.clauses.length);
  }

  build(): RequestChecks {
    return new RequestChecks(StaticArray.fromArray(this.clauses), StaticArray.fromArray(this.starts),
      this.patterns.build(), StaticArray.fromArray(this.headers), this.pathCandidates, this.words);
  }

  /** Sets the current policy's bit for path keys from..to (included). */
  private setPathKeys(from: i32, to: i32): void {
    const words = this.words;
    const policy = this.starts.length - 1;
    for (let key = from; key <= to; key++) setBitAt(this.pathCandidates, key * words, policy);
  }
}
