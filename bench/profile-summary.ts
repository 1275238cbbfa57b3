/**
 * Summarizes a V8 `.cpuprofile` (from `--cpu-prof`): self time by function and by file or package, so
 * a run shows where Herald's time goes. Run with `npx tsx bench/profile-summary.ts <file> [top]`. Also
 * sums sampling heap profiles (see {@link summarizeAllocations}).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly hitCount?: number;
}

/** Self time of one function or one place, in ms and as a share of the profile. */
export interface ProfileLine {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

/** The top functions and places (package, or file under src/) by self time. */
export function summarizeProfile(
  path: string,
  top = 20,
): { functions: ProfileLine[]; places: ProfileLine[] } {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const totals = tally();
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (frame) totals.add(frame, us);
  }
  return totals.top(top, (name, us, share) => ({ name, ms: Math.round(us / 1000), share }));
}

/** A node of V8's sampling heap profile: the bytes allocated by its frame itself, and its callees. */
export interface AllocationNode {
  readonly callFrame: { functionName: string; url: string; lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly AllocationNode[];
}

/** Bytes allocated by one function or one place, per unit of work and as a share of all. */
export interface AllocationLine {
  readonly name: string;
  readonly 'bytes/unit': number;
  readonly share: number;
}

/**
 * Sums a sampling heap profile (`HeapProfiler.stopSampling`, with objects already collected included):
 * the bytes allocated per unit of work (events, deliveries), and the top functions and places by the
 * bytes they allocated themselves. A count of garbage, unlike times, does not depend on what else the
 * host runs.
 */
export function summarizeAllocations(
  head: AllocationNode,
  units: number,
  top = 20,
): { bytesPerUnit: number; functions: AllocationLine[]; places: AllocationLine[] } {
  const totals = tally();
  const stack: AllocationNode[] = [head];
  for (let node = stack.pop(); node; node = stack.pop()) {
    stack.push(...node.children);
    if (node.selfSize > 0) totals.add(node.callFrame, node.selfSize);
  }
  return {
    bytesPerUnit: Math.round(totals.total() / units),
    ...totals.top(top, (name, bytes, share) => ({ name, 'bytes/unit': Math.round(bytes / units), share })),
  };
}

/** Amounts (time, bytes) summed by function and by place, and their top lines with their shares. */
function tally() {
  const functions = new Map<string, number>();
  const places = new Map<string, number>();
  let total = 0;
  return {
    add(frame: { functionName: string; url: string; lineNumber: number }, amount: number): void {
      const place = placeOf(frame.url, frame.functionName);
      const name = `${frame.functionName || '(anonymous)'} ${place}${frame.url ? `:${frame.lineNumber + 1}` : ''}`;
      functions.set(name, (functions.get(name) ?? 0) + amount);
      places.set(place, (places.get(place) ?? 0) + amount);
      total += amount;
    },
    total: () => total,
    top<L>(count: number, line: (name: string, amount: number, share: number) => L) {
      const lines = (map: Map<string, number>) =>
        [...map]
          .sort((a, b) => b[1] - a[1])
          .slice(0, count)
          .map(([name, amount]) => line(name, amount, Number(((amount / (total || 1)) * 100).toFixed(1))));
      return { functions: lines(functions), places: lines(places) };
    },
  };
}

/** A package name, a file under src/, or the V8 pseudo-frame (GC, idle, program). */
function placeOf(url: string, functionName: string): string {
  if (!url) return `(${functionName.replace(/[()]/g, '') || 'native'})`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg) return pkg;
  const src = /\/(src\/.+)$/.exec(url)?.[1];
  if (src) return src;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: tsx bench/profile-summary.ts <file.cpuprofile> [top]');
  const { functions, places } = summarizeProfile(file, Number(process.argv[3] ?? 25));
  console.log('Self time by place');
  console.table(places);
  console.log('Self time by function');
  console.table(functions);
}
