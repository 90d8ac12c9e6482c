import { Command } from 'commander';
import { registerAudit } from './commands/audit.command.js';
import { registerErase } from './commands/erase.command.js';
import { registerEval } from './commands/eval.command.js';
import { registerExport } from './commands/export.command.js';
import { registerHistory } from './commands/history.command.js';
import { registerIngest } from './commands/ingest.command.js';
import { registerKeys } from './commands/keys.command.js';
import { registerLog } from './commands/log.command.js';
import { registerProject } from './commands/project.command.js';
import { registerRecall } from './commands/recall.command.js';
import { registerRollback } from './commands/rollback.command.js';
import { registerState } from './commands/state.command.js';
import { Output } from './output.js';

/** Options every command accepts. */
export interface GlobalOptions {
  readonly dataDir?: string;
  readonly json?: boolean;
  /** Start an empty fabric when the data directory holds none (else only ingest does). */
  readonly create?: boolean;
}

/** The root command's options as seen from any subcommand. */
export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals<GlobalOptions>();
}

/** Builds the `memfabric` command tree. */
export function createProgram(): Command {
  const program = new Command('memfabric')
    .description('event-sourced memory fabric for AI agents')
    .version('0.1.0')
    .option('--data-dir <dir>', 'data directory of the embedded fabric (env MEMFABRIC_DATA_DIR, default ./data)')
    .option('--create', 'create the data directory and an empty fabric if there is none (ingest always may; other commands refuse a directory without a fabric)')
    .option('--json', 'print a one-line JSON summary (camelCase keys) as the last line; errors as one JSON line on stderr')
    .showHelpAfterError()
    .configureHelp({ showGlobalOptions: true });
  const output = () => new Output(program.opts<GlobalOptions>().json === true);
  registerIngest(program, output);
  registerLog(program, output);
  registerProject(program, output);
  registerRecall(program, output);
  registerHistory(program, output);
  registerState(program, output);
  registerRollback(program, output);
  registerErase(program, output);
  registerExport(program, output);
  registerAudit(program, output);
  registerEval(program, output);
  registerKeys(program, output);
  return program;
}
