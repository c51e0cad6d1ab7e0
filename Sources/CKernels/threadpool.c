/* A persistent thread pool whose workers and caller claim chunks with compare-and-swap.
 *
 * The claim word packs (generation, chunk count, next chunk), so one compare-and-swap checks all
 * three: a worker that wakes late for an old job can neither claim a chunk of a newer one nor read
 * the newer job's bound against the old index. Job fields are read only after a successful claim,
 * when the job cannot be replaced (its caller waits for that chunk). Workers spin briefly (ops
 * arrive back to back during training), then sleep on a condition variable. When another process
 * keeps preempting workers mid-chunk, jobs run on the caller alone for a while (see note_wait). One
 * background task at a time may run on a worker beside the caller's jobs (ck_pool_begin_background). */
#include "CKernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define CK_MAX_THREADS 64
#define CK_SPIN_ROUNDS 4000

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;   /* one top-level job at a time */
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static _Atomic int configured_threads = 0;   /* read by workers while a job runs */
static int started_workers = 0;
static _Atomic uint64_t claim_word = 0;        /* generation << 40 | chunk count << 20 | next chunk */
static _Atomic long completed_chunks = 0;
static ck_task_fn job_fn;
static void *job_context;
static long job_count, job_chunk, job_chunks;
static __thread int inside_task = 0;

/* The background task (ck_pool_begin_background): idle, being set up by its caller, posted, running,
 * or done (run by a worker, not yet collected by the caller's end). */
enum { BACKGROUND_IDLE, BACKGROUND_SETTING_UP, BACKGROUND_POSTED, BACKGROUND_RUNNING, BACKGROUND_DONE };
static _Atomic int background_state = BACKGROUND_IDLE;
static ck_task_fn background_fn;
static void *background_context;

#define CK_CHUNK_BITS 20
#define CK_CHUNK_MASK ((UINT64_C(1) << CK_CHUNK_BITS) - 1)

static uint32_t generation_of(uint64_t word) { return (uint32_t)(word >> (2 * CK_CHUNK_BITS)); }

/* Runs chunks of the job `generation` until none is left to claim; returns how many it ran. */
static long run_chunks(uint32_t generation) {
    long ran = 0;
    for (;;) {
        uint64_t word = atomic_load(&claim_word);
        if (generation_of(word) != generation) return ran;
        long chunk = (long)(word & CK_CHUNK_MASK), chunks = (long)((word >> CK_CHUNK_BITS) & CK_CHUNK_MASK);
        if (chunk >= chunks) return ran;
        if (!atomic_compare_exchange_weak(&claim_word, &word, word + 1)) continue;
        ck_task_fn fn = job_fn;
        void *context = job_context;
        long count = job_count, size = job_chunk;
        long begin = chunk * size, end = begin + size < count ? begin + size : count;
        inside_task = 1;
        fn(context, begin, end);
        inside_task = 0;
        atomic_fetch_add(&completed_chunks, 1);
        ran++;
    }
}

/* Runs the posted background task if this thread is the one to claim it; returns whether it did. */
static int run_background(int final_state) {
    int expected = BACKGROUND_POSTED;
    if (!atomic_compare_exchange_strong(&background_state, &expected, BACKGROUND_RUNNING)) return 0;
    inside_task = 1;
    background_fn(background_context, 0, 1);
    inside_task = 0;
    atomic_store(&background_state, final_state);
    return 1;
}

/* Whether a worker should stop waiting for a job to take the posted background task. */
static int background_for(int active) { return active && atomic_load(&background_state) == BACKGROUND_POSTED; }

static void *worker_main(void *argument) {
    long index = (long)(intptr_t)argument;
    uint32_t seen = generation_of(atomic_load(&claim_word));
    for (;;) {
        uint32_t generation = seen;
        int active = index < configured_threads - 1;   /* workers beyond a lowered count take nothing */
        for (int round = 0; round < CK_SPIN_ROUNDS && generation == seen && !background_for(active); round++) {
            generation = generation_of(atomic_load(&claim_word));
            if (round % 64 == 63) sched_yield();
        }
        if (generation == seen && !background_for(active)) {
            pthread_mutex_lock(&sleep_lock);
            while ((generation = generation_of(atomic_load(&claim_word))) == seen && !background_for(active))
                pthread_cond_wait(&wake, &sleep_lock);
            pthread_mutex_unlock(&sleep_lock);
        }
        /* After the background task, look again: a job posted meanwhile may still have chunks to claim. */
        if (active && run_background(BACKGROUND_DONE)) continue;
        seen = generation;
        if (active) run_chunks(generation);
    }
    return NULL;
}

/* Contention. When the caller has run chunks, finds none left to claim and then waits longer than it
 * worked (and over CK_LATE_NS), a chunk sat on a thread that another process had preempted: on a
 * shared core that wait lasts a scheduler slice, and parallel jobs end up slower than serial ones. The
 * pool then runs the next jobs on the caller alone, a stretch that doubles while lateness recurs (up to
 * CK_SERIAL_MAX jobs) and resets after CK_CALM_JOBS punctual ones, and tries the workers again after
 * each stretch. Results are unchanged: every kernel gives the same floats on any thread count. Changed
 * under pool_lock, and reset when the thread count is set. */
