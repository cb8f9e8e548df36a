// The validation model of a filter's configuration, built from its schema.json and the shared
// $defs (filters/shared/schema.json). One model, two consumers: scripts/config-table.mjs encodes it
// into the table the filters' shared walker reads (filters/shared/config-walker.ts), and the CLI's
// walker (cli/config-walker.ts) walks it directly, so both report the same errors in the same
// order (docs/config.md, "Errors").
//
// Supported JSON Schema (anything else is an error here, so a schema never says more than the
// filters check): type, properties, required, additionalProperties/unevaluatedProperties false
// (every object is closed), items, minItems, maxItems, minLength, maxLength, enum, const, minimum,
// maximum, exclusiveMinimum, exclusiveMaximum, format (FORMATS below), formatMinimum/formatMaximum
// (durations), default, dependentRequired, oneOf, $ref, $defs, and the annotation x-aliases (key
// names people write by mistake, for "did you mean"). A schema with annotations only accepts any
// value (the bundle's `config`, which the filter it names checks itself). A oneOf is either a key group (every branch
// is `{"required": [key]}`: exactly one of those keys) or a discriminated union (every branch an
// object whose properties give the same key a const or enum: the tag; a branch whose tag is not
// required is the default when the tag is absent).

/** Character classes of the formats: a string is valid when its first character is in `first` and
 *  every other one in `rest` (ASCII only). */
const TOKEN = "!#$%&'*+.^_`|~0-9A-Za-z-";

/** Named string syntaxes (JSON Schema `format`), each with the message of a value that breaks it.
 *  `id` numbers the format in the filters' table. duration has its own grammar (parseDuration). */
export const FORMATS = {
  duration: { id: 1, message: "must be a duration like \"300ms\", \"10s\" or \"1m\"" },
  name: { id: 2, first: "A-Za-z0-9_-", rest: "A-Za-z0-9_-", message: "must contain only letters, digits, \"_\" and \"-\"" },
  "header-name": { id: 3, first: TOKEN, rest: TOKEN, message: "must be a header name (letters, digits and !#$%&'*+-.^_`|~)" },
  "request-header-name": {
    id: 4, first: ":" + TOKEN, rest: TOKEN,
    message: "must be a header name (letters, digits and !#$%&'*+-.^_`|~) or a pseudo-header like \":path\"",
  },
  "http-method": { id: 5, first: "A-Z_-", rest: "A-Z_-", message: "is not an HTTP method (uppercase letters, \"-\" and \"_\")" },
  token: { id: 6, first: TOKEN, rest: TOKEN, message: "must be a token (letters, digits and !#$%&'*+-.^_`|~)" },
  colour: {
    id: 7, first: "A-Za-z0-9", rest: "A-Za-z0-9._-",
    message: "must start with a letter or digit and contain only letters, digits, \".\", \"_\" and \"-\"",
  },
  "cookie-attribute": { id: 8, first: "\\x20-\\x3a\\x3c-\\x7e", rest: "\\x20-\\x3a\\x3c-\\x7e", message: "must be printable ASCII without \";\"" },
};

/** The characters (codes 0..127) of a class written as the inside of a regular expression bracket. */
export function classCodes(spec) {
  const re = new RegExp(`^[${spec}]$`);
  const codes = [];
  for (let c = 0; c < 128; c++) if (re.test(String.fromCharCode(c))) codes.push(c);
  return codes;
}

/** The regular expression of a character-class format. */
export function formatRegex(name) {
  const f = FORMATS[name];
  const cls = (spec) => `[${classCodes(spec).map((c) => "\\x" + c.toString(16).padStart(2, "0")).join("")}]`;
  return new RegExp(`^${cls(f.first)}${cls(f.rest)}*$`);
}

// Keywords that only annotate (ignored by the model).
const ANNOTATIONS = new Set(["$schema", "$id", "$comment", "title", "description", "examples", "$defs"]);

