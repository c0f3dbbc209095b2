/**
 * Benchmark: the cost of the hooks package when nothing is tapped. Runs the same decisions on one embedded
 * SQLite database through three engines: one without any extension, a second identical one (its distance
 * from the first is the measurement's noise floor), and one with `@rowguard/hooks` plugged in but no tap,
 * in rotating order each round; prints the median time per round, the median of the per-round ratios
 * (with / without, and identical / without), and the cost in nanoseconds of each extension callback on its
 * own. Run it with `pnpm --filter @rowguard/hooks bench` (after building). Not part of the package's API.
 *
 * @example
 * ```sh
 * pnpm --filter @rowguard/core build && pnpm --filter @rowguard/hooks build && pnpm --filter @rowguard/hooks bench
 * ```
 *
 * @packageDocumentation
 */
import { connectDatabase, createRowguard, type Rowguard, type SubjectInput } from '@rowguard/core';
import { createRowguardHooks } from './rowguard-hooks.js';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 2_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 60);
const WARMUP = 3;
const SAMPLE = 100;
const contactsConfig = { attributes: { country: { type: 'text' }, team_id: { type: 'integer' } } } as const;
const COUNTRIES = ['FR', 'VN', 'DE', 'US', null];

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function seed(engine: Rowguard): Promise<{ ids: number[]; subjects: SubjectInput[] }> {
  const domain = await engine.domain('bench');
  const admin = domain.admin('bench');
  const ids = await admin.transaction(async (tx) => {
    const out: number[] = [];
    for (let i = 0; i < CONTACTS; i += 1) {
      out.push(
        await tx.createContact({
          contactType: 'Individual',
          sortName: `c${i}`,
          subTypes: i % 7 === 0 ? ['sales'] : [],
          isDeleted: i % 97 === 0,
          attributes: { country: COUNTRIES[i % COUNTRIES.length] ?? null, team_id: i % 11 },
        }),
      );
    }
    return out;
  });
  const at = (i: number) => ids[i] as number;
  const staff = await admin.createGroup({ name: 'staff', kind: 'static' });
  const vn = await admin.createGroup({ name: 'vn', kind: 'smart', criteria: { field: 'country', op: '=', value: 'VN' } });
  const same = await admin.createGroup({ name: 'same country', kind: 'smart', criteria: { field: 'country', op: '=', value: { $subject: 'country' } } });
  await admin.transaction(async (tx) => {
    for (let i = 0; i < CONTACTS; i += 5) await tx.setMembership({ groupId: staff, contactId: at(i), status: 'Added' });
  });
  const editors = await admin.createRole({ name: 'editors' });
  await admin.assignRole({ roleId: editors, assignee: { type: 'group', id: staff } });
  await admin.createEntry({ effect: 'allow', operation: 'view', owner: { type: 'everyone' }, object: { type: 'group-members', groupId: same } });
  await admin.createEntry({ effect: 'allow', operation: 'edit', owner: { type: 'role', id: editors }, object: { type: 'group-members', groupId: vn } });
  await admin.createEntry({ effect: 'deny', operation: 'edit', owner: { type: 'everyone' }, object: { type: 'contact', id: at(1) } });
  await admin.createEntry({ effect: 'allow', operation: 'search', owner: { type: 'authenticated' }, object: { type: 'all-contacts' }, priority: 1 });
  await admin.linkUser({ userId: 'u-0', contactId: at(0) });
  return { ids, subjects: [{ userId: 'u-0' }, { contactId: at(1) }, { contactId: at(2) }, { contactId: at(5) }, {}] };
}

/** One round: a fresh session per subject (a request), single checks, a page of the list, a batch check. */
async function round(engine: Rowguard, sample: readonly number[], subjects: readonly SubjectInput[]): Promise<number> {
  const domain = await engine.domain('bench');
  let allowed = 0;
  for (const input of subjects) {
    const session = domain.subject(input);
    for (const id of sample) if (await session.check('view', id)) allowed += 1;
    allowed += (await session.listIds('view', { limit: 200 })).length;
    allowed += (await session.checkMany('edit', sample)).size;
  }
  return allowed;
}

/** Nanoseconds per call of `fn`, median of several batches. */
async function nsPerCall(fn: () => unknown, calls = 20_000, batches = 9): Promise<number> {
  const out: number[] = [];
  for (let b = 0; b < batches; b += 1) {
    const started = performance.now();
    for (let i = 0; i < calls; i += 1) await fn();
    out.push(((performance.now() - started) * 1e6) / calls);
  }
  return median(out);
}

