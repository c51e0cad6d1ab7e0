/* Convolution as an implicit GEMM: GEMM operand B is packed panel by panel straight from phase-split
 * images, and the column matrix is never written. Serves the forward pass (and so the stride-1 input
 * gradient by the flipped kernel) and weight gradients from 32 output channels. Sums run in a fixed
 * order, so results do not depend on the thread count. */
#include "convolution_shared.h"
#include "implicit_columns.h"

#include <stdlib.h>
#include <string.h>

enum { WORKSPACE_LIMIT = 8 << 20 };   /* floats of an implicit group's workspace (32 MB) */
/* Interleaved groups are smaller (8 MB): every panel row reads a line of its own across all of the
 * group's images, which then stay in cache (DCGAN's 64 -> 128 layer at batch 256: 256 samples in one
 * group 48 ms forward, 64 per group 44 ms). */
enum { INTERLEAVED_LIMIT = 2 << 20 };

/* Copies a weight (or its gradient) between the layer's [OC][IC][taps] and the GEMM's tap-major
 * [OC][taps][IC]. */
static void reorder_taps(const ck_conv_geometry *g, const float *source, float *target, int to_tap_major) {
    long taps = g->kernel_height * g->kernel_width, channels = g->in_channels;
    for (long oc = 0; oc < g->out_channels; oc++)
        for (long ic = 0; ic < channels; ic++)
            for (long tap = 0; tap < taps; tap++) {
                long layer = (oc * channels + ic) * taps + tap, gemm = (oc * taps + tap) * channels + ic;
                if (to_tap_major) target[gemm] = source[layer];
                else target[layer] = source[gemm];
            }
}

typedef struct {
    const ck_conv_geometry *g;
    padded_size size;
    const float *input;   /* the group's first sample */
    float *phases;
    long count;
} phase_job;

/* Splits (sample, channel) images [begin, end) into their own phase images (the sample-major layout). */
static void split_images(void *context, long begin, long end) {
    phase_job *job = context;
    long pixels = job->g->in_height * job->g->in_width;
    for (long image = begin; image < end; image++)
        conv_split_image(job->g, job->size, job->input + image * pixels, job->phases + image * job->size.floats);
}

/* Fills phase images [begin, end) (channel * phases + phase): each padded pixel's `count` samples side
 * by side, zero on the border. */
static void interleave_phases(void *context, long begin, long end) {
    phase_job *job = context;
    const ck_conv_geometry *g = job->g;
    long phases = g->stride_height * g->stride_width, count = job->count, sample_floats = g->in_channels * g->in_height * g->in_width;
    for (long index = begin; index < end; index++) {
        long channel = index / phases, a = index % phases / g->stride_width, b = index % g->stride_width;
        float *out = job->phases + (channel * job->size.floats + index % phases * job->size.phase_floats) * count;
        const float *image = job->input + channel * g->in_height * g->in_width;
        for (long py = 0; py < job->size.phase_height; py++) {
            long y = py * g->stride_height + a - g->padding_height;
            for (long px = 0; px < job->size.phase_width; px++, out += count) {
                long x = px * g->stride_width + b - g->padding_width;
                if (y < 0 || y >= g->in_height || x < 0 || x >= g->in_width) {
                    memset(out, 0, (size_t)count * sizeof(float));
                    continue;
                }
                const float *pixel = image + y * g->in_width + x;
                for (long sample = 0; sample < count; sample++) out[sample] = pixel[sample * sample_floats];
            }
        }
    }
}

/* Offsets of column_source for `count` samples, interleaved or sample-major. Column rows run tap by tap
 * ((kh, kw, channel), not the weight's (channel, kh, kw)), so the rows of taps that read only the zero
 * border for a panel's positions are a few long runs that the GEMM can skip. */
static void column_offsets(const ck_conv_geometry *g, padded_size size, long count, int interleaved, long *rows, long *columns) {
    long pixel_stride = interleaved ? count : 1, sample_stride = interleaved ? 1 : g->in_channels * size.floats;
    for (long kh = 0, r = 0; kh < g->kernel_height; kh++)
        for (long kw = 0; kw < g->kernel_width; kw++)
            for (long channel = 0; channel < g->in_channels; channel++)
                rows[r++] = (channel * size.floats + conv_tap_origin(g, size, kh, kw)) * pixel_stride;
    long plane = plane_of(g);
    for (long sample = 0; sample < count; sample++)
        for (long oh = 0; oh < g->out_height; oh++)
            for (long ow = 0; ow < g->out_width; ow++) {
                long position = oh * g->out_width + ow;
                columns[interleaved ? position * count + sample : sample * plane + position] =
                    sample * sample_stride + (oh * size.phase_width + ow) * pixel_stride;
            }
}

