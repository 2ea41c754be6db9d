import { describe, expect, it } from 'vitest';
import { checkDependencies, importsOf, readSourceGraph, SRC_DIR, stageCycles, type ModuleNode } from './dependency-rules.js';

const graph = readSourceGraph(SRC_DIR);

/** A graph of a few files: `file → [specifier, ...]`, relative specifiers resolved like the real reader does. */
function graphOf(files: Record<string, string[]>): ModuleNode[] {
  return Object.entries(files).map(([file, specifiers]) => ({
    file,
    imports: specifiers.map((specifier) =>
      specifier.startsWith('.')
        ? { kind: 'ours' as const, specifier, target: new URL(specifier, `file:///src/${file}`).pathname.slice('/src/'.length).replace(/\.js$/, '.ts') }
        : { kind: 'package' as const, specifier },
    ),
  }));
}

describe('dependency rules of src/ (DESIGN.md "Rules of the house")', () => {
  it('hold for the code as it is', () => {
    expect(graph.length).toBeGreaterThan(50);
    // Type imports count: they are what broke the rules before.
    expect(graph.some((n) => n.imports.some((i) => i.kind === 'ours'))).toBe(true);
    const messages = checkDependencies(graph).map((v) => v.message);
    expect(messages, messages.join('\n')).toEqual([]);
  });

  it('reports an import of entry/ from anywhere else, naming file, import and rule', () => {
    const violations = checkDependencies(graphOf({ 'pipeline/runtime.ts': ['../entry/cli.js'], 'entry/cli.ts': ['./cli-options.js'] }));
    expect(violations).toHaveLength(1);
    expect(violations[0]).toMatchObject({ rule: 'no-entry-imports', file: 'pipeline/runtime.ts', import: '../entry/cli.js' });
    expect(violations[0]?.message).toContain('src/pipeline/runtime.ts');
    expect(violations[0]?.message).toContain("'../entry/cli.js'");
    expect(violations[0]?.message).toContain('no-entry-imports');
  });

  it.each([
    ['policy/decide.ts', '../state/store.js'],
    ['render/digest.ts', '../deliver/sink.js'],
    ['finding/parse.ts', '../sources/file-input.js'],
    ['respond/plan-blocks.ts', './targets/network-firewall.js'],
    ['respond/ip-safety.ts', '../pipeline/pipeline.js'],
    ['policy/route.ts', 'node:fs'],
    ['render/format.ts', 'fs/promises'],
    ['respond/plan-blocks.ts', 'node:child_process'],
    ['finding/parse.ts', 'node:http'],
    ['respond/ip-safety.ts', 'node:net'],
  ])('reports %s importing %s (a pure stage reaching for I/O)', (file, specifier) => {
    const violations = checkDependencies(graphOf({ [file]: [specifier] }));
    expect(violations.map((v) => [v.rule, v.file, v.import])).toEqual([['pure-stage', file, specifier]]);
  });

  it('lets pure stages import each other, core, config types and node:crypto; respond/targets may do I/O', () => {
    const graph = graphOf({
      'policy/decide.ts': ['../finding/finding.js', '../core/message.js', '../config/schema.js', 'node:crypto'],
      'render/digest.ts': ['../finding/finding.js', '../policy/decision.js'],
      'respond/plan-blocks.ts': ['./ip-safety.js', '../finding/finding.js'],
      'respond/targets/waf.ts': ['../plan-blocks.js', '../../state/store.js', 'node:http', '@aws-sdk/client-wafv2'],
    });
    expect(checkDependencies(graph)).toEqual([]);
  });

  it('lets a pure stage take node:net\'s address helpers by name, and nothing else of it', () => {
    const node = (names: string[]): ModuleNode[] => [{ file: 'respond/ip-safety.ts', imports: [{ kind: 'package', specifier: 'node:net', names }] }];
    expect(checkDependencies(node(['BlockList', 'isIP']))).toEqual([]);
    expect(checkDependencies(node(['BlockList', 'createConnection'])).map((v) => v.rule)).toEqual(['pure-stage']);
  });

  it('reads type imports, re-exports and dynamic imports, and ignores imports written in comments or strings', () => {
    const text = [
      "import type { A } from './a.js';",
      "export type { B } from '../b/b.js';",
      "import { readFile, type Stats } from 'node:fs/promises';",
      "// import { C } from '../commented.js';",
      '/** @example',
      " * import { D } from '../in-doc.js';",
      ' */',
      "const s = \"import { E } from '../in-string.js'\";",
      "const m = await import('../dynamic.js');",
    ].join('\n');
    expect(importsOf('x/y.ts', text)).toEqual([
      { specifier: './a.js', names: ['A'] },
      { specifier: '../b/b.js' },
      { specifier: 'node:fs/promises', names: ['readFile', 'Stats'] },
      { specifier: '../dynamic.js' },
    ]);
    const lambda = graph.find((n) => n.file === 'entry/lambda.ts');
    expect(lambda?.imports.some((i) => i.kind === 'ours' && i.target === 'state/dynamodb-store.ts')).toBe(true);
    const types = graph.find((n) => n.file === 'pipeline/pipeline-types.ts');
    expect(types?.imports.filter((i) => i.kind === 'ours').map((i) => i.kind === 'ours' && i.target)).toContain('deliver/outbox-drainer.ts');
  });

  it('reports core/ importing anything of ours or a package', () => {
    const violations = checkDependencies(graphOf({ 'core/logger.ts': ['../config/schema.js', 'zod', 'node:util'] }));
    expect(violations.map((v) => [v.rule, v.import])).toEqual([
      ['core-imports-nothing-of-ours', '../config/schema.js'],
      ['core-imports-nothing-of-ours', 'zod'],
    ]);
  });

  it('reports a cycle between stages and prints it with an import on each edge', () => {
    const graph = graphOf({
      'deliver/outbox-drainer.ts': ['../state/store.js'],
      'state/store.ts': ['../deliver/sink.js'],
      'deliver/sink.ts': [],
      'pipeline/pipeline.ts': ['../deliver/outbox-drainer.js', '../state/store.js'],
    });
    const violations = checkDependencies(graph);
    expect(violations).toHaveLength(1);
    expect(violations[0]?.rule).toBe('no-stage-cycles');
    expect(violations[0]?.import).toBe('deliver → state → deliver');
    expect(violations[0]?.message).toContain("src/deliver/outbox-drainer.ts → '../state/store.js'");
    expect(violations[0]?.message).toContain("src/state/store.ts → '../deliver/sink.js'");
  });

  it('finds a longer cycle as one closed path', () => {
    const graph = graphOf({ 'a/x.ts': ['../b/x.js'], 'b/x.ts': ['../c/x.js'], 'c/x.ts': ['../a/x.js'], 'd/x.ts': ['../a/x.js'] });
    expect(stageCycles(graph)).toEqual([['a', 'b', 'c', 'a']]);
  });
});
