// CPU time of a server process, from /proc (Linux): user + system time of the process and of every process below
// it, in milliseconds. Clock ticks are 1/100 s here, so a figure is read over hundreds of requests, never one.

import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

const TICK_MS = 1000 / Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout.trim() || 100);

/** Fields after the command name (which may hold spaces, inside parentheses). */
function statOf(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** The processes whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = statOf(Number(entry));
    if (stat && Number(stat[1]) === pid) out.push(Number(entry));
  }
  return out;
}

/** CPU milliseconds used so far by `pid` and its descendants (utime + stime). */
export function cpuMs(pid: number): number {
  const stat = statOf(pid);
  if (!stat) return 0;
  // After the name: state(0) ppid(1) … utime(11) stime(12).
  const own = (Number(stat[11]) + Number(stat[12])) * TICK_MS;
  return own + childrenOf(pid).reduce((sum, child) => sum + cpuMs(child), 0);
}

/** The process a start call spawned below this one: the new child of this process (workerd for Miniflare). */
export async function spawnedBy<T>(start: () => Promise<T>): Promise<{ result: T; pid: number }> {
  const before = new Set(childrenOf(process.pid));
  const result = await start();
  const added = childrenOf(process.pid).filter((pid) => !before.has(pid));
  if (added.length !== 1) throw new Error(`expected one new process, found ${added.length}`);
  return { result, pid: added[0]! };
}
