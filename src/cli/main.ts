#!/usr/bin/env node
import { serve } from '../main.js';

const USAGE = `Usage: mcp-orchestrator <command>

Commands:
  serve     run the HTTP server (HOST:PORT, default 127.0.0.1:5060)
  help      show this help

Configuration comes from the environment (and a .env file); see README.md.
`;

const [command = 'help'] = process.argv.slice(2);
switch (command) {
  case 'serve':
    await serve();
    break;
  case 'help':
  case '--help':
  case '-h':
    process.stdout.write(USAGE);
    break;
  default:
    process.stderr.write(`mcp-orchestrator: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    process.exit(2);
}
