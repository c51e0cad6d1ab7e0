/* Packed, cache-blocked SGEMM (the BLIS loop structure) with a 6x16 register micro-kernel.
 *
 * For each KC-deep slice of K, op(A) is packed into MR-row panels and op(B) into NR-column panels,
 * both zero-padded, so the micro-kernel streams contiguous memory. Tiles of (MC rows x a run of B
 * panels) are claimed by the thread pool; every C element is computed by one task in a fixed K
 * order, so results do not depend on the thread count or on scheduling. Packing buffers belong to
 * the calling thread, so concurrent or nested calls neither share nor wait for them. */
#include "CKernels.h"
#include "microkernels.h"
#include "packed_gemm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

enum { KC = 256, MC = 96, NC = 4096 };
/* Up to SHORT_ROWS rows, A's KC slice (256 KB) fits L2 whole: see run_short. SHORT_A_LIMIT bounds the
 * floats of A it packs at once (32 MB), which stay reserved for the thread. */
enum { SHORT_ROWS = 256, SHORT_A_LIMIT = 8 << 20 };

typedef void (*ck_microkernel)(long kc, const float *a, const float *b, float *c, long ldc, float alpha, float beta);

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

typedef struct {
    int trans_a, trans_b;
    long m, n, k;
    float alpha, beta;
    const float *a, *b;
    long lda, ldb;
    float *c;
    long ldc;
    /* The current slice. */
    long pc, kc, jc, nc;
    float *packed_a, *packed_b;
    long mc, panels_per_task, row_blocks, column_tasks;
    float slice_beta;
    ck_microkernel kernel;
    const ck_b_source *source;   /* packs B's panels itself when set (b and ldb unused) */
    const float *prepacked_a;    /* A in ck_sgemm_pack_a's layout when set (a and lda unused) */
} gemm_job;

/* Interleaves six rows of row-major A, four K steps at a time: a 4x4 transpose places rows 0-3 and
 * unpacks place rows 4-5 (one float per store had made packing a conv weight 3% of a DCGAN step).
 * Returns how many K steps it packed. */
static long pack_a_rows(const float *a, long lda, long kc, float *out) {
    long p = 0;
#if defined(__SSE2__)
    for (; p + 4 <= kc; p += 4) {
        __m128 r0 = _mm_loadu_ps(a + p), r1 = _mm_loadu_ps(a + lda + p), r2 = _mm_loadu_ps(a + 2 * lda + p);
        __m128 r3 = _mm_loadu_ps(a + 3 * lda + p), r4 = _mm_loadu_ps(a + 4 * lda + p), r5 = _mm_loadu_ps(a + 5 * lda + p);
        _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
        __m128 low = _mm_unpacklo_ps(r4, r5), high = _mm_unpackhi_ps(r4, r5);   /* (4p, 5p, 4p+1, 5p+1), ... */
        float *target = out + p * CK_MR;
        _mm_storeu_ps(target, r0);
        _mm_storel_pi((__m64 *)(target + 4), low);
        _mm_storeu_ps(target + CK_MR, r1);
        _mm_storeh_pi((__m64 *)(target + CK_MR + 4), low);
        _mm_storeu_ps(target + 2 * CK_MR, r2);
        _mm_storel_pi((__m64 *)(target + 2 * CK_MR + 4), high);
        _mm_storeu_ps(target + 3 * CK_MR, r3);
        _mm_storeh_pi((__m64 *)(target + 3 * CK_MR + 4), high);
    }
#endif
    return p;
}

/* Packs rows [MR*first, MR*end) of op(A)[:, pc:pc+kc] as MR x kc panels; rows past m are zero. */
static void pack_a(void *context, long first, long end) {
    gemm_job *job = context;
    for (long panel = first; panel < end; panel++) {
        float *out = job->packed_a + panel * CK_MR * job->kc;
        long row0 = panel * CK_MR, height = job->m - row0 < CK_MR ? job->m - row0 : CK_MR;
        if (job->trans_a) {
            /* A is stored k x m: each K step's MR values are contiguous. */
            const float *source = job->a + job->pc * job->lda + row0;
            for (long p = 0; p < job->kc; p++, source += job->lda) {
#if defined(__SSE2__)
                if (height == CK_MR) {   /* one four-float and one two-float move, not six scalars */
                    _mm_storeu_ps(out + p * CK_MR, _mm_loadu_ps(source));
                    _mm_storel_pi((__m64 *)(out + p * CK_MR + 4), _mm_loadl_pi(_mm_setzero_ps(), (const __m64 *)(source + 4)));
                    continue;
                }
#endif
                for (long r = 0; r < height; r++) out[p * CK_MR + r] = source[r];
                for (long r = height; r < CK_MR; r++) out[p * CK_MR + r] = 0;
            }
            continue;
        }
        long p0 = height == CK_MR ? pack_a_rows(job->a + row0 * job->lda + job->pc, job->lda, job->kc, out) : 0;
        for (long r = 0; r < CK_MR; r++) {
            if (r >= height) {
                for (long p = p0; p < job->kc; p++) out[p * CK_MR + r] = 0;
                continue;
            }
            const float *source = job->a + (row0 + r) * job->lda + job->pc;
            for (long p = p0; p < job->kc; p++) out[p * CK_MR + r] = source[p];
        }
    }
}

enum { PANEL_GROUP = 8 };   /* B panels packed together: 512-byte reads of each B row */
enum { PREFETCH_ROWS = 8 };

/* Packs one panel of B stored n x k (trans_b): each of its columns is a contiguous run of B. Full
 * panels go through 4x4 SSE transposes: element-wise copies wrote each cache line 16 times. */
