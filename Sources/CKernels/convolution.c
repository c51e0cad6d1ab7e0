/* Convolution as im2col/col2im around one large SGEMM per group of samples.
 *
 * Columns hold every sample of a group side by side ([C*KH*KW, G*OH*OW]) so the GEMM is wide even
 * for 7x7 outputs; groups bound the workspace. Every reduction has a fixed order (col2im is split by
 * (sample, input channel) image, which no other task touches), so results do not depend on the thread count. */
#include "CKernels.h"
#include "microkernels.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <xmmintrin.h>
#endif

enum { WORKSPACE_LIMIT = 8 << 20 };   /* floats of an implicit group's workspace (32 MB) */
/* Floats of a column-matrix group (4 MB): the GEMM writes the columns and col2im reads them straight
 * back, which stays in cache only for a few samples at a time. */
enum { COLUMNS_LIMIT = 1 << 20 };

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

/* Moves an image's pixels into its phase buffer (`into_phases`), or adds the buffer's back to the
 * image. Row by row and phase column by phase column, a stride-apart run of pixels meets consecutive
 * floats, so no pixel pays phase_index's divisions (they had been a twentieth of a DCGAN-64 step). */
static void move_pixels(const ck_conv_geometry *g, padded_size size, float *phases, float *image, int into_phases) {
    long sh = g->stride_height, sw = g->stride_width;
    for (long y = 0; y < g->in_height; y++) {
        long padded_y = y + g->padding_height;
        float *row = phases + padded_y % sh * sw * size.phase_floats + padded_y / sh * size.phase_width;
        for (long column = 0; column < sw; column++) {
            long x0 = ((column - g->padding_width) % sw + sw) % sw;   /* first x with (x + p) % s == column */
            long count = x0 < g->in_width ? (g->in_width - x0 + sw - 1) / sw : 0;
            float *run = row + column * size.phase_floats + (x0 + g->padding_width) / sw, *pixels = image + y * g->in_width + x0;
            if (into_phases)
                for (long j = 0; j < count; j++) run[j] = pixels[j * sw];
            else
                for (long j = 0; j < count; j++) pixels[j * sw] += run[j];
        }
    }
}

