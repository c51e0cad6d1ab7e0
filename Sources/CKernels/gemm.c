/* Packed, cache-blocked SGEMM (the BLIS loop structure) with a 6x16 register micro-kernel.
 *
 * For each KC-deep slice of K, op(A) is packed into MR-row panels and op(B) into NR-column panels,
 * both zero-padded, so the micro-kernel streams contiguous memory. Tiles of (MC rows x a run of B
 * panels) are claimed by the thread pool; every C element is computed by one task in a fixed K
 * order, so results do not depend on the thread count or on scheduling. Packing buffers belong to
 * the calling thread, so concurrent or nested calls neither share nor wait for them. */
#include "gemm_internal.h"
#include "packed_gemm.h"

#include <pthread.h>
#include <stdlib.h>

/* Up to SHORT_ROWS rows, A's KC slice (256 KB) fits L2 whole: see run_short. SHORT_A_LIMIT bounds the
 * floats of A it packs at once (32 MB), which stay reserved for the thread. */
enum { SHORT_ROWS = 256, SHORT_A_LIMIT = 8 << 20 };

static ck_microkernel choose_kernel(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return ck_kernel_6x16_avx2;
#elif defined(__aarch64__)
    return ck_kernel_6x16_neon;
#endif
    return ck_kernel_6x16_portable;
}

static pthread_once_t kernel_once = PTHREAD_ONCE_INIT;
static ck_microkernel selected_kernel;
static void remember_kernel(void) { selected_kernel = choose_kernel(); }

static ck_microkernel select_kernel(void) {
    pthread_once(&kernel_once, remember_kernel);
    return selected_kernel;
}

int ck_sgemm_uses_avx2(void) {
#if defined(__x86_64__) || defined(__i386__)
    return select_kernel() == ck_kernel_6x16_avx2;
#else
    return 0;
#endif
}


/* c tile at (row, column) = alpha * a_panel x b_panel + beta * c. Ragged tiles go through a full-size
 * scratch tile, since the kernel always writes 6 x 16. */
static void multiply_tile(const gemm_job *job, long kc, const float *a_panel, const float *b_panel, long row, long column,
                          float beta) {
    long height = job->m - row < CK_MR ? job->m - row : CK_MR, width = job->n - column < CK_NR ? job->n - column : CK_NR;
    float *target = job->c + row * job->ldc + column, edge[CK_MR * CK_NR];
    long ragged = height < CK_MR || width < CK_NR;
    float *tile = ragged ? edge : target;
    long ldc = ragged ? CK_NR : job->ldc;
    for (long r = 0; r < height && ragged && beta != 0; r++)   /* beta == 0: the kernel never reads C */
        for (long j = 0; j < width; j++) edge[r * CK_NR + j] = target[r * job->ldc + j];
    job->kernel(kc, a_panel, b_panel, tile, ldc, job->alpha, beta);
    for (long r = 0; r < height && ragged; r++)
        for (long j = 0; j < width; j++) target[r * job->ldc + j] = edge[r * CK_NR + j];
}

/* Multiplies one tile task: an MC block of rows against a run of B panels. */
static void compute_tiles(void *context, long first, long end) {
    gemm_job *job = context;
    long b_panels = (job->nc + CK_NR - 1) / CK_NR;
    for (long task = first; task < end; task++) {
        long block = task % job->row_blocks, run = task / job->row_blocks;
        long panel_end = (run + 1) * job->panels_per_task < b_panels ? (run + 1) * job->panels_per_task : b_panels;
        long row_end = (block + 1) * job->mc < job->m ? (block + 1) * job->mc : job->m;
        for (long jp = run * job->panels_per_task; jp < panel_end; jp++) {
            const float *b_panel = job->packed_b + jp * CK_NR * job->kc;
            for (long row = block * job->mc; row < row_end; row += CK_MR)
                multiply_tile(job, job->kc, job->packed_a + (row / CK_MR) * CK_MR * job->kc, b_panel, row,
                              job->jc + jp * CK_NR, job->slice_beta);
        }
    }
}

static float *reserve(int slot, size_t floats);

enum { LIVE_RUNS = 64 };   /* most runs of live K rows a source may name for one panel */

typedef struct { long count, starts[LIVE_RUNS], ends[LIVE_RUNS]; } live_runs;

