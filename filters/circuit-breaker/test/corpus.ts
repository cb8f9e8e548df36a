// Invalid circuit-breaker configs and every line the filter logs for each; `sluice validate` must
// print the same (cli/test/config-corpus.test.ts).
import { deeplyNested, withByte, type CorpusCase } from "../../../cli/test/corpus.js";

const circuit = (extra: Record<string, unknown> = {}) => ({ name: "api", failure_rate: 0.5, ...extra });
const one = (extra: Record<string, unknown> = {}) => ({ circuits: [circuit(extra)] });

export const CORPUS: CorpusCase[] = [
  // the document
  { name: "an empty configuration", config: "", lines: [
    "circuit-breaker: circuits: is required, got nothing",
  ] },
  { name: "whitespace only", config: " \n\t ", lines: [
    "circuit-breaker: circuits: is required, got nothing",
  ] },
  { name: "a document that is an array", config: [], lines: [
    "circuit-breaker: $: must be an object, got [...]",
  ] },
  { name: "a document that is a string", config: "\"circuits\"", lines: [
    "circuit-breaker: $: must be an object, got \"circuits\"",
  ] },
  { name: "an unknown top-level key", config: { circuits: [circuit()], circuit: {} }, lines: [
    "circuit-breaker: circuit: unknown key, got {...}",
  ] },
  // JSON syntax
  { name: "an unclosed object", config: "{", lines: [
    "circuit-breaker: $: invalid JSON at line 1, column 2: unexpected end of input",
  ] },
  { name: "an unclosed array", config: "{\"circuits\": [", lines: [
    "circuit-breaker: $: invalid JSON at line 1, column 15: unexpected end of input",
  ] },
  { name: "a trailing comma", config: "{\"circuits\": [{\"name\": \"api\", \"failure_rate\": 0.5,}]}", lines: [
    "circuit-breaker: $: invalid JSON at line 1, column 51: expected a string key",
  ] },
  { name: "a comment", config: "{\"circuits\": [] // none\n}", lines: [
    "circuit-breaker: $: invalid JSON at line 1, column 17: expected ',' or '}'",
  ] },
  { name: "single quotes", config: "{'circuits': []}", lines: [
    "circuit-breaker: $: invalid JSON at line 1, column 2: expected a string key",
  ] },
  { name: "a syntax error on the third line", config: "{\n  \"circuits\": [\n    {\"name\": api}\n  ]\n}", lines: [
    "circuit-breaker: $: invalid JSON at line 3, column 14: unexpected character",
  ] },
  { name: "a duplicate top-level key", config: "{\"circuits\": [], \"circuits\": [{\"name\": \"a\", \"failure_rate\": 0.5}]}", lines: [
    "circuit-breaker: $: invalid JSON at line 1, column 18: duplicate key \"circuits\"",
  ] },
  { name: "a duplicate key inside a circuit", config: "{\"circuits\": [{\"name\": \"a\", \"failure_rate\": 0.5, \"name\": \"b\"}]}", lines: [
    "circuit-breaker: $: invalid JSON at line 1, column 50: duplicate key \"name\"",
  ] },
  { name: "10,000-level nesting", config: deeplyNested("circuits", 10_000), lines: [
    "circuit-breaker: $: invalid JSON at line 1, column 76: nesting deeper than 64",
  ] },
  { name: "65-level nesting inside an unknown key", config: deeplyNested("deep", 64), lines: [
    "circuit-breaker: $: invalid JSON at line 1, column 72: nesting deeper than 64",
  ] },
  { name: "an object of 4097 members", config: `{${Array.from({ length: 4097 }, (_, i) => `"k${i}":0`).join(",")}}`, lines: [
    "circuit-breaker: $: invalid JSON at line 1, column 39859: more than 4096 members in an object",
  ] },
  { name: "a raw 0xff byte in a name", config: withByte("{\"circuits\": [{\"name\": \"a@\", \"failure_rate\": 0.5}]}", "@", 0xff), lines: [
    "circuit-breaker: $: invalid JSON at line 1, column 26: invalid UTF-8 byte 0xff",
  ] },
  { name: "a UTF-8 sequence cut short", config: withByte("{\"circuits\": [{\"name\": \"a@\", \"failure_rate\": 0.5}]}", "@", 0xc3), lines: [
    "circuit-breaker: $: invalid JSON at line 1, column 27: invalid UTF-8 byte 0x22",
  ] },
  { name: "an encoded surrogate", config: Buffer.from("{\"circuits\": [{\"name\": \"\xed\xa0\x80\"}]}", "latin1"), lines: [
    "circuit-breaker: $: invalid JSON at line 1, column 26: invalid UTF-8 byte 0xa0",
  ] },
  { name: "a lone surrogate escape", config: "{\"circuits\": [{\"name\": \"\\ud800\", \"failure_rate\": 0.5}]}", lines: [
    "circuit-breaker: $: invalid JSON at line 1, column 25: invalid \\u escape",
  ] },
  // circuits
  { name: "circuits that are an object", config: { circuits: {} }, lines: [
    "circuit-breaker: circuits: must be an array, got {...}",
  ] },
  { name: "no circuits", config: { circuits: [] }, lines: [
    "circuit-breaker: circuits: must not be empty, got [...]",
  ] },
  { name: "17 circuits", config: { circuits: Array.from({ length: 17 }, (_, i) => circuit({ name: `c${i}` })) }, lines: [
    "circuit-breaker: circuits: must have at most 16 items, got [...]",
  ] },
  { name: "5,000 circuits", config: { circuits: Array.from({ length: 5000 }, (_, i) => circuit({ name: `c${i}` })) }, lines: [
    "circuit-breaker: circuits: must have at most 16 items, got [...]",
  ] },
  { name: "a circuit that is a number", config: { circuits: [5] }, lines: [
    "circuit-breaker: circuits[0]: must be an object, got 5",
  ] },
  { name: "a circuit without a name", config: { circuits: [{ failure_rate: 0.5 }] }, lines: [
    "circuit-breaker: circuits[0].name: is required, got nothing",
  ] },
  { name: "an empty name", config: one({ name: "" }), lines: [
    "circuit-breaker: circuits[0].name: must not be empty, got \"\"",
  ] },
  { name: "a name with a dot", config: one({ name: "a.b" }), lines: [
    "circuit-breaker: circuits[0].name: must contain only letters, digits, \"_\" and \"-\", got \"a.b\"",
  ] },
  { name: "a name of 65 characters", config: one({ name: "n".repeat(65) }), lines: [
    "circuit-breaker: circuits[0].name: must have at most 64 characters, got \"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...\"",
  ] },
  { name: "a name that is a number", config: one({ name: 12 }), lines: [
    "circuit-breaker: circuits[0].name: must be a string, got 12",
  ] },
  { name: "a camelCase key", config: one({ failureRate: 0.5 }), lines: [
    "circuit-breaker: circuits[0].failureRate: unknown key (did you mean \"failure_rate\"?), got 0.5",
  ] },
  { name: "the old slow_call_ms", config: one({ slow_call_ms: 300 }), lines: [
    "circuit-breaker: circuits[0].slow_call_ms: unknown key (did you mean \"slow_call\"?), got 300",
  ] },
  { name: "an unknown mode", config: one({ mode: "half_open" }), lines: [
    "circuit-breaker: circuits[0].mode: must be one of \"enforce\", \"shadow\", \"forced_open\", \"disabled\", got \"half_open\"",
  ] },
  { name: "a mode that is a number", config: one({ mode: 1 }), lines: [
    "circuit-breaker: circuits[0].mode: must be one of \"enforce\", \"shadow\", \"forced_open\", \"disabled\", got 1",
  ] },
  // numbers
  { name: "a failure rate above 1", config: one({ failure_rate: 1.5 }), lines: [
    "circuit-breaker: circuits[0].failure_rate: must be <= 1, got 1.5",
  ] },
  { name: "a failure rate of 0", config: one({ failure_rate: 0 }), lines: [
    "circuit-breaker: circuits[0].failure_rate: must be > 0, got 0",
  ] },
  { name: "a failure rate of -0", config: "{\"circuits\": [{\"name\": \"api\", \"failure_rate\": -0}]}", lines: [
    "circuit-breaker: circuits[0].failure_rate: must be > 0, got -0",
  ] },
  { name: "a failure rate of 1e400", config: "{\"circuits\": [{\"name\": \"api\", \"failure_rate\": 1e400}]}", lines: [
    "circuit-breaker: circuits[0].failure_rate: must be <= 1, got 1e400",
  ] },
  { name: "a failure rate that is a string", config: one({ failure_rate: "0.5" }), lines: [
    "circuit-breaker: circuits[0].failure_rate: must be a number, got \"0.5\"",
  ] },
  { name: "zero consecutive failures", config: one({ consecutive_failures: 0 }), lines: [
    "circuit-breaker: circuits[0].consecutive_failures: must be >= 1, got 0",
  ] },
  { name: "fractional consecutive failures", config: one({ consecutive_failures: 2.5 }), lines: [
    "circuit-breaker: circuits[0].consecutive_failures: must be an integer, got 2.5",
  ] },
  { name: "consecutive failures of 1e-400", config: "{\"circuits\": [{\"name\": \"api\", \"consecutive_failures\": 1e-400}]}", lines: [
    "circuit-breaker: circuits[0].consecutive_failures: must be >= 1, got 1e-400",
  ] },
  { name: "half_open_probes of 1e308", config: one({ half_open_probes: 1e308 }), lines: [
    "circuit-breaker: circuits[0].half_open_probes: must be <= 1000, got 1e+308",
  ] },
  { name: "half_open_probes of -1e400", config: "{\"circuits\": [{\"name\": \"api\", \"failure_rate\": 0.5, \"half_open_probes\": -1e400}]}", lines: [
    "circuit-breaker: circuits[0].half_open_probes: must be >= 1, got -1e400",
  ] },
  { name: "a 30-digit minimum_calls", config: "{\"circuits\": [{\"name\": \"api\", \"failure_rate\": 0.5, \"minimum_calls\": 123456789012345678901234567890}]}", lines: [
    "circuit-breaker: circuits[0].minimum_calls: must be <= 1000000, got 123456789012345678901234567890",
  ] },
  { name: "open_jitter of 1", config: one({ open_jitter: 1 }), lines: [
    "circuit-breaker: circuits[0].open_jitter: must be < 1, got 1",
  ] },
  { name: "backoff below 1", config: one({ backoff_multiplier: 0.5 }), lines: [
    "circuit-breaker: circuits[0].backoff_multiplier: must be >= 1, got 0.5",
  ] },
  // durations
  { name: "slow_call as a bare number", config: one({ slow_call: 300, slow_call_rate: 0.5 }), lines: [
    "circuit-breaker: circuits[0].slow_call: must be a duration with a unit: write \"300s\" or \"300ms\", got 300",
  ] },
  { name: "slow_call as a string without unit", config: one({ slow_call: "300" }), lines: [
    "circuit-breaker: circuits[0].slow_call: must be a duration with a unit: write \"300s\" or \"300ms\", got \"300\"",
  ] },
  { name: "slow_call in words", config: one({ slow_call: "fast" }), lines: [
    "circuit-breaker: circuits[0].slow_call: must be a duration like \"300ms\", \"10s\" or \"1m\", got \"fast\"",
  ] },
  { name: "slow_call of 0ms", config: one({ slow_call: "0ms" }), lines: [
    "circuit-breaker: circuits[0].slow_call: must be >= 1ms, got \"0ms\"",
  ] },
  { name: "slow_call over a day", config: one({ slow_call: "2d" }), lines: [
    "circuit-breaker: circuits[0].slow_call: must be <= 1d, got \"2d\"",
  ] },
  { name: "open_duration as a bare number", config: one({ open_duration: 60 }), lines: [
    "circuit-breaker: circuits[0].open_duration: must be a duration with a unit: write \"60s\" or \"60ms\", got 60",
  ] },
  { name: "open_duration of 1.5 without unit", config: one({ open_duration: 1.5 }), lines: [
    "circuit-breaker: circuits[0].open_duration: must be a duration with a unit: write \"1.5s\" or \"1.5ms\", got 1.5",
  ] },
  { name: "open_duration with a space", config: one({ open_duration: "60 s" }), lines: [
    "circuit-breaker: circuits[0].open_duration: must be a duration like \"300ms\", \"10s\" or \"1m\", got \"60 s\"",
  ] },
  { name: "open_duration that is negative", config: one({ open_duration: "-5s" }), lines: [
    "circuit-breaker: circuits[0].open_duration: must be a duration like \"300ms\", \"10s\" or \"1m\", got \"-5s\"",
  ] },
  { name: "max_open_duration that is an object", config: one({ max_open_duration: {} }), lines: [
    "circuit-breaker: circuits[0].max_open_duration: must be a duration like \"300ms\", \"10s\" or \"1m\", got {...}",
  ] },
  // window
  { name: "a size on a time window", config: one({ window: { type: "time", size: 3000 } }), lines: [
    "circuit-breaker: circuits[0].window.size: applies only when type is \"count\", got 3000",
  ] },
  { name: "buckets on a count window", config: one({ window: { buckets: 10 } }), lines: [
    "circuit-breaker: circuits[0].window.buckets: applies only when type is \"time\", got 10",
  ] },
  { name: "an unknown window type", config: one({ window: { type: "sliding" } }), lines: [
    "circuit-breaker: circuits[0].window.type: must be one of \"count\", \"time\", got \"sliding\"",
  ] },
  { name: "a window type that is a number", config: one({ window: { type: 1, size: 10 } }), lines: [
    "circuit-breaker: circuits[0].window.type: must be one of \"count\", \"time\", got 1",
  ] },
  { name: "a zero time window", config: one({ window: { type: "time", duration: "0s" } }), lines: [
    "circuit-breaker: circuits[0].window.duration: must be >= 1ms, got \"0s\"",
  ] },
  { name: "a window of size 0", config: one({ window: { size: 0 } }), lines: [
    "circuit-breaker: circuits[0].window.size: must be >= 1, got 0",
  ] },
  { name: "a window that is a number", config: one({ window: 100 }), lines: [
    "circuit-breaker: circuits[0].window: must be an object, got 100",
  ] },
  // key
  { name: "a header key without a name", config: one({ key: { source: "header" } }), lines: [
    "circuit-breaker: circuits[0].key.name: is required, got nothing",
  ] },
  { name: "an unknown key source", config: one({ key: { source: "ip" } }), lines: [
    "circuit-breaker: circuits[0].key.source: must be one of \"header\", \"host\", \"colour\", \"cluster\", \"route\", got \"ip\"",
  ] },
  { name: "a key without a source", config: one({ key: { name: "x-colour" } }), lines: [
    "circuit-breaker: circuits[0].key.source: is required, got nothing",
  ] },
  { name: "a name on a route key", config: one({ key: { source: "route", name: "x" } }), lines: [
    "circuit-breaker: circuits[0].key.name: applies only when source is \"header\", got \"x\"",
  ] },
  { name: "the old key.header", config: one({ key: { source: "header", header: "x-colour" } }), lines: [
    "circuit-breaker: circuits[0].key.header: applies only when source is \"colour\", got \"x-colour\"",
    "circuit-breaker: circuits[0].key.name: is required, got nothing",
  ] },
  { name: "max_keys without a key", config: one({ max_keys: 4 }), lines: [
    "circuit-breaker: circuits[0].key: is required with \"max_keys\", got nothing",
  ] },
  { name: "max_keys over 64", config: one({ key: { source: "cluster" }, max_keys: 65 }), lines: [
    "circuit-breaker: circuits[0].max_keys: must be <= 64, got 65",
  ] },
  { name: "a colour key with a header name that is not a token", config: one({ key: { source: "colour", header: "x colour" } }), lines: [
    "circuit-breaker: circuits[0].key.header: must be a header name (letters, digits and !#$%&'*+-.^_`|~), got \"x colour\"",
  ] },
  { name: "slow_call_rate without slow_call", config: one({ slow_call_rate: 0.5 }), lines: [
    "circuit-breaker: circuits[0].slow_call: is required with \"slow_call_rate\", got nothing",
  ] },
  // match
  { name: "hosts as plain strings", config: one({ match: { hosts: ["*.example"] } }), lines: [
    "circuit-breaker: circuits[0].match.hosts[0]: must be an object, got \"*.example\"",
  ] },
  { name: "a host match of two kinds", config: one({ match: { hosts: [{ prefix: "a", suffix: "b" }] } }), lines: [
    "circuit-breaker: circuits[0].match.hosts[0].suffix: cannot be combined with \"prefix\", got \"b\"",
  ] },
  { name: "a path match of no kind", config: one({ match: { paths: [{ ignore_case: true }] } }), lines: [
    "circuit-breaker: circuits[0].match.paths[0]: needs one of \"exact\", \"prefix\", \"suffix\", \"glob\", got {...}",
  ] },
  { name: "a lowercase method", config: one({ match: { methods: ["get"] } }), lines: [
    "circuit-breaker: circuits[0].match.methods[0]: is not an HTTP method (uppercase letters, \"-\" and \"_\"), got \"get\"",
  ] },
  { name: "a header match with only a name", config: one({ match: { headers: [{ name: "x-tenant" }] } }), lines: [
    "circuit-breaker: circuits[0].match.headers[0]: needs one of \"present\", \"exact\", \"prefix\", \"suffix\", \"glob\", got {...}",
  ] },
  { name: "a header name with a space", config: one({ match: { headers: [{ name: "x tenant", present: true }] } }), lines: [
    "circuit-breaker: circuits[0].match.headers[0].name: must be a header name (letters, digits and !#$%&'*+-.^_`|~) or a pseudo-header like \":path\", got \"x tenant\"",
  ] },
  { name: "present and a value on one header", config: one({ match: { headers: [{ name: "x", present: false, exact: "1" }] } }), lines: [
    "circuit-breaker: circuits[0].match.headers[0].exact: cannot be combined with \"present\", got \"1\"",
  ] },
  { name: "33 paths", config: one({ match: { paths: Array.from({ length: 33 }, () => ({ prefix: "/" })) } }), lines: [
    "circuit-breaker: circuits[0].match.paths: must have at most 32 items, got [...]",
  ] },
  // failure
  { name: "a status range that does not parse", config: one({ failure: { http_statuses: ["5xx"] } }), lines: [
    "circuit-breaker: circuits[0].failure.http_statuses[0]: is not a status or status range like \"500-599\", got \"5xx\"",
  ] },
  { name: "a status range that is a number", config: one({ failure: { http_statuses: [500] } }), lines: [
    "circuit-breaker: circuits[0].failure.http_statuses[0]: must be a string, got 500",
  ] },
  { name: "a gRPC status of 17", config: one({ failure: { grpc_statuses: [17] } }), lines: [
    "circuit-breaker: circuits[0].failure.grpc_statuses[0]: must be <= 16, got 17",
  ] },
  { name: "upstream_failures as a string", config: one({ failure: { upstream_failures: "yes" } }), lines: [
    "circuit-breaker: circuits[0].failure.upstream_failures: must be a boolean, got \"yes\"",
  ] },
  // reply
  { name: "a reply status of 200", config: one({ reply: { status: 200 } }), lines: [
    "circuit-breaker: circuits[0].reply.status: must be >= 400, got 200",
  ] },
  { name: "a reply status of 600", config: one({ reply: { status: 600 } }), lines: [
    "circuit-breaker: circuits[0].reply.status: must be <= 599, got 600",
  ] },
  { name: "a reply header without a value", config: one({ reply: { headers: [{ name: "x" }] } }), lines: [
    "circuit-breaker: circuits[0].reply.headers[0].value: is required, got nothing",
  ] },
  { name: "a pseudo-header in the reply", config: one({ reply: { headers: [{ name: ":status", value: "200" }] } }), lines: [
    "circuit-breaker: circuits[0].reply.headers[0].name: must be a header name (letters, digits and !#$%&'*+-.^_`|~), got \":status\"",
  ] },
  { name: "a reply gRPC status of 17", config: one({ reply: { grpc_status: 17 } }), lines: [
    "circuit-breaker: circuits[0].reply.grpc_status: must be <= 16, got 17",
  ] },
  { name: "a reply body over 4096 characters", config: one({ reply: { body: "b".repeat(4097) } }), lines: [
    "circuit-breaker: circuits[0].reply.body: must have at most 4096 characters, got \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...\"",
  ] },
  // several problems, in order
  { name: "unknown keys and a wrong discriminator before missing fields", config: { circuits: [{ windw: {}, window: { type: "slide", size: 5 }, mode: "x" }] }, lines: [
    "circuit-breaker: circuits[0].windw: unknown key, got {...}",
    "circuit-breaker: circuits[0].name: is required, got nothing",
    "circuit-breaker: circuits[0].window.type: must be one of \"count\", \"time\", got \"slide\"",
    "circuit-breaker: circuits[0].mode: must be one of \"enforce\", \"shadow\", \"forced_open\", \"disabled\", got \"x\"",
  ] },
  { name: "every problem of two circuits", config: { circuits: [{ name: "a b", failure_rate: 2 }, { name: "c", open_duration: 5, retries: 3 }] }, lines: [
    "circuit-breaker: circuits[0].name: must contain only letters, digits, \"_\" and \"-\", got \"a b\"",
    "circuit-breaker: circuits[0].failure_rate: must be <= 1, got 2",
    "circuit-breaker: circuits[1].retries: unknown key, got 3",
    "circuit-breaker: circuits[1].open_duration: must be a duration with a unit: write \"5s\" or \"5ms\", got 5",
  ] },
  { name: "32 problems, 20 logged", config: { circuits: Array.from({ length: 16 }, (_, i) => ({ name: `c${i}`, mode: "x", failure_rate: 2 })) }, lines: [
    "circuit-breaker: circuits[0].mode: must be one of \"enforce\", \"shadow\", \"forced_open\", \"disabled\", got \"x\"",
    "circuit-breaker: circuits[0].failure_rate: must be <= 1, got 2",
    "circuit-breaker: circuits[1].mode: must be one of \"enforce\", \"shadow\", \"forced_open\", \"disabled\", got \"x\"",
    "circuit-breaker: circuits[1].failure_rate: must be <= 1, got 2",
    "circuit-breaker: circuits[2].mode: must be one of \"enforce\", \"shadow\", \"forced_open\", \"disabled\", got \"x\"",
    "circuit-breaker: circuits[2].failure_rate: must be <= 1, got 2",
    "circuit-breaker: circuits[3].mode: must be one of \"enforce\", \"shadow\", \"forced_open\", \"disabled\", got \"x\"",
    "circuit-breaker: circuits[3].failure_rate: must be <= 1, got 2",
    "circuit-breaker: circuits[4].mode: must be one of \"enforce\", \"shadow\", \"forced_open\", \"disabled\", got \"x\"",
    "circuit-breaker: circuits[4].failure_rate: must be <= 1, got 2",
    "circuit-breaker: circuits[5].mode: must be one of \"enforce\", \"shadow\", \"forced_open\", \"disabled\", got \"x\"",
    "circuit-breaker: circuits[5].failure_rate: must be <= 1, got 2",
    "circuit-breaker: circuits[6].mode: must be one of \"enforce\", \"shadow\", \"forced_open\", \"disabled\", got \"x\"",
    "circuit-breaker: circuits[6].failure_rate: must be <= 1, got 2",
    "circuit-breaker: circuits[7].mode: must be one of \"enforce\", \"shadow\", \"forced_open\", \"disabled\", got \"x\"",
    "circuit-breaker: circuits[7].failure_rate: must be <= 1, got 2",
    "circuit-breaker: circuits[8].mode: must be one of \"enforce\", \"shadow\", \"forced_open\", \"disabled\", got \"x\"",
    "circuit-breaker: circuits[8].failure_rate: must be <= 1, got 2",
    "circuit-breaker: circuits[9].mode: must be one of \"enforce\", \"shadow\", \"forced_open\", \"disabled\", got \"x\"",
    "circuit-breaker: circuits[9].failure_rate: must be <= 1, got 2",
    "circuit-breaker: $: 12 more errors not shown",
  ] },
  // what JSON Schema cannot say
  { name: "a duplicate circuit name", config: { circuits: [circuit(), circuit()] }, lines: [
    "circuit-breaker: circuits[1].name: duplicate circuit name, got \"api\"",
  ] },
  { name: "no trip condition", config: { circuits: [{ name: "api" }] }, lines: [
    "circuit-breaker: circuits[0]: must set consecutive_failures, failure_rate, slow_call_rate or max_in_flight, got {...}",
  ] },
  { name: "minimum_calls over the count window", config: one({ window: { size: 10 }, minimum_calls: 11 }), lines: [
    "circuit-breaker: circuits[0].minimum_calls: must be <= window.size (10), got 11",
  ] },
  { name: "max_open_duration below open_duration", config: one({ open_duration: "60s", max_open_duration: "30s" }), lines: [
    "circuit-breaker: circuits[0].max_open_duration: must be >= open_duration (60000ms), got \"30s\"",
  ] },
  { name: "close_after_successes over half_open_probes", config: one({ half_open_probes: 2, close_after_successes: 3 }), lines: [
    "circuit-breaker: circuits[0].close_after_successes: must be <= half_open_probes (2), got 3",
  ] },
  { name: "a time window shorter than its buckets", config: one({ window: { type: "time", duration: "5ms", buckets: 10 } }), lines: [
    "circuit-breaker: circuits[0].window.duration: must be at least 1ms per bucket (10 buckets), got \"5ms\"",
  ] },
];
