// Request conditions of a rule: every condition present must hold (AND); `any` needs one of its
// sub-matches, `all` every one. An empty match holds for every request.
import { pathWithoutQuery, queryParam } from "../shared/headers";
import { StringMatcher, ValueCondition } from "../shared/matchers";
import { stripPort } from "../shared/properties";
import { SpiffePattern } from "../shared/spiffe";
import { RequestView } from "./request";

export class Match {
  methods: string[] = [];
  host: StringMatcher | null = null;
  path: StringMatcher | null = null;
  peerSpiffeId: SpiffePattern | null = null;
  any: Match[] = [];
  all: Match[] = [];

  constructor(readonly headers: ValueCondition[], readonly query: ValueCondition[]) {}

  matches(req: RequestView): bool {
    const methods = this.methods;
    if (methods.length > 0) {
      const method = req.header(":method");
      if (method === null || !methods.includes(method)) return false;
    }
    const host = this.host;
    if (host !== null) {
      const authority = req.header(":authority");
      if (authority === null || !host.matches(stripPort(authority))) return false;
    }
    const path = this.path;
    if (path !== null) {
      const full = req.header(":path");
      if (full === null || !path.matches(pathWithoutQuery(full))) return false;
    }
    const headers = this.headers;
    for (let i = 0, n = headers.length; i < n; i++) {
      const condition = unchecked(headers[i]);
      if (!condition.holds(req.header(condition.name))) return false;
    }
    const query = this.query;
    if (query.length > 0) {
      const full = req.header(":path");
      for (let i = 0, n = query.length; i < n; i++) {
        const condition = unchecked(query[i]);
        if (!condition.holds(full === null ? null : queryParam(full, condition.name))) return false;
      }
    }
    const spiffe = this.peerSpiffeId;
    if (spiffe !== null) {
      const id = req.peerSpiffeId();
      if (id === null || !spiffe.matches(id)) return false;
    }
    const any = this.any;
    if (any.length > 0) {
      let found = false;
      for (let i = 0, n = any.length; i < n && !found; i++) found = unchecked(any[i]).matches(req);
      if (!found) return false;
    }
    const all = this.all;
    for (let i = 0, n = all.length; i < n; i++) {
      if (!unchecked(all[i]).matches(req)) return false;
    }
    return true;
  }
}
