import { idleRss } from './poller.ts';
import { startGuardDutyStandin } from '../test/support/guardduty-standin.ts';
const gd = await startGuardDutyStandin();
for (const f of ["", "--max-semi-space-size=1 --max-old-space-size=64"]) {
  await idleRss(gd, f.split(' ').filter(Boolean));
}
await gd.close();
