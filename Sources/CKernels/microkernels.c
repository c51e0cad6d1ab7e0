/* 6x16 micro-kernels: twelve 8-wide accumulators hold the tile while K streams through packed panels.
 * The AVX2/FMA version is compiled for that ISA by attribute only (no build flags) and chosen at
 * run time; the portable one is plain C the compiler vectorises for the baseline ISA. */
#include "microkernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

__attribute__((target("avx2,fma")))
void ck_kernel_6x16_avx2(long kc, const float *a, const float *b, float *c, long ldc, float alpha, float beta) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    for (long p = 0; p < kc; p++) {
        __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8), lane;
        lane = _mm256_broadcast_ss(a);
        c00 = _mm256_fmadd_ps(lane, b0, c00); c01 = _mm256_fmadd_ps(lane, b1, c01);
        lane = _mm256_broadcast_ss(a + 1);
        c10 = _mm256_fmadd_ps(lane, b0, c10); c11 = _mm256_fmadd_ps(lane, b1, c11);
        lane = _mm256_broadcast_ss(a + 2);
        c20 = _mm256_fmadd_ps(lane, b0, c20); c21 = _mm256_fmadd_ps(lane, b1, c21);
        lane = _mm256_broadcast_ss(a + 3);
        c30 = _mm256_fmadd_ps(lane, b0, c30); c31 = _mm256_fmadd_ps(lane, b1, c31);
        lane = _mm256_broadcast_ss(a + 4);
        c40 = _mm256_fmadd_ps(lane, b0, c40); c41 = _mm256_fmadd_ps(lane, b1, c41);
        lane = _mm256_broadcast_ss(a + 5);
        c50 = _mm256_fmadd_ps(lane, b0, c50); c51 = _mm256_fmadd_ps(lane, b1, c51);
        a += CK_MR;
        b += CK_NR;
    }
    __m256 rows[CK_MR][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}, {c40, c41}, {c50, c51}};
    __m256 scale = _mm256_set1_ps(alpha), keep = _mm256_set1_ps(beta);
    for (int r = 0; r < CK_MR; r++) {
        float *row = c + r * ldc;
        for (int half = 0; half < 2; half++) {
            __m256 value = _mm256_mul_ps(scale, rows[r][half]);
            if (beta != 0) value = _mm256_fmadd_ps(keep, _mm256_loadu_ps(row + 8 * half), value);
            _mm256_storeu_ps(row + 8 * half, value);
        }
    }
}
#endif

void ck_kernel_6x16_portable(long kc, const float *a, const float *b, float *c, long ldc, float alpha, float beta) {
    float accumulator[CK_MR][CK_NR] = {{0}};
    for (long p = 0; p < kc; p++) {
        for (int r = 0; r < CK_MR; r++) {
            float left = a[r];
            for (int j = 0; j < CK_NR; j++) accumulator[r][j] += left * b[j];
        }
        a += CK_MR;
        b += CK_NR;
    }
    for (int r = 0; r < CK_MR; r++)
        for (int j = 0; j < CK_NR; j++)
            c[r * ldc + j] = alpha * accumulator[r][j] + (beta == 0 ? 0 : beta * c[r * ldc + j]);
}
