// `sluice image ...` is implemented in cli/image/ (runImage); this only routes to it.
import type { Command } from "../command.js";
import { CliError } from "../errors.js";

export const image: Command = {
  name: "image",
  summary: "build OCI images of the filters (see sluice image --help)",
  help: "Usage: sluice image ... (see sluice image --help)\n",
  async run(args) {
    let mod: { runImage?: (args: string[]) => Promise<number> };
    try {
      mod = await import("../image/index.js");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") throw new CliError("image: not available in this build (cli/image/index.ts is missing)");
      throw e;
    }
    if (typeof mod.runImage !== "function") throw new CliError("image: not available in this build (cli/image/index.ts exports no runImage)");
    return mod.runImage(args);
  },
};
