import { readFile } from 'node:fs/promises';
import { isMap } from 'yaml';
import { parseYamlDocument } from './yaml-syntax.js';
import type { Config } from './schema.js';
import { ConfigError } from './errors.js';
import { parseConfig } from './validate.js';

export { parseConfig, formatPath } from './validate.js';
export { configFromEnvironment } from './environment.js';

/** Parses YAML (JSON is YAML too) text; syntax errors name the line and column of the mistake. */
export function parseConfigText(text: string, source: string): Config {
  return parseConfig(documentOf(text, source), source);
}

function documentOf(text: string, source: string): unknown {
  const doc = parseYamlDocument(text, source);
  const value: unknown = doc.toJS();
  if (value !== null && value !== undefined && !isMap(doc.contents)) {
    throw new ConfigError(source, [{ path: '(top level)', message: 'expected a mapping of keys (accounts, destinations, routes, ...)' }]);
  }
  return value;
}

export async function loadConfigFile(path: string): Promise<Config> {
  return parseConfig(await readConfigDocument(path), path);
}

/** Reads a YAML (or JSON) file into a plain document, not yet validated; a missing file or bad syntax is a ConfigError. */
export async function readConfigDocument(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(path, [{ path: '(file)', message: code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(error)})` }]);
  }
  return documentOf(text, path);
}

