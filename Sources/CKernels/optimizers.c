/* One fused, vectorised, multi-threaded pass of Adam over a parameter tensor.
 *
 * The operations and their order are exactly those of the scalar reference in Kernels.naiveAdamUpdate
 * (no fused multiply-add, correctly rounded sqrt and division in both), so the fast path gives
 * bit-identical parameters: resumed and uninterrupted runs, and the PyTorch cross-check, do not
 * depend on which path ran. */
#include "CKernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif
#include <math.h>

#pragma STDC FP_CONTRACT OFF

typedef struct {
    const ck_adam_settings *settings;
    float *parameters, *first, *second;
    const float *gradients;
} adam_job;

static void adam_scalar(const ck_adam_settings *s, float *p, const float *g, float *m, float *v, long begin, long end) {
    const float one_minus_beta1 = 1 - s->beta1, one_minus_beta2 = 1 - s->beta2;
    for (long i = begin; i < end; i++) {
        const float gradient = g[i] + s->weight_decay * p[i];
        m[i] = s->beta1 * m[i] + one_minus_beta1 * gradient;
        v[i] = s->beta2 * v[i] + one_minus_beta2 * gradient * gradient;
        const float denominator = sqrtf(v[i]) / s->correction2_root + s->epsilon;
        p[i] -= s->step_size * m[i] / denominator;
    }
}

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2")))
static long adam_avx2(const ck_adam_settings *s, float *p, const float *g, float *m, float *v, long begin, long end) {
    const __m256 beta1 = _mm256_set1_ps(s->beta1), beta2 = _mm256_set1_ps(s->beta2);
    const __m256 one_minus_beta1 = _mm256_set1_ps(1 - s->beta1), one_minus_beta2 = _mm256_set1_ps(1 - s->beta2);
    const __m256 decay = _mm256_set1_ps(s->weight_decay), epsilon = _mm256_set1_ps(s->epsilon);
    const __m256 correction = _mm256_set1_ps(s->correction2_root), step = _mm256_set1_ps(s->step_size);
    long i = begin;
    for (; i + 8 <= end; i += 8) {
        const __m256 weights = _mm256_loadu_ps(p + i);
        const __m256 gradient = _mm256_add_ps(_mm256_loadu_ps(g + i), _mm256_mul_ps(decay, weights));
        const __m256 mean = _mm256_add_ps(_mm256_mul_ps(beta1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(one_minus_beta1, gradient));
        const __m256 square = _mm256_mul_ps(_mm256_mul_ps(one_minus_beta2, gradient), gradient);
        const __m256 variance = _mm256_add_ps(_mm256_mul_ps(beta2, _mm256_loadu_ps(v + i)), square);
        const __m256 denominator = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(variance), correction), epsilon);
        _mm256_storeu_ps(m + i, mean);
        _mm256_storeu_ps(v + i, variance);
        _mm256_storeu_ps(p + i, _mm256_sub_ps(weights, _mm256_div_ps(_mm256_mul_ps(step, mean), denominator)));
    }
    return i;
}
#endif

static void adam_task(void *context, long begin, long end) {
    const adam_job *job = context;
#if defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_supports("avx2"))
        begin = adam_avx2(job->settings, job->parameters, job->gradients, job->first, job->second, begin, end);
#endif
    adam_scalar(job->settings, job->parameters, job->gradients, job->first, job->second, begin, end);
}

void ck_adam_update(const ck_adam_settings *settings, float *parameters, const float *gradients, float *first,
                    float *second, long count) {
    adam_job job = {settings, parameters, first, second, gradients};
    /* Chunks of 32 Ki elements: enough work to pay for waking a worker, aligned to whole vectors. */
    ck_parallel_for(count, 1L << 15, adam_task, &job);
}

void ck_adam_update_naive(const ck_adam_settings *settings, float *parameters, const float *gradients, float *first,
                          float *second, long count) {
    adam_scalar(settings, parameters, gradients, first, second, 0, count);
}
