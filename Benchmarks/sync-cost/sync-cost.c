// What one durable commit costs on this machine's disk, three ways (issue 13): a buffered
// pwrite then an io_uring IORING_OP_FSYNC (DATASYNC) into an fallocate'd file (the lease log
// before direct writes), and an io_uring IORING_OP_WRITE with RWF_DSYNC through O_DIRECT into
// an fallocate'd file and into a zero-written one (the lease log's direct segments).
// Prints commits per second, wall time, system-wide CPU (user + system + interrupts, from
// /proc/stat: interrupt and kernel-worker time is not the process's) and context switches per
// commit. Built and run by run.sh.
//
// Usage: sync-cost MODE COUNT BYTES DIRECTORY
//   MODE: buffered-falloc | direct-falloc | direct-zero
#define _GNU_SOURCE
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double seconds(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec + now.tv_nsec / 1e9;
}

// Busy CPU ticks of the whole machine, and context switches, from /proc/stat.
static void machine(long long *busy, long long *switches) {
    FILE *stat = fopen("/proc/stat", "r");
    char line[512];
    long long user, nice, system, idle, iowait, irq, softirq;
    *busy = *switches = 0;
    while (fgets(line, sizeof line, stat)) {
        if (sscanf(line, "cpu %lld %lld %lld %lld %lld %lld %lld", &user, &nice, &system, &idle, &iowait, &irq,
                   &softirq) == 7)
            *busy = user + nice + system + irq + softirq;
        else if (!strncmp(line, "ctxt ", 5))
            *switches = atoll(line + 5);
    }
    fclose(stat);
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: sync-cost buffered-falloc|direct-falloc|direct-zero COUNT BYTES DIRECTORY\n");
        return 2;
    }
    const char *mode = argv[1];
    int count = atoi(argv[2]), bytes = atoi(argv[3]);
    int direct = !strncmp(mode, "direct", 6), zeroed = strstr(mode, "zero") != NULL;
    char path[4096];
    snprintf(path, sizeof path, "%s/sync-cost.dat", argv[4]);
    size_t size = (size_t)count * bytes + (1 << 20);

    int descriptor = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (descriptor < 0) { perror(path); return 1; }
    if (zeroed) {
        char *zeros = calloc(1, 1 << 20);
        for (size_t offset = 0; offset < size; offset += 1 << 20) pwrite(descriptor, zeros, 1 << 20, offset);
        free(zeros);
    } else if (posix_fallocate(descriptor, 0, size) != 0) {
        perror("fallocate");
        return 1;
    }
    fsync(descriptor);
    close(descriptor);
    descriptor = open(path, O_RDWR | (direct ? O_DIRECT : 0));
    if (descriptor < 0) { perror("open"); return 1; }

    char *buffer;
    if (posix_memalign((void **)&buffer, 4096, 1 << 17)) return 1;
    memset(buffer, 'x', 1 << 17);
    struct io_uring ring;
    if (io_uring_queue_init(8, &ring, 0) < 0) return 1;

    long long busy0, switches0, busy1, switches1;
    machine(&busy0, &switches0);
    double start = seconds();
    off_t end = 0;
    for (int i = 0; i < count; i++) {
        struct io_uring_sqe *entry = io_uring_get_sqe(&ring);
        if (direct) {
            // Whole 4 KiB blocks from the one the last commit ended in, as the lease log does.
            off_t first = end & ~4095L, last = (end + bytes + 4095) & ~4095L;
            io_uring_prep_write(entry, descriptor, buffer, last - first, first);
            entry->rw_flags = RWF_DSYNC;
        } else {
            if (pwrite(descriptor, buffer, bytes, end) != bytes) { perror("pwrite"); return 1; }
            io_uring_prep_fsync(entry, descriptor, IORING_FSYNC_DATASYNC);
        }
        io_uring_submit(&ring);
        struct io_uring_cqe *completion;
        io_uring_wait_cqe(&ring, &completion);
        if (completion->res < 0) { fprintf(stderr, "%s: %s\n", mode, strerror(-completion->res)); return 1; }
        io_uring_cqe_seen(&ring, completion);
        end += bytes;
    }
    double wall = seconds() - start;
    machine(&busy1, &switches1);
    printf("%-16s %6.0f commits/s %6.1f us wall, machine CPU %5.1f us, switches %4.1f per commit\n", mode, count / wall,
           1e6 * wall / count, 1e6 * (busy1 - busy0) / (double)sysconf(_SC_CLK_TCK) / count,
           (double)(switches1 - switches0) / count);
    unlink(path);
    return 0;
}
