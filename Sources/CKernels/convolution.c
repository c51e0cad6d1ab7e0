/* Convolution as im2col/col2im around one large SGEMM per group of samples.
 *
 * Columns hold every sample of a group side by side ([C*KH*KW, G*OH*OW]) so the GEMM is wide even
 * for 7x7 outputs; groups bound the workspace. Every reduction has a fixed order (col2im is split by
 * input channel, whose rows no other task touches), so results do not depend on the thread count. */
#include "CKernels.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

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

static void im2col_rows(void *context, long begin, long end) {
    conv_job *job = context;
    const ck_conv_geometry *g = job->g;
    long plane = plane_of(g), width = job->count * plane;
    for (long row = begin; row < end; row++) {
        long kw = row % g->kernel_width, kh = row / g->kernel_width % g->kernel_height, channel = row / (g->kernel_width * g->kernel_height);
        float *out = job->target + row * width;
        for (long sample = 0; sample < job->count; sample++) {
            const float *image = job->source + ((job->first + sample) * g->in_channels + channel) * g->in_height * g->in_width;
            long first, end, offset = kw * g->dilation_width;
            valid_range(g->out_width, g->stride_width, g->padding_width, offset, g->in_width, &first, &end);
            for (long oh = 0; oh < g->out_height; oh++) {
                long y = oh * g->stride_height - g->padding_height + kh * g->dilation_height;
                float *line = out + sample * plane + oh * g->out_width;
                if (y < 0 || y >= g->in_height) { memset(line, 0, (size_t)g->out_width * sizeof(float)); continue; }
                const float *source = image + y * g->in_width - g->padding_width + offset;
                memset(line, 0, (size_t)first * sizeof(float));
                if (g->stride_width == 1) {
                    memcpy(line + first, source + first, (size_t)(end - first) * sizeof(float));
                } else {
                    for (long ow = first; ow < end; ow++) line[ow] = source[ow * g->stride_width];
                }
                memset(line + end, 0, (size_t)(g->out_width - end) * sizeof(float));
            }
        }
    }
}

void ck_im2col(const ck_conv_geometry *g, const float *input, long first, long count, float *columns) {
    conv_job job = {g, input, columns, first, count};
    ck_parallel_for(rows_of(g), 1 + 16384 / (count * plane_of(g) + 1), im2col_rows, &job);
}

static void col2im_channels(void *context, long begin, long end) {
    conv_job *job = context;
    const ck_conv_geometry *g = job->g;
    long plane = plane_of(g), width = job->count * plane, taps = g->kernel_height * g->kernel_width;
    for (long channel = begin; channel < end; channel++) {
        for (long sample = 0; sample < job->count; sample++) {
            float *image = job->target + ((job->first + sample) * g->in_channels + channel) * g->in_height * g->in_width;
            for (long tap = 0; tap < taps; tap++) {
                long kh = tap / g->kernel_width, kw = tap % g->kernel_width;
                const float *row = job->source + (channel * taps + tap) * width + sample * plane;
                long first, end, offset = kw * g->dilation_width;
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
    }
}

void ck_col2im(const ck_conv_geometry *g, const float *columns, long first, long count, float *input) {
    conv_job job = {g, columns, input, first, count};
    ck_parallel_for(g->in_channels, 1, col2im_channels, &job);
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

static long group_size(const ck_conv_geometry *g) {
    long per_sample = (rows_of(g) + g->out_channels) * plane_of(g);
    long group = WORKSPACE_LIMIT / (per_sample > 0 ? per_sample : 1);
    return group < 1 ? 1 : (group > g->batch ? g->batch : group);
}

/* Copies between NCHW-ordered [count, OC, plane] and GEMM-ordered [OC, count * plane]. */
static void reorder(const ck_conv_geometry *g, const float *source, float *target, long count, int to_gemm) {
    long plane = plane_of(g);
    for (long sample = 0; sample < count; sample++)
        for (long channel = 0; channel < g->out_channels; channel++) {
            const float *from = to_gemm ? source + (sample * g->out_channels + channel) * plane : source + (channel * count + sample) * plane;
            float *to = to_gemm ? target + (channel * count + sample) * plane : target + (sample * g->out_channels + channel) * plane;
            memcpy(to, from, (size_t)plane * sizeof(float));
        }
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