/* The live K rows of the panel at `column`: all of K when the source names too many. */
static live_runs live_rows_of(const gemm_job *job, long column) {
    live_runs runs;
    long width = job->n - column < CK_NR ? job->n - column : CK_NR;
    runs.count = job->source->live_rows(job->source, column, width, LIVE_RUNS, runs.starts, runs.ends);
    if (runs.count < 0) runs.count = 1, runs.starts[0] = 0, runs.ends[0] = job->k;
    return runs;
}

static int same_runs(const live_runs *a, const live_runs *b) {
    if (a->count != b->count) return 0;
    for (long r = 0; r < a->count; r++)
        if (a->starts[r] != b->starts[r] || a->ends[r] != b->ends[r]) return 0;
    return 1;
}

/* Multiplies B panels from `panel` (at most `most`) against all of A over the K slice [pc, pc + kc),
 * packing and multiplying only the rows their source names live (a convolution's taps that read the
 * zero border are skipped). Neighbours with the same live rows are packed together, as ordinary panels
 * are. C gets beta at a panel's first live row, or, with none at all, at the last slice. Returns how
 * many panels it took. */
static long multiply_live_slice(const gemm_job *job, long pc, long kc, long panel, long most, float *buffer) {
    live_runs runs = live_rows_of(job, panel * CK_NR), next;
    long panels = 1, column = panel * CK_NR;
    while (panels < most && (next = live_rows_of(job, column + panels * CK_NR), same_runs(&runs, &next))) panels++;
    long width = job->n - column < panels * CK_NR ? job->n - column : panels * CK_NR;
    /* The runs' parts inside this slice, each packed for all the panels. */
    long starts[LIVE_RUNS], lengths[LIVE_RUNS], offsets[LIVE_RUNS], parts = 0, packed = 0;
    for (long r = 0; r < runs.count; r++) {
        long start = runs.starts[r] > pc ? runs.starts[r] : pc, end = runs.ends[r] < pc + kc ? runs.ends[r] : pc + kc;
        if (start >= end) continue;
        starts[parts] = start, lengths[parts] = end - start, offsets[parts++] = packed;
        job->source->pack(job->source, start, end - start, column, width, buffer + packed);
        packed += (end - start) * panels * CK_NR;
    }
    int touched = runs.count > 0 && runs.starts[0] < pc;
    for (long q = 0; q < panels; q++) {
        for (long part = 0; part < parts; part++)
            for (long row = 0; row < job->m; row += CK_MR)
                multiply_tile(job, lengths[part], job->packed_a + (row / CK_MR) * CK_MR * job->k + starts[part] * CK_MR,
                              buffer + offsets[part] + q * lengths[part] * CK_NR, row, column + q * CK_NR,
                              touched || part > 0 ? 1.0f : job->beta);
        if (runs.count == 0 && pc + kc >= job->k)
            for (long row = 0; row < job->m; row += CK_MR)
                multiply_tile(job, 0, job->packed_a, buffer, row, column + q * CK_NR, job->beta);
    }
    return panels;
}

/* One task of a short GEMM (m <= SHORT_ROWS): a run of B panels against all of A, which was packed
 * whole beforehand, slice by slice (the A slice stays in L2 across the run). The task packs its panels
 * into its thread's own buffer, PANEL_GROUP at a time (one at a time on the stack if that buffer cannot
 * be had); a source that names live rows has its panels packed and multiplied one by one. */
static void short_tasks(void *context, long first, long end) {
    gemm_job *job = context;
    float fallback[KC * CK_NR] __attribute__((aligned(64)));
    float *buffer = reserve(1, KC * CK_NR * PANEL_GROUP);
    long group = buffer ? PANEL_GROUP : 1;
    if (!buffer) buffer = fallback;
    long b_panels = (job->n + CK_NR - 1) / CK_NR;
    int live = job->source && job->source->live_rows;
    for (long task = first; task < end; task++) {
        long panel_end = (task + 1) * job->panels_per_task < b_panels ? (task + 1) * job->panels_per_task : b_panels;
        for (long pc = 0; pc < job->k; pc += KC) {
            long kc = job->k - pc < KC ? job->k - pc : KC;
            if (live) {
                for (long jp = task * job->panels_per_task; jp < panel_end;)
                    jp += multiply_live_slice(job, pc, kc, jp, panel_end - jp < group ? panel_end - jp : group, buffer);
                continue;
            }
            for (long jp = task * job->panels_per_task; jp < panel_end; jp += group) {
                long panels = panel_end - jp < group ? panel_end - jp : group;
                gemm_pack_b_run(job, pc, kc, jp * CK_NR, panels, buffer);
                for (long q = 0; q < panels; q++)
                    for (long row = 0; row < job->m; row += CK_MR)
                        multiply_tile(job, kc, job->packed_a + (row / CK_MR) * CK_MR * job->k + pc * CK_MR,
                                      buffer + q * kc * CK_NR, row, (jp + q) * CK_NR, pc == 0 ? job->beta : 1.0f);
            }
        }
    }
}

