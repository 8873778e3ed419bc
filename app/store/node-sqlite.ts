/**
 * Loads Node's built-in `node:sqlite` without its ExperimentalWarning. Node 22 and the Node 24 releases before the
 * module's stability was raised print "ExperimentalWarning: SQLite is an experimental feature and might change at
 * any time" the first time it loads: in every service process, on every start, telling users nothing they can
 * act on. Only that one warning is dropped, and only while the module loads; every other warning still shows.
 */
type NodeSqlite = typeof import('node:sqlite');

let loading: Promise<NodeSqlite> | undefined;

export function loadNodeSqlite(): Promise<NodeSqlite> {
  loading ??= withoutSqliteWarning(() => import('node:sqlite'));
  return loading;
}

/** Runs `load` with the SQLite ExperimentalWarning filtered out of `process.emitWarning`, then restores it. */
export async function withoutSqliteWarning<T>(load: () => Promise<T>): Promise<T> {
  const emitWarning = process.emitWarning;
  process.emitWarning = function filtered(this: NodeJS.Process, ...args: Parameters<typeof emitWarning>) {
    if (isSqliteExperimentalWarning(args)) return;
    return emitWarning.apply(this, args);
  } as typeof emitWarning;
  try {
    return await load();
  } finally {
    process.emitWarning = emitWarning;
  }
}

function isSqliteExperimentalWarning([warning, typeOrOptions]: Parameters<
  typeof process.emitWarning
>): boolean {
  const type =
    typeof typeOrOptions === 'string'
      ? typeOrOptions
      : (typeOrOptions as { type?: string } | undefined)?.type;
  const experimental =
    type === 'ExperimentalWarning' || (typeof warning !== 'string' && warning.name === 'ExperimentalWarning');
  const message = typeof warning === 'string' ? warning : warning.message;
  return experimental && message.startsWith('SQLite is an experimental feature');
}
