#!/usr/bin/env node
// The `sluice` command: the bundled CLI (npm run build:cli writes dist/sluice.mjs).
import "../dist/sluice.mjs";