type Name = 'plain' | 'control' | 'hooked';

async function main(): Promise<void> {
  const { db, close } = await connectDatabase('sqlite::memory:');
  try {
    const plain = createRowguard({ db, contacts: contactsConfig, onError: () => undefined });
    await plain.migrate();
    // An identical engine without the hooks: how far two equal engines drift apart shows the noise floor.
    const control = createRowguard({ db, contacts: contactsConfig, onError: () => undefined });
    const hooks = createRowguardHooks();
    const hooked = createRowguard(hooks.engineOptions({ db, contacts: contactsConfig, onError: () => undefined }));
    const { ids, subjects } = await seed(plain);
    const sample = ids.filter((_, i) => i % Math.ceil(ids.length / SAMPLE) === 0);
    const engines: [Name, Rowguard][] = [['plain', plain], ['control', control], ['hooked', hooked]];
    const times: Record<Name, number[]> = { plain: [], control: [], hooked: [] };
    const ratios = { hooked: [] as number[], control: [] as number[] };
    for (let r = 0; r < WARMUP + ROUNDS; r += 1) {
      const order = [...engines.slice(r % 3), ...engines.slice(0, r % 3)];
      const took = {} as Record<Name, number>;
      const answers = new Set<number>();
      for (const [name, engine] of order) {
        const started = performance.now();
        answers.add(await round(engine, sample, subjects));
        took[name] = performance.now() - started;
      }
      if (answers.size !== 1) throw new Error(`the engines disagree: ${[...answers].join(' vs ')}`);
      if (r < WARMUP) continue;
      for (const name of ['plain', 'control', 'hooked'] as const) times[name].push(took[name]);
      ratios.hooked.push(took.hooked / took.plain);
      ratios.control.push(took.control / took.plain);
    }

    const extension = createRowguardHooks().extension({ contacts: contactsConfig });
    const domain = await plain.domain('bench');
    const subject = await domain.subject({ userId: 'u-0' }).resolve();
    const snapshot = await domain.policy();
    if (!subject) throw new Error('cannot resolve the benchmark subject');
    const record = { domainId: domain.id, subject: { userId: 'u-0' }, operation: 'view' as const, contactId: 1, allowed: true };
    const noop = async () => undefined;
    const perCall = {
      noop: await nsPerCall(noop),
      onDecision: await nsPerCall(() => extension.onDecision?.(record)),
      contributeToSubject: await nsPerCall(() => extension.contributeToSubject?.(subject, snapshot)),
      overridePermissions: await nsPerCall(() => extension.overridePermissions?.(subject, subject.permissions)),
      adjustScope: await nsPerCall(() => extension.adjustScope?.(subject, 'view', snapshot)),
    };
    const check = await nsPerCall(() => domain.subject({ userId: 'u-0' }).check('view', ids[3] as number), 300, 5);

    const calls = subjects.length * (sample.length + 2);
    print(`rowguard hooks overhead, nothing tapped (${CONTACTS} contacts on embedded SQLite; ${subjects.length} requests of ${sample.length + 2} calls per round; ${ROUNDS} rounds)`);
    print('');
    print('end to end, median ms per round (engines run in rotating order each round):');
    print(`  without @rowguard/hooks            ${median(times.plain).toFixed(2)}`);
    print(`  without, a second identical engine ${median(times.control).toFixed(2)}`);
    print(`  with @rowguard/hooks, no tap       ${median(times.hooked).toFixed(2)}`);
    print(`  ratio with / without (median of per-round ratios):     ${median(ratios.hooked).toFixed(3)}`);
    print(`  noise floor: identical / without (same measurement):   ${median(ratios.control).toFixed(3)}`);
    print('');
    print('the extension callbacks themselves, ns per call (an empty async function for comparison):');
    print(`  empty async function               ${perCall.noop.toFixed(0)}`);
    print(`  onDecision (per decision)          ${perCall.onDecision.toFixed(0)}`);
    print(`  contributeToSubject (per request)  ${perCall.contributeToSubject.toFixed(0)}`);
    print(`  overridePermissions (per request)  ${perCall.overridePermissions.toFixed(0)}`);
    print(`  adjustScope (per request and op)   ${perCall.adjustScope.toFixed(0)}`);
    print(`  for scale, one fresh request + check: ${(check / 1000).toFixed(1)} us`);
    print(`  (${calls} calls per round)`);
  } finally {
    await close();
  }
}

await main();
