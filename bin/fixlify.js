#!/usr/bin/env node
// `npx fixlify …`: the command line of Fixlify Automation (apps/cli), run from its TypeScript sources
require('@swc-node/register');
require('../apps/cli/src/main.ts').cli();
