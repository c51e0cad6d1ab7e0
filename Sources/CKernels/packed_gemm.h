/* GEMMs that share one packed A (internal): a convolution packs its weight once for all of its sample
 * groups instead of once per group. */
#ifndef FORGER_PACKED_GEMM_H
#define FORGER_PACKED_GEMM_H

#include "CKernels.h"

#include <stddef.h>

/* Floats of an m x k A packed by ck_sgemm_pack_a. */
size_t ck_sgemm_packed_a_floats(long m, long k);
/* Packs op(A) (m x k; stored k x m when trans_a) in the layout ck_sgemm's own packing gives it: MR-row
 * panels holding all of K when m is at most 256 rows, else one KC slice of panels after another. */
void ck_sgemm_pack_a(int trans_a, long m, long k, const float *a, long lda, float *packed);
/* C = A * op(B) + beta * C with A from ck_sgemm_pack_a (same m and k); B is op(b) (n x k stored when
 * trans_b), or packed by `source` when that is set. Same blocking, order and results as ck_sgemm. */
void ck_sgemm_packed(long m, long n, long k, const float *packed_a, int trans_b, const float *b, long ldb,
                     const ck_b_source *source, float beta, float *c, long ldc);

#endif
