import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseFindingDocument } from '../src/finding/parse.js';
import { routeFinding } from '../src/policy/route.js';
import { renderFindingMessage } from '../src/render/render-message.js';
import { consoleUrlFor } from '../src/enrich/console-url.js';
import { parseConfig } from '../src/config/load.js';

/**
 * Findings per second through parse + route + render on one core for each of the 2026 shapes (issues 14 and 20): Security Hub
 * OCSF in Findings Imported V2 events, GetFindingsV2 pages and on its own; Malware Protection for S3 scan results;
 * events inside SNS envelopes (a Lambda SNS event, an SNS notification as an SQS body); attack sequences. Documents
 * are the project's fixtures and, when present, the third-party ones in ../shared/corpus/2026 and 2026b.
 */

const fixtures = new URL('../test/fixtures/findings/', import.meta.url).pathname;
const corpus2026 = new URL('../../shared/corpus/2026/', import.meta.url).pathname;
const corpus2026b = new URL('../../shared/corpus/2026b/', import.meta.url).pathname;

function load(dir: string, name: string): unknown {
  return JSON.parse(readFileSync(join(dir, name), 'utf8')) as unknown;
}

function corpusWhere(predicate: (name: string) => boolean, dir: string = corpus2026): unknown[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json') && f !== 'expect.json' && predicate(f))
    .map((f) => load(dir, f));
}

export async function main(): Promise<void> {
  const fixture = (name: string) => load(fixtures, `${name}.json`);
  const gdEvent = fixture('eventbridge-camel-instance-network');
  const shapes: Array<[label: string, documents: unknown[]]> = [
    ['GuardDuty event (baseline)', [gdEvent]],
    ['Findings Imported V2 (OCSF)', [fixture('securityhub-v2-event-guardduty-ocsf'), ...corpusWhere((f) => f.includes('event-v2'))]],
    ['GetFindingsV2 page (OCSF)', [fixture('getfindingsv2-inspector-and-control-ocsf')]],
    ['bare OCSF finding', [fixture('ocsf-bare-guardduty-api-ipv6-resolved'), ...corpusWhere((f) => f.includes('__ocsf-'))]],
    ['scan result (Malware Protection for S3)', [fixture('eventbridge-malware-scan-threats-found'), fixture('eventbridge-malware-scan-access-denied'), ...corpusWhere((f) => f.includes('malware-scan'))]],
    ['SNS envelope (Lambda SNS event, SQS body)', [fixture('sns-lambda-event-guardduty-port-probe'), fixture('sqs-body-sns-notification-securityhub-v2')]],
    ['attack sequence and signal', [fixture('array-attack-sequence-and-member')]],
    // Issue 20's shapes.
    ['Custom Action event (Security Hub CSPM)', [fixture('securityhub-custom-action-guardduty-asff'), ...corpusWhere((f) => f.includes('custom-action'), corpus2026b)]],
    ['detector health notice', [fixture('eventbridge-runtime-protection-unhealthy-eks'), fixture('eventbridge-malware-plan-status-error'), ...corpusWhere((f) => f.includes('runtime-protection'), corpus2026b)]],
    ['Backup / EC2 malware finding', [fixture('eventbridge-backup-malware-snapshot'), fixture('eventbridge-backup-malware-ami'), fixture('eventbridge-backup-malware-s3-recovery-point')]],
    ['scan status (could not scan)', [fixture('eventbridge-backup-scan-skipped'), fixture('eventbridge-malware-scan-skipped-status-reasons')]],
    ['insight results', [fixture('securityhub-insight-results')]],
    ['attack sequence, 2026 indicators', [fixture('eventbridge-attack-sequence-2026-indicators')]],
  ];
  const config = parseConfig(
    {
      destinations: [{ name: 'sec', type: 'stdout' }, { name: 'ops', type: 'stdout' }],
      routes: [
        { match: { products: ['GuardDuty'], minSeverity: 7 }, to: ['sec'], continue: true },
        { match: { types: ['MalwareProtection:*', 'AttackSequence:*', 'Health:*', 'Insight:*'] }, to: ['sec'] },
      ],
      defaultRoute: { to: ['ops'] },
    },
    'bench',
  );
  const now = Date.now();
  const measure = (docs: readonly unknown[], budgetMs: number) => {
    let findings = 0;
    const start = performance.now();
    while (performance.now() - start < budgetMs) {
      for (const doc of docs) {
        for (const finding of parseFindingDocument(doc).findings) {
          const link = consoleUrlFor(finding);
          for (const target of routeFinding(finding, config)) {
            renderFindingMessage(finding, { now, consoleUrl: link?.url, consoleLabel: link?.label, runbookUrl: target.runbookUrl });
          }
          findings += 1;
        }
      }
    }
    return Math.round((findings / (performance.now() - start)) * 1000);
  };
  measure(shapes.flatMap(([, docs]) => docs), 500); // warm-up (JIT)
  const fmt = (n: number) => n.toLocaleString('en-US');
  for (const [label, docs] of shapes) {
    console.log(`${label.padEnd(44)} ${fmt(measure(docs, 1_000)).padStart(8)} findings/s (${docs.length} documents)`);
  }
  if (!existsSync(corpus2026)) console.log('note: ../shared/corpus/2026 not found, measured on the fixtures only');
}
