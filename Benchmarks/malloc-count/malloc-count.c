// An LD_PRELOAD malloc counter for Benchmarks/server-mallocs.sh: counts every malloc, calloc,
// realloc, posix_memalign, aligned_alloc and memalign of the process, and writes the totals to
// the file named by MALLOC_COUNT_FILE when the process exits. It forwards to glibc's own
// implementations (__libc_*), so it needs no dlsym and allocates nothing itself.
//
// With MALLOC_COUNT_NICE=N it counts only in threads whose nice value is N: the shard workers
// run at nice 5, so MALLOC_COUNT_NICE=5 counts the packet path's threads alone (a thread is
// checked with getpriority until it has that value, at most every 256th call afterwards).
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static atomic_ulong count;
static int wanted_nice = -100;  // -100: count every thread; read from the environment once
static __thread int thread_counts = -1;  // -1: not known yet; 0 or 1
static __thread unsigned thread_calls;

static void counted(void) {
    if (wanted_nice == -100) {
        const char *nice = getenv("MALLOC_COUNT_NICE");
        wanted_nice = nice ? atoi(nice) : -99;
    }
    if (wanted_nice != -99 && thread_counts != 1) {
        if (thread_counts == -1 || (++thread_calls & 255) == 0) {
            thread_counts = getpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid)) == wanted_nice;
        }
        if (!thread_counts) return;
    }
    atomic_fetch_add_explicit(&count, 1, memory_order_relaxed);
}

void *malloc(size_t size) { counted(); return __libc_malloc(size); }
void *calloc(size_t n, size_t size) { counted(); return __libc_calloc(n, size); }
void *realloc(void *p, size_t size) { counted(); return __libc_realloc(p, size); }
void *memalign(size_t alignment, size_t size) {
    counted();
    return __libc_memalign(alignment, size);
}
void *aligned_alloc(size_t alignment, size_t size) { return memalign(alignment, size); }
int posix_memalign(void **out, size_t alignment, size_t size) {
    void *p = memalign(alignment, size);
    if (!p) return 12; // ENOMEM
    *out = p;
    return 0;
}

__attribute__((destructor)) static void report(void) {
    const char *path = getenv("MALLOC_COUNT_FILE");
    if (!path) return;
    FILE *file = fopen(path, "w");
    if (!file) return;
    fprintf(file, "%lu\n", atomic_load(&count));
    fclose(file);
}
