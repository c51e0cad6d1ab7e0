/* Philox4x32-10 (Salmon et al., SC 2011) words turned into floats, eight blocks at a time.
 *
 * Word i of a stream is lane i % 4 of the block with counter (i / 4, 0) under the 64-bit key `seed`,
 * exactly as Tensors' RandomGenerator draws it, so the two agree bit for bit and a fill may start at
 * any word. The AVX2 path (chosen at run time) keeps eight counters in vector lanes; the scalar one is
 * both the fallback and the head and tail of every fill. Conversions use separate multiply and add
 * (no fused multiply-add), like the Swift code. */
#include "CKernels.h"

#include <stdint.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

#pragma STDC FP_CONTRACT OFF

enum { ROUNDS = 10 };
static const uint32_t MULTIPLIER0 = 0xD2511F53u, MULTIPLIER1 = 0xCD9E8D57u;
static const uint32_t WEYL0 = 0x9E3779B9u, WEYL1 = 0xBB67AE85u;

static void philox_block(uint64_t block, uint64_t seed, uint32_t out[4]) {
    uint32_t c0 = (uint32_t)block, c1 = (uint32_t)(block >> 32), c2 = 0, c3 = 0;
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int round = 0; round < ROUNDS; round++) {
        uint64_t product0 = (uint64_t)MULTIPLIER0 * c0, product1 = (uint64_t)MULTIPLIER1 * c2;
        uint32_t next0 = (uint32_t)(product1 >> 32) ^ c1 ^ k0, next2 = (uint32_t)(product0 >> 32) ^ c3 ^ k1;
        c1 = (uint32_t)product1;
        c3 = (uint32_t)product0;
        c0 = next0;
        c2 = next2;
        k0 += WEYL0;
        k1 += WEYL1;
    }
    out[0] = c0, out[1] = c1, out[2] = c2, out[3] = c3;
}

static float unit(uint32_t word) { return (float)(word >> 8) * 0x1p-24f; }

/* One float from a word: low + scale * unit (uniform), or unit < keep ? scale : 0 (dropout mask). */
static float convert(const ck_random_fill *fill, uint32_t word) {
    float u = unit(word);
    return fill->dropout ? (u < fill->keep ? fill->scale : 0.0f) : fill->low + fill->scale * u;
}

/* Words [begin, end) of the fill, one block at a time. */
static void fill_scalar(const ck_random_fill *fill, long begin, long end, float *out) {
    uint32_t block[4];
    for (long i = begin; i < end;) {
        uint64_t position = fill->first_word + (uint64_t)i;
        philox_block(position / 4, fill->seed, block);
        for (uint64_t lane = position % 4; lane < 4 && i < end; lane++, i++) out[i] = convert(fill, block[lane]);
    }
}

#if defined(__x86_64__) || defined(__i386__)
/* 32 x 32 -> 64-bit products of every lane: the low and high halves, lane for lane. */
__attribute__((target("avx2")))
static inline void multiply_wide(__m256i value, __m256i multiplier, __m256i *low, __m256i *high) {
    __m256i even = _mm256_mul_epu32(value, multiplier), odd = _mm256_mul_epu32(_mm256_srli_epi64(value, 32), multiplier);
    *low = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    *high = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

/* Eight blocks from `block` on, as 32 words in stream order. */
__attribute__((target("avx2")))
static void philox_eight(uint64_t block, uint64_t seed, __m256i words[4]) {
    __m256i c0 = _mm256_add_epi32(_mm256_set1_epi32((int)(uint32_t)block), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    /* A block's high half steps up where the low half wrapped within the eight. */
    __m256i wrapped = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)((uint32_t)block ^ 0x80000000u)),
                                         _mm256_xor_si256(c0, _mm256_set1_epi32((int)0x80000000u)));
    __m256i c1 = _mm256_sub_epi32(_mm256_set1_epi32((int)(uint32_t)(block >> 32)), wrapped);
    __m256i c2 = _mm256_setzero_si256(), c3 = _mm256_setzero_si256();
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    const __m256i m0 = _mm256_set1_epi32((int)MULTIPLIER0), m1 = _mm256_set1_epi32((int)MULTIPLIER1);
    for (int round = 0; round < ROUNDS; round++) {
        __m256i low0, high0, low1, high1;
        multiply_wide(c0, m0, &low0, &high0);
        multiply_wide(c2, m1, &low1, &high1);
        c0 = _mm256_xor_si256(_mm256_xor_si256(high1, c1), _mm256_set1_epi32((int)k0));
        c2 = _mm256_xor_si256(_mm256_xor_si256(high0, c3), _mm256_set1_epi32((int)k1));
        c1 = low1;
        c3 = low0;
        k0 += WEYL0;
        k1 += WEYL1;
    }
    /* Lanes are blocks; transpose so each 128-bit half holds one block's four words. */
    __m256i t0 = _mm256_unpacklo_epi32(c0, c1), t1 = _mm256_unpackhi_epi32(c0, c1);
    __m256i t2 = _mm256_unpacklo_epi32(c2, c3), t3 = _mm256_unpackhi_epi32(c2, c3);
    __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);   /* blocks 0|4, 1|5 */
    __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);   /* blocks 2|6, 3|7 */
    words[0] = _mm256_permute2x128_si256(u0, u1, 0x20);
    words[1] = _mm256_permute2x128_si256(u2, u3, 0x20);
    words[2] = _mm256_permute2x128_si256(u0, u1, 0x31);
    words[3] = _mm256_permute2x128_si256(u2, u3, 0x31);
}

/* Fills [begin, end) from a block boundary, 32 words at a time; returns where it stopped. */
__attribute__((target("avx2")))
static long fill_avx2(const ck_random_fill *fill, long begin, long end, float *out) {
    const __m256 to_unit = _mm256_set1_ps(0x1p-24f), keep = _mm256_set1_ps(fill->keep);
    const __m256 scale = _mm256_set1_ps(fill->scale), low = _mm256_set1_ps(fill->low);
    long i = begin;
    for (; i + 32 <= end; i += 32) {
        __m256i words[4];
        philox_eight((fill->first_word + (uint64_t)i) / 4, fill->seed, words);
        for (int q = 0; q < 4; q++) {
            __m256 u = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(words[q], 8)), to_unit);
            __m256 value = fill->dropout ? _mm256_and_ps(_mm256_cmp_ps(u, keep, _CMP_LT_OQ), scale)
                                         : _mm256_add_ps(low, _mm256_mul_ps(scale, u));
            _mm256_storeu_ps(out + i + 8 * q, value);
        }
    }
    return i;
}
#endif

static void fill_task(void *context, long begin, long end) {
    const ck_random_fill *fill = context;
    float *out = fill->out;
    long aligned = begin;
    while (aligned < end && (fill->first_word + (uint64_t)aligned) % 4 != 0) aligned++;
    fill_scalar(fill, begin, aligned, out);
#if defined(__x86_64__) || defined(__i386__)
    if (__builtin_cpu_supports("avx2")) aligned = fill_avx2(fill, aligned, end, out);
#endif
    fill_scalar(fill, aligned, end, out);
}

void ck_random_fill_floats(const ck_random_fill *fill, long count) {
    /* Chunks of 4096 words: a whole number of blocks from an aligned start, worth waking a worker. */
    ck_parallel_for(count, 4096, fill_task, (void *)fill);
}

void ck_random_fill_floats_naive(const ck_random_fill *fill, long count) {
    fill_scalar(fill, 0, count, fill->out);
}
