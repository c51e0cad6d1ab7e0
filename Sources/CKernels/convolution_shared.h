/* What the column-matrix paths (convolution.c) and the implicit ones (implicit_convolution.c) share
 * (internal to CKernels). */
#ifndef FORGER_CONVOLUTION_SHARED_H
#define FORGER_CONVOLUTION_SHARED_H

#include "CKernels.h"
#include "microkernels.h"
#include "packed_gemm.h"

#include <pthread.h>
#include <stddef.h>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

static inline long rows_of(const ck_conv_geometry *g) { return g->in_channels * g->kernel_height * g->kernel_width; }
static inline long plane_of(const ck_conv_geometry *g) { return g->out_height * g->out_width; }

/* Whether an output row is narrower than a GEMM panel: then a group's samples are interleaved pixel by
 * pixel (implicit packing and col2im), so a panel row or a tap's row is one long contiguous run instead
 * of a few output-row-wide pieces. */
static inline int conv_narrow_output(const ck_conv_geometry *g) { return g->out_width < CK_NR; }

/* One (sample, channel) image inside a zero border wide enough for every tap, split into stride
 * phases: phase (a, b) holds the padded pixels (y, x) with y % stride_h == a and x % stride_w == b at
 * (y / stride_h, x / stride_w). Every tap then reads (im2col) or adds to (col2im) contiguous runs,
 * which the compiler vectorises; with DCGAN's 7- and 14-wide stride-2 lines, per-line bounds and
 * strided scalar copies had been most of their time. */
typedef struct { long phase_height, phase_width, phase_floats, floats; } padded_size;

padded_size conv_padded_of(const ck_conv_geometry *g);
/* Where tap (kh, kw) starts reading: its phase at its row and column offset. */
long conv_tap_origin(const ck_conv_geometry *g, padded_size size, long kh, long kw);
/* Splits an image into the phase buffer, zeroing the border. */
void conv_split_image(const ck_conv_geometry *g, padded_size size, const float *image, float *phases);

/* target[0, count) = source[0, count), or += with `add`. Explicit four-wide steps: the compiler's own
 * vector loops start at eight elements, so 7- and 14-wide lines ran scalar. */
static inline void copy_run(float *restrict target, const float *restrict source, long count, int add) {
    long i = 0;
#if defined(__SSE2__)
    for (; i + 4 <= count; i += 4) {
        __m128 value = _mm_loadu_ps(source + i);
        _mm_storeu_ps(target + i, add ? _mm_add_ps(_mm_loadu_ps(target + i), value) : value);
    }
#endif
    for (; i < count; i++) target[i] = add ? target[i] + source[i] : source[i];
}

/* The convolution workspace, one for the process: conv_lock is held across a whole call that uses it. */
extern pthread_mutex_t conv_lock;
float *conv_reserve_floats(size_t floats);

/* Samples per group: as many as fit `limit` floats at `per_sample` floats each, split evenly so no
 * group is a sliver. */
long conv_samples_per_group(const ck_conv_geometry *g, long per_sample, long limit);

typedef struct {
    const ck_conv_geometry *g;
    const float *source;
    float *target;
    long count;
    int to_gemm;
} reorder_job;

/* Copies between NCHW-ordered [count, OC, plane] and GEMM-ordered [OC, count * plane]. */
void conv_reorder(const ck_conv_geometry *g, const float *source, float *target, long count, int to_gemm);

/* Copies between NCHW [count, OC, plane] and the interleaved [OC, plane * count] (sample fastest). */
void conv_reorder_interleaved(const ck_conv_geometry *g, const float *source, float *target, long count, int to_gemm);

/* The weight gradient as an implicit GEMM (implicit_convolution.c); the caller holds conv_lock. */
void conv_implicit_weight_gradient(const ck_conv_geometry *g, const float *input, const float *output_gradient,
                                   float *weight_gradient);

#endif
