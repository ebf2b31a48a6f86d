// CPU and memory of processes from /proc (Linux): ticks of user+system time, peak RSS (VmHWM).
import { readdirSync, readFileSync } from 'node:fs'
import { execFileSync } from 'node:child_process'

let clkTck = 100
try {
  clkTck = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100
} catch {
  /* 100 is the Linux default */
}
export const ticksToMs = (ticks: number) => (ticks * 1000) / clkTck

function statFields(pid: number): string[] | undefined {
  try {
    const raw = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // the command name (field 2) may hold spaces: split after its closing parenthesis
    return raw.slice(raw.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/** utime+stime of one process; with `children`, also the reaped children's (cutime+cstime). */
export function cpuTicks(pid: number, children = false): number {
  const f = statFields(pid)
  if (!f) return 0
  // after the name: [0]=state … [11]=utime [12]=stime [13]=cutime [14]=cstime
  const own = Number(f[11]) + Number(f[12])
  return children ? own + Number(f[13]) + Number(f[14]) : own
}

export function parentOf(pid: number): number | undefined {
  const f = statFields(pid)
  return f ? Number(f[1]) : undefined
}

/** PostgreSQL CPU: the postmaster with its reaped children, plus every live backend (its direct children). */
export function postgresTicks(postmasterPid: number): number {
  let total = cpuTicks(postmasterPid, true)
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    if (parentOf(pid) === postmasterPid) total += cpuTicks(pid)
  }
  return total
}

/** The postmaster listening on this port: a 'postgres' process whose command line names `-p PORT` and whose parent is not postgres. */
export function findPostmaster(port: number): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0')
      if (!cmd[0]?.endsWith('postgres')) continue
      const i = cmd.indexOf('-p')
      if (i >= 0 && cmd[i + 1] === String(port)) return Number(entry)
    } catch {
      /* gone */
    }
  }
  return undefined
}

/** A process's children (their pids), read from /proc; none once it has gone. */
export function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)
  } catch {
    return []
  }
}

export function peakRssMb(pid: number): number | undefined {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Math.round(Number(m[1]) / 102.4) / 10 : undefined
  } catch {
    return undefined
  }
}

/** The whole machine (first line of /proc/stat): time in processes (user+nice+system), in interrupts, stolen by the hypervisor. */
export function machineTicks(): { processes: number; irq: number; steal: number; total: number } {
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = readFileSync('/proc/stat', 'utf8')
    .split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number)
  return { processes: user + nice + system, irq: irq + softirq, steal, total: user + nice + system + idle + iowait + irq + softirq + steal }
}

/** utime+stime of every process now, with its name and parent: to name the processes that took CPU during a run. */
export function allProcessTicks(): Map<number, { name: string; ppid: number; ticks: number }> {
  const out = new Map<number, { name: string; ppid: number; ticks: number }>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const raw = readFileSync(`/proc/${entry}/stat`, 'utf8')
      const name = raw.slice(raw.indexOf('(') + 1, raw.lastIndexOf(')'))
      const f = raw.slice(raw.lastIndexOf(')') + 2).split(' ')
      out.set(Number(entry), { name, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) })
    } catch {
      /* gone */
    }
  }
  return out
}

/** A short command line (60 characters), or undefined once the process is gone. */
export function commandOf(pid: number): string | undefined {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
    return cmd.map((a) => (a.length > 40 ? `…${a.slice(-25)}` : a)).join(' ').slice(0, 60) || undefined
  } catch {
    return undefined
  }
}