/* Packing buffers are per calling thread, so GEMMs issued concurrently (or from inside pool tasks)
 * never share or wait for one another; the buffer is kept between calls and freed at thread exit. */
typedef struct { float *data[2]; size_t floats[2]; } workspace;   /* slot 0: the call's A (and B); 1: a task's B */

static pthread_key_t workspace_key;
static pthread_once_t workspace_once = PTHREAD_ONCE_INIT;

static void release_workspace(void *value) {
    workspace *space = value;
    free(space->data[0]);
    free(space->data[1]);
    free(space);
}

static void make_workspace_key(void) {
    pthread_key_create(&workspace_key, release_workspace);
}

static float *reserve(int slot, size_t floats) {
    pthread_once(&workspace_once, make_workspace_key);
    workspace *space = pthread_getspecific(workspace_key);
    if (!space) {
        if (!(space = calloc(1, sizeof *space))) return NULL;
        pthread_setspecific(workspace_key, space);
    }
    if (floats > space->floats[slot]) {
        free(space->data[slot]);
        space->data[slot] = aligned_alloc(64, ((floats * sizeof(float) + 63) / 64) * 64);
        space->floats[slot] = space->data[slot] ? floats : 0;
    }
    return space->data[slot];
}

static void scale_c(long m, long n, float beta, float *c, long ldc) {
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
}

/* Splits an NC slice's B panels into runs so that there are about eight tiles per thread. */
static void plan_tiles(gemm_job *job, int threads) {
    long b_panels = (job->nc + CK_NR - 1) / CK_NR;
    long wanted_runs = (threads * 8 + job->row_blocks - 1) / job->row_blocks;
    job->panels_per_task = (b_panels + wanted_runs - 1) / wanted_runs;
    if (job->panels_per_task < 1) job->panels_per_task = 1;
    job->column_tasks = (b_panels + job->panels_per_task - 1) / job->panels_per_task;
}

/* One KC slice: pack A and B (in parallel), then multiply every tile. */
static void run_slice(gemm_job *job) {
    long a_panels = (job->m + CK_MR - 1) / CK_MR, b_panels = (job->nc + CK_NR - 1) / CK_NR;
    if (job->prepacked_a) job->packed_a = (float *)job->prepacked_a + a_panels * CK_MR * job->pc;
    else ck_parallel_for(a_panels, 16384 / (job->kc * CK_MR) + 1, gemm_pack_a, job);
    long groups = (b_panels + PANEL_GROUP - 1) / PANEL_GROUP;
    ck_parallel_for(groups, 16384 / (job->kc * CK_NR * PANEL_GROUP) + 1, gemm_pack_b, job);
    long tile_flops = 2 * job->mc * CK_NR * job->panels_per_task * job->kc;
    ck_parallel_for(job->row_blocks * job->column_tasks, 200000 / tile_flops + 1, compute_tiles, job);
}

/* A GEMM with at most SHORT_ROWS rows keeps A's whole KC slice in L2, so each B panel can meet all of
 * A once per K slice, and the blocked path's shared pack-then-multiply steps only add two barriers per
 * slice. It runs as one parallel region after A is packed whole; each task packs the B panels it alone
 * uses. Each C element still sums its K slices in order, in one task, so results do not depend on the
 * thread count. Returns 0 (use the blocked path) when A is too large or its buffer is unavailable. */
static int run_short(gemm_job *job) {
    long a_panels = (job->m + CK_MR - 1) / CK_MR;
    if (job->prepacked_a) {
        job->packed_a = (float *)job->prepacked_a;
    } else {
        if (a_panels * CK_MR * job->k > SHORT_A_LIMIT) return 0;
        job->packed_a = reserve(0, (size_t)a_panels * CK_MR * job->k);
        if (!job->packed_a) return 0;
        job->pc = 0;
        job->kc = job->k;
        ck_parallel_for(a_panels, 16384 / (job->k * CK_MR) + 1, gemm_pack_a, job);
    }
    job->row_blocks = 1;
    job->nc = job->n;
    plan_tiles(job, ck_pool_threads());
    long task_flops = 2 * job->m * CK_NR * job->panels_per_task * job->k;
    ck_parallel_for(job->column_tasks, 200000 / task_flops + 1, short_tasks, job);
    return 1;
}

