import { readFile } from 'node:fs/promises';
import { LineCounter, parseDocument, isMap } from 'yaml';
import type { Config } from './schema.js';
import { ConfigError } from './errors.js';
import { parseConfig } from './validate.js';

export { parseConfig, formatPath } from './validate.js';
export { configFromEnvironment } from './environment.js';

/** Parses YAML (JSON is YAML too) text; syntax errors name the line and column. */
export function parseConfigText(text: string, source: string): Config {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, lineCounter });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      source,
      doc.errors.map((e) => {
        const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
        return { path: pos ? `line ${pos.line}, column ${pos.col}` : '(syntax)', message: e.message.split('\n')[0] ?? e.message };
      }),
    );
  }
  const value: unknown = doc.toJS();
  if (value !== null && value !== undefined && !isMap(doc.contents)) {
    throw new ConfigError(source, [{ path: '(top level)', message: 'expected a mapping of keys (accounts, destinations, routes, ...)' }]);
  }
  return parseConfig(value, source);
}

export async function loadConfigFile(path: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [{ path: '(file)', message: code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(error)})` }]);
  }
  return parseConfigText(text, path);
}

