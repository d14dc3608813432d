#!/usr/bin/env node
/** The `mnist-ts` bin: runs the command line (program.ts) and exits with its code once its work is done. */
import { hideBin } from 'yargs/helpers';
import { main } from './program.js';

process.exitCode = await main(hideBin(process.argv));
