#!/usr/bin/env node
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { serve } from '../main.js';
import { runMcpStdio } from '../mcp/stdio.js';
import { readVersion } from '../services.js';
import { CLIENT_USAGE, isClientCommand, runClientCommand } from './commands/index.js';

const USAGE = `Usage: mcp-orchestrator <command>

Commands:
  serve     run the HTTP server (HOST:PORT, default 127.0.0.1:5060); MCP is at /mcp
  mcp       serve MCP on stdin/stdout (for desktop clients); logs go to stderr
              --remote <url>   forward every call to a running HTTP server
                               (env MCP_ORCHESTRATOR_REMOTE) instead of running tasks here
              --api-key <key>  API key for --remote (env MCP_ORCHESTRATOR_API_KEY)
  version   print the version (also --version, -v)
  help      show this help

Client commands (against a running server; \`mcp-orchestrator <command> --help\` for options):
${CLIENT_USAGE}

Configuration comes from the environment (and a .env file); see README.md.
`;

function readEnv(): Record<string, string | undefined> {
  // A .env file in the working directory fills in what the environment does not set.
  if (fs.existsSync('.env')) process.loadEnvFile('.env');
  return process.env;
}

function mcp(args: string[]): void {
  let values: { remote?: string; 'api-key'?: string };
  try {
    ({ values } = parseArgs({ args, options: { remote: { type: 'string' }, 'api-key': { type: 'string' } }, strict: true }));
  } catch (error) {
    process.stderr.write(`mcp-orchestrator mcp: ${(error as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  const env = readEnv();
  const remote = values.remote ?? env.MCP_ORCHESTRATOR_REMOTE;
  if (remote !== undefined && !URL.canParse(remote)) {
    process.stderr.write(`mcp-orchestrator mcp: --remote must be a URL (got ${JSON.stringify(remote)})\n`);
    process.exit(2);
  }
  runMcpStdio({ env, remote: remote || undefined, apiKey: values['api-key'] ?? (env.MCP_ORCHESTRATOR_API_KEY || undefined) }).catch((error: unknown) => {
    process.stderr.write(`mcp-orchestrator mcp: ${(error as Error).message}\n`);
    process.exit(1);
  });
}

const [command = 'help', ...rest] = process.argv.slice(2);
switch (command) {
  case 'serve':
    await serve();
    break;
  case 'mcp':
    mcp(rest);
    break;
  case 'version':
  case '--version':
  case '-v':
  case '-V':
    process.stdout.write(`mcp-orchestrator ${readVersion()}\n`);
    break;
  case 'help':
  case '--help':
  case '-h':
    process.stdout.write(USAGE);
    break;
  default:
    if (isClientCommand(command)) process.exit(await runClientCommand(command, rest, readEnv()));
    process.stderr.write(`mcp-orchestrator: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
    process.exit(2);
}
