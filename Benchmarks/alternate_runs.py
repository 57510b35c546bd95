#!/usr/bin/env python3
"""Times two commands against each other, taking turns, N rounds: wall-clock and CPU (user + system,
children included) medians and first quartiles of each. For A/B checks of a change to `probe` on this
noisy VM, where the same binary's time drifts by 20-40 % from minute to minute: only runs that
alternate within seconds of each other compare.

  python3 Benchmarks/alternate_runs.py 60 -- /tmp/probe-before doctor STORE --json -- .build/release/probe doctor STORE --json

Paths to the executables must be given in full (they are spawned without a shell); output goes to /dev/null.
"""
import os
import statistics
import sys
import time


def main():
    if len(sys.argv) < 5 or sys.argv[2] != "--" or "--" not in sys.argv[3:]:
        sys.exit(__doc__)
    rounds = int(sys.argv[1])
    rest = sys.argv[3:]
    split = rest.index("--")
    commands = [rest[:split], rest[split + 1:]]
    timings = [[], []]
    devnull = os.open(os.devnull, os.O_WRONLY)
    for _ in range(rounds):
        for side, command in enumerate(commands):
            start = time.perf_counter()
            pid = os.posix_spawn(command[0], command, os.environ,
                                 file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
            _, status, usage = os.wait4(pid, 0)
            if status != 0:
                sys.exit(f"{' '.join(command)} exited with status {status}")
            timings[side].append((time.perf_counter() - start, usage.ru_utime + usage.ru_stime))
    for side, command in enumerate(commands):
        wall = sorted(t[0] for t in timings[side])
        cpu = sorted(t[1] for t in timings[side])
        print(f"{' '.join(command)[:60]:60s} wall median {statistics.median(wall) * 1e3:6.2f} ms (p25 {wall[len(wall) // 4] * 1e3:6.2f})"
              f"  cpu median {statistics.median(cpu) * 1e3:6.2f} ms (p25 {cpu[len(cpu) // 4] * 1e3:6.2f})")


if __name__ == "__main__":
    main()
