#!/usr/bin/env python3
"""What one fdatasync costs on this machine (issue 13): 5,000 pwrite(1,600 bytes) + fdatasync
into a file that grows (append), a pre-zeroed file (prezero) or a posix_fallocate'd one
(fallocate). Prints syncs per second, wall time and process CPU (user + system) per sync.

Usage: python3 Benchmarks/fsync-cost.py [DIRECTORY]   (default /tmp; the file is removed)
"""
import os, sys, time

directory = sys.argv[1] if len(sys.argv) > 1 else "/tmp"
count, chunk = 5000, b"x" * 1600
for mode in ["append", "prezero", "fallocate", "append", "prezero"]:
    path = os.path.join(directory, "fsync-cost.dat")
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)
    if mode == "prezero":
        os.write(fd, b"\0" * (count * len(chunk) + 4096))
        os.fsync(fd)
    elif mode == "fallocate":
        os.posix_fallocate(fd, 0, count * len(chunk) + 4096)
        os.fsync(fd)
    start, cpu = time.time(), os.times()
    for i in range(count):
        os.pwrite(fd, chunk, i * len(chunk))
        os.fdatasync(fd)
    wall, end = time.time() - start, os.times()
    used = (end.user - cpu.user) + (end.system - cpu.system)
    print(f"{mode:10s} {count / wall:8.0f} syncs/s {1e6 * wall / count:6.0f} us each, CPU {1e6 * used / count:6.1f} us each")
    os.close(fd)
    os.unlink(path)