enum { CK_LATE_NS = 300000, CK_SERIAL_MIN = 64, CK_SERIAL_MAX = 8192, CK_CALM_JOBS = 1024 };
static _Atomic long serial_left = 0, serial_stretch = CK_SERIAL_MIN, punctual_jobs = 0;

static long now_ns(void) {
    struct timespec time;
    clock_gettime(CLOCK_MONOTONIC, &time);
    return time.tv_sec * 1000000000L + time.tv_nsec;
}

static void note_wait(long worked, long waited) {
    if (waited > CK_LATE_NS && waited > worked) {
        serial_left = serial_stretch;
        serial_stretch = serial_stretch * 2 < CK_SERIAL_MAX ? serial_stretch * 2 : CK_SERIAL_MAX;
        punctual_jobs = 0;
    } else if (++punctual_jobs >= CK_CALM_JOBS) {
        serial_stretch = CK_SERIAL_MIN;
    }
}

static void read_default_threads(void) {
    const char *text = getenv("FORGER_THREADS");
    long value = text ? strtol(text, NULL, 10) : 0;
    if (value <= 0) value = sysconf(_SC_NPROCESSORS_ONLN);
    configured_threads = value < 1 ? 1 : (value > CK_MAX_THREADS ? CK_MAX_THREADS : (int)value);
}

void ck_pool_set_threads(int count) {
    pthread_once(&pool_once, read_default_threads);
    /* No lock: a task may change the count while its own job runs; workers read it per job. */
    configured_threads = count < 1 ? 1 : (count > CK_MAX_THREADS ? CK_MAX_THREADS : count);
    serial_left = 0, serial_stretch = CK_SERIAL_MIN, punctual_jobs = 0;
}

int ck_pool_threads(void) {
    pthread_once(&pool_once, read_default_threads);
    return configured_threads;
}

/* Starts workers up to threads - 1; extra workers beyond a lowered count simply find no chunks. */
static void ensure_workers(int threads) {
    while (started_workers < threads - 1) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&thread, &attributes, worker_main, (void *)(intptr_t)started_workers) != 0) break;
        pthread_attr_destroy(&attributes);
        started_workers++;
    }
}

void ck_parallel_for(long count, long grain, ck_task_fn fn, void *context) {
    if (count <= 0) return;
    int threads = ck_pool_threads();
    if (grain < 1) grain = 1;
    if (threads == 1 || count <= grain || inside_task || pthread_mutex_trylock(&pool_lock) != 0) {
        fn(context, 0, count);
        return;
    }
    if (serial_left > 0) {
        serial_left--;
        pthread_mutex_unlock(&pool_lock);
        fn(context, 0, count);
        return;
    }
    ensure_workers(threads);
    long target_chunks = (long)threads * 16;
    long chunk = (count + target_chunks - 1) / target_chunks;
    if (chunk < grain) chunk = grain;
    if ((count + chunk - 1) / chunk > (long)CK_CHUNK_MASK) chunk = (count + (long)CK_CHUNK_MASK - 1) / (long)CK_CHUNK_MASK;
    job_fn = fn;
    job_context = context;
    job_count = count;
    job_chunk = chunk;
    job_chunks = (count + chunk - 1) / chunk;
    atomic_store(&completed_chunks, 0);
    uint32_t generation = (generation_of(atomic_load(&claim_word)) + 1) & 0xffffffu;
    pthread_mutex_lock(&sleep_lock);
    atomic_store(&claim_word, (uint64_t)generation << (2 * CK_CHUNK_BITS) | (uint64_t)job_chunks << CK_CHUNK_BITS);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&sleep_lock);
    long start = now_ns(), ran = run_chunks(generation), worked = now_ns();
    while (atomic_load(&completed_chunks) < job_chunks) sched_yield();
    if (ran > 0) note_wait(worked - start, now_ns() - worked);
    pthread_mutex_unlock(&pool_lock);
}

int ck_pool_begin_background(ck_task_fn fn, void *context) {
    int threads = ck_pool_threads(), idle = BACKGROUND_IDLE;
    /* Under contention (serial_left) a preempted worker would hold the caller up at the end. */
    if (threads == 1 || inside_task || serial_left > 0
        || !atomic_compare_exchange_strong(&background_state, &idle, BACKGROUND_SETTING_UP)) {
        fn(context, 0, 1);
        return 0;
    }
    ensure_workers(threads);
    background_fn = fn;
    background_context = context;
    pthread_mutex_lock(&sleep_lock);
    atomic_store(&background_state, BACKGROUND_POSTED);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&sleep_lock);
    return 1;
}

void ck_pool_end_background(void) {
    if (run_background(BACKGROUND_IDLE)) return;   /* no worker took it yet: the caller runs it */
    while (atomic_load(&background_state) != BACKGROUND_DONE) sched_yield();
    atomic_store(&background_state, BACKGROUND_IDLE);
}
