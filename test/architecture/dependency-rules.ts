import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/**
 * The dependency rules of DESIGN.md ("Rules of the house"), checked on the import graph of src/. Every import counts:
 * `import type`, `export … from`, dynamic `import()` (TypeScript's own pre-processor reads them, so comments and
 * strings that merely look like imports do not).
 */

/** One source file and what it imports: a path relative to src/ for our modules, the specifier for packages. */
export interface ModuleNode {
  /** e.g. `policy/decide.ts` */
  file: string;
  imports: ModuleImport[];
}

export type ModuleImport =
  | { kind: 'ours'; specifier: string; target: string }
  /** `names`: the named bindings imported; absent for a namespace, default, side-effect or dynamic import (all of it). */
  | { kind: 'package'; specifier: string; names?: string[] };

export interface Violation {
  rule: RuleName;
  file: string;
  import: string;
  message: string;
}

export const RULES = {
  'no-entry-imports': 'nothing imports src/entry/ (entry/ only starts processes and handlers)',
  'pure-stage': 'finding/, policy/, render/ and respond/ planning import no I/O stage and no node:fs/net/http/child_process',
  'core-imports-nothing-of-ours': 'core/ imports nothing of ours, and only node:* packages',
  'no-stage-cycles': 'no import cycles between stages (folders of src/)',
} as const;
export type RuleName = keyof typeof RULES;

/** Stages that touch the world (network, files, clock-driven loops) or wire it. */
export const IO_STAGES = [
  'sources',
  'enrich',
  'state',
  'deliver',
  'daemon',
  'lambda',
  'demo',
  'interact',
  'pipeline',
  'entry',
  'respond/targets',
] as const;

/** Node modules that do I/O; a pure stage imports none of them (with or without `node:`, any subpath). */
const IO_NODE_MODULES = ['fs', 'net', 'http', 'https', 'http2', 'tls', 'dgram', 'child_process', 'worker_threads', 'cluster'] as const;

/**
 * What a pure stage may take from an I/O module by name because it is plain computation: node:net's address parsing
 * and matching (https://nodejs.org/api/net.html#class-netblocklist, #netisipinput) open no socket. respond/'s
 * never-block ranges use them.
 */
const PURE_NAMES: Readonly<Record<string, readonly string[]>> = {
  net: ['BlockList', 'SocketAddress', 'isIP', 'isIPv4', 'isIPv6'],
};

/**
 * The stage of a file: its folder under src/, except that respond/targets/ (the firewall and WAF adapters) is a
 * stage apart from respond/'s planning (everything else in respond/).
 */
export function stageOf(file: string): string {
  const parts = file.split('/');
  if (parts.length === 1) return '.';
  if (parts[0] === 'respond' && parts[1] === 'targets' && parts.length > 2) return 'respond/targets';
  return parts[0] as string;
}

const PURE_STAGES = new Set(['finding', 'policy', 'render', 'respond']);

function nodeModuleName(specifier: string): string | undefined {
  const bare = specifier.startsWith('node:') ? specifier.slice('node:'.length) : specifier;
  const head = bare.split('/')[0] as string;
  return (IO_NODE_MODULES as readonly string[]).includes(head) ? head : undefined;
}

/** Folder of a stage, for cycle detection: respond/targets and respond's planning are one folder. */
const folderOf = (stage: string): string => stage.split('/')[0] as string;

/** Every rule, every file. Violations name the file, the import and the rule. */
export function checkDependencies(graph: readonly ModuleNode[]): Violation[] {
  const violations: Violation[] = [];
  const add = (rule: RuleName, file: string, spec: string, why: string) =>
    violations.push({ rule, file, import: spec, message: `src/${file} imports '${spec}' ${why} [${rule}: ${RULES[rule]}]` });

  for (const node of graph) {
    const from = stageOf(node.file);
    for (const imp of node.imports) {
      if (imp.kind === 'ours') {
        const to = stageOf(imp.target);
        if (to === 'entry' && from !== 'entry') add('no-entry-imports', node.file, imp.specifier, `(src/${imp.target})`);
        if (PURE_STAGES.has(from) && from !== to && (IO_STAGES as readonly string[]).includes(to)) {
          add('pure-stage', node.file, imp.specifier, `(src/${imp.target}, stage ${to})`);
        }
        if (from === 'core' && to !== 'core') add('core-imports-nothing-of-ours', node.file, imp.specifier, `(src/${imp.target})`);
      } else {
        const io = nodeModuleName(imp.specifier);
        const allowed = io === undefined ? [] : (PURE_NAMES[io] ?? []);
        const onlyPure = imp.names !== undefined && imp.names.every((name) => allowed.includes(name));
        if (PURE_STAGES.has(from) && io !== undefined && !onlyPure) add('pure-stage', node.file, imp.specifier, `(node:${io} does I/O)`);
        if (from === 'core' && !imp.specifier.startsWith('node:')) add('core-imports-nothing-of-ours', node.file, imp.specifier, '(a package)');
      }
    }
  }

  for (const cycle of stageCycles(graph)) {
    // Name one import for each edge of the cycle, so the message says where to cut it.
    const edges = cycle.slice(0, -1).map((stage, i) => {
      const next = cycle[i + 1] as string;
      const witness = graph
        .filter((n) => folderOf(stageOf(n.file)) === stage)
        .flatMap((n) => n.imports.filter((imp) => imp.kind === 'ours' && folderOf(stageOf(imp.target)) === next).map((imp) => ({ n, imp })))[0];
      return witness ? `src/${witness.n.file} → '${witness.imp.specifier}'` : `${stage} → ${next}`;
    });
    const first = edges[0] ?? '';
    violations.push({
      rule: 'no-stage-cycles',
      file: first,
      import: cycle.join(' → '),
      message: `stage cycle ${cycle.join(' → ')} (${edges.join('; ')}) [no-stage-cycles: ${RULES['no-stage-cycles']}]`,
    });
  }
  return violations;
}

