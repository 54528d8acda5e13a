#!/usr/bin/env node
/**
 * The homesec CLI. Rules: every command exits with a code a script can test (0 ok, 1
 * failure, 2 usage, 69 unavailable e.g. port in use, 78 bad config) and a message a person
 * understands; secrets are never printed. `homesec run` is the daemon: it logs where its
 * data, dashboard and listener are, and stops cleanly on SIGINT/SIGTERM (a second signal
 * forces exit).
 */
import fs from 'node:fs';
import { Command, Option } from 'commander';
import YAML from 'yaml';
import { createApp } from './app.js';
import { demoCommand, type DemoCommandOptions } from './cli/demo-command.js';
import { scanCommand } from './cli/scan-command.js';
import { parsePortSpec } from './config/fields.js';
import { configJsonSchema } from './config/json-schema.js';
import { loadConfig, maskSecrets, type RawConfig } from './config/loader.js';
import { writeConfigMirror } from './config/mirror.js';
import { SECRET_KEYS } from './config/schema.js';
import { errorMessage, EXIT, exitCodeFor, HomesecError } from './core/errors.js';
import { createLogger } from './core/logger.js';
import { CHANNEL_SECRET_LOG_PATHS } from './notify/channel-config.js';
import { notifyTestCommand } from './notify/cli.js';

function readVersion(): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    if (pkg.version) return pkg.version;
  } catch {
    /* fall through: running from an unusual layout */
  }
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

interface CommonOpts {
  config?: string;
  dataDir?: string;
  addonOptions?: string;
  bindHost?: string;
  bindPort?: string;
  webHost?: string;
  webPort?: string;
  logLevel?: string;
}

function flagsFrom(o: CommonOpts): RawConfig {
  return {
    data_dir: o.dataDir,
    bind_host: o.bindHost,
    bind_port: o.bindPort,
    web_host: o.webHost,
    web_port: o.webPort,
    log_level: o.logLevel,
  };
}

function readAddonOptions(file: string | undefined): RawConfig | undefined {
  const f = file ?? process.env.HOMESEC_ADDON_OPTIONS;
  if (!f) return undefined;
  try {
    return JSON.parse(fs.readFileSync(f, 'utf8')) as RawConfig;
  } catch (err) {
    throw new HomesecError('CONFIG_UNREADABLE', `cannot read add-on options ${f}: ${(err as Error).message}`);
  }
}

function addCommonOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'config file (default: <data-dir>/homesec.yaml)')
    .option('-d, --data-dir <dir>', 'data directory (default: ./data)')
    .option('--addon-options <file>', 'Home Assistant add-on options.json (file values fill absent/empty keys)')
    .option('--bind-host <host>', 'UDP flow listener address')
    .option('--bind-port <port>', 'UDP flow listener port')
    .option('--web-host <host>', 'dashboard/API address')
    .option('--web-port <port>', 'dashboard/API port')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']));
}

