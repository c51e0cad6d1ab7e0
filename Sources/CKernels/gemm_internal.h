/* What the SGEMM driver (gemm.c) and its packing (gemm_packing.c) share (internal to CKernels). */
#ifndef FORGER_GEMM_INTERNAL_H
#define FORGER_GEMM_INTERNAL_H

#include "CKernels.h"
#include "microkernels.h"

enum { KC = 256, MC = 96, NC = 4096 };
enum { PANEL_GROUP = 8 };   /* B panels packed together: 512-byte reads of each B row */

typedef void (*ck_microkernel)(long kc, const float *a, const float *b, float *c, long ldc, float alpha, float beta);

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

/* Packs rows [MR*first, MR*end) of op(A)[:, pc:pc+kc] as MR x kc panels; rows past m are zero (a pool task). */
void gemm_pack_a(void *context, long first, long end);
/* Packs `panels` consecutive kc x NR panels of op(B)[pc:pc+kc, column0:], zero-padded past n. */
void gemm_pack_b_run(const gemm_job *job, long pc, long kc, long column0, long panels, float *out);
/* Packs panel groups [first, end) of op(B)[pc:pc+kc, jc:jc+nc] into the shared buffer (a pool task). */
void gemm_pack_b(void *context, long first, long end);

#endif
