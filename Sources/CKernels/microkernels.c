/* 6x16 micro-kernels: the whole C tile lives in registers while K streams through packed panels.
 * The AVX2/FMA version is compiled for that ISA by attribute only (no build flags) and chosen at
 * run time; the NEON version serves aarch64; the portable one is plain C the compiler vectorises
 * for the baseline ISA. */
#include "microkernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/* One K step: two 8-wide B vectors times six broadcast A values into twelve accumulators. */
#define CK_AVX2_STEP(step)                                                                  \
    do {                                                                                    \
        __m256 b0 = _mm256_load_ps(b + (step) * CK_NR), b1 = _mm256_load_ps(b + (step) * CK_NR + 8), lane; \
        lane = _mm256_broadcast_ss(a + (step) * CK_MR + 0);                                 \
        c00 = _mm256_fmadd_ps(lane, b0, c00); c01 = _mm256_fmadd_ps(lane, b1, c01);         \
        lane = _mm256_broadcast_ss(a + (step) * CK_MR + 1);                                 \
        c10 = _mm256_fmadd_ps(lane, b0, c10); c11 = _mm256_fmadd_ps(lane, b1, c11);         \
        lane = _mm256_broadcast_ss(a + (step) * CK_MR + 2);                                 \
        c20 = _mm256_fmadd_ps(lane, b0, c20); c21 = _mm256_fmadd_ps(lane, b1, c21);         \
        lane = _mm256_broadcast_ss(a + (step) * CK_MR + 3);                                 \
        c30 = _mm256_fmadd_ps(lane, b0, c30); c31 = _mm256_fmadd_ps(lane, b1, c31);         \
        lane = _mm256_broadcast_ss(a + (step) * CK_MR + 4);                                 \
        c40 = _mm256_fmadd_ps(lane, b0, c40); c41 = _mm256_fmadd_ps(lane, b1, c41);         \
        lane = _mm256_broadcast_ss(a + (step) * CK_MR + 5);                                 \
        c50 = _mm256_fmadd_ps(lane, b0, c50); c51 = _mm256_fmadd_ps(lane, b1, c51);         \
    } while (0)

/* Writes one 16-wide row: alpha * (left, right) + beta * row; beta == 0 never reads the row. */
__attribute__((target("avx2,fma"), always_inline))
static inline void ck_avx2_store_row(float *row, __m256 left, __m256 right, __m256 scale, float beta) {
    left = _mm256_mul_ps(scale, left);
    right = _mm256_mul_ps(scale, right);
    if (beta != 0) {
        __m256 keep = _mm256_set1_ps(beta);
        left = _mm256_fmadd_ps(keep, _mm256_loadu_ps(row), left);
        right = _mm256_fmadd_ps(keep, _mm256_loadu_ps(row + 8), right);
    }
    _mm256_storeu_ps(row, left);
    _mm256_storeu_ps(row + 8, right);
}

__attribute__((target("avx2,fma")))
void ck_kernel_6x16_avx2(long kc, const float *a, const float *b, float *c, long ldc, float alpha, float beta) {
    __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps();
    __m256 c20 = _mm256_setzero_ps(), c21 = _mm256_setzero_ps(), c30 = _mm256_setzero_ps(), c31 = _mm256_setzero_ps();
    __m256 c40 = _mm256_setzero_ps(), c41 = _mm256_setzero_ps(), c50 = _mm256_setzero_ps(), c51 = _mm256_setzero_ps();
    /* Touch the C tile early so its lines arrive while the FMAs run. */
    for (int r = 0; r < CK_MR; r++) _mm_prefetch((const char *)(c + r * ldc), _MM_HINT_T0), _mm_prefetch((const char *)(c + r * ldc + 15), _MM_HINT_T0);
    long p = 0;
    /* Four steps per iteration: fewer loop branches, and room to prefetch the next A and B lines. */
    for (; p + 4 <= kc; p += 4) {
        _mm_prefetch((const char *)(b + 8 * CK_NR), _MM_HINT_T0);
        _mm_prefetch((const char *)(a + 8 * CK_MR), _MM_HINT_T0);
        CK_AVX2_STEP(0); CK_AVX2_STEP(1); CK_AVX2_STEP(2); CK_AVX2_STEP(3);
        a += 4 * CK_MR;
        b += 4 * CK_NR;
    }
    for (; p < kc; p++) {
        CK_AVX2_STEP(0);
        a += CK_MR;
        b += CK_NR;
    }
    __m256 scale = _mm256_set1_ps(alpha);
    ck_avx2_store_row(c, c00, c01, scale, beta);
    ck_avx2_store_row(c + ldc, c10, c11, scale, beta);
    ck_avx2_store_row(c + 2 * ldc, c20, c21, scale, beta);
    ck_avx2_store_row(c + 3 * ldc, c30, c31, scale, beta);
    ck_avx2_store_row(c + 4 * ldc, c40, c41, scale, beta);
    ck_avx2_store_row(c + 5 * ldc, c50, c51, scale, beta);
}
#endif

#if defined(__aarch64__)
#include <arm_neon.h>

/* 24 four-wide accumulators of NEON's 32 registers; each A value multiplies four B vectors. */
void ck_kernel_6x16_neon(long kc, const float *a, const float *b, float *c, long ldc, float alpha, float beta) {
    float32x4_t acc[CK_MR][4];
    for (int r = 0; r < CK_MR; r++)
        for (int q = 0; q < 4; q++) acc[r][q] = vdupq_n_f32(0);
    for (long p = 0; p < kc; p++) {
        float32x4_t b0 = vld1q_f32(b), b1 = vld1q_f32(b + 4), b2 = vld1q_f32(b + 8), b3 = vld1q_f32(b + 12);
        for (int r = 0; r < CK_MR; r++) {
            acc[r][0] = vfmaq_n_f32(acc[r][0], b0, a[r]);
            acc[r][1] = vfmaq_n_f32(acc[r][1], b1, a[r]);
            acc[r][2] = vfmaq_n_f32(acc[r][2], b2, a[r]);
            acc[r][3] = vfmaq_n_f32(acc[r][3], b3, a[r]);
        }
        a += CK_MR;
        b += CK_NR;
    }
    for (int r = 0; r < CK_MR; r++) {
        float *row = c + r * ldc;
        for (int q = 0; q < 4; q++) {
            float32x4_t value = vmulq_n_f32(acc[r][q], alpha);
            if (beta != 0) value = vfmaq_n_f32(value, vld1q_f32(row + 4 * q), beta);
            vst1q_f32(row + 4 * q, value);
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
