// Every `sluice import` kind, in the order `sluice import --help` lists them.
import type { Kind } from "./kind.js";
import { hystrix } from "./hystrix.js";
import { envoyLocalRatelimit } from "./envoy-local-ratelimit.js";
import { gray } from "./gray.js";
import { istioAuthz } from "./istio-authz.js";
import { sentinelDegrade } from "./sentinel-degrade.js";
import { sentinelFlow } from "./sentinel-flow.js";

export const KINDS: Kind[] = [sentinelFlow, sentinelDegrade, hystrix, istioAuthz, envoyLocalRatelimit, gray];
