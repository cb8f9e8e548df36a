// Invalid traffic-colour configs and every line the filter logs for each; `sluice validate` must
// print the same (cli/test/config-corpus.test.ts).
import { deeplyNested, withByte, type CorpusCase } from "../../../cli/test/corpus.js";

const base = { colours: ["stable", "canary"] };
const withRule = (rule: Record<string, unknown>) => ({ ...base, rules: [{ name: "r", ...rule }] });
const withMatch = (match: unknown) => withRule({ colour: "canary", match });
const withSplit = (split: Record<string, unknown>) => withRule({ split });
const weights = [{ colour: "canary", basis_points: 500 }];

export const CORPUS: CorpusCase[] = [
  // the document
  { name: "an empty configuration", config: "", lines: [
    "traffic-colour: colours: is required, got nothing",
  ] },
  { name: "a document that is a number", config: "42", lines: [
    "traffic-colour: $: must be an object, got 42",
  ] },
  { name: "an unknown top-level key", config: { ...base, colors: ["x"] }, lines: [
    "traffic-colour: colors: unknown key, got [...]",
  ] },
  { name: "a misspelled key", config: { ...base, defaultColour: "stable" }, lines: [
    "traffic-colour: defaultColour: unknown key (did you mean \"default_colour\"?), got \"stable\"",
  ] },
  // JSON syntax
  { name: "an unclosed string", config: "{\"colours\": [\"stable]}", lines: [
    "traffic-colour: $: invalid JSON at line 1, column 23: unterminated string",
  ] },
  { name: "an invalid unicode escape", config: "{\"colours\": [\"\\u12g4\"]}", lines: [
    "traffic-colour: $: invalid JSON at line 1, column 15: invalid \\u escape",
  ] },
  { name: "true misspelled", config: "{\"colours\": [\"a\"], \"rules\": [{\"name\": \"r\", \"colour\": \"a\", \"match\": {\"source\": \"path\", \"op\": \"present\"}}], \"x\": tru}", lines: [
    "traffic-colour: $: invalid JSON at line 1, column 112: unexpected character",
  ] },
  { name: "a missing colon", config: "{\"colours\" [\"a\"]}", lines: [
    "traffic-colour: $: invalid JSON at line 1, column 12: expected ':'",
  ] },
  { name: "a duplicate colour key", config: "{\"colours\": [\"a\"], \"colours\": [\"b\"]}", lines: [
    "traffic-colour: $: invalid JSON at line 1, column 20: duplicate key \"colours\"",
  ] },
  { name: "10,000-level nesting", config: deeplyNested("colours", 10_000), lines: [
    "traffic-colour: $: invalid JSON at line 1, column 75: nesting deeper than 64",
  ] },
  { name: "a raw 0x80 byte in a colour", config: withByte("{\"colours\": [\"a@\"]}", "@", 0x80), lines: [
    "traffic-colour: $: invalid JSON at line 1, column 16: invalid UTF-8 byte 0x80",
  ] },
  { name: "a 4-byte sequence past U+10FFFF", config: Buffer.from("{\"colours\": [\"\xf4\x90\x80\x80\"]}", "latin1"), lines: [
    "traffic-colour: $: invalid JSON at line 1, column 16: invalid UTF-8 byte 0x90",
  ] },
  // colours
  { name: "a huge document: 100,000 colours", config: { colours: Array.from({ length: 100_000 }, (_, i) => `c${i}`) }, lines: [
    "traffic-colour: colours: must have at most 32 items, got [...]",
  ] },
  { name: "no colours", config: { colours: [] }, lines: [
    "traffic-colour: colours: must not be empty, got [...]",
  ] },
  { name: "33 colours", config: { colours: Array.from({ length: 33 }, (_, i) => `c${i}`) }, lines: [
    "traffic-colour: colours: must have at most 32 items, got [...]",
  ] },
  { name: "colours as a string", config: { colours: "stable" }, lines: [
    "traffic-colour: colours: must be an array, got \"stable\"",
  ] },
  { name: "an empty colour", config: { colours: [""] }, lines: [
    "traffic-colour: colours[0]: must not be empty, got \"\"",
  ] },
  { name: "a colour with a space", config: { colours: ["new blue"] }, lines: [
    "traffic-colour: colours[0]: must start with a letter or digit and contain only letters, digits, \".\", \"_\" and \"-\", got \"new blue\"",
  ] },
  { name: "a colour starting with a dot", config: { colours: [".x"] }, lines: [
    "traffic-colour: colours[0]: must start with a letter or digit and contain only letters, digits, \".\", \"_\" and \"-\", got \".x\"",
  ] },
  { name: "a colour of 65 characters", config: { colours: ["c".repeat(65)] }, lines: [
    "traffic-colour: colours[0]: must have at most 64 characters, got \"cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc...\"",
  ] },
  { name: "a colour that is a number", config: { colours: [1] }, lines: [
    "traffic-colour: colours[0]: must be a string, got 1",
  ] },
  { name: "a non-ASCII colour", config: { colours: ["grün"] }, lines: [
    "traffic-colour: colours[0]: must start with a letter or digit and contain only letters, digits, \".\", \"_\" and \"-\", got \"grün\"",
  ] },
  // header, baggage, inbound
  { name: "a header name with a space", config: { ...base, header: "x colour" }, lines: [
    "traffic-colour: header: must be a header name (letters, digits and !#$%&'*+-.^_`|~), got \"x colour\"",
  ] },
  { name: "a pseudo-header as the colour header", config: { ...base, header: ":path" }, lines: [
    "traffic-colour: header: must be a header name (letters, digits and !#$%&'*+-.^_`|~), got \":path\"",
  ] },
  { name: "a response header of 257 characters", config: { ...base, response_header: "h".repeat(257) }, lines: [
    "traffic-colour: response_header: must have at most 256 characters, got \"hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh...\"",
  ] },
  { name: "a baggage key with a separator", config: { ...base, baggage_key: "a;b" }, lines: [
    "traffic-colour: baggage_key: must be a token (letters, digits and !#$%&'*+-.^_`|~), got \"a;b\"",
  ] },
  { name: "an unknown inbound", config: { ...base, inbound: "trust" }, lines: [
    "traffic-colour: inbound: must be one of \"strip\", \"keep\", \"keep_from\", got \"trust\"",
  ] },
  { name: "keep_from without trusted peers", config: { ...base, inbound: "keep_from" }, lines: [
    "traffic-colour: trusted_peers: is required, got nothing",
  ] },
  { name: "trusted peers without keep_from", config: { ...base, trusted_peers: ["spiffe://td/**"] }, lines: [
    "traffic-colour: trusted_peers: applies only when inbound is \"keep_from\", got [...]",
  ] },
  { name: "trusted peers with keep", config: { ...base, inbound: "keep", trusted_peers: ["spiffe://td/**"] }, lines: [
    "traffic-colour: trusted_peers: applies only when inbound is \"keep_from\", got [...]",
  ] },
  { name: "no trusted peers with keep_from", config: { ...base, inbound: "keep_from", trusted_peers: [] }, lines: [
    "traffic-colour: trusted_peers: must not be empty, got [...]",
  ] },
  // rules
  { name: "rules that are an object", config: { ...base, rules: {} }, lines: [
    "traffic-colour: rules: must be an array, got {...}",
  ] },
  { name: "65 rules", config: { ...base, rules: Array.from({ length: 65 }, (_, i) => ({ name: `r${i}`, colour: "canary" })) }, lines: [
    "traffic-colour: rules: must have at most 64 items, got [...]",
  ] },
  { name: "a rule without a name", config: { ...base, rules: [{ colour: "canary" }] }, lines: [
    "traffic-colour: rules[0].name: is required, got nothing",
  ] },
  { name: "a rule name with a dot", config: withRule({ name: "v2.1", colour: "canary" }), lines: [
    "traffic-colour: rules[0].name: must contain only letters, digits, \"_\" and \"-\", got \"v2.1\"",
  ] },
  { name: "a rule with neither colour nor split", config: withRule({}), lines: [
    "traffic-colour: rules[0]: needs one of \"colour\", \"split\", got {...}",
  ] },
  { name: "a rule with both colour and split", config: withRule({ colour: "canary", split: { weights } }), lines: [
    "traffic-colour: rules[0].split: cannot be combined with \"colour\", got {...}",
  ] },
  { name: "an unknown rule key", config: withRule({ colour: "canary", when: {} }), lines: [
    "traffic-colour: rules[0].when: unknown key, got {...}",
  ] },
  { name: "a not_after that is not a timestamp (one line, not two)", config: withRule({ colour: "canary", not_before: "2026-01-02T00:00:00Z", not_after: "tomorrow" }), lines: [
    "traffic-colour: rules[0].not_after: must be an RFC 3339 timestamp like \"2026-01-31T09:00:00Z\", got \"tomorrow\"",
  ] },
  { name: "a timestamp that is a number", config: withRule({ colour: "canary", not_before: 1767225600 }), lines: [
    "traffic-colour: rules[0].not_before: must be a string, got 1767225600",
  ] },
  // conditions
  { name: "the old all group", config: withMatch({ all: [{ field: "path", op: "present" }] }), lines: [
    "traffic-colour: rules[0].match.all: unknown key, got [...]",
    "traffic-colour: rules[0].match.op: is required, got nothing",
  ] },
  { name: "the old field of a condition", config: withMatch({ field: "path", op: "present" }), lines: [
    "traffic-colour: rules[0].match.field: unknown key (did you mean \"source\"?), got \"path\"",
    "traffic-colour: rules[0].match.source: is required, got nothing",
  ] },
  { name: "a condition without op", config: withMatch({ source: "path" }), lines: [
    "traffic-colour: rules[0].match.op: is required, got nothing",
  ] },
  { name: "an unknown op", config: withMatch({ source: "path", op: "matches", value: "x" }), lines: [
    "traffic-colour: rules[0].match.op: must be one of \"equals\", \"not_equals\", \"prefix\", \"suffix\", \"contains\", \"glob\", \"in\", \"not_in\", \"present\", \"absent\", \"range\", \"all\", \"any\", got \"matches\"",
  ] },
  { name: "an op that is a number", config: withMatch({ source: "path", op: 1 }), lines: [
    "traffic-colour: rules[0].match.op: must be one of \"equals\", \"not_equals\", \"prefix\", \"suffix\", \"contains\", \"glob\", \"in\", \"not_in\", \"present\", \"absent\", \"range\", \"all\", \"any\", got 1",
  ] },
  { name: "an unknown source", config: withMatch({ source: "ip", op: "present" }), lines: [
    "traffic-colour: rules[0].match.source: must be one of \"header\", \"query\", \"cookie\", \"path\", \"method\", \"host\", \"peer_id\", got \"ip\"",
  ] },
  { name: "the old peer source", config: withMatch({ source: "peer", op: "present" }), lines: [
    "traffic-colour: rules[0].match.source: must be one of \"header\", \"query\", \"cookie\", \"path\", \"method\", \"host\", \"peer_id\", got \"peer\"",
  ] },
  { name: "equals without a value", config: withMatch({ source: "path", op: "equals" }), lines: [
    "traffic-colour: rules[0].match.value: is required, got nothing",
  ] },
  { name: "values on equals", config: withMatch({ source: "path", op: "equals", value: "/", values: ["/"] }), lines: [
    "traffic-colour: rules[0].match.values: applies only when op is \"in\", \"not_in\", got [...]",
  ] },
  { name: "in without values", config: withMatch({ source: "method", op: "in" }), lines: [
    "traffic-colour: rules[0].match.values: is required, got nothing",
  ] },
  { name: "in with an empty list", config: withMatch({ source: "method", op: "in", values: [] }), lines: [
    "traffic-colour: rules[0].match.values: must not be empty, got [...]",
  ] },
  { name: "a value on present", config: withMatch({ source: "header", name: "x", op: "present", value: "1" }), lines: [
    "traffic-colour: rules[0].match.value: applies only when op is \"equals\", \"not_equals\", \"prefix\", \"suffix\", \"contains\", \"glob\", got \"1\"",
  ] },
  { name: "ignore_case on range", config: withMatch({ source: "header", name: "x", op: "range", min: 1, max: 2, ignore_case: true }), lines: [
    "traffic-colour: rules[0].match.ignore_case: applies only when op is \"equals\", \"not_equals\", \"prefix\", \"suffix\", \"contains\", \"glob\", \"in\", \"not_in\", got true",
  ] },
  { name: "a range without max", config: withMatch({ source: "header", name: "x", op: "range", min: 1 }), lines: [
    "traffic-colour: rules[0].match.max: is required, got nothing",
  ] },
  { name: "a fractional range bound", config: withMatch({ source: "header", name: "x", op: "range", min: 1.5, max: 2 }), lines: [
    "traffic-colour: rules[0].match.min: must be an integer, got 1.5",
  ] },
  { name: "a range bound beyond 2^53", config: withMatch({ source: "header", name: "x", op: "range", min: 0, max: 9007199254740992 }), lines: [
    "traffic-colour: rules[0].match.max: must be <= 9007199254740991, got 9007199254740992",
  ] },
  { name: "a value of 257 characters", config: withMatch({ source: "path", op: "prefix", value: "/".repeat(257) }), lines: [
    "traffic-colour: rules[0].match.value: must have at most 256 characters, got \"////////////////////////////////////////////////////////////////...\"",
  ] },
  { name: "a group without conditions", config: withMatch({ op: "all" }), lines: [
    "traffic-colour: rules[0].match.conditions: is required, got nothing",
  ] },
  { name: "an empty group", config: withMatch({ op: "any", conditions: [] }), lines: [
    "traffic-colour: rules[0].match.conditions: must not be empty, got [...]",
  ] },
  { name: "a source on a group", config: withMatch({ op: "all", source: "path", conditions: [{ source: "path", op: "present" }] }), lines: [
    "traffic-colour: rules[0].match.source: applies only when op is \"equals\", \"not_equals\", \"prefix\", \"suffix\", \"contains\", \"glob\", \"in\", \"not_in\", \"present\", \"absent\", \"range\", got \"path\"",
  ] },
  { name: "groups nested twice", config: withMatch({ op: "all", conditions: [{ op: "any", conditions: [{ op: "all", conditions: [{ source: "path", op: "present" }] }] }] }), lines: [
    "traffic-colour: rules[0].match.conditions[0].conditions[0].conditions: unknown key, got [...]",
    "traffic-colour: rules[0].match.conditions[0].conditions[0].op: must be one of \"equals\", \"not_equals\", \"prefix\", \"suffix\", \"contains\", \"glob\", \"in\", \"not_in\", \"present\", \"absent\", \"range\", got \"all\"",
  ] },
  { name: "17 conditions in a group", config: withMatch({ op: "all", conditions: Array.from({ length: 17 }, () => ({ source: "path", op: "present" })) }), lines: [
    "traffic-colour: rules[0].match.conditions: must have at most 16 items, got [...]",
  ] },
  // splits
  { name: "a split without weights", config: withSplit({}), lines: [
    "traffic-colour: rules[0].split.weights: is required, got nothing",
  ] },
  { name: "a weight of zero basis points", config: withSplit({ weights: [{ colour: "canary", basis_points: 0 }] }), lines: [
    "traffic-colour: rules[0].split.weights[0].basis_points: must be >= 1, got 0",
  ] },
  { name: "a weight over 10000 basis points", config: withSplit({ weights: [{ colour: "canary", basis_points: 10001 }] }), lines: [
    "traffic-colour: rules[0].split.weights[0].basis_points: must be <= 10000, got 10001",
  ] },
  { name: "a percent instead of basis points", config: withSplit({ weights: [{ colour: "canary", percent: 5 }] }), lines: [
    "traffic-colour: rules[0].split.weights[0].percent: unknown key (did you mean \"basis_points\"?), got 5",
    "traffic-colour: rules[0].split.weights[0].basis_points: is required, got nothing",
  ] },
  { name: "a weight instead of basis points", config: withSplit({ weights: [{ colour: "canary", weight: 5 }] }), lines: [
    "traffic-colour: rules[0].split.weights[0].weight: unknown key (did you mean \"basis_points\"?), got 5",
    "traffic-colour: rules[0].split.weights[0].basis_points: is required, got nothing",
  ] },
  { name: "fractional basis points", config: withSplit({ weights: [{ colour: "canary", basis_points: 2.5 }] }), lines: [
    "traffic-colour: rules[0].split.weights[0].basis_points: must be an integer, got 2.5",
  ] },
  { name: "the old split key", config: withSplit({ key: { field: "header", name: "x-user-id" }, weights }), lines: [
    "traffic-colour: rules[0].split.key.field: unknown key (did you mean \"source\"?), got \"header\"",
    "traffic-colour: rules[0].split.key.source: is required, got nothing",
  ] },
  { name: "a split key from the path", config: withSplit({ key: { source: "path" }, weights }), lines: [
    "traffic-colour: rules[0].split.key.source: must be one of \"header\", \"query\", \"cookie\", got \"path\"",
  ] },
  { name: "a salt on a random split", config: withSplit({ salt: "s", weights }), lines: [
    "traffic-colour: rules[0].split.key: is required with \"salt\", got nothing",
  ] },
  { name: "a sticky cookie name that is not a token", config: withSplit({ weights, sticky: { cookie: "my cookie" } }), lines: [
    "traffic-colour: rules[0].split.sticky.cookie: must be a token (letters, digits and !#$%&'*+-.^_`|~), got \"my cookie\"",
  ] },
  { name: "a sticky max_age of zero", config: withSplit({ weights, sticky: { cookie: "c", max_age: 0 } }), lines: [
    "traffic-colour: rules[0].split.sticky.max_age: must be >= 1, got 0",
  ] },
  { name: "a sticky path with a semicolon", config: withSplit({ weights, sticky: { cookie: "c", path: "/;x" } }), lines: [
    "traffic-colour: rules[0].split.sticky.path: must be printable ASCII without \";\", got \"/;x\"",
  ] },
  { name: "an unknown SameSite", config: withSplit({ weights, sticky: { cookie: "c", same_site: "Lax" } }), lines: [
    "traffic-colour: rules[0].split.sticky.same_site: must be one of \"lax\", \"strict\", \"none\", got \"Lax\"",
  ] },
  // several problems, in order
  { name: "unknown keys and a wrong discriminator before missing fields", config: withSplit({ weights: [{ percent: 5 }], sticky: { cookie: "c", secure: "yes" }, ratio: 1 }), lines: [
    "traffic-colour: rules[0].split.ratio: unknown key, got 1",
    "traffic-colour: rules[0].split.weights[0].percent: unknown key (did you mean \"basis_points\"?), got 5",
    "traffic-colour: rules[0].split.weights[0].colour: is required, got nothing",
    "traffic-colour: rules[0].split.weights[0].basis_points: is required, got nothing",
    "traffic-colour: rules[0].split.sticky.secure: must be a boolean, got \"yes\"",
  ] },
  // what JSON Schema cannot say
  { name: "a duplicate colour", config: { colours: ["a", "b", "a"] }, lines: [
    "traffic-colour: colours[2]: duplicate colour, got \"a\"",
  ] },
  { name: "a default colour that is not configured", config: { ...base, default_colour: "blue" }, lines: [
    "traffic-colour: default_colour: is not one of the configured colours, got \"blue\"",
  ] },
  { name: "an Istio principal as a trusted peer", config: { ...base, inbound: "keep_from", trusted_peers: ["cluster.local/ns/x/sa/y"] }, lines: [
    "traffic-colour: trusted_peers[0]: is not a valid SPIFFE ID pattern: scheme must be \"spiffe://\" (lowercase); write \"spiffe://cluster.local/ns/x/sa/y\", got \"cluster.local/ns/x/sa/y\"",
  ] },
  { name: "a duplicate rule name", config: { ...base, rules: [{ name: "r", colour: "canary" }, { name: "r", colour: "stable" }] }, lines: [
    "traffic-colour: rules[1].name: duplicate rule name, got \"r\"",
  ] },
  { name: "a header condition without a name", config: withMatch({ source: "header", op: "present" }), lines: [
    "traffic-colour: rules[0].match.source: needs \"name\" (which one to read), got \"header\"",
  ] },
  { name: "a name on a method condition", config: withMatch({ source: "method", name: "x", op: "present" }), lines: [
    "traffic-colour: rules[0].match.name: applies only when source is \"header\", \"query\", \"cookie\", got \"x\"",
  ] },
  { name: "a range with max below min", config: withMatch({ source: "header", name: "x", op: "range", min: 10, max: 9 }), lines: [
    "traffic-colour: rules[0].match.max: must be >= min (10), got 9",
  ] },
  { name: "a timestamp that is not RFC 3339", config: withRule({ colour: "canary", not_before: "2026-02-30T00:00:00Z" }), lines: [
    "traffic-colour: rules[0].not_before: must be an RFC 3339 timestamp like \"2026-01-31T09:00:00Z\", got \"2026-02-30T00:00:00Z\"",
  ] },
  { name: "not_after before not_before", config: withRule({ colour: "canary", not_before: "2026-01-02T00:00:00Z", not_after: "2026-01-01T00:00:00Z" }), lines: [
    "traffic-colour: rules[0].not_after: must be later than not_before, got \"2026-01-01T00:00:00Z\"",
  ] },
  { name: "weights over 100%", config: withSplit({ key: { source: "header", name: "x-user-id" }, weights: [{ colour: "canary", basis_points: 6000 }, { colour: "stable", basis_points: 4001 }] }), lines: [
    "traffic-colour: rules[0].split.weights: basis points add up to more than 10000 (100%), got [...]",
  ] },
  { name: "a colour weighted twice", config: withSplit({ weights: [{ colour: "canary", basis_points: 1 }, { colour: "canary", basis_points: 2 }] }), lines: [
    "traffic-colour: rules[0].split.weights[1].colour: duplicate colour, got \"canary\"",
  ] },
  { name: "a sticky cookie on a keyed split", config: withSplit({ key: { source: "cookie", name: "uid" }, weights, sticky: { cookie: "c" } }), lines: [
    "traffic-colour: rules[0].split.sticky: applies only to random splits (without \"key\"), got {...}",
  ] },
  { name: "SameSite=None without Secure", config: withSplit({ weights, sticky: { cookie: "c", secure: false, same_site: "none" } }), lines: [
    "traffic-colour: rules[0].split.sticky.same_site: needs secure: browsers refuse SameSite=None without Secure, got \"none\"",
  ] },
];
