// Colour references, shared by the configuration compilers (config.ts, split-config.ts).
import { ConfigErrors } from "../shared/config-error";
import { JsonValue } from "../shared/json";
import { NO_COLOUR } from "./rule";

/** A checked colour name that must be one of `colours`; its index (NO_COLOUR when it is not). */
export function readColourRef(errors: ConfigErrors, colours: string[], value: JsonValue): i32 {
  const index = colours.indexOf(value.string);
  if (index < 0) errors.at(value, "is not one of the configured colours");
  return index;
}
