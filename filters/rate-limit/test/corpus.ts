// Invalid rate-limit configs and every line the filter logs for each; `sluice validate` must print
// the same (cli/test/config-corpus.test.ts).
import { deeplyNested, withByte, type CorpusCase } from "../../../cli/test/corpus.js";

const LIMIT = { requests: 10, per: "1s" };
const rule = (extra: Record<string, unknown> = {}) => ({ name: "r", limits: [LIMIT], ...extra });
const withRule = (extra: Record<string, unknown>) => ({ rules: [rule(extra)] });
const top = (extra: Record<string, unknown>) => ({ rules: [rule()], ...extra });

export const CORPUS: CorpusCase[] = [
  // the document
  { name: "an empty configuration", config: "", lines: [
    "rate-limit: rules: is required, got nothing",
  ] },
  { name: "a document that is an array", config: [], lines: [
    "rate-limit: $: must be an object, got [...]",
  ] },
  { name: "a document that is null", config: "null", lines: [
    "rate-limit: $: must be an object, got null",
  ] },
  { name: "an unknown top-level key", config: top({ limit: 5 }), lines: [
    "rate-limit: limit: unknown key, got 5",
  ] },
  { name: "the old reject", config: top({ reject: { status: 503 } }), lines: [
    "rate-limit: reject: unknown key (did you mean \"reply\"?), got {...}",
  ] },
  // JSON syntax
  { name: "an unquoted key", config: "{rules: []}", lines: [
    "rate-limit: $: invalid JSON at line 1, column 2: expected a string key",
  ] },
  { name: "a leading zero", config: "{\"rules\": [{\"name\": \"r\", \"limits\": [{\"requests\": 010, \"per\": \"1s\"}]}]}", lines: [
    "rate-limit: $: invalid JSON at line 1, column 51: invalid number",
  ] },
  { name: "a number without digits after the point", config: "{\"enforce_percent\": 1.}", lines: [
    "rate-limit: $: invalid JSON at line 1, column 23: invalid number",
  ] },
  { name: "a control character in a string", config: "{\"rules\": [{\"name\": \"a\tb\"}]}", lines: [
    "rate-limit: $: invalid JSON at line 1, column 23: control character in string",
  ] },
  { name: "a bad escape", config: "{\"shadow_header\": \"\\x41\"}", lines: [
    "rate-limit: $: invalid JSON at line 1, column 20: invalid escape",
  ] },
  { name: "text after the document", config: "{\"rules\": []} {}", lines: [
    "rate-limit: $: invalid JSON at line 1, column 15: unexpected character after the value",
  ] },
  { name: "a duplicate key in a limit", config: "{\"rules\": [{\"name\": \"r\", \"limits\": [{\"requests\": 1, \"per\": \"1s\", \"per\": \"1m\"}]}]}", lines: [
    "rate-limit: $: invalid JSON at line 1, column 66: duplicate key \"per\"",
  ] },
  { name: "10,000-level nesting", config: deeplyNested("rules", 10_000), lines: [
    "rate-limit: $: invalid JSON at line 1, column 73: nesting deeper than 64",
  ] },
  { name: "a raw 0xfe byte in a header name", config: withByte("{\"rules\": [{\"name\": \"r\", \"limits\": [{\"requests\": 1, \"per\": \"1s\"}], \"key\": [{\"source\": \"header\", \"name\": \"x-@\"}]}]}", "@", 0xfe), lines: [
    "rate-limit: $: invalid JSON at line 1, column 108: invalid UTF-8 byte 0xfe",
  ] },
  { name: "an overlong UTF-8 encoding", config: withByte("{\"shadow_header\": \"@\"}", "@", 0xc0), lines: [
    "rate-limit: $: invalid JSON at line 1, column 20: invalid UTF-8 byte 0xc0",
  ] },
  // rules
  { name: "rules that are a string", config: { rules: "r" }, lines: [
    "rate-limit: rules: must be an array, got \"r\"",
  ] },
  { name: "no rules", config: { rules: [] }, lines: [
    "rate-limit: rules: must not be empty, got [...]",
  ] },
  { name: "65 rules", config: { rules: Array.from({ length: 65 }, (_, i) => rule({ name: `r${i}`, match: { methods: ["GET"] } })) }, lines: [
    "rate-limit: rules: must have at most 64 items, got [...]",
  ] },
  { name: "a rule that is null", config: { rules: [null] }, lines: [
    "rate-limit: rules[0]: must be an object, got null",
  ] },
  { name: "a rule without name and limits", config: { rules: [{}] }, lines: [
    "rate-limit: rules[0].name: is required, got nothing",
    "rate-limit: rules[0].limits: is required, got nothing",
  ] },
  { name: "a rule name with a space", config: withRule({ name: "my rule" }), lines: [
    "rate-limit: rules[0].name: must contain only letters, digits, \"_\" and \"-\", got \"my rule\"",
  ] },
  { name: "a rule name of 65 characters", config: withRule({ name: "r".repeat(65) }), lines: [
    "rate-limit: rules[0].name: must have at most 64 characters, got \"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr...\"",
  ] },
  { name: "a misspelled key", config: withRule({ max_key: 3 }), lines: [
    "rate-limit: rules[0].max_key: unknown key, got 3",
  ] },
  { name: "a camelCase key", config: withRule({ maxKeys: 3 }), lines: [
    "rate-limit: rules[0].maxKeys: unknown key (did you mean \"max_keys\"?), got 3",
  ] },
  { name: "an unknown mode", config: withRule({ mode: "dry-run" }), lines: [
    "rate-limit: rules[0].mode: must be one of \"enforce\", \"shadow\", got \"dry-run\"",
  ] },
  { name: "global as a string", config: withRule({ global: "yes" }), lines: [
    "rate-limit: rules[0].global: must be a boolean, got \"yes\"",
  ] },
  // limits
  { name: "no limits", config: withRule({ limits: [] }), lines: [
    "rate-limit: rules[0].limits: must not be empty, got [...]",
  ] },
  { name: "five limits", config: withRule({ limits: [LIMIT, LIMIT, LIMIT, LIMIT, LIMIT] }), lines: [
    "rate-limit: rules[0].limits: must have at most 4 items, got [...]",
  ] },
  { name: "zero requests", config: withRule({ limits: [{ requests: 0, per: "1s" }] }), lines: [
    "rate-limit: rules[0].limits[0].requests: must be >= 1, got 0",
  ] },
  { name: "fractional requests", config: withRule({ limits: [{ requests: 1.5, per: "1s" }] }), lines: [
    "rate-limit: rules[0].limits[0].requests: must be an integer, got 1.5",
  ] },
  { name: "requests of 1e400", config: "{\"rules\": [{\"name\": \"r\", \"limits\": [{\"requests\": 1e400, \"per\": \"1s\"}]}]}", lines: [
    "rate-limit: rules[0].limits[0].requests: must be <= 1000000000, got 1e400",
  ] },
  { name: "requests as a string", config: withRule({ limits: [{ requests: "10", per: "1s" }] }), lines: [
    "rate-limit: rules[0].limits[0].requests: must be an integer, got \"10\"",
  ] },
  { name: "per as a bare number", config: withRule({ limits: [{ requests: 10, per: 60 }] }), lines: [
    "rate-limit: rules[0].limits[0].per: must be a duration with a unit: write \"60s\" or \"60ms\", got 60",
  ] },
  { name: "the old per unit", config: withRule({ limits: [{ requests: 10, per: "second" }] }), lines: [
    "rate-limit: rules[0].limits[0].per: must be a duration: write \"1s\", got \"second\"",
  ] },
  { name: "per under 50ms", config: withRule({ limits: [{ requests: 10, per: "10ms" }] }), lines: [
    "rate-limit: rules[0].limits[0].per: must be >= 50ms, got \"10ms\"",
  ] },
  { name: "per over a day", config: withRule({ limits: [{ requests: 10, per: "2d" }] }), lines: [
    "rate-limit: rules[0].limits[0].per: must be <= 1d, got \"2d\"",
  ] },
  { name: "a limit without per", config: withRule({ limits: [{ requests: 10 }] }), lines: [
    "rate-limit: rules[0].limits[0].per: is required, got nothing",
  ] },
  { name: "a zero burst", config: withRule({ limits: [{ requests: 10, per: "1s", burst: 0 }] }), lines: [
    "rate-limit: rules[0].limits[0].burst: must be >= 1, got 0",
  ] },
  { name: "the old token bucket form", config: withRule({ limits: [{ max_tokens: 5, tokens_per_fill: 1, fill_interval: "1s" }] }), lines: [
    "rate-limit: rules[0].limits[0].max_tokens: unknown key (did you mean \"burst\"?), got 5",
    "rate-limit: rules[0].limits[0].tokens_per_fill: unknown key (did you mean \"requests\"?), got 1",
    "rate-limit: rules[0].limits[0].fill_interval: unknown key (did you mean \"per\"?), got \"1s\"",
    "rate-limit: rules[0].limits[0].requests: is required, got nothing",
    "rate-limit: rules[0].limits[0].per: is required, got nothing",
  ] },
  // key
  { name: "an empty key", config: withRule({ key: [] }), lines: [
    "rate-limit: rules[0].key: must not be empty, got [...]",
  ] },
  { name: "an unknown key source", config: withRule({ key: [{ source: "ip" }] }), lines: [
    "rate-limit: rules[0].key[0].source: must be one of \"header\", \"query\", \"cookie\", \"path\", \"method\", \"host\", \"client_ip\", \"cidr\", \"peer_id\", \"peer_trust_domain\", \"peer_namespace\", \"peer_service_account\", \"colour\", got \"ip\"",
  ] },
  { name: "the old spiffe_ns source", config: withRule({ key: [{ source: "spiffe_ns" }] }), lines: [
    "rate-limit: rules[0].key[0].source: must be one of \"header\", \"query\", \"cookie\", \"path\", \"method\", \"host\", \"client_ip\", \"cidr\", \"peer_id\", \"peer_trust_domain\", \"peer_namespace\", \"peer_service_account\", \"colour\", got \"spiffe_ns\"",
  ] },
  { name: "a header key without a name", config: withRule({ key: [{ source: "header" }] }), lines: [
    "rate-limit: rules[0].key[0].name: is required, got nothing",
  ] },
  { name: "a name on a method key", config: withRule({ key: [{ source: "method", name: "x" }] }), lines: [
    "rate-limit: rules[0].key[0].name: applies only when source is \"header\", \"query\", \"cookie\", got \"x\"",
  ] },
  { name: "17 trusted hops", config: withRule({ key: [{ source: "client_ip", trusted_hops: 17 }] }), lines: [
    "rate-limit: rules[0].key[0].trusted_hops: must be <= 16, got 17",
  ] },
  { name: "a cidr key without groups", config: withRule({ key: [{ source: "cidr" }] }), lines: [
    "rate-limit: rules[0].key[0].groups: is required, got nothing",
  ] },
  { name: "a cidr group name with a space", config: withRule({ key: [{ source: "cidr", groups: [{ name: "the office", ranges: ["10.0.0.0/8"] }] }] }), lines: [
    "rate-limit: rules[0].key[0].groups[0].name: must contain only letters, digits, \"_\" and \"-\", got \"the office\"",
  ] },
  { name: "a cidr group without ranges", config: withRule({ key: [{ source: "cidr", groups: [{ name: "office", ranges: [] }] }] }), lines: [
    "rate-limit: rules[0].key[0].groups[0].ranges: must not be empty, got [...]",
  ] },
  { name: "a colour key with a bad header name", config: withRule({ key: [{ source: "colour", header: "x/colour" }] }), lines: [
    "rate-limit: rules[0].key[0].header: must be a header name (letters, digits and !#$%&'*+-.^_`|~), got \"x/colour\"",
  ] },
  { name: "on_missing_key without a key", config: withRule({ on_missing_key: "default" }), lines: [
    "rate-limit: rules[0].key: is required with \"on_missing_key\", got nothing",
  ] },
  { name: "an unknown on_missing_key", config: withRule({ key: [{ source: "method" }], on_missing_key: "deny" }), lines: [
    "rate-limit: rules[0].on_missing_key: must be one of \"skip\", \"default\", got \"deny\"",
  ] },
  { name: "max_keys of 0", config: withRule({ key: [{ source: "method" }], max_keys: 0 }), lines: [
    "rate-limit: rules[0].max_keys: must be >= 1, got 0",
  ] },
  { name: "max_keys over 65536", config: withRule({ key: [{ source: "method" }], max_keys: 65537 }), lines: [
    "rate-limit: rules[0].max_keys: must be <= 65536, got 65537",
  ] },
  { name: "overflow without a key", config: withRule({ overflow: "deny" }), lines: [
    "rate-limit: rules[0].key: is required with \"overflow\", got nothing",
  ] },
  { name: "an unknown overflow policy", config: withRule({ key: [{ source: "method" }], overflow: "share" }), lines: [
    "rate-limit: rules[0].overflow: must be one of \"allow\", \"deny\", \"shared_bucket\", got \"share\"",
  ] },
  { name: "overflow_limits without overflow", config: withRule({ key: [{ source: "method" }], overflow_limits: [LIMIT] }), lines: [
    "rate-limit: rules[0].overflow: is required with \"overflow_limits\", got nothing",
  ] },
  { name: "empty overflow_limits", config: withRule({ key: [{ source: "method" }], overflow: "shared_bucket", overflow_limits: [] }), lines: [
    "rate-limit: rules[0].overflow_limits: must not be empty, got [...]",
  ] },
  { name: "a shared overflow bucket without limits", config: withRule({ key: [{ source: "method" }], overflow: "shared_bucket" }), lines: [
    "rate-limit: rules[0].overflow: needs overflow_limits, got \"shared_bucket\"",
  ] },
  { name: "max_keys without a key", config: withRule({ max_keys: 10 }), lines: [
    "rate-limit: rules[0].key: is required with \"max_keys\", got nothing",
  ] },
  // cost
  { name: "a negative cost", config: withRule({ cost: { amount: -1 } }), lines: [
    "rate-limit: rules[0].cost.amount: must be >= 0, got -1",
  ] },
  { name: "a cost header without max", config: withRule({ cost: { header: "x-cost" } }), lines: [
    "rate-limit: rules[0].cost.max: is required with \"header\", got nothing",
  ] },
  { name: "a cost max without header", config: withRule({ cost: { max: 5 } }), lines: [
    "rate-limit: rules[0].cost.header: is required with \"max\", got nothing",
  ] },
  { name: "on_invalid without a header", config: withRule({ cost: { on_invalid: "clamp" } }), lines: [
    "rate-limit: rules[0].cost.header: is required with \"on_invalid\", got nothing",
  ] },
  { name: "an unknown on_invalid", config: withRule({ cost: { header: "x-cost", max: 5, on_invalid: "ignore" } }), lines: [
    "rate-limit: rules[0].cost.on_invalid: must be one of \"reject\", \"clamp\", got \"ignore\"",
  ] },
  { name: "the old cost default", config: withRule({ cost: { header: "x-cost", max: 5, default: 2 } }), lines: [
    "rate-limit: rules[0].cost.default: unknown key, got 2",
  ] },
  // match
  { name: "a path match of two kinds", config: withRule({ match: { path: { prefix: "/a", exact: "/b" } } }), lines: [
    "rate-limit: rules[0].match.path.exact: cannot be combined with \"prefix\", got \"/b\"",
  ] },
  { name: "a host match of no kind", config: withRule({ match: { host: { ignore_case: true } } }), lines: [
    "rate-limit: rules[0].match.host: needs one of \"exact\", \"prefix\", \"suffix\", \"glob\", got {...}",
  ] },
  { name: "an empty method", config: withRule({ match: { methods: [""] } }), lines: [
    "rate-limit: rules[0].match.methods[0]: must not be empty, got \"\"",
  ] },
  { name: "a lowercase method", config: withRule({ match: { methods: ["post"] } }), lines: [
    "rate-limit: rules[0].match.methods[0]: is not an HTTP method (uppercase letters, \"-\" and \"_\"), got \"post\"",
  ] },
  { name: "a header match with only a name", config: withRule({ match: { headers: [{ name: "x-beta" }] } }), lines: [
    "rate-limit: rules[0].match.headers[0]: needs one of \"present\", \"exact\", \"prefix\", \"suffix\", \"glob\", got {...}",
  ] },
  { name: "a query match with present as a string", config: withRule({ match: { query: [{ name: "beta", present: "yes" }] } }), lines: [
    "rate-limit: rules[0].match.query[0].present: must be a boolean, got \"yes\"",
  ] },
  { name: "any nested in any", config: withRule({ match: { any: [{ any: [{ methods: ["GET"] }] }] } }), lines: [
    "rate-limit: rules[0].match.any[0].any: unknown key, got [...]",
  ] },
  { name: "an empty all", config: withRule({ match: { all: [] } }), lines: [
    "rate-limit: rules[0].match.all: must not be empty, got [...]",
  ] },
  { name: "the old peer_spiffe_id", config: withRule({ match: { peer_spiffe_id: "spiffe://td/**" } }), lines: [
    "rate-limit: rules[0].match.peer_spiffe_id: unknown key (did you mean \"peer_id\"?), got \"spiffe://td/**\"",
  ] },
  { name: "a match that is an array", config: withRule({ match: [] }), lines: [
    "rate-limit: rules[0].match: must be an object, got [...]",
  ] },
  // top level
  { name: "a huge document: a 1 MB shadow header", config: top({ shadow_header: "h".repeat(1_000_000) }), lines: [
    "rate-limit: shadow_header: must have at most 256 characters, got \"hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh...\"",
  ] },
  { name: "an unknown headers mode", config: top({ headers_mode: "draft04" }), lines: [
    "rate-limit: headers_mode: must be one of \"none\", \"draft03\", \"ietf\", got \"draft04\"",
  ] },
  { name: "enforce_percent over 100", config: top({ enforce_percent: 101 }), lines: [
    "rate-limit: enforce_percent: must be <= 100, got 101",
  ] },
  { name: "fractional enforce_percent", config: top({ enforce_percent: 50.5 }), lines: [
    "rate-limit: enforce_percent: must be an integer, got 50.5",
  ] },
  { name: "failure_mode_deny as a string", config: top({ failure_mode_deny: "yes" }), lines: [
    "rate-limit: failure_mode_deny: must be a boolean, got \"yes\"",
  ] },
  { name: "a reply status of 200", config: top({ reply: { status: 200 } }), lines: [
    "rate-limit: reply.status: must be >= 400, got 200",
  ] },
  { name: "a reply gRPC status of -1", config: top({ reply: { grpc_status: -1 } }), lines: [
    "rate-limit: reply.grpc_status: must be >= 0, got -1",
  ] },
  { name: "a reply header without a name", config: top({ reply: { headers: [{ value: "x" }] } }), lines: [
    "rate-limit: reply.headers[0].name: is required, got nothing",
  ] },
  { name: "a shadow header with a space", config: top({ shadow_header: "x rate" }), lines: [
    "rate-limit: shadow_header: must be a header name (letters, digits and !#$%&'*+-.^_`|~), got \"x rate\"",
  ] },
  { name: "rls without cluster and domain", config: top({ rls: {} }), lines: [
    "rate-limit: rls.cluster: is required, got nothing",
    "rate-limit: rls.domain: is required, got nothing",
  ] },
  { name: "an rls timeout over 60s", config: top({ rls: { cluster: "c", domain: "d", timeout: "2m" } }), lines: [
    "rate-limit: rls.timeout: must be <= 60s, got \"2m\"",
  ] },
  { name: "an rls timeout as a bare number", config: top({ rls: { cluster: "c", domain: "d", timeout: 20 } }), lines: [
    "rate-limit: rls.timeout: must be a duration with a unit: write \"20s\" or \"20ms\", got 20",
  ] },
  { name: "a default rule with a match", config: { rules: [rule({ match: { methods: ["GET"] } })], default_rule: rule({ name: "d", match: {} }) }, lines: [
    "rate-limit: default_rule.match: unknown key, got {...}",
  ] },
  // several problems, in order
  { name: "every problem of a rule, unknown keys first", config: { rules: [{ name: "a.b", limit: [], limits: [{ requests: 0, per: 1 }], key: [{ source: "ip" }] }] }, lines: [
    "rate-limit: rules[0].limit: unknown key, got [...]",
    "rate-limit: rules[0].name: must contain only letters, digits, \"_\" and \"-\", got \"a.b\"",
    "rate-limit: rules[0].limits[0].requests: must be >= 1, got 0",
    "rate-limit: rules[0].limits[0].per: must be a duration with a unit: write \"1s\" or \"1ms\", got 1",
    "rate-limit: rules[0].key[0].source: must be one of \"header\", \"query\", \"cookie\", \"path\", \"method\", \"host\", \"client_ip\", \"cidr\", \"peer_id\", \"peer_trust_domain\", \"peer_namespace\", \"peer_service_account\", \"colour\", got \"ip\"",
  ] },
  { name: "40 problems, 20 logged", config: { rules: Array.from({ length: 20 }, (_, i) => ({ name: `r${i}`, limits: [{ requests: 0, per: "1x" }] })) }, lines: [
    "rate-limit: rules[0].limits[0].requests: must be >= 1, got 0",
    "rate-limit: rules[0].limits[0].per: must be a duration like \"300ms\", \"10s\" or \"1m\", got \"1x\"",
    "rate-limit: rules[1].limits[0].requests: must be >= 1, got 0",
    "rate-limit: rules[1].limits[0].per: must be a duration like \"300ms\", \"10s\" or \"1m\", got \"1x\"",
    "rate-limit: rules[2].limits[0].requests: must be >= 1, got 0",
    "rate-limit: rules[2].limits[0].per: must be a duration like \"300ms\", \"10s\" or \"1m\", got \"1x\"",
    "rate-limit: rules[3].limits[0].requests: must be >= 1, got 0",
    "rate-limit: rules[3].limits[0].per: must be a duration like \"300ms\", \"10s\" or \"1m\", got \"1x\"",
    "rate-limit: rules[4].limits[0].requests: must be >= 1, got 0",
    "rate-limit: rules[4].limits[0].per: must be a duration like \"300ms\", \"10s\" or \"1m\", got \"1x\"",
    "rate-limit: rules[5].limits[0].requests: must be >= 1, got 0",
    "rate-limit: rules[5].limits[0].per: must be a duration like \"300ms\", \"10s\" or \"1m\", got \"1x\"",
    "rate-limit: rules[6].limits[0].requests: must be >= 1, got 0",
    "rate-limit: rules[6].limits[0].per: must be a duration like \"300ms\", \"10s\" or \"1m\", got \"1x\"",
    "rate-limit: rules[7].limits[0].requests: must be >= 1, got 0",
    "rate-limit: rules[7].limits[0].per: must be a duration like \"300ms\", \"10s\" or \"1m\", got \"1x\"",
    "rate-limit: rules[8].limits[0].requests: must be >= 1, got 0",
    "rate-limit: rules[8].limits[0].per: must be a duration like \"300ms\", \"10s\" or \"1m\", got \"1x\"",
    "rate-limit: rules[9].limits[0].requests: must be >= 1, got 0",
    "rate-limit: rules[9].limits[0].per: must be a duration like \"300ms\", \"10s\" or \"1m\", got \"1x\"",
    "rate-limit: $: 20 more errors not shown",
  ] },
  // what JSON Schema cannot say
  { name: "duplicate rule names", config: { rules: [rule({ match: { methods: ["GET"] } }), rule()] }, lines: [
    "rate-limit: rules[1].name: duplicate rule name, got \"r\"",
  ] },
  { name: "a rule after one that takes every request", config: { rules: [rule(), rule({ name: "s" })] }, lines: [
    "rate-limit: rules[1]: is unreachable: rules[0] applies to every request, got {...}",
  ] },
  { name: "a bad CIDR", config: withRule({ key: [{ source: "cidr", groups: [{ name: "office", ranges: ["10.0.0.0/33"] }] }] }), lines: [
    "rate-limit: rules[0].key[0].groups[0].ranges[0]: is not a valid CIDR, got \"10.0.0.0/33\"",
  ] },
  { name: "a CIDR with host bits", config: withRule({ key: [{ source: "cidr", groups: [{ name: "office", ranges: ["10.0.0.1/8"] }] }] }), lines: [
    "rate-limit: rules[0].key[0].groups[0].ranges[0]: is not a valid CIDR, got \"10.0.0.1/8\"",
  ] },
  { name: "a cost amount above max", config: withRule({ cost: { header: "x-cost", max: 5, amount: 6 } }), lines: [
    "rate-limit: rules[0].cost.amount: must be <= max, got 6",
  ] },
  { name: "an Istio principal as the peer pattern", config: withRule({ match: { peer_id: "cluster.local/ns/x/sa/y" } }), lines: [
    "rate-limit: rules[0].match.peer_id: is not a valid SPIFFE ID pattern: scheme must be \"spiffe://\" (lowercase); write \"spiffe://cluster.local/ns/x/sa/y\", got \"cluster.local/ns/x/sa/y\"",
  ] },
  { name: "a SPIFFE pattern with two stars in a segment", config: withRule({ match: { peer_id: "spiffe://td/ns/*a*" } }), lines: [
    "rate-limit: rules[0].match.peer_id: is not a valid SPIFFE ID pattern: a path segment may contain at most one \"*\", got \"spiffe://td/ns/*a*\"",
  ] },
  { name: "a global rule without rls", config: withRule({ global: true }), lines: [
    "rate-limit: rules[0].global: needs \"rls\" at the top level, got true",
  ] },
];
