// The filters' JSON Schemas, bundled into the CLI.
import spiffeRbac from "../filters/spiffe-rbac/schema.json" with { type: "json" };
import rateLimit from "../filters/rate-limit/schema.json" with { type: "json" };
import trafficColour from "../filters/traffic-colour/schema.json" with { type: "json" };
import circuitBreaker from "../filters/circuit-breaker/schema.json" with { type: "json" };
import type { FilterId } from "./paths.js";

export const SCHEMAS: Record<FilterId, object> = {
  "spiffe-rbac": spiffeRbac,
  "rate-limit": rateLimit,
  "traffic-colour": trafficColour,
  "circuit-breaker": circuitBreaker,
};