/* Runs a GEMM with m, n, k > 0; returns 0 when no packing buffer could be had. */
static int run_gemm(gemm_job *job) {
    job->kernel = select_kernel();
    if (job->m <= SHORT_ROWS && run_short(job)) return 1;
    long a_panels = (job->m + CK_MR - 1) / CK_MR, max_nc = job->n < NC ? job->n : NC;
    size_t a_floats = (size_t)a_panels * CK_MR * KC, b_floats = (size_t)((max_nc + CK_NR - 1) / CK_NR) * CK_NR * KC;
    float *buffer = reserve(0, a_floats + b_floats);
    if (!buffer) return 0;
    job->packed_a = buffer;
    job->packed_b = buffer + a_floats;
    /* Equal row blocks of at most MC rows (a multiple of MR), so no block is a sliver. */
    job->row_blocks = (job->m + MC - 1) / MC;
    job->mc = ((job->m + job->row_blocks - 1) / job->row_blocks + CK_MR - 1) / CK_MR * CK_MR;
    for (job->jc = 0; job->jc < job->n; job->jc += NC) {
        job->nc = job->n - job->jc < NC ? job->n - job->jc : NC;
        plan_tiles(job, ck_pool_threads());
        for (job->pc = 0; job->pc < job->k; job->pc += KC) {
            job->kc = job->k - job->pc < KC ? job->k - job->pc : KC;
            job->slice_beta = job->pc == 0 ? job->beta : 1.0f;
            run_slice(job);
        }
    }
    return 1;
}

void ck_sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
              const float *b, long ldb, float beta, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0) { scale_c(m, n, beta, c, ldc); return; }
    gemm_job job = {trans_a, trans_b, m, n, k, alpha, beta, a, b, lda, ldb, c, ldc};
    if (!run_gemm(&job)) ck_sgemm_naive(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

void ck_sgemm_source(long m, long n, long k, const float *a, long lda, const ck_b_source *b, float beta, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) { scale_c(m, n, beta, c, ldc); return; }
    gemm_job job = {0, 0, m, n, k, 1, beta, a, NULL, lda, 0, c, ldc};
    job.source = b;
    if (!run_gemm(&job)) abort();   /* out of memory inside a kernel: there is no caller to report to */
}

size_t ck_sgemm_packed_a_floats(long m, long k) {
    return (size_t)((m + CK_MR - 1) / CK_MR) * CK_MR * (size_t)k;
}

void ck_sgemm_pack_a(int trans_a, long m, long k, const float *a, long lda, float *packed) {
    gemm_job job = {trans_a, 0, m, 0, k, 1, 0, a, NULL, lda};
    long a_panels = (m + CK_MR - 1) / CK_MR, slice = m <= SHORT_ROWS ? k : KC;   /* run_short: whole K per panel */
    for (job.pc = 0; job.pc < k; job.pc += slice) {
        job.kc = k - job.pc < slice ? k - job.pc : slice;
        job.packed_a = packed + a_panels * CK_MR * job.pc;
        ck_parallel_for(a_panels, 16384 / (job.kc * CK_MR) + 1, gemm_pack_a, &job);
    }
}

void ck_sgemm_packed(long m, long n, long k, const float *packed_a, int trans_b, const float *b, long ldb,
                     const ck_b_source *source, float beta, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) { scale_c(m, n, beta, c, ldc); return; }
    gemm_job job = {0, trans_b, m, n, k, 1, beta, NULL, b, 0, ldb, c, ldc};
    job.source = source;
    job.prepacked_a = packed_a;
    if (!run_gemm(&job)) abort();   /* out of memory inside a kernel: there is no caller to report to */
}

void ck_sgemm_naive(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
                    const float *b, long ldb, float beta, float *c, long ldc) {
    for (long i = 0; i < m; i++) {
        for (long j = 0; j < n; j++) {
            double sum = 0;
            for (long p = 0; p < k; p++) {
                float left = trans_a ? a[p * lda + i] : a[i * lda + p];
                float right = trans_b ? b[j * ldb + p] : b[p * ldb + j];
                sum += (double)left * right;
            }
            float old = beta == 0 ? 0 : beta * c[i * ldc + j];
            c[i * ldc + j] = alpha * (float)sum + old;
        }
    }
}