/** One cycle per strongly connected group of stages (Tarjan), as a closed path `a → b → a`. */
export function stageCycles(graph: readonly ModuleNode[]): string[][] {
  const edges = new Map<string, Set<string>>();
  for (const node of graph) {
    const from = folderOf(stageOf(node.file));
    if (!edges.has(from)) edges.set(from, new Set());
    for (const imp of node.imports) {
      if (imp.kind !== 'ours') continue;
      const to = folderOf(stageOf(imp.target));
      if (to !== from) edges.get(from)?.add(to);
      if (!edges.has(to)) edges.set(to, new Set());
    }
  }

  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (v: string): void => {
    indexOf.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!indexOf.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v) as number, indexOf.get(w) as number));
      }
    }
    if (low.get(v) === indexOf.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop() as string;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) components.push(component);
    }
  };
  for (const v of [...edges.keys()].sort()) if (!indexOf.has(v)) visit(v);

  // Within a component, a shortest path back to its first stage (breadth first) is a readable cycle.
  return components.map((component) => {
    const members = new Set(component);
    const start = [...component].sort()[0] as string;
    const previous = new Map<string, string>();
    const queue = [start];
    for (let i = 0; i < queue.length; i++) {
      const v = queue[i] as string;
      for (const w of [...(edges.get(v) ?? [])].sort()) {
        if (!members.has(w)) continue;
        if (w === start) {
          const path = [v];
          while (path[0] !== start) path.unshift(previous.get(path[0] as string) as string);
          return [...path, start];
        }
        if (!previous.has(w) && w !== start) {
          previous.set(w, v);
          queue.push(w);
        }
      }
    }
    return [...component, component[0] as string];
  });
}

/**
 * Every module a file imports, from its syntax tree (so comments and strings that look like imports do not count):
 * import and export declarations (`import type` included), `import x = require()`, dynamic `import()`.
 */
export function importsOf(file: string, text: string): Array<{ specifier: string; names?: string[] }> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const found: Array<{ specifier: string; names?: string[] }> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const named = clause !== undefined && clause.name === undefined && bindings !== undefined && ts.isNamedImports(bindings);
      found.push(
        named
          ? { specifier: node.moduleSpecifier.text, names: bindings.elements.map((e) => (e.propertyName ?? e.name).text) }
          : { specifier: node.moduleSpecifier.text },
      );
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      found.push({ specifier: node.moduleSpecifier.text });
    } else if (
      ts.isImportEqualsDeclaration(node) &&
      ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression)
    ) {
      found.push({ specifier: node.moduleReference.expression.text });
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      found.push({ specifier: node.arguments[0].text });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Reads every `.ts` file under `srcDir` into a graph. Relative imports resolve to files under src/ (`.js` → `.ts`). */
export function readSourceGraph(srcDir: string): ModuleNode[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(path);
    }
  };
  walk(srcDir);
  return files.sort().map((path) => {
    const file = relative(srcDir, path).split(sep).join('/');
    const imports: ModuleImport[] = importsOf(file, readFileSync(path, 'utf8')).map(({ specifier, names }) => {
      if (!specifier.startsWith('.')) return names === undefined ? { kind: 'package', specifier } : { kind: 'package', specifier, names };
      const target = posix.normalize(posix.join(posix.dirname(file), specifier)).replace(/\.js$/, '.ts');
      return { kind: 'ours', specifier, target };
    });
    return { file, imports };
  });
}

/** src/ of this repository. */
export const SRC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');