/* Copies one float between the GEMM's matrix and NCHW, in the direction asked. */
static inline void move_float(float *gemm, float *nchw, int to_gemm) {
    if (to_gemm) *gemm = *nchw;
    else *nchw = *gemm;
}

/* Copies between NCHW [count, OC, plane] and the implicit GEMM's [OC, plane * count] (sample fastest). */
static void interleave_planes(void *context, long begin, long end) {
    reorder_job *job = context;
    long plane = plane_of(job->g), channels = job->g->out_channels, count = job->count, sample = 0;
    int to_gemm = job->to_gemm;
    for (long channel = begin; channel < end; channel++) {
        float *gemm = (to_gemm ? job->target : (float *)job->source) + channel * plane * count;
        float *nchw = (to_gemm ? (float *)job->source : job->target) + channel * plane;
        long row = channels * plane;   /* from one sample's plane to the next's */
#if defined(__SSE2__)
        /* Four samples by four positions per 4x4 transpose: one at a time, every float was its own
         * load and store. */
        for (sample = 0; sample + 4 <= count; sample += 4) {
            float *planes = nchw + sample * row;
            long position = 0;
            for (; position + 4 <= plane; position += 4) {
                float *block = gemm + position * count + sample, *at = planes + position;
                __m128 r0, r1, r2, r3;
                if (to_gemm) {
                    r0 = _mm_loadu_ps(at), r1 = _mm_loadu_ps(at + row), r2 = _mm_loadu_ps(at + 2 * row), r3 = _mm_loadu_ps(at + 3 * row);
                    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
                    _mm_storeu_ps(block, r0), _mm_storeu_ps(block + count, r1);
                    _mm_storeu_ps(block + 2 * count, r2), _mm_storeu_ps(block + 3 * count, r3);
                } else {
                    r0 = _mm_loadu_ps(block), r1 = _mm_loadu_ps(block + count);
                    r2 = _mm_loadu_ps(block + 2 * count), r3 = _mm_loadu_ps(block + 3 * count);
                    _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
                    _mm_storeu_ps(at, r0), _mm_storeu_ps(at + row, r1), _mm_storeu_ps(at + 2 * row, r2), _mm_storeu_ps(at + 3 * row, r3);
                }
            }
            for (long s = sample; s < sample + 4; s++)
                for (long p = position; p < plane; p++) move_float(gemm + p * count + s, nchw + s * row + p, to_gemm);
        }
#endif
        for (long s = sample; s < count; s++)
            for (long p = 0; p < plane; p++) move_float(gemm + p * count + s, nchw + s * row + p, to_gemm);
    }
}

void conv_reorder_interleaved(const ck_conv_geometry *g, const float *source, float *target, long count, int to_gemm) {
    reorder_job job = {g, source, target, count, to_gemm};
    ck_parallel_for(g->out_channels, 1 + 16384 / (plane_of(g) * count + 1), interleave_planes, &job);
}

/* A group's workspace on the implicit paths: offsets, phase images and an [OC, G*OH*OW] matrix. The
 * samples are interleaved when an output row is narrower than a panel (measured: DCGAN's 7-wide
 * stride-2 forward pass a third faster); wider rows fill panels sample by sample, where each sample's
 * images stay in cache (DCGAN-64's 16-wide layer was a fifth slower interleaved). */
typedef struct {
    padded_size size;
    int interleaved;
    long group, *columns, *rows;
    float *phases, *matrix, *extra;
} implicit_space;

static implicit_space reserve_implicit(const ck_conv_geometry *g, size_t extra) {
    implicit_space space = {conv_padded_of(g), conv_narrow_output(g)};
    long plane = plane_of(g), images = g->in_channels * space.size.floats;
    /* Per sample: its phase images, its matrix plane and its column offsets; the offsets come first, so
     * they stay aligned. */
    long offset_floats = (long)(sizeof(long) / sizeof(float));
    long limit = space.interleaved ? INTERLEAVED_LIMIT : WORKSPACE_LIMIT;
    space.group = conv_samples_per_group(g, images + (g->out_channels + offset_floats) * plane, limit);
    space.columns = (long *)conv_reserve_floats((size_t)((images + (g->out_channels + offset_floats) * plane) * space.group +
                                                    offset_floats * rows_of(g)) + extra);
    space.rows = space.columns + plane * space.group;
    space.phases = (float *)(space.rows + rows_of(g));
    space.matrix = space.phases + images * space.group;
    space.extra = space.matrix + g->out_channels * plane * space.group;
    return space;
}

