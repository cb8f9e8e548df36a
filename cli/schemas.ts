// The filters' JSON Schemas and shared $defs, bundled into the CLI: the validation model each
// filter's table is generated from (scripts/config-model.mjs), and ajv over the same files.
import * as Ajv2020Module from "ajv/dist/2020.js";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { buildModel, FORMATS, formatRegex, parseDuration } from "../scripts/config-model.mjs";
import shared from "../filters/shared/schema.json" with { type: "json" };
import spiffeRbac from "../filters/spiffe-rbac/schema.json" with { type: "json" };
import rateLimit from "../filters/rate-limit/schema.json" with { type: "json" };
import trafficColour from "../filters/traffic-colour/schema.json" with { type: "json" };
import circuitBreaker from "../filters/circuit-breaker/schema.json" with { type: "json" };
import type { ModelNode } from "./config-walker.js";
import type { FilterId } from "./paths.js";

export const SCHEMAS: Record<FilterId, object> = {
  "spiffe-rbac": spiffeRbac,
  "rate-limit": rateLimit,
  "traffic-colour": trafficColour,
  "circuit-breaker": circuitBreaker,
};

const models = new Map<FilterId, ModelNode>();

/** The validation model of filter `id`'s configuration. */
export function configModel(id: FilterId): ModelNode {
  let model = models.get(id);
  if (model === undefined) {
    model = buildModel(SCHEMAS[id], shared).root as ModelNode;
    models.set(id, model);
  }
  return model;
}

// ajv's CommonJS default export seen through ESM interop
const Ajv2020 = Ajv2020Module.default as unknown as typeof Ajv2020Module.Ajv2020;
let ajv: InstanceType<typeof Ajv2020> | undefined;
const validators = new Map<FilterId, ValidateFunction>();

/** ajv (JSON Schema 2020-12, strict) with the shared $defs, the formats and the duration bounds. */
function ajvInstance(): InstanceType<typeof Ajv2020> {
  if (ajv !== undefined) return ajv;
  const a = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, strictTypes: false, allowUnionTypes: true });
  for (const name of Object.keys(FORMATS)) {
    if (name === "duration") a.addFormat(name, { type: "string", validate: (s: string) => parseDuration(s) !== undefined });
    else a.addFormat(name, formatRegex(name));
  }
  const bound = (keyword: string, ok: (ms: bigint, limit: bigint) => boolean) => a.addKeyword({
    keyword, type: "string", schemaType: "string",
    validate: (limit: string, data: string) => {
      const ms = parseDuration(data);
      return ms === undefined || ok(ms, parseDuration(limit)!);
    },
  });
  bound("formatMinimum", (ms, limit) => ms >= limit);
  bound("formatMaximum", (ms, limit) => ms <= limit);
  a.addKeyword({ keyword: "x-aliases", schemaType: "array" });
  a.addSchema(shared);
  ajv = a;
  return a;
}

/** Whether ajv accepts `config` under filter `id`'s schema.json. */
export function ajvAccepts(id: FilterId, config: unknown): boolean {
  let v = validators.get(id);
  if (v === undefined) {
    v = ajvInstance().compile(SCHEMAS[id]);
    validators.set(id, v);
  }
  return v(config) === true;
}