/* Splits an image into the phase buffer, zeroing the border. */
static void split_image(const ck_conv_geometry *g, padded_size size, const float *image, float *phases) {
    memset(phases, 0, (size_t)size.floats * sizeof(float));
    move_pixels(g, size, phases, (float *)image, 1);   /* reads the image only */
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
    move_pixels(g, size, phases, image, 0);
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

static float *reserve_floats(size_t floats) {
    if (floats > workspace_floats) {
        free(workspace);
        workspace = aligned_alloc(64, ((floats * sizeof(float) + 63) / 64) * 64);
        workspace_floats = workspace ? floats : 0;
    }
    if (!workspace) abort();   /* out of memory inside a kernel: there is no caller to report to */
    return workspace;
}

/* Columns plus a reordered [OC, G*OH*OW] matrix for a group of `group` samples. */
static float *reserve(const ck_conv_geometry *g, long group) {
    return reserve_floats((size_t)(rows_of(g) + g->out_channels) * group * plane_of(g));
}

/* Samples per group: as many as fit `limit` floats at `per_sample` floats each, split evenly so no
 * group is a sliver. */
static long samples_per_group(const ck_conv_geometry *g, long per_sample, long limit) {
    long most = limit / (per_sample > 0 ? per_sample : 1);
    if (most < 1) most = 1;
    long groups = (g->batch + most - 1) / most;
    return groups > 0 ? (g->batch + groups - 1) / groups : 1;
}

/* Samples per GEMM of the column-matrix paths. */
static long group_size(const ck_conv_geometry *g) {
    return samples_per_group(g, (rows_of(g) + g->out_channels) * plane_of(g), COLUMNS_LIMIT);
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

/* Convolution columns read straight from a group's phase-split images (an implicit GEMM): column row
 * r = (channel, kh, kw) and column q = (sample, oh, ow) hold phases[row_offsets[r] + column_offsets[q]],
 * so GEMM operand B, whichever way round, is phases[k_offsets[p] + n_offsets[j]]. Packing GEMM panels
 * from it never writes the column matrix, whose memory traffic had been im2col's cost. */
typedef struct {
    ck_b_source base;
    const float *phases;
    const long *k_offsets, *n_offsets;
} column_source;

static void pack_columns(const ck_b_source *base, long pc, long kc, long column0, long width, float *out) {
    const column_source *source = (const column_source *)base;
    const long *columns = source->n_offsets + column0, *rows = source->k_offsets + pc;
    /* The panel's columns as runs that are contiguous in every phase buffer. */
    long start[CK_NR], length[CK_NR], runs = 0;
    for (long j = 0; j < width; j++) {
        if (j > 0 && columns[j] == columns[j - 1] + 1) { length[runs - 1]++; continue; }
        start[runs] = j;
        length[runs++] = 1;
    }
    if (width < CK_NR)
        for (long p = 0; p < kc; p++)
            for (long j = width; j < CK_NR; j++) out[p * CK_NR + j] = 0;
    if (runs == 1 && width == CK_NR) {
        for (long p = 0; p < kc; p++) copy_run(out + p * CK_NR, source->phases + rows[p] + columns[0], CK_NR, 0);
    } else if (runs == width) {
        for (long p = 0; p < kc; p++)
            for (long j = 0; j < width; j++) out[p * CK_NR + j] = source->phases[rows[p] + columns[j]];
    } else {
        for (long p = 0; p < kc; p++)
            for (long r = 0; r < runs; r++)
                copy_run(out + p * CK_NR + start[r], source->phases + rows[p] + columns[start[r]], length[r], 0);
    }
}

typedef struct {
    const ck_conv_geometry *g;
    padded_size size;
    const float *input;
    float *phases;
} split_job;

static void split_images(void *context, long begin, long end) {
    split_job *job = context;
    long pixels = job->g->in_height * job->g->in_width;
    for (long image = begin; image < end; image++)
        split_image(job->g, job->size, job->input + image * pixels, job->phases + image * job->size.floats);
}

/* Offsets of column_source for `count` samples. */
static void column_offsets(const ck_conv_geometry *g, padded_size size, long count, long *rows, long *columns) {
    for (long channel = 0, r = 0; channel < g->in_channels; channel++)
        for (long kh = 0; kh < g->kernel_height; kh++)
            for (long kw = 0; kw < g->kernel_width; kw++) rows[r++] = channel * size.floats + tap_origin(g, size, kh, kw);
    for (long sample = 0, q = 0; sample < count; sample++)
        for (long oh = 0; oh < g->out_height; oh++)
            for (long ow = 0; ow < g->out_width; ow++) columns[q++] = sample * g->in_channels * size.floats + oh * size.phase_width + ow;
}

/* A group's workspace on the implicit paths: offsets, phase images and an [OC, G*OH*OW] matrix. */
typedef struct {
    padded_size size;
    long group, *columns, *rows;
    float *phases, *matrix;
} implicit_space;

static implicit_space reserve_implicit(const ck_conv_geometry *g) {
    implicit_space space = {padded_of(g)};
    long plane = plane_of(g), images = g->in_channels * space.size.floats;
    /* Per sample: its phase images, its matrix plane and its column offsets; the offsets come first, so
     * they stay aligned. */
    long offset_floats = (long)(sizeof(long) / sizeof(float));
    space.group = samples_per_group(g, images + (g->out_channels + offset_floats) * plane, WORKSPACE_LIMIT);
    space.columns = (long *)reserve_floats((size_t)((images + (g->out_channels + offset_floats) * plane) * space.group +
                                                    offset_floats * rows_of(g)));
    space.rows = space.columns + plane * space.group;
    space.phases = (float *)(space.rows + rows_of(g));
    space.matrix = space.phases + images * space.group;
    return space;
}

/* Splits samples [first, first + count) into phase images and fills the offsets. */
static void prepare_group(const ck_conv_geometry *g, const implicit_space *space, const float *input, long first, long count) {
    split_job split = {g, space->size, input + first * g->in_channels * g->in_height * g->in_width, space->phases};
    ck_parallel_for(count * g->in_channels, 1 + 16384 / (space->size.floats + 1), split_images, &split);
    column_offsets(g, space->size, count, space->rows, space->columns);
}

void ck_conv2d(const ck_conv_geometry *g, const float *input, const float *weight, float *output) {
    long plane = plane_of(g), rows = rows_of(g);
    pthread_mutex_lock(&conv_lock);
    implicit_space space = reserve_implicit(g);
    for (long first = 0; first < g->batch; first += space.group) {
        long count = g->batch - first < space.group ? g->batch - first : space.group;
        prepare_group(g, &space, input, first, count);
        column_source source = {{pack_columns}, space.phases, space.rows, space.columns};
        ck_sgemm_source(g->out_channels, count * plane, rows, weight, rows, &source.base, 0, space.matrix, count * plane);
        reorder(g, space.matrix, output + first * g->out_channels * plane, count, 0);
    }
    pthread_mutex_unlock(&conv_lock);
}

/* With stride 1 the input gradient is itself a convolution: of the output gradient, padded by
 * d(K - 1) - p, with the kernel flipped and its channel axes swapped, on the implicit path. Its GEMM has
 * IC rows against col2im's IC*KH*KW, so packing weighs more per multiply-add; measured on DCGAN layers it
 * wins from 128 input channels (a quarter faster) and loses at 64, where col2im stays. Returns 0 when
 * the geometry is not one of these (a stride, padding past the kernel's reach, or few channels). */
enum { FLIPPED_MIN_CHANNELS = 128 };

static int input_gradient_by_convolution(const ck_conv_geometry *g, const float *output_gradient, const float *weight,
                                         float *input_gradient) {
    long reach_h = g->dilation_height * (g->kernel_height - 1), reach_w = g->dilation_width * (g->kernel_width - 1);
    if (g->stride_height != 1 || g->stride_width != 1 || g->padding_height > reach_h || g->padding_width > reach_w) return 0;
    if (g->in_channels < FLIPPED_MIN_CHANNELS) return 0;
    ck_conv_geometry flipped = *g;
    flipped.in_channels = g->out_channels;
    flipped.in_height = g->out_height;
    flipped.in_width = g->out_width;
    flipped.out_channels = g->in_channels;
    flipped.out_height = g->in_height;
    flipped.out_width = g->in_width;
    flipped.padding_height = reach_h - g->padding_height;
    flipped.padding_width = reach_w - g->padding_width;
    long taps = g->kernel_height * g->kernel_width;
    float *kernel = malloc((size_t)(g->in_channels * g->out_channels * taps) * sizeof(float));
    if (!kernel) abort();   /* out of memory inside a kernel: there is no caller to report to */
    for (long oc = 0; oc < g->out_channels; oc++)
        for (long ic = 0; ic < g->in_channels; ic++)
            for (long tap = 0; tap < taps; tap++)
                kernel[(ic * g->out_channels + oc) * taps + taps - 1 - tap] = weight[(oc * g->in_channels + ic) * taps + tap];
    ck_conv2d(&flipped, output_gradient, kernel, input_gradient);
    free(kernel);
    return 1;
}

void ck_conv2d_input_gradient(const ck_conv_geometry *g, const float *output_gradient, const float *weight, float *input_gradient) {
    if (input_gradient_by_convolution(g, output_gradient, weight, input_gradient)) return;
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

/* Implicit weight gradients pack each gathered element for OC multiply-adds; below this many output
 * channels (a greyscale or RGB head) the gather costs more than writing the columns contiguously and
 * packing them with transposes (measured: 1 channel 1.6x slower, 64 on par, 128 a quarter faster). */
enum { IMPLICIT_WEIGHT_MIN_CHANNELS = 32 };

void ck_conv2d_weight_gradient(const ck_conv_geometry *g, const float *input, const float *output_gradient, float *weight_gradient) {
    long plane = plane_of(g), rows = rows_of(g);
    pthread_mutex_lock(&conv_lock);
    if (g->out_channels < IMPLICIT_WEIGHT_MIN_CHANNELS) {
        long group = group_size(g);
        float *columns = reserve(g, group), *gradient = columns + rows * group * plane;
        for (long first = 0; first < g->batch; first += group) {
            long count = g->batch - first < group ? g->batch - first : group;
            ck_im2col(g, input, first, count, columns);
            reorder(g, output_gradient + first * g->out_channels * plane, gradient, count, 1);
            ck_sgemm(0, 1, g->out_channels, rows, count * plane, 1, gradient, count * plane, columns, count * plane,
                     first == 0 ? 0 : 1, weight_gradient, rows);
        }
        pthread_mutex_unlock(&conv_lock);
        return;
    }
    implicit_space space = reserve_implicit(g);
    for (long first = 0; first < g->batch; first += space.group) {
        long count = g->batch - first < space.group ? g->batch - first : space.group;
        prepare_group(g, &space, input, first, count);
        reorder(g, output_gradient + first * g->out_channels * plane, space.matrix, count, 1);
        /* Columns transposed: K runs over output positions, N over column rows. */
        column_source source = {{pack_columns}, space.phases, space.columns, space.rows};
        ck_sgemm_source(g->out_channels, rows, count * plane, space.matrix, count * plane, &source.base, first == 0 ? 0 : 1,
                        weight_gradient, rows);
    }
    pthread_mutex_unlock(&conv_lock);
}