async function runDaemon(o: CommonOpts): Promise<void> {
  const addonOptions = readAddonOptions(o.addonOptions);
  const loaded = loadConfig({ configPath: o.config, flags: flagsFrom(o), addonOptions });
  // Under the Home Assistant add-on the dashboard is reached through ingress, which authenticates.
  const cfg = addonOptions ? { ...loaded.config, web_trust_ingress: true } : loaded.config;
  const log = createLogger({ level: cfg.log_level, format: cfg.log_format, secretKeys: [...SECRET_KEYS, ...CHANNEL_SECRET_LOG_PATHS] });
  for (const w of loaded.warnings) log.warn(w);
  if (addonOptions) log.info({ file: writeConfigMirror(cfg, o.config) }, 'mirrored add-on options to homesec.yaml');
  const app = createApp(cfg, { log, version: readVersion(), env: process.env });
  let stopping: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'stopping');
    stopping = app.stop().then(() => {
      log.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  await app.start();
  log.info(
    {
      data: app.store.dir,
      config: loaded.file ?? '(none: embedded defaults)',
      dashboard: app.api?.url ?? '(disabled: enable_webui is false)',
      listener: `udp://${cfg.bind_host.includes(':') ? `[${cfg.bind_host}]` : cfg.bind_host}:${cfg.bind_port}`,
    },
    'homesec is running',
  );
}

function checkConfig(file: string | undefined, o: CommonOpts): void {
  const loaded = loadConfig({ configPath: file ?? o.config, flags: flagsFrom(o), addonOptions: readAddonOptions(o.addonOptions) });
  for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
  process.stdout.write(`# effective configuration (${loaded.file ?? 'no file: embedded defaults'}); secrets masked\n`);
  process.stdout.write(YAML.stringify(maskSecrets(loaded.config), { lineWidth: 0 }));
}

interface ScanOpts extends CommonOpts {
  ports?: string;
  json?: boolean;
  progress?: boolean;
  nmap?: boolean;
}

async function scan(targets: string[], o: ScanOpts): Promise<void> {
  const loaded = loadConfig({ configPath: o.config, flags: flagsFrom(o), addonOptions: readAddonOptions(o.addonOptions) });
  const cfg = { ...loaded.config };
  if (o.ports !== undefined) {
    try {
      cfg.scan_ports = parsePortSpec(o.ports);
    } catch (err) {
      throw new HomesecError('INVALID_ARGUMENT', `--ports: ${(err as Error).message}`);
    }
  }
  if (o.nmap) cfg.scan_use_nmap = true;
  // Logs go to stderr so the report (or JSON) on stdout stays clean.
  const log = createLogger({ level: o.logLevel ? cfg.log_level : 'warn', format: cfg.log_format, secretKeys: [...SECRET_KEYS, ...CHANNEL_SECRET_LOG_PATHS] }, process.stderr);
  for (const w of loaded.warnings) log.warn(w);
  await scanCommand(cfg, targets, { json: o.json, progress: o.progress ?? process.stderr.isTTY }, log);
}

/** Builds the CLI program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('homesec')
    .description('Home-network security monitor: flows, scans, threat intel, Home Assistant')
    .version(readVersion(), '-V, --version')
    .showHelpAfterError('(run homesec --help for usage)');

  addCommonOptions(program.command('run').description('run the daemon (flow listener, scanner, dashboard)')).action(
    async (o: CommonOpts) => runDaemon(o),
  );
  addCommonOptions(
    program
      .command('check-config [file]')
      .description('validate a config file and print the effective configuration (secrets masked)'),
  ).action((file: string | undefined, o: CommonOpts) => checkConfig(file, o));
  addCommonOptions(
    program
      .command('scan [targets...]')
      .description('run one active scan now: IPs or CIDRs, or (none given) the hosts seen in flows plus scan_discovery_ranges')
      .option('-p, --ports <spec>', 'ports to probe, e.g. 22,80,443,8000-9000 (default: scan_ports)')
      .option('--json', 'print the results as JSON')
      .option('--no-progress', 'no progress bar')
      .option('--nmap', 'also run nmap (when installed) and merge its version/OS results'),
  ).action(async (targets: string[], o: ScanOpts) => scan(targets, o));
  const notify = program.command('notify').description('notifications (notify_channels)');
  addCommonOptions(notify.command('test [channel]').description('send a test message to one notification channel (by name) or to all')).action(
    async (channel: string | undefined, o: CommonOpts) => {
      const loaded = loadConfig({ configPath: o.config, flags: flagsFrom(o), addonOptions: readAddonOptions(o.addonOptions) });
      for (const w of loaded.warnings) process.stderr.write(`warning: ${w}\n`);
      const results = await notifyTestCommand(loaded.config, channel);
      if (results.some((r) => !r.ok)) process.exitCode = EXIT.failure;
    },
  );
  program
    .command('demo')
    .description('a self-contained demo: the real daemon on a throwaway data directory, fed a recorded home network, scanning only its own loopback services')
    .option('--web-host <host>', 'dashboard/API address', '127.0.0.1')
    .option('--web-port <port>', 'dashboard/API port', '8088')
    .option('--bind-port <port>', 'UDP flow listener port on 127.0.0.1 (default: a free port)')
    .option('-d, --data-dir <dir>', 'data directory (default: a new temporary directory, deleted on exit)')
    .option('--keep', 'keep the data directory on exit')
    .option('--duration <seconds>', 'stop by itself after this many seconds')
    .addOption(new Option('--log-level <level>', 'log level').choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']))
    .action(async (o: DemoCommandOptions) => {
      await demoCommand(o, readVersion());
      process.exit(0);
    });
  program
    .command('config-schema')
    .description('print the JSON Schema of the configuration')
    .action(() => {
      process.stdout.write(`${JSON.stringify(configJsonSchema(), null, 2)}\n`);
    });
  return program;
}

async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    const msg = err instanceof HomesecError ? err.message : `unexpected error: ${errorMessage(err)}`;
    process.stderr.write(`homesec: ${msg}\n`);
    process.exit(exitCodeFor(err));
  }
}

void main();
