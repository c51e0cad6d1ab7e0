/* Convolution as im2col/col2im around one large SGEMM per group of samples.
 *
 * Columns hold every sample of a group side by side ([C*KH*KW, G*OH*OW]) so the GEMM is wide even
 * for 7x7 outputs; groups bound the workspace. Every reduction has a fixed order (col2im is split by
 * (sample, input channel) image, which no other task touches), so results do not depend on the thread count. */
#include "CKernels.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

enum { WORKSPACE_LIMIT = 8 << 20 };   /* floats of columns per group (32 MB) */

typedef struct {
    const ck_conv_geometry *g;
    const float *source;
    float *target;
    long first, count;
} conv_job;

static long rows_of(const ck_conv_geometry *g) { return g->in_channels * g->kernel_height * g->kernel_width; }
static long plane_of(const ck_conv_geometry *g) { return g->out_height * g->out_width; }

/* One (sample, channel) image inside a zero border wide enough for every tap, split into stride
 * phases: phase (a, b) holds the padded pixels (y, x) with y % stride_h == a and x % stride_w == b at
 * (y / stride_h, x / stride_w). Every tap then reads (im2col) or adds to (col2im) contiguous runs,
 * which the compiler vectorises; with DCGAN's 7- and 14-wide stride-2 lines, per-line bounds and
 * strided scalar copies had been most of their time. */
typedef struct { long phase_height, phase_width, phase_floats, floats; } padded_size;

static padded_size padded_of(const ck_conv_geometry *g) {
    long reach_h = (g->out_height - 1) * g->stride_height + (g->kernel_height - 1) * g->dilation_height + 1;
    long reach_w = (g->out_width - 1) * g->stride_width + (g->kernel_width - 1) * g->dilation_width + 1;
    long image_h = g->padding_height + g->in_height, image_w = g->padding_width + g->in_width;
    long height = reach_h > image_h ? reach_h : image_h, width = reach_w > image_w ? reach_w : image_w;
    padded_size size = {(height + g->stride_height - 1) / g->stride_height, (width + g->stride_width - 1) / g->stride_width};
    size.phase_floats = size.phase_height * size.phase_width;
    size.floats = g->stride_height * g->stride_width * size.phase_floats;
    return size;
}

/* Where padded pixel (y, x) lives in the phase buffer. */
static long phase_index(const ck_conv_geometry *g, padded_size size, long y, long x) {
    long phase = (y % g->stride_height) * g->stride_width + x % g->stride_width;
    return phase * size.phase_floats + y / g->stride_height * size.phase_width + x / g->stride_width;
}

/* Where tap (kh, kw) starts reading: its phase at its row and column offset. */
static long tap_origin(const ck_conv_geometry *g, padded_size size, long kh, long kw) {
    return phase_index(g, size, kh * g->dilation_height, kw * g->dilation_width);
}

enum { STACK_IMAGE = 8192 };   /* floats: phase buffers of images up to about 90 x 90 stay on the stack */

/* A phase buffer: the caller's stack array when the image fits, else the heap. */
static float *padded_buffer(padded_size size, float *stack) {
    if (size.floats <= STACK_IMAGE) return stack;
    float *heap = malloc((size_t)size.floats * sizeof(float));
    if (!heap) abort();   /* out of memory inside a kernel: there is no caller to report to */
    return heap;
}

/* Splits an image into the phase buffer, zeroing the border. */
static void split_image(const ck_conv_geometry *g, padded_size size, const float *image, float *phases) {
    memset(phases, 0, (size_t)size.floats * sizeof(float));
    for (long y = 0; y < g->in_height; y++)
        for (long x = 0; x < g->in_width; x++)
            phases[phase_index(g, size, y + g->padding_height, x + g->padding_width)] = image[y * g->in_width + x];
}

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

/* Writes one (sample, channel) image's taps: column row (channel, kh, kw), that sample's plane. */
static void im2col_image(const ck_conv_geometry *g, padded_size size, const float *phases, float *rows, long width) {
    for (long kh = 0; kh < g->kernel_height; kh++)
        for (long kw = 0; kw < g->kernel_width; kw++, rows += width) {
            const float *origin = phases + tap_origin(g, size, kh, kw);
            for (long oh = 0; oh < g->out_height; oh++)
                copy_run(rows + oh * g->out_width, origin + oh * size.phase_width, g->out_width, 0);
        }
}

