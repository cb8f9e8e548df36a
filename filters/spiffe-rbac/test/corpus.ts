// Invalid spiffe-rbac configs and every line the filter logs for each; `sluice validate` must
// print the same (cli/test/config-corpus.test.ts).
import { deeplyNested, withByte, type CorpusCase } from "../../../cli/test/corpus.js";

const allow = (extra: Record<string, unknown> = {}) => ({ name: "p", action: "ALLOW", ...extra });
const withPolicy = (policy: Record<string, unknown>, top: Record<string, unknown> = {}) => ({ ...top, policies: [policy] });
const top = (extra: Record<string, unknown>) => ({ policies: [], ...extra });

export const CORPUS: CorpusCase[] = [
  // the document
  { name: "an empty configuration", config: "", lines: [
    "spiffe-rbac: policies: is required, got nothing",
  ] },
  { name: "a document that is an array", config: [], lines: [
    "spiffe-rbac: $: must be an object, got [...]",
  ] },
  { name: "an unknown top-level key", config: top({ rules: [] }), lines: [
    "spiffe-rbac: rules: unknown key, got [...]",
  ] },
  { name: "the old deny_response", config: top({ deny_response: { body: "no" } }), lines: [
    "spiffe-rbac: deny_response: unknown key (did you mean \"reply\"?), got {...}",
  ] },
  // JSON syntax
  { name: "an unexpected bracket", config: "{\"policies\": [}", lines: [
    "spiffe-rbac: $: invalid JSON at line 1, column 15: unexpected character",
  ] },
  { name: "a number with a plus sign", config: "{\"policies\": [], \"x\": +1}", lines: [
    "spiffe-rbac: $: invalid JSON at line 1, column 23: unexpected character",
  ] },
  { name: "a number without exponent digits", config: "{\"policies\": [{\"name\": \"p\", \"action\": \"ALLOW\", \"to\": {\"ports\": [8e]}}]}", lines: [
    "spiffe-rbac: $: invalid JSON at line 1, column 67: invalid number",
  ] },
  { name: "an error on line 4", config: "{\n  \"policies\": [\n    {\"name\": \"p\",\n     \"action\" \"ALLOW\"}\n  ]\n}", lines: [
    "spiffe-rbac: $: invalid JSON at line 4, column 15: expected ':'",
  ] },
  { name: "a duplicate key in a policy", config: "{\"policies\": [{\"name\": \"p\", \"action\": \"ALLOW\", \"action\": \"DENY\"}]}", lines: [
    "spiffe-rbac: $: invalid JSON at line 1, column 48: duplicate key \"action\"",
  ] },
  { name: "10,000-level nesting", config: deeplyNested("policies", 10_000), lines: [
    "spiffe-rbac: $: invalid JSON at line 1, column 76: nesting deeper than 64",
  ] },
  { name: "a raw 0xff byte in a principal", config: withByte("{\"policies\": [{\"name\": \"p\", \"action\": \"ALLOW\", \"from\": {\"principals\": [\"spiffe://td/@\"]}}]}", "@", 0xff), lines: [
    "spiffe-rbac: $: invalid JSON at line 1, column 85: invalid UTF-8 byte 0xff",
  ] },
  { name: "a NUL escape in a header name", config: "{\"policies\": [{\"name\": \"p\", \"action\": \"ALLOW\", \"when\": [{\"source\": \"header\", \"name\": \"x\\u0000\", \"values\": [\"*\"]}]}]}", lines: [
    "spiffe-rbac: policies[0].when[0].name: must be a header name (letters, digits and !#$%&'*+-.^_`|~) or a pseudo-header like \":path\", got \"x\\u0000\"",
  ] },
  // top level
  { name: "policies that are an object", config: { policies: {} }, lines: [
    "spiffe-rbac: policies: must be an array, got {...}",
  ] },
  { name: "257 policies", config: { policies: Array.from({ length: 257 }, (_, i) => allow({ name: `p${i}` })) }, lines: [
    "spiffe-rbac: policies: must have at most 256 items, got [...]",
  ] },
  { name: "an unknown mode", config: top({ mode: "dry-run" }), lines: [
    "spiffe-rbac: mode: must be one of \"enforce\", \"shadow\", got \"dry-run\"",
  ] },
  { name: "an unknown default action", config: top({ default_action: "AUDIT" }), lines: [
    "spiffe-rbac: default_action: must be one of \"ALLOW\", \"DENY\", got \"AUDIT\"",
  ] },
  { name: "an empty trust domain list", config: top({ trust_domains: [] }), lines: [
    "spiffe-rbac: trust_domains: must not be empty, got [...]",
  ] },
  { name: "a trust domain of 256 characters", config: top({ trust_domains: ["t".repeat(256)] }), lines: [
    "spiffe-rbac: trust_domains[0]: must have at most 255 characters, got \"tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt...\"",
  ] },
  { name: "xfcc without trusted proxies", config: top({ xfcc: {} }), lines: [
    "spiffe-rbac: xfcc.trusted_proxies: is required, got nothing",
  ] },
  { name: "an unknown xfcc element choice", config: top({ xfcc: { trusted_proxies: ["spiffe://td/gw"], use: "middle" } }), lines: [
    "spiffe-rbac: xfcc.use: must be one of \"last\", \"first\", got \"middle\"",
  ] },
  { name: "strip_untrusted as a string", config: top({ xfcc: { trusted_proxies: ["spiffe://td/gw"], strip_untrusted: "true" } }), lines: [
    "spiffe-rbac: xfcc.strip_untrusted: must be a boolean, got \"true\"",
  ] },
  { name: "an unknown encoded-slash mode", config: top({ path_normalization: { encoded_slashes: "allow" } }), lines: [
    "spiffe-rbac: path_normalization.encoded_slashes: must be one of \"reject\", \"decode\", \"keep\", got \"allow\"",
  ] },
  { name: "merge_slashes as a string", config: top({ path_normalization: { merge_slashes: "yes" } }), lines: [
    "spiffe-rbac: path_normalization.merge_slashes: must be a boolean, got \"yes\"",
  ] },
  { name: "an unknown dot-segment mode", config: top({ path_normalization: { dot_segments: "keep" } }), lines: [
    "spiffe-rbac: path_normalization.dot_segments: must be one of \"resolve\", \"reject\", got \"keep\"",
  ] },
  { name: "an unknown path forwarding mode", config: top({ path_forwarding: "decode" }), lines: [
    "spiffe-rbac: path_forwarding: must be one of \"normalized\", \"reject\", \"raw\", got \"decode\"",
  ] },
  { name: "path_forwarding as a boolean", config: top({ path_forwarding: false }), lines: [
    "spiffe-rbac: path_forwarding: must be one of \"normalized\", \"reject\", \"raw\", got false",
  ] },
  { name: "a reply body that is a number", config: top({ reply: { body: 403 } }), lines: [
    "spiffe-rbac: reply.body: must be a string, got 403",
  ] },
  { name: "a reply status of 302", config: top({ reply: { status: 302 } }), lines: [
    "spiffe-rbac: reply.status: must be >= 400, got 302",
  ] },
  { name: "decision_header as a number", config: top({ decision_header: 1 }), lines: [
    "spiffe-rbac: decision_header: must be a boolean, got 1",
  ] },
  // policies
  { name: "a huge document: 5,000 policies", config: top({ policies: Array.from({ length: 5000 }, (_, i) => allow({ name: `p${i}` })) }), lines: [
    "spiffe-rbac: policies: must have at most 256 items, got [...]",
  ] },
  { name: "a policy that is a string", config: { policies: ["p"] }, lines: [
    "spiffe-rbac: policies[0]: must be an object, got \"p\"",
  ] },
  { name: "a policy without a name", config: { policies: [{ action: "ALLOW" }] }, lines: [
    "spiffe-rbac: policies[0].name: is required, got nothing",
  ] },
  { name: "a policy without an action", config: { policies: [{ name: "p" }] }, lines: [
    "spiffe-rbac: policies[0].action: is required, got nothing",
  ] },
  { name: "a policy name with a dot", config: withPolicy(allow({ name: "a.b" })), lines: [
    "spiffe-rbac: policies[0].name: must contain only letters, digits, \"_\" and \"-\", got \"a.b\"",
  ] },
  { name: "a policy name of 65 characters", config: withPolicy(allow({ name: "p".repeat(65) })), lines: [
    "spiffe-rbac: policies[0].name: must have at most 64 characters, got \"pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp...\"",
  ] },
  { name: "an unknown action", config: withPolicy(allow({ action: "CUSTOM" })), lines: [
    "spiffe-rbac: policies[0].action: must be one of \"ALLOW\", \"DENY\", \"AUDIT\", got \"CUSTOM\"",
  ] },
  { name: "a lowercase action", config: withPolicy(allow({ action: "allow" })), lines: [
    "spiffe-rbac: policies[0].action: must be one of \"ALLOW\", \"DENY\", \"AUDIT\", got \"allow\"",
  ] },
  { name: "an action that is a boolean", config: withPolicy(allow({ action: true })), lines: [
    "spiffe-rbac: policies[0].action: must be one of \"ALLOW\", \"DENY\", \"AUDIT\", got true",
  ] },
  { name: "a reply on an ALLOW policy", config: withPolicy(allow({ reply: { status: 400 } })), lines: [
    "spiffe-rbac: policies[0].reply: applies only when action is \"DENY\", got {...}",
  ] },
  { name: "a reply status of 399 on a DENY policy", config: withPolicy({ name: "p", action: "DENY", reply: { status: 399 } }), lines: [
    "spiffe-rbac: policies[0].reply.status: must be >= 400, got 399",
  ] },
  { name: "an unknown policy key", config: withPolicy(allow({ rules: [] })), lines: [
    "spiffe-rbac: policies[0].rules: unknown key, got [...]",
  ] },
  { name: "the old when header", config: withPolicy(allow({ when: [{ header: "x-team", values: ["a"] }] })), lines: [
    "spiffe-rbac: policies[0].when[0].header: unknown key, got \"x-team\"",
    "spiffe-rbac: policies[0].when[0].source: is required, got nothing",
  ] },
  { name: "an unknown policy mode", config: withPolicy(allow({ mode: "audit" })), lines: [
    "spiffe-rbac: policies[0].mode: must be one of \"enforce\", \"shadow\", got \"audit\"",
  ] },
  // from
  { name: "from that is an array", config: withPolicy(allow({ from: [] })), lines: [
    "spiffe-rbac: policies[0].from: must be an object, got [...]",
  ] },
  { name: "an empty principal list", config: withPolicy(allow({ from: { principals: [] } })), lines: [
    "spiffe-rbac: policies[0].from.principals: must not be empty, got [...]",
  ] },
  { name: "a principal that is a number", config: withPolicy(allow({ from: { principals: [1] } })), lines: [
    "spiffe-rbac: policies[0].from.principals[0]: must be a string, got 1",
  ] },
  { name: "an empty principal", config: withPolicy(allow({ from: { principals: [""] } })), lines: [
    "spiffe-rbac: policies[0].from.principals[0]: must not be empty, got \"\"",
  ] },
  { name: "a principal of 2049 characters", config: withPolicy(allow({ from: { principals: [`spiffe://td/${"a".repeat(2037)}`] } })), lines: [
    "spiffe-rbac: policies[0].from.principals[0]: must have at most 2048 characters, got \"spiffe://td/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"",
  ] },
  { name: "unauthenticated as a number", config: withPolicy(allow({ from: { unauthenticated: 1 } })), lines: [
    "spiffe-rbac: policies[0].from.unauthenticated: must be a boolean, got 1",
  ] },
  { name: "a camelCase source key", config: withPolicy(allow({ from: { notPrincipals: ["spiffe://td/x"] } })), lines: [
    "spiffe-rbac: policies[0].from.notPrincipals: unknown key (did you mean \"not_principals\"?), got [...]",
  ] },
  { name: "a service account of 2 characters", config: withPolicy(allow({ from: { service_accounts: ["a/"] } })), lines: [
    "spiffe-rbac: policies[0].from.service_accounts[0]: must have at least 3 characters, got \"a/\"",
  ] },
  // to
  { name: "a lowercase method", config: withPolicy(allow({ to: { methods: ["get"] } })), lines: [
    "spiffe-rbac: policies[0].to.methods[0]: is not an HTTP method (uppercase letters, \"-\" and \"_\"), got \"get\"",
  ] },
  { name: "a method with a space", config: withPolicy(allow({ to: { not_methods: ["GET POST"] } })), lines: [
    "spiffe-rbac: policies[0].to.not_methods[0]: is not an HTTP method (uppercase letters, \"-\" and \"_\"), got \"GET POST\"",
  ] },
  { name: "ignore_case as a string", config: withPolicy(allow({ to: { paths: ["/admin*"], ignore_case: "yes" } })), lines: [
    "spiffe-rbac: policies[0].to.ignore_case: must be a boolean, got \"yes\"",
  ] },
  { name: "a to with ignore_case alone", config: withPolicy(allow({ to: { ignore_case: true } })), lines: [
    "spiffe-rbac: policies[0].to: must name at least one field, got {...}",
  ] },
  { name: "port 0", config: withPolicy(allow({ to: { ports: [0] } })), lines: [
    "spiffe-rbac: policies[0].to.ports[0]: must be >= 1, got 0",
  ] },
  { name: "port 65536", config: withPolicy(allow({ to: { not_ports: [65536] } })), lines: [
    "spiffe-rbac: policies[0].to.not_ports[0]: must be <= 65535, got 65536",
  ] },
  { name: "a fractional port", config: withPolicy(allow({ to: { ports: [80.5] } })), lines: [
    "spiffe-rbac: policies[0].to.ports[0]: must be an integer, got 80.5",
  ] },
  { name: "a port that is a string", config: withPolicy(allow({ to: { ports: ["443"] } })), lines: [
    "spiffe-rbac: policies[0].to.ports[0]: must be an integer, got \"443\"",
  ] },
  { name: "65 ports", config: withPolicy(allow({ to: { ports: Array.from({ length: 65 }, (_, i) => i + 1) } })), lines: [
    "spiffe-rbac: policies[0].to.ports: must have at most 64 items, got [...]",
  ] },
  { name: "a path of 1025 characters", config: withPolicy(allow({ to: { paths: [`/${"a".repeat(1024)}`] } })), lines: [
    "spiffe-rbac: policies[0].to.paths[0]: must have at most 1024 characters, got \"/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\"",
  ] },
  { name: "an unknown operation key", config: withPolicy(allow({ to: { path: "/a" } })), lines: [
    "spiffe-rbac: policies[0].to.path: unknown key, got \"/a\"",
  ] },
  // when
  { name: "an empty when", config: withPolicy(allow({ when: [] })), lines: [
    "spiffe-rbac: policies[0].when: must not be empty, got [...]",
  ] },
  { name: "a condition without a source", config: withPolicy(allow({ when: [{ name: "x-team", values: ["a"] }] })), lines: [
    "spiffe-rbac: policies[0].when[0].source: is required, got nothing",
  ] },
  { name: "a condition on a query parameter", config: withPolicy(allow({ when: [{ source: "query", name: "x", values: ["a"] }] })), lines: [
    "spiffe-rbac: policies[0].when[0].source: must be one of \"header\", got \"query\"",
  ] },
  { name: "a condition without a name", config: withPolicy(allow({ when: [{ source: "header", values: ["a"] }] })), lines: [
    "spiffe-rbac: policies[0].when[0].name: is required, got nothing",
  ] },
  { name: "a header name with a space", config: withPolicy(allow({ when: [{ source: "header", name: "x team", values: ["a"] }] })), lines: [
    "spiffe-rbac: policies[0].when[0].name: must be a header name (letters, digits and !#$%&'*+-.^_`|~) or a pseudo-header like \":path\", got \"x team\"",
  ] },
  { name: "an empty value", config: withPolicy(allow({ when: [{ source: "header", name: "x", values: [""] }] })), lines: [
    "spiffe-rbac: policies[0].when[0].values[0]: must not be empty, got \"\"",
  ] },
  { name: "a singular value", config: withPolicy(allow({ when: [{ source: "header", name: "x", value: "a" }] })), lines: [
    "spiffe-rbac: policies[0].when[0].value: unknown key, got \"a\"",
  ] },
  // several problems, in order
  { name: "every problem of a policy", config: { policies: [{ name: "a b", action: "allow", from: { principals: [] }, to: { ports: [0] }, extra: 1 }] }, lines: [
    "spiffe-rbac: policies[0].extra: unknown key, got 1",
    "spiffe-rbac: policies[0].action: must be one of \"ALLOW\", \"DENY\", \"AUDIT\", got \"allow\"",
    "spiffe-rbac: policies[0].name: must contain only letters, digits, \"_\" and \"-\", got \"a b\"",
    "spiffe-rbac: policies[0].from.principals: must not be empty, got [...]",
    "spiffe-rbac: policies[0].to.ports[0]: must be >= 1, got 0",
  ] },
  // what JSON Schema cannot say
  { name: "an uppercase trust domain", config: top({ trust_domains: ["Prod.example"] }), lines: [
    "spiffe-rbac: trust_domains[0]: is not a valid trust domain: trust domain characters are limited to lowercase letters, numbers, dots, dashes, and underscores, got \"Prod.example\"",
  ] },
  { name: "a malformed trusted proxy pattern", config: top({ xfcc: { trusted_proxies: ["spiffe://td/gw/"] } }), lines: [
    "spiffe-rbac: xfcc.trusted_proxies[0]: is not a valid SPIFFE ID pattern: path cannot have a trailing slash, got \"spiffe://td/gw/\"",
  ] },
  { name: "a duplicate policy name", config: { policies: [allow(), allow()] }, lines: [
    "spiffe-rbac: policies[1].name: duplicate policy name, got \"p\"",
  ] },
  { name: "an empty from", config: withPolicy(allow({ from: {} })), lines: [
    "spiffe-rbac: policies[0].from: must name at least one identity field or \"unauthenticated\": true, got {...}",
  ] },
  { name: "an empty to", config: withPolicy(allow({ to: {} })), lines: [
    "spiffe-rbac: policies[0].to: must name at least one field, got {...}",
  ] },
  { name: "an Istio principal", config: withPolicy(allow({ from: { principals: ["cluster.local/ns/default/sa/sleep"] } })), lines: [
    "spiffe-rbac: policies[0].from.principals[0]: is not a valid SPIFFE ID pattern: scheme must be \"spiffe://\" (lowercase); write \"spiffe://cluster.local/ns/default/sa/sleep\", got \"cluster.local/ns/default/sa/sleep\"",
  ] },
  { name: "a principal with ** before the end", config: withPolicy(allow({ from: { principals: ["spiffe://td/**/sa/x"] } })), lines: [
    "spiffe-rbac: policies[0].from.principals[0]: is not a valid SPIFFE ID pattern: \"**\" must be the whole last path segment, got \"spiffe://td/**/sa/x\"",
  ] },
  { name: "a namespace with a slash", config: withPolicy(allow({ from: { namespaces: ["a/b"] } })), lines: [
    "spiffe-rbac: policies[0].from.namespaces[0]: must be a SPIFFE path segment with at most one \"*\", got \"a/b\"",
  ] },
  { name: "a relative path", config: withPolicy(allow({ to: { paths: ["admin"] } })), lines: [
    "spiffe-rbac: policies[0].to.paths[0]: is not a valid path pattern: must start with \"/\" or \"*\", got \"admin\"",
  ] },
  { name: "a condition without values", config: withPolicy(allow({ when: [{ source: "header", name: "x-team" }] })), lines: [
    "spiffe-rbac: policies[0].when[0]: needs \"values\" or \"not_values\", got {...}",
  ] },
];
