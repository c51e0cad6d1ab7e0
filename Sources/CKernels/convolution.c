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
#include <emmintrin.h>
#endif

enum { WORKSPACE_LIMIT = 8 << 20 };   /* floats of columns per group (32 MB) */

typedef struct {
    const ck_conv_geometry *g;
    const float *source;
    float *target;
    long first, count;
} conv_job;

/* The output columns [*first, *end) whose input column ow*stride - padding + offset lies inside [0, width). */
static void valid_range(long out_width, long stride, long padding, long offset, long width, long *first, long *end) {
    long shift = padding - offset;
    long low = shift > 0 ? (shift + stride - 1) / stride : 0;
    long high = width - 1 + shift >= 0 ? (width - 1 + shift) / stride + 1 : 0;
    *first = low < out_width ? low : out_width;
    *end = high < out_width ? high : out_width;
    if (*end < *first) *end = *first;
}

static long rows_of(const ck_conv_geometry *g) { return g->in_channels * g->kernel_height * g->kernel_width; }
static long plane_of(const ck_conv_geometry *g) { return g->out_height * g->out_width; }

/* One output line: line[ow] = source[ow * stride] for ow in [first, end), zero elsewhere. The
 * clamped index keeps every read inside the image, and the select (rather than separate zero
 * loops, which the compiler turns into memset calls) keeps short DCGAN lines cheap. */
static inline void gather_line(float *line, const float *source, long width, long stride, long first, long end) {
    if (stride == 1 && end - first >= 32) {
        memset(line, 0, (size_t)first * sizeof(float));
        memcpy(line + first, source + first, (size_t)(end - first) * sizeof(float));
        memset(line + end, 0, (size_t)(width - end) * sizeof(float));
        return;
    }
    long ow = 0;
#if defined(__SSE2__)
    /* Stride 2 (every DCGAN down-sampling layer): pick the even lanes of two loads. The bound keeps
     * the last read, source[2 * ow + 7], before the last valid one, source[2 * (end - 1)]. */
    if (stride == 2) {
        for (; ow < first; ow++) line[ow] = 0;
        for (; ow + 4 < end; ow += 4) {
            __m128 low = _mm_loadu_ps(source + 2 * ow), high = _mm_loadu_ps(source + 2 * ow + 4);
            _mm_storeu_ps(line + ow, _mm_shuffle_ps(low, high, _MM_SHUFFLE(2, 0, 2, 0)));
        }
    }
#endif
    for (; ow < width; ow++) {
        long x = ow < first ? first : (ow >= end ? end - 1 : ow);
        float value = source[x * stride];
        line[ow] = ow >= first && ow < end ? value : 0.0f;
    }
}

/* Where one column row (channel, kh, kw) reads: its tap offsets and valid output ranges. */
typedef struct { long channel, x_offset, y_offset, first, last, top, bottom; } row_plan;

static row_plan plan_row(const ck_conv_geometry *g, long row) {
    long taps = g->kernel_height * g->kernel_width;
    row_plan plan = {row / taps, row % g->kernel_width * g->dilation_width, row / g->kernel_width % g->kernel_height * g->dilation_height};
    valid_range(g->out_width, g->stride_width, g->padding_width, plan.x_offset, g->in_width, &plan.first, &plan.last);
    valid_range(g->out_height, g->stride_height, g->padding_height, plan.y_offset, g->in_height, &plan.top, &plan.bottom);
    return plan;
}

/* One sample's lines of one column row; out-of-image lines are one contiguous memset. */
static void im2col_sample(const ck_conv_geometry *g, const row_plan *plan, const float *image, float *lines) {
    long plane = plane_of(g);
    if (plan->first >= plan->last || plan->top >= plan->bottom) { memset(lines, 0, (size_t)plane * sizeof(float)); return; }
    memset(lines, 0, (size_t)(plan->top * g->out_width) * sizeof(float));
    for (long oh = plan->top; oh < plan->bottom; oh++) {
        long y = oh * g->stride_height - g->padding_height + plan->y_offset;
        const float *source = image + y * g->in_width - g->padding_width + plan->x_offset;
        gather_line(lines + oh * g->out_width, source, g->out_width, g->stride_width, plan->first, plan->last);
    }
    memset(lines + plan->bottom * g->out_width, 0, (size_t)((g->out_height - plan->bottom) * g->out_width) * sizeof(float));
}

/* Column rows [begin, end): each row is written start to end (sequential stores beat keeping the
 * image in L1: the columns, not the image, are the traffic). */
static void im2col_rows(void *context, long begin, long end) {
    conv_job *job = context;
    const ck_conv_geometry *g = job->g;
    long plane = plane_of(g), width = job->count * plane, image_size = g->in_height * g->in_width;
    for (long row = begin; row < end; row++) {
        row_plan plan = plan_row(g, row);
        const float *images = job->source + job->first * g->in_channels * image_size + plan.channel * image_size;
        for (long sample = 0; sample < job->count; sample++)
            im2col_sample(g, &plan, images + sample * g->in_channels * image_size, job->target + row * width + sample * plane);
    }
}

void ck_im2col(const ck_conv_geometry *g, const float *input, long first, long count, float *columns) {
    conv_job job = {g, input, columns, first, count};
    ck_parallel_for(rows_of(g), 1 + 16384 / (count * plane_of(g) + 1), im2col_rows, &job);
}

/* Adds one sample's columns of one input channel back into that channel's image. */
static void col2im_image(const ck_conv_geometry *g, const float *rows, long width, float *image) {
    long taps = g->kernel_height * g->kernel_width;
    for (long tap = 0; tap < taps; tap++) {
        long kh = tap / g->kernel_width, kw = tap % g->kernel_width, first, end, offset = kw * g->dilation_width;
        const float *row = rows + tap * width;
        valid_range(g->out_width, g->stride_width, g->padding_width, offset, g->in_width, &first, &end);
        for (long oh = 0; oh < g->out_height; oh++) {
            long y = oh * g->stride_height - g->padding_height + kh * g->dilation_height;
            if (y < 0 || y >= g->in_height) continue;
            float *target = image + y * g->in_width - g->padding_width + offset;
            const float *line = row + oh * g->out_width;
            for (long ow = first; ow < end; ow++) target[ow * g->stride_width] += line[ow];
        }
    }
}

static void col2im_images(void *context, long begin, long end) {
    conv_job *job = context;
    const ck_conv_geometry *g = job->g;
    long plane = plane_of(g), width = job->count * plane, taps = g->kernel_height * g->kernel_width;
    for (long index = begin; index < end; index++) {
        long channel = index / job->count, sample = index % job->count;   /* channel-major: column rows read in order */
        float *image = job->target + ((job->first + sample) * g->in_channels + channel) * g->in_height * g->in_width;
        col2im_image(g, job->source + channel * taps * width + sample * plane, width, image);
    }
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