/* Tasks are (channel, sample) images, channel-major; each writes its own plane of its channel's rows. */
static void im2col_images(void *context, long begin, long end) {
    conv_job *job = context;
    const ck_conv_geometry *g = job->g;
    long plane = plane_of(g), width = job->count * plane, taps = g->kernel_height * g->kernel_width;
    padded_size size = padded_of(g);
    float stack[STACK_IMAGE], *padded = padded_buffer(size, stack);
    for (long index = begin; index < end; index++) {
        long channel = index / job->count, sample = index % job->count;
        split_image(g, size, job->source + ((job->first + sample) * g->in_channels + channel) * g->in_height * g->in_width, padded);
        im2col_image(g, size, padded, job->target + channel * taps * width + sample * plane, width);
    }
    if (padded != stack) free(padded);
}

void ck_im2col(const ck_conv_geometry *g, const float *input, long first, long count, float *columns) {
    conv_job job = {g, input, columns, first, count};
    ck_parallel_for(count * g->in_channels, 1 + 16384 / (rows_of(g) / g->in_channels * plane_of(g) + 1), im2col_images, &job);
}

/* Adds one sample's columns of one input channel back into that channel's image: taps accumulate in
 * the phase buffer in a fixed order, then the image's pixels are added from it. */
static void col2im_image(const ck_conv_geometry *g, padded_size size, float *phases, const float *rows, long width, float *image) {
    memset(phases, 0, (size_t)size.floats * sizeof(float));
    for (long kh = 0; kh < g->kernel_height; kh++)
        for (long kw = 0; kw < g->kernel_width; kw++, rows += width) {
            float *origin = phases + tap_origin(g, size, kh, kw);
            for (long oh = 0; oh < g->out_height; oh++)
                copy_run(origin + oh * size.phase_width, rows + oh * g->out_width, g->out_width, 1);
        }
    for (long y = 0; y < g->in_height; y++)
        for (long x = 0; x < g->in_width; x++)
            image[y * g->in_width + x] += phases[phase_index(g, size, y + g->padding_height, x + g->padding_width)];
}

static void col2im_images(void *context, long begin, long end) {
    conv_job *job = context;
    const ck_conv_geometry *g = job->g;
    long plane = plane_of(g), width = job->count * plane, taps = g->kernel_height * g->kernel_width;
    padded_size size = padded_of(g);
    float stack[STACK_IMAGE], *padded = padded_buffer(size, stack);
    for (long index = begin; index < end; index++) {
        long channel = index / job->count, sample = index % job->count;   /* channel-major: column rows read in order */
        float *image = job->target + ((job->first + sample) * g->in_channels + channel) * g->in_height * g->in_width;
        col2im_image(g, size, padded, job->source + channel * taps * width + sample * plane, width, image);
    }
    if (padded != stack) free(padded);
}

void ck_col2im(const ck_conv_geometry *g, const float *columns, long first, long count, float *input) {
    conv_job job = {g, columns, input, first, count};
    /* One task per (sample, channel) image: disjoint targets, so no atomics and a fixed order, and
     * a one-channel output (a generator's last transposed layer) still uses every thread. */
    ck_parallel_for(count * g->in_channels, 1 + 16384 / (g->kernel_height * g->kernel_width * plane_of(g) + 1), col2im_images, &job);
}

static pthread_mutex_t conv_lock = PTHREAD_MUTEX_INITIALIZER;
static float *workspace = NULL;
static size_t workspace_floats = 0;

/* Columns plus a reordered [OC, G*OH*OW] matrix for a group of `group` samples. */
static float *reserve(const ck_conv_geometry *g, long group) {
    size_t floats = (size_t)(rows_of(g) + g->out_channels) * group * plane_of(g);
    if (floats > workspace_floats) {
        free(workspace);
        workspace = aligned_alloc(64, ((floats * sizeof(float) + 63) / 64) * 64);
        workspace_floats = workspace ? floats : 0;
    }
    return workspace;
}

