/* Packing for the SGEMM of gemm.c: op(A) into MR-row panels, op(B) into NR-column panels, both
 * zero-padded, so the micro-kernel streams contiguous memory. */
#include "gemm_internal.h"

#include <string.h>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

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
void gemm_pack_a(void *context, long first, long end) {
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
void gemm_pack_b_run(const gemm_job *job, long pc, long kc, long column0, long panels, float *out) {
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
void gemm_pack_b(void *context, long first, long end) {
    gemm_job *job = context;
    long panels = (job->nc + CK_NR - 1) / CK_NR;
    for (long group = first; group < end; group++) {
        long panel0 = group * PANEL_GROUP, count = panels - panel0 < PANEL_GROUP ? panels - panel0 : PANEL_GROUP;
        gemm_pack_b_run(job, job->pc, job->kc, job->jc + panel0 * CK_NR, count, job->packed_b + panel0 * CK_NR * job->kc);
    }
}