/* Splits samples [first, first + count) into phase images and fills the offsets. */
static void prepare_group(const ck_conv_geometry *g, const implicit_space *space, const float *input, long first, long count) {
    phase_job job = {g, space->size, input + first * g->in_channels * g->in_height * g->in_width, space->phases, count};
    long phases = g->stride_height * g->stride_width;
    if (space->interleaved)
        ck_parallel_for(g->in_channels * phases, 1 + 16384 / (space->size.phase_floats * count + 1), interleave_phases, &job);
    else
        ck_parallel_for(count * g->in_channels, 1 + 16384 / (space->size.floats + 1), split_images, &job);
    column_offsets(g, space->size, count, space->interleaved, space->rows, space->columns);
}

/* Copies between NCHW [count, OC, plane] and the implicit GEMM's matrix in the group's column order. */
static void reorder_group(const ck_conv_geometry *g, const implicit_space *space, const float *source, float *target, long count,
                          int to_gemm) {
    (space->interleaved ? conv_reorder_interleaved : conv_reorder)(g, source, target, count, to_gemm);
}

/* Output channels per GEMM: only short GEMMs (at most 256 rows) skip the taps on the border, so more
 * channels run as even blocks of them (DCGAN-64's 512-channel 4x4 layer: a quarter of its taps). */
enum { CHANNEL_BLOCK = 256 };

static long channel_blocks(const ck_conv_geometry *g) { return (g->out_channels + CHANNEL_BLOCK - 1) / CHANNEL_BLOCK; }

/* Output channels [first, end) of block `index`. */
static void channel_block(const ck_conv_geometry *g, long index, long *first, long *end) {
    long blocks = channel_blocks(g);
    *first = index * g->out_channels / blocks, *end = (index + 1) * g->out_channels / blocks;
}

void ck_conv2d(const ck_conv_geometry *g, const float *input, const float *weight, float *output) {
    long plane = plane_of(g), rows = rows_of(g), blocks = channel_blocks(g), first_channel, end;
    /* Each block's packed weight at a stride that fits the largest block. */
    size_t stride = ck_sgemm_packed_a_floats((g->out_channels + blocks - 1) / blocks, rows);
    pthread_mutex_lock(&conv_lock);
    /* The weight, tap-major, is packed once for all groups, block by block, in the workspace's extra floats. */
    implicit_space space = reserve_implicit(g, g->out_channels * rows + blocks * stride);
    float *packed = space.extra + g->out_channels * rows;
    reorder_taps(g, weight, space.extra, 1);
    for (long block = 0; block < blocks; block++) {
        channel_block(g, block, &first_channel, &end);
        ck_sgemm_pack_a(0, end - first_channel, rows, space.extra + first_channel * rows, rows, packed + block * stride);
    }
    for (long first = 0; first < g->batch; first += space.group) {
        long count = g->batch - first < space.group ? g->batch - first : space.group;
        prepare_group(g, &space, input, first, count);
        column_source source = {{conv_pack_columns, conv_live_tap_rows}, space.phases, space.rows, space.columns, g, count, space.interleaved};
        for (long block = 0; block < blocks; block++) {
            channel_block(g, block, &first_channel, &end);
            ck_sgemm_packed(end - first_channel, count * plane, rows, packed + block * stride, 0, NULL, 0, &source.base, 0,
                            space.matrix + first_channel * count * plane, count * plane);
        }
        reorder_group(g, &space, space.matrix, output + first * g->out_channels * plane, count, 0);
    }
    pthread_mutex_unlock(&conv_lock);
}

void conv_implicit_weight_gradient(const ck_conv_geometry *g, const float *input, const float *output_gradient,
                                   float *weight_gradient) {
    long plane = plane_of(g), rows = rows_of(g);
    /* The gradient sums tap-major in the workspace's extra floats. */
    implicit_space space = reserve_implicit(g, g->out_channels * rows);
    for (long first = 0; first < g->batch; first += space.group) {
        long count = g->batch - first < space.group ? g->batch - first : space.group;
        prepare_group(g, &space, input, first, count);
        reorder_group(g, &space, output_gradient + first * g->out_channels * plane, space.matrix, count, 1);
        /* Columns transposed: K runs over output positions, N over column rows. */
        column_source source = {{conv_pack_columns, conv_live_position_rows}, space.phases, space.columns, space.rows, g, count, space.interleaved};
        for (long block = 0, first_channel, end; block < channel_blocks(g); block++) {
            channel_block(g, block, &first_channel, &end);
            ck_sgemm_source(end - first_channel, rows, count * plane, space.matrix + first_channel * count * plane, count * plane,
                            &source.base, first == 0 ? 0 : 1, space.extra + first_channel * rows, rows);
        }
    }
    reorder_taps(g, space.extra, weight_gradient, 0);
}
