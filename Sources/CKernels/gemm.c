/* Packed, cache-blocked SGEMM (the BLIS loop structure) with a 6x16 register micro-kernel.
 *
 * For each KC-deep slice of K, op(A) is packed into MR-row panels and op(B) into NR-column panels,
 * both zero-padded, so the micro-kernel streams contiguous memory. Tiles of (MC rows x a run of B
 * panels) are claimed by the thread pool; every C element is computed by one task in a fixed K
 * order, so results do not depend on the thread count or on scheduling. */
#include "CKernels.h"
#include "microkernels.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum { KC = 256, MC = 96, NC = 4096 };

typedef void (*ck_microkernel)(long kc, const float *a, const float *b, float *c, long ldc, float alpha, float beta);

static ck_microkernel select_kernel(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return ck_kernel_6x16_avx2;
#endif
    return ck_kernel_6x16_portable;
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
    long panels_per_task, row_blocks, column_tasks;
    float slice_beta;
    ck_microkernel kernel;
} gemm_job;

/* Packs rows [MR*first, MR*end) of op(A)[:, pc:pc+kc] as MR x kc panels. */
static void pack_a(void *context, long first, long end) {
    gemm_job *job = context;
    for (long panel = first; panel < end; panel++) {
        float *out = job->packed_a + panel * CK_MR * job->kc;
        for (long r = 0; r < CK_MR; r++) {
            long row = panel * CK_MR + r;
            if (row >= job->m) {
                for (long p = 0; p < job->kc; p++) out[p * CK_MR + r] = 0;
            } else if (job->trans_a) {
                const float *source = job->a + job->pc * job->lda + row;
                for (long p = 0; p < job->kc; p++) out[p * CK_MR + r] = source[p * job->lda];
            } else {
                const float *source = job->a + row * job->lda + job->pc;
                for (long p = 0; p < job->kc; p++) out[p * CK_MR + r] = source[p];
            }
        }
    }
}

/* Packs columns [jc + NR*first, jc + NR*end) of op(B)[pc:pc+kc, :] as kc x NR panels. */
static void pack_b(void *context, long first, long end) {
    gemm_job *job = context;
    for (long panel = first; panel < end; panel++) {
        float *out = job->packed_b + panel * CK_NR * job->kc;
        long column0 = job->jc + panel * CK_NR;
        long width = job->jc + job->nc - column0 < CK_NR ? job->jc + job->nc - column0 : CK_NR;
        for (long p = 0; p < job->kc; p++) {
            float *row = out + p * CK_NR;
            if (job->trans_b) {
                const float *source = job->b + column0 * job->ldb + job->pc + p;
                for (long j = 0; j < width; j++) row[j] = source[j * job->ldb];
            } else {
                const float *source = job->b + (job->pc + p) * job->ldb + column0;
                memcpy(row, source, (size_t)width * sizeof(float));
            }
            for (long j = width; j < CK_NR; j++) row[j] = 0;
        }
    }
}

/* Multiplies one tile task: an MC block of rows against a run of B panels. */
static void compute_tiles(void *context, long first, long end) {
    gemm_job *job = context;
    float edge[CK_MR * CK_NR];
    long b_panels = (job->nc + CK_NR - 1) / CK_NR;
    for (long task = first; task < end; task++) {
        long block = task % job->row_blocks, run = task / job->row_blocks;
        long panel_end = (run + 1) * job->panels_per_task < b_panels ? (run + 1) * job->panels_per_task : b_panels;
        long row_end = (block + 1) * MC < job->m ? (block + 1) * MC : job->m;
        for (long jp = run * job->panels_per_task; jp < panel_end; jp++) {
            long column = job->jc + jp * CK_NR;
            long width = job->n - column < CK_NR ? job->n - column : CK_NR;
            const float *b_panel = job->packed_b + jp * CK_NR * job->kc;
            for (long row = block * MC; row < row_end; row += CK_MR) {
                long height = job->m - row < CK_MR ? job->m - row : CK_MR;
                const float *a_panel = job->packed_a + (row / CK_MR) * CK_MR * job->kc;
                float *target = job->c + row * job->ldc + column;
                if (height == CK_MR && width == CK_NR) {
                    job->kernel(job->kc, a_panel, b_panel, target, job->ldc, job->alpha, job->slice_beta);
                    continue;
                }
                for (long r = 0; r < height; r++)
                    for (long j = 0; j < width; j++) edge[r * CK_NR + j] = target[r * job->ldc + j];
                job->kernel(job->kc, a_panel, b_panel, edge, CK_NR, job->alpha, job->slice_beta);
                for (long r = 0; r < height; r++)
                    for (long j = 0; j < width; j++) target[r * job->ldc + j] = edge[r * CK_NR + j];
            }
        }
    }
}

static pthread_mutex_t workspace_lock = PTHREAD_MUTEX_INITIALIZER;
static float *workspace = NULL;
static size_t workspace_floats = 0;

static float *reserve(size_t floats) {
    if (floats > workspace_floats) {
        free(workspace);
        workspace = aligned_alloc(64, ((floats * sizeof(float) + 63) / 64) * 64);
        workspace_floats = workspace ? floats : 0;
    }
    return workspace;
}

static void scale_c(long m, long n, float beta, float *c, long ldc) {
    for (long i = 0; i < m; i++)
        for (long j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
}

void ck_sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
              const float *b, long ldb, float beta, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0) { scale_c(m, n, beta, c, ldc); return; }
    gemm_job job = {trans_a, trans_b, m, n, k, alpha, beta, a, b, lda, ldb, c, ldc};
    job.kernel = select_kernel();
    long a_panels = (m + CK_MR - 1) / CK_MR;
    long max_nc = n < NC ? n : NC;
    size_t a_floats = (size_t)a_panels * CK_MR * KC, b_floats = (size_t)((max_nc + CK_NR - 1) / CK_NR) * CK_NR * KC;
    pthread_mutex_lock(&workspace_lock);
    float *buffer = reserve(a_floats + b_floats);
    if (!buffer) { pthread_mutex_unlock(&workspace_lock); ck_sgemm_naive(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); return; }
    job.packed_a = buffer;
    job.packed_b = buffer + a_floats;
    job.row_blocks = (m + MC - 1) / MC;
    int threads = ck_pool_threads();
    for (job.jc = 0; job.jc < n; job.jc += NC) {
        job.nc = n - job.jc < NC ? n - job.jc : NC;
        long b_panels = (job.nc + CK_NR - 1) / CK_NR;
        long wanted_runs = (threads * 8 + job.row_blocks - 1) / job.row_blocks;
        job.panels_per_task = (b_panels + wanted_runs - 1) / wanted_runs;
        if (job.panels_per_task < 1) job.panels_per_task = 1;
        job.column_tasks = (b_panels + job.panels_per_task - 1) / job.panels_per_task;
        for (job.pc = 0; job.pc < k; job.pc += KC) {
            job.kc = k - job.pc < KC ? k - job.pc : KC;
            job.slice_beta = job.pc == 0 ? beta : 1.0f;
            long work = job.kc * CK_MR;
            ck_parallel_for(a_panels, 16384 / work + 1, pack_a, &job);
            ck_parallel_for(b_panels, 16384 / (job.kc * CK_NR) + 1, pack_b, &job);
            long tile_flops = 2 * MC * CK_NR * job.panels_per_task * job.kc;
            ck_parallel_for(job.row_blocks * job.column_tasks, 200000 / tile_flops + 1, compute_tiles, &job);
        }
    }
    pthread_mutex_unlock(&workspace_lock);
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
