/* The 6x16 register micro-kernels behind ck_sgemm (internal). */
#ifndef FORGER_MICROKERNELS_H
#define FORGER_MICROKERNELS_H

enum { CK_MR = 6, CK_NR = 16 };

/* c[6 x 16] (row stride ldc) = alpha * sum_p a[p][0..6) x b[p][0..16) + beta * c; beta == 0 ignores c. */
void ck_kernel_6x16_portable(long kc, const float *a, const float *b, float *c, long ldc, float alpha, float beta);
#if defined(__x86_64__) || defined(__i386__)
void ck_kernel_6x16_avx2(long kc, const float *a, const float *b, float *c, long ldc, float alpha, float beta);
#endif
#if defined(__aarch64__)
void ck_kernel_6x16_neon(long kc, const float *a, const float *b, float *c, long ldc, float alpha, float beta);
#endif

#endif
