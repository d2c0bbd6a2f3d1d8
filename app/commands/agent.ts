// `cairn agent`: load the configuration, start the server, stop gracefully on SIGINT/SIGTERM.
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { agentUsage, loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { startServer, type RunningServer } from '../server.ts';

/** A second signal during a graceful stop exits at once; a stop never takes longer than this. */
const STOP_DEADLINE_MS = 30_000;

export async function agentCommand(argv: readonly string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('-help') || argv.includes('--help')) {
    process.stdout.write(agentUsage());
    return 0;
  }
  const loaded = loadConfig({ argv, env: process.env, readFile: (p) => readFileSync(p, 'utf8'), hostname: hostname() });
  if (!loaded.ok) {
    process.stderr.write(`${loaded.error}\n\n${agentUsage()}`);
    return 1;
  }
  const config = loaded.config;
  const logger = createLogger({ level: config.logLevel, json: config.logJson, node: config.nodeName });
  let server: RunningServer;
  try {
    // Reload (PUT /v1/agent/reload, SIGHUP) re-reads the same flags and files. A bad file is an
    // error for the caller and changes nothing; what can change live (the log level) is applied.
    const reloadConfig = async (): Promise<void> => {
      const again = loadConfig({ argv, env: process.env, readFile: (p) => readFileSync(p, 'utf8'), hostname: hostname() });
      if (!again.ok) throw new Error(`Failed reloading config: ${again.error}`);
      logger.level = again.config.logLevel;
      logger.info({ level: again.config.logLevel }, 'configuration reloaded');
    };
    server = await startServer(config, logger, { reloadConfig });
    process.on('SIGHUP', () => void reloadConfig().catch((err) => logger.error({ err }, 'reload failed')));
  } catch (err) {
    logger.fatal({ err }, 'agent failed to start');
    return 1;
  }
  process.stdout.write(
    `==> Cairn agent running!\n    Node name: '${config.nodeName}'\n    Datacenter: '${config.datacenter}'\n` +
      `    Client addr: http://${config.clientAddr}:${server.httpPort}\n    Cluster addr: ${server.clusterAddress}\n` +
      `    Data dir: ${server.dataDir}${config.dev ? ' (temporary)' : ''}\n`,
  );
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(1);
    logger.info({ signal }, 'caught signal; stopping gracefully');
    setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref();
    void server.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await server.stopped;
    return 0;
  } catch {
    return 1;
  }
}