/**
 * The model of `schema` (a filter's schema.json) with `shared` (filters/shared/schema.json).
 * Nodes: {kind: "string"|"integer"|"number"|"boolean"|"array"|"object"|"any", ...}; object nodes have
 * `name` (their $def name, "Root" for the document), `props` ([{name, aliases}]), `branches`
 * ([{values, nodes: Map<propIndex, {node, default, required}>}]), `tag` (prop index or -1),
 * `defaultBranch` (-1: none), `group` (prop indexes of a key group), `dependent` ([a, b] pairs).
 */
export function buildModel(schema, shared) {
  const docs = new Map([[schema.$id, schema], [shared.$id, shared]]);
  const cache = new Map();
  const objects = [];

  function resolve(ref, base) {
    const [uri, pointer] = ref.split("#");
    const docId = uri === "" ? base : new URL(uri, base).href;
    const doc = docs.get(docId);
    if (!doc) throw new Error(`config model: unknown schema ${docId} in $ref ${ref}`);
    let target = doc;
    const parts = (pointer ?? "").split("/").filter((p) => p !== "");
    for (const p of parts) {
      target = target?.[p.replace(/~1/g, "/").replace(/~0/g, "~")];
      if (target === undefined) throw new Error(`config model: $ref ${ref} points nowhere`);
    }
    const name = parts.length === 2 && parts[0] === "$defs" ? parts[1] : undefined;
    return { target, docId, key: `${docId}#${pointer ?? ""}`, name };
  }

  /** The node of schema `s` (in document `base`); `name`: its $def name. */
  function node(s, base, name) {
    if (s.$ref !== undefined) {
      const r = resolve(s.$ref, base);
      const siblings = Object.keys(s).filter((k) => k !== "$ref" && !ANNOTATIONS.has(k) && k !== "default" && k !== "x-aliases");
      let target = cache.get(r.key);
      if (target === undefined) {
        target = node(r.target, r.docId, r.name);
        cache.set(r.key, target);
      }
      if (siblings.length === 0) return target;
      // a $ref refined in place (e.g. a Duration with bounds): a copy of the target with them
      const copy = { ...target };
      for (const k of siblings) {
        if (k === "formatMinimum") copy.formatMinimum = s[k];
        else if (k === "formatMaximum") copy.formatMaximum = s[k];
        else if (k === "minLength" || k === "maxLength") copy[k] = s[k];
        else throw new Error(`config model: keyword ${k} beside $ref ${s.$ref} is not supported`);
      }
      checkBounds(copy);
      return copy;
    }
    if (Object.keys(s).every((k) => ANNOTATIONS.has(k))) return { kind: "any" };
    for (const k of Object.keys(s)) {
      if (!KNOWN.has(k)) throw new Error(`config model: keyword ${k} is not supported (schema ${base}${name ? ` $defs/${name}` : ""})`);
    }
    const type = s.type ?? (s.const !== undefined || s.enum !== undefined ? "string" : s.properties || s.oneOf ? "object" : undefined);
    if (Array.isArray(type) || type === undefined) throw new Error(`config model: every schema needs one type (${JSON.stringify(s).slice(0, 80)})`);
    switch (type) {
      case "string": {
        const n = { kind: "string" };
        const values = s.const !== undefined ? [s.const] : s.enum;
        if (values !== undefined) {
          if (!values.every((v) => typeof v === "string")) throw new Error("config model: enums are lists of strings");
          n.enum = values;
        }
        if (s.minLength !== undefined && s.minLength > 0) n.minLength = s.minLength;
        if (s.maxLength !== undefined) n.maxLength = s.maxLength;
        if (s.format !== undefined) {
          if (!FORMATS[s.format]) throw new Error(`config model: unknown format ${s.format}`);
          n.format = s.format;
        }
        if (s.formatMinimum !== undefined) n.formatMinimum = s.formatMinimum;
        if (s.formatMaximum !== undefined) n.formatMaximum = s.formatMaximum;
        checkBounds(n);
        return n;
      }
      case "integer":
      case "number": {
        const n = { kind: type };
        if (s.minimum !== undefined) n.minimum = { text: JSON.stringify(s.minimum), exclusive: false };
        if (s.exclusiveMinimum !== undefined) n.minimum = { text: JSON.stringify(s.exclusiveMinimum), exclusive: true };
        if (s.maximum !== undefined) n.maximum = { text: JSON.stringify(s.maximum), exclusive: false };
        if (s.exclusiveMaximum !== undefined) n.maximum = { text: JSON.stringify(s.exclusiveMaximum), exclusive: true };
        return n;
      }
      case "boolean":
        return { kind: "boolean" };
      case "array": {
        if (s.items === undefined) throw new Error("config model: arrays need items");
        const n = { kind: "array", items: node(s.items, base) };
        if (s.minItems !== undefined && s.minItems > 0) n.minItems = s.minItems;
        if (s.maxItems !== undefined) n.maxItems = s.maxItems;
        return n;
      }
      case "object":
        return objectNode(s, base, name);
      default:
        throw new Error(`config model: type ${type} is not supported`);
    }
  }

  function checkBounds(n) {
    if ((n.formatMinimum !== undefined || n.formatMaximum !== undefined) && n.format !== "duration") {
      throw new Error("config model: formatMinimum/formatMaximum apply to durations only");
    }
    for (const b of [n.formatMinimum, n.formatMaximum]) {
      if (b !== undefined && parseDuration(b) === undefined) throw new Error(`config model: ${b} is not a duration`);
    }
  }

  /** An object schema's properties: [{name, schema, required}] from `properties` and `required`
   *  (`also`: names required by the enclosing object, which may be properties of its branches). */
  function ownProps(s, also = [], lenient = false) {
    const required = new Set([...(s.required ?? []), ...also]);
    if (!lenient) for (const r of required) if (!s.properties?.[r]) throw new Error(`config model: required ${r} is not a property`);
    return Object.entries(s.properties ?? {}).map(([key, schema]) => ({ key, schema, required: required.has(key) }));
  }

  function objectNode(s, base, name) {
    const closed = s.additionalProperties === false || s.unevaluatedProperties === false;
    const n = { kind: "object", name, shared: base === shared.$id, props: [], branches: [], tag: -1, defaultBranch: -1, group: [], dependent: [] };
    objects.push(n);
    const index = (key) => {
      let i = n.props.findIndex((p) => p.name === key);
      if (i < 0) {
        i = n.props.length;
        n.props.push({ name: key, aliases: [] });
      }
      return i;
    };
    const oneOfKeys = s.oneOf !== undefined && !s.oneOf.every((b) => Object.keys(b).length === 1 && Array.isArray(b.required));
    const common = ownProps(s, [], oneOfKeys);
    const commonRequired = oneOfKeys ? (s.required ?? []).filter((r) => !s.properties?.[r]) : [];
    const addProps = (branch, props, docId) => {
      for (const p of props) {
        const i = index(p.key);
        for (const a of p.schema["x-aliases"] ?? []) if (!n.props[i].aliases.includes(a)) n.props[i].aliases.push(a);
        const entry = { node: node(p.schema, docId), required: p.required };
        const fallback = p.schema.default ?? (p.schema.$ref !== undefined ? resolve(p.schema.$ref, docId).target.default : undefined);
        if (fallback !== undefined) entry.default = JSON.stringify(fallback);
        branch.nodes.set(i, entry);
      }
    };
    const oneOf = s.oneOf ?? [];
    const keyGroup = oneOf.length > 0 && oneOf.every((b) => Object.keys(b).length === 1 && Array.isArray(b.required) && b.required.length === 1);
    if (oneOf.length === 0 || keyGroup) {
      if (!closed) throw new Error(`config model: object ${name ?? ""} must set additionalProperties: false`);
      const branch = { values: null, nodes: new Map() };
      addProps(branch, common, base);
      n.branches.push(branch);
      if (keyGroup) n.group = oneOf.map((b) => n.props.findIndex((p) => p.name === b.required[0]));
      if (n.group.includes(-1)) throw new Error(`config model: a key of the oneOf of ${name} is not a property`);
    } else {
      // a discriminated union: common properties plus each branch's own
      if (!closed && s.properties) throw new Error(`config model: object ${name ?? ""} with a oneOf must set unevaluatedProperties: false`);
      const branches = oneOf.map((b) => {
        const r = b.$ref !== undefined ? resolve(b.$ref, base) : { target: b, docId: base };
        const t = r.target;
        if (t.additionalProperties !== false && !(closed && t.additionalProperties === undefined)) {
          throw new Error(`config model: branch ${b.$ref ?? ""} of ${name} must be closed`);
        }
        return { schema: t, docId: r.docId, props: ownProps(t, commonRequired) };
      });
      const tags = Object.keys(branches[0].schema.properties ?? {}).filter((k) =>
        branches.every((b) => { const p = b.schema.properties?.[k]; return p && (p.const !== undefined || p.enum !== undefined); }));
      if (tags.length !== 1) throw new Error(`config model: the oneOf of ${name} needs exactly one tag property, found ${tags.join(", ") || "none"}`);
      const tag = tags[0];
      n.tag = index(tag);
      const seen = new Set();
      for (const b of branches) {
        const t = b.schema.properties[tag];
        const values = t.const !== undefined ? [t.const] : t.enum;
        for (const v of values) {
          if (seen.has(v)) throw new Error(`config model: tag value ${v} of ${name} is in two branches`);
          seen.add(v);
        }
        const branch = { values, nodes: new Map() };
        addProps(branch, common, base);
        addProps(branch, b.props, b.docId);
        if (!b.props.find((p) => p.key === tag).required) {
          if (n.defaultBranch >= 0) throw new Error(`config model: ${name} has two branches without a required tag`);
          n.defaultBranch = n.branches.length;
        }
        n.branches.push(branch);
      }
    }
    for (const [a, bs] of Object.entries(s.dependentRequired ?? {})) {
      for (const b of bs) {
        const ia = n.props.findIndex((p) => p.name === a);
        const ib = n.props.findIndex((p) => p.name === b);
        if (ia < 0 || ib < 0) throw new Error(`config model: dependentRequired ${a} -> ${b} of ${name} names an unknown property`);
        n.dependent.push([ia, ib]);
      }
    }
    if (n.props.length > 32) throw new Error(`config model: ${name} has more than 32 properties`);
    return n;
  }

  const root = schema === shared ? undefined : node(schema, schema.$id, "Root");
  if (root === undefined) {
    for (const [name, def] of Object.entries(shared.$defs)) {
      if (def.type === "object" && !cache.has(`${shared.$id}#/$defs/${name}`)) cache.set(`${shared.$id}#/$defs/${name}`, node(def, shared.$id, name));
    }
  }
  return { root, objects };
}