/* Samples per GEMM: as many as fit the workspace limit, split evenly so no group is a sliver. */
static long group_size(const ck_conv_geometry *g) {
    long per_sample = (rows_of(g) + g->out_channels) * plane_of(g);
    long most = WORKSPACE_LIMIT / (per_sample > 0 ? per_sample : 1);
    if (most < 1) most = 1;
    long groups = (g->batch + most - 1) / most;
    return groups > 0 ? (g->batch + groups - 1) / groups : 1;
}

typedef struct {
    const ck_conv_geometry *g;
    const float *source;
    float *target;
    long count;
    int to_gemm;
} reorder_job;

static void reorder_planes(void *context, long begin, long end) {
    reorder_job *job = context;
    long plane = plane_of(job->g), channels = job->g->out_channels;
    for (long index = begin; index < end; index++) {
        long sample = index / channels, channel = index % channels;
        long nchw = (sample * channels + channel) * plane, gemm = (channel * job->count + sample) * plane;
        const float *from = job->source + (job->to_gemm ? nchw : gemm);
        float *to = job->target + (job->to_gemm ? gemm : nchw);
        memcpy(to, from, (size_t)plane * sizeof(float));
    }
}

/* Copies between NCHW-ordered [count, OC, plane] and GEMM-ordered [OC, count * plane]. */
static void reorder(const ck_conv_geometry *g, const float *source, float *target, long count, int to_gemm) {
    reorder_job job = {g, source, target, count, to_gemm};
    ck_parallel_for(count * g->out_channels, 1 + 16384 / (plane_of(g) + 1), reorder_planes, &job);
}

void ck_conv2d(const ck_conv_geometry *g, const float *input, const float *weight, float *output) {
    long group = group_size(g), plane = plane_of(g), rows = rows_of(g);
    pthread_mutex_lock(&conv_lock);
    float *columns = reserve(g, group), *product = columns + rows * group * plane;
    for (long first = 0; first < g->batch; first += group) {
        long count = g->batch - first < group ? g->batch - first : group;
        ck_im2col(g, input, first, count, columns);
        ck_sgemm(0, 0, g->out_channels, count * plane, rows, 1, weight, rows, columns, count * plane, 0, product, count * plane);
        reorder(g, product, output + first * g->out_channels * plane, count, 0);
    }
    pthread_mutex_unlock(&conv_lock);
}

void ck_conv2d_input_gradient(const ck_conv_geometry *g, const float *output_gradient, const float *weight, float *input_gradient) {
    long group = group_size(g), plane = plane_of(g), rows = rows_of(g);
    memset(input_gradient, 0, (size_t)(g->batch * g->in_channels * g->in_height * g->in_width) * sizeof(float));
    pthread_mutex_lock(&conv_lock);
    float *columns = reserve(g, group), *gradient = columns + rows * group * plane;
    for (long first = 0; first < g->batch; first += group) {
        long count = g->batch - first < group ? g->batch - first : group;
        reorder(g, output_gradient + first * g->out_channels * plane, gradient, count, 1);
        ck_sgemm(1, 0, rows, count * plane, g->out_channels, 1, weight, rows, gradient, count * plane, 0, columns, count * plane);
        ck_col2im(g, columns, first, count, input_gradient);
    }
    pthread_mutex_unlock(&conv_lock);
}

void ck_conv2d_weight_gradient(const ck_conv_geometry *g, const float *input, const float *output_gradient, float *weight_gradient) {
    long group = group_size(g), plane = plane_of(g), rows = rows_of(g);
    pthread_mutex_lock(&conv_lock);
    float *columns = reserve(g, group), *gradient = columns + rows * group * plane;
    for (long first = 0; first < g->batch; first += group) {
        long count = g->batch - first < group ? g->batch - first : group;
        ck_im2col(g, input, first, count, columns);
        reorder(g, output_gradient + first * g->out_channels * plane, gradient, count, 1);
        ck_sgemm(0, 1, g->out_channels, rows, count * plane, 1, gradient, count * plane, columns, count * plane,
                 first == 0 ? 0 : 1, weight_gradient, rows);
    }
    pthread_mutex_unlock(&conv_lock);
}
