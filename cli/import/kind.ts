// The contract of one `sluice import <kind>`.
import type { FilterId } from "../paths.js";
import type { Imported } from "./emit.js";
import type { Report } from "./report.js";
import type { ResourceMap } from "./resource.js";
import type { Value } from "./source.js";

export interface ImportOptions {
  lossy: boolean;
  /** `--resource NAME=[METHOD:]/path`: the requests a Sentinel resource or hystrix command covers. */
  resources: ResourceMap;
  /** `--param INDEX=SOURCE[:NAME]`: the request value a Sentinel ParamFlowRule's paramIdx is. */
  params: Map<number, string>;
}

export interface Kind {
  name: string;
  /** One line for `sluice import --help`. */
  summary: string;
  filter: FilterId;
  /** Reads every document of every file (in order); what cannot be imported goes to `report`. */
  read(docs: Value[], report: Report, options: ImportOptions): Imported;
}