const KNOWN = new Set([
  ...ANNOTATIONS, "type", "properties", "required", "additionalProperties", "unevaluatedProperties", "items", "minItems",
  "maxItems", "minLength", "maxLength", "enum", "const", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
  "format", "formatMinimum", "formatMaximum", "default", "dependentRequired", "oneOf", "x-aliases",
]);

// ---- durations, as filters/shared/duration.ts reads them ----

const UNIT_MS = { ms: 1n, s: 1000n, m: 60000n, h: 3600000n, d: 86400000n };
const MAX_MS = (1n << 64n) - 1n;

/** Milliseconds of a duration string (a BigInt), or undefined when it is not one. */
export function parseDuration(text) {
  if (text === "0") return 0n;
  if (text.length === 0) return undefined;
  const part = /([0-9]+)(?:\.([0-9]+))?(ms|s|m|h|d)/y;
  let total = 0n;
  let pos = 0;
  while (pos < text.length) {
    part.lastIndex = pos;
    const m = part.exec(text);
    if (m === null) return undefined;
    if (m[1].length > 18) return undefined;
    const unit = UNIT_MS[m[3]];
    const fraction = (m[2] ?? "").slice(0, 9);
    const whole = BigInt(m[1]);
    if (whole > (MAX_MS - unit) / unit) return undefined;
    const partMs = whole * unit + (fraction === "" ? 0n : (BigInt(fraction) * unit) / 10n ** BigInt(fraction.length));
    if (partMs >= MAX_MS - total) return undefined;
    total += partMs;
    pos = part.lastIndex;
  }
  return total;
}