static void pack_b_transposed(const gemm_job *job, long pc, long kc, long column0, long width, float *out) {
    long p0 = 0;
#if defined(__SSE2__)
    if (width == CK_NR) {
        long end = kc - kc % 4;
        /* Four columns at a time down the whole slice: the 16 rows at once, with a power-of-two ldb,
         * all fell into one L1 set and every load went to L2. */
        for (long j = 0; j < CK_NR; j += 4)
            for (long p = 0; p < end; p += 4) {
                const float *source = job->b + (column0 + j) * job->ldb + pc + p;
                __m128 r0 = _mm_loadu_ps(source), r1 = _mm_loadu_ps(source + job->ldb);
                __m128 r2 = _mm_loadu_ps(source + 2 * job->ldb), r3 = _mm_loadu_ps(source + 3 * job->ldb);
                _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
                float *target = out + p * CK_NR + j;
                _mm_storeu_ps(target, r0);
                _mm_storeu_ps(target + CK_NR, r1);
                _mm_storeu_ps(target + 2 * CK_NR, r2);
                _mm_storeu_ps(target + 3 * CK_NR, r3);
            }
        p0 = end;
    }
#endif
    for (long j = 0; j < width; j++) {
        const float *source = job->b + (column0 + j) * job->ldb + pc;
        for (long p = p0; p < kc; p++) out[p * CK_NR + j] = source[p];
    }
    for (long j = width; j < CK_NR; j++)
        for (long p = p0; p < kc; p++) out[p * CK_NR + j] = 0;
}

/* Packs `panels` consecutive kc x NR panels of op(B)[pc:pc+kc, column0:], zero-padded past n (an NC
 * slice's last ragged panel is B's last). Row-major B is read a K row at a time across all of them: with
 * long rows (large ldb), panel-at-a-time packing touched a new page per 64 bytes and spent a third of
 * the time there. */
static void pack_b_run(const gemm_job *job, long pc, long kc, long column0, long panels, float *out) {
    if (job->source) {
        long left = job->n - column0;
        job->source->pack(job->source, pc, kc, column0, left < panels * CK_NR ? left : panels * CK_NR, out);
        return;
    }
    if (job->trans_b) {
        for (long q = 0; q < panels; q++) {
            long left = job->n - column0 - q * CK_NR;
            pack_b_transposed(job, pc, kc, column0 + q * CK_NR, left < CK_NR ? left : CK_NR, out + q * kc * CK_NR);
        }
        return;
    }
    for (long p = 0; p < kc; p++) {
        const float *source = job->b + (pc + p) * job->ldb + column0;
        /* Rows a page apart defeat the hardware prefetcher (these loads were half of packing), so ask for
         * the row PREFETCH_ROWS ahead. */
        if (p + PREFETCH_ROWS < kc)
            for (long q = 0; q < panels * CK_NR; q += 16) __builtin_prefetch(source + PREFETCH_ROWS * job->ldb + q);
        for (long q = 0; q < panels; q++) {
            float *row = out + (q * kc + p) * CK_NR;
            long left = job->n - column0 - q * CK_NR;
            if (left >= CK_NR) { memcpy(row, source + q * CK_NR, CK_NR * sizeof(float)); continue; }
            for (long j = 0; j < CK_NR; j++) row[j] = j < left ? source[q * CK_NR + j] : 0;
        }
    }
}

/* Packs panel groups [first, end) of op(B)[pc:pc+kc, jc:jc+nc] into the shared buffer. */
static void pack_b(void *context, long first, long end) {
    gemm_job *job = context;
    long panels = (job->nc + CK_NR - 1) / CK_NR;
    for (long group = first; group < end; group++) {
        long panel0 = group * PANEL_GROUP, count = panels - panel0 < PANEL_GROUP ? panels - panel0 : PANEL_GROUP;
        pack_b_run(job, job->pc, job->kc, job->jc + panel0 * CK_NR, count, job->packed_b + panel0 * CK_NR * job->kc);
    }
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

/* One task of a short GEMM (m <= SHORT_ROWS): a run of B panels against all of A, which was packed
 * whole beforehand, slice by slice (the A slice stays in L2 across the run). The task packs its panels
 * into its thread's own buffer, PANEL_GROUP at a time (one at a time on the stack if that buffer cannot
 * be had). */
static void short_tasks(void *context, long first, long end) {
    gemm_job *job = context;
    float fallback[KC * CK_NR] __attribute__((aligned(64)));
    float *buffer = reserve(1, KC * CK_NR * PANEL_GROUP);
    long group = buffer ? PANEL_GROUP : 1;
    if (!buffer) buffer = fallback;
    long b_panels = (job->n + CK_NR - 1) / CK_NR;
    for (long task = first; task < end; task++) {
        long panel_end = (task + 1) * job->panels_per_task < b_panels ? (task + 1) * job->panels_per_task : b_panels;
        for (long pc = 0; pc < job->k; pc += KC) {
            long kc = job->k - pc < KC ? job->k - pc : KC;
            for (long jp = task * job->panels_per_task; jp < panel_end; jp += group) {
                long panels = panel_end - jp < group ? panel_end - jp : group;
                pack_b_run(job, pc, kc, jp * CK_NR, panels, buffer);
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
    else ck_parallel_for(a_panels, 16384 / (job->kc * CK_MR) + 1, pack_a, job);
    long groups = (b_panels + PANEL_GROUP - 1) / PANEL_GROUP;
    ck_parallel_for(groups, 16384 / (job->kc * CK_NR * PANEL_GROUP) + 1, pack_b, job);
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
        ck_parallel_for(a_panels, 16384 / (job->k * CK_MR) + 1, pack_a, job);
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
        ck_parallel_for(a_panels, 16384 / (job.kc * CK_MR) + 1, pack_a, &job);
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
