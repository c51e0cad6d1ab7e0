/* Convolution gradients as im2col/col2im around one large SGEMM per group of samples, the phase-split
 * images both paths read, and the entry points (the forward pass and larger weight gradients run as
 * implicit GEMMs: implicit_convolution.c).
 *
 * Columns hold every sample of a group side by side ([C*KH*KW, G*OH*OW]) so the GEMM is wide even
 * for 7x7 outputs; groups bound the workspace. Every reduction has a fixed order (col2im is split by
 * (sample, input channel) image, which no other task touches), so results do not depend on the thread count. */
#include "convolution_shared.h"

#include <stdlib.h>
#include <string.h>

/* Floats of a column-matrix group (4 MB): the GEMM writes the columns and col2im reads them straight
 * back, which stays in cache only for a few samples at a time. */
enum { COLUMNS_LIMIT = 1 << 20 };

typedef struct {
    const ck_conv_geometry *g;
    const float *source;
    float *target;
    long first, count;
} conv_job;

padded_size conv_padded_of(const ck_conv_geometry *g) {
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

long conv_tap_origin(const ck_conv_geometry *g, padded_size size, long kh, long kw) {
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

void conv_split_image(const ck_conv_geometry *g, padded_size size, const float *image, float *phases) {
    memset(phases, 0, (size_t)size.floats * sizeof(float));
    move_pixels(g, size, phases, (float *)image, 1);   /* reads the image only */
}

/* Writes one (sample, channel) image's taps: column row (channel, kh, kw), that sample's plane. */
static void im2col_image(const ck_conv_geometry *g, padded_size size, const float *phases, float *rows, long width) {
    for (long kh = 0; kh < g->kernel_height; kh++)
        for (long kw = 0; kw < g->kernel_width; kw++, rows += width) {
            const float *origin = phases + conv_tap_origin(g, size, kh, kw);
            for (long oh = 0; oh < g->out_height; oh++)
                copy_run(rows + oh * g->out_width, origin + oh * size.phase_width, g->out_width, 0);
        }
}

/* Tasks are (channel, sample) images, channel-major; each writes its own plane of its channel's rows. */
static void im2col_images(void *context, long begin, long end) {
    conv_job *job = context;
    const ck_conv_geometry *g = job->g;
    long plane = plane_of(g), width = job->count * plane, taps = g->kernel_height * g->kernel_width;
    padded_size size = conv_padded_of(g);
    float stack[STACK_IMAGE], *padded = padded_buffer(size, stack);
    for (long index = begin; index < end; index++) {
        long channel = index / job->count, sample = index % job->count;
        conv_split_image(g, size, job->source + ((job->first + sample) * g->in_channels + channel) * g->in_height * g->in_width, padded);
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
            float *origin = phases + conv_tap_origin(g, size, kh, kw);
            for (long oh = 0; oh < g->out_height; oh++)
                copy_run(origin + oh * size.phase_width, rows + oh * g->out_width, g->out_width, 1);
        }
    move_pixels(g, size, phases, image, 0);
}

static void col2im_images(void *context, long begin, long end) {
    conv_job *job = context;
    const ck_conv_geometry *g = job->g;
    long plane = plane_of(g), width = job->count * plane, taps = g->kernel_height * g->kernel_width;
    padded_size size = conv_padded_of(g);
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

/* col2im for columns in interleaved order ([rows, plane * count], sample fastest). One task per input
 * channel adds each tap's output rows (out_width * count contiguous floats, where sample-major rows
 * gave 7-float runs) into the channel's interleaved phase images, then writes its group's pixels. */
static void col2im_channels(void *context, long begin, long end) {
    conv_job *job = context;
    const ck_conv_geometry *g = job->g;
    long count = job->count, width = plane_of(g) * count, run = g->out_width * count;
    long pixels = g->in_height * g->in_width, sample_floats = g->in_channels * pixels;
    padded_size size = conv_padded_of(g);
    float stack[STACK_IMAGE], *phases = stack;
    if (size.floats * count > STACK_IMAGE && !(phases = malloc((size_t)(size.floats * count) * sizeof(float)))) abort();
    for (long channel = begin; channel < end; channel++) {
        memset(phases, 0, (size_t)(size.floats * count) * sizeof(float));
        const float *rows = job->source + channel * g->kernel_height * g->kernel_width * width;
        for (long kh = 0; kh < g->kernel_height; kh++)
            for (long kw = 0; kw < g->kernel_width; kw++, rows += width) {
                float *origin = phases + conv_tap_origin(g, size, kh, kw) * count;
                for (long oh = 0; oh < g->out_height; oh++) copy_run(origin + oh * size.phase_width * count, rows + oh * run, run, 1);
            }
        float *image = job->target + (job->first * g->in_channels + channel) * pixels;
        for (long y = 0; y < g->in_height; y++)
            for (long x = 0; x < g->in_width; x++) {
                const float *pixel = phases + phase_index(g, size, y + g->padding_height, x + g->padding_width) * count;
                for (long sample = 0; sample < count; sample++) image[sample * sample_floats + y * g->in_width + x] = pixel[sample];
            }
    }
    if (phases != stack) free(phases);
}

pthread_mutex_t conv_lock = PTHREAD_MUTEX_INITIALIZER;
static float *workspace = NULL;
static size_t workspace_floats = 0;

float *conv_reserve_floats(size_t floats) {
    if (floats > workspace_floats) {
        free(workspace);
        workspace = aligned_alloc(64, ((floats * sizeof(float) + 63) / 64) * 64);
        workspace_floats = workspace ? floats : 0;
    }
    if (!workspace) abort();   /* out of memory inside a kernel: there is no caller to report to */
    return workspace;
}

/* Columns plus a reordered [OC, G*OH*OW] matrix for a group of `group` samples, then `extra` floats. */
static float *reserve(const ck_conv_geometry *g, long group, size_t extra) {
    return conv_reserve_floats((size_t)(rows_of(g) + g->out_channels) * group * plane_of(g) + extra);
}

long conv_samples_per_group(const ck_conv_geometry *g, long per_sample, long limit) {
    long most = limit / (per_sample > 0 ? per_sample : 1);
    if (most < 1) most = 1;
    long groups = (g->batch + most - 1) / most;
    return groups > 0 ? (g->batch + groups - 1) / groups : 1;
}

/* Samples per GEMM of the column-matrix paths. */
static long group_size(const ck_conv_geometry *g) {
    return conv_samples_per_group(g, (rows_of(g) + g->out_channels) * plane_of(g), COLUMNS_LIMIT);
}

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
void conv_reorder(const ck_conv_geometry *g, const float *source, float *target, long count, int to_gemm) {
    reorder_job job = {g, source, target, count, to_gemm};
    ck_parallel_for(count * g->out_channels, 1 + 16384 / (plane_of(g) + 1), reorder_planes, &job);
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

/* Input channels from which col2im interleaves samples (when an output row is narrower than a panel):
 * its tasks are channels, so fewer would leave threads idle. */
enum { INTERLEAVED_COL2IM_MIN_CHANNELS = 16 };

void ck_conv2d_input_gradient(const ck_conv_geometry *g, const float *output_gradient, const float *weight, float *input_gradient) {
    if (input_gradient_by_convolution(g, output_gradient, weight, input_gradient)) return;
    long group = group_size(g), plane = plane_of(g), rows = rows_of(g);
    int interleaved = conv_narrow_output(g) && g->in_channels >= INTERLEAVED_COL2IM_MIN_CHANNELS;
    /* The interleaved col2im writes every pixel; the per-image one adds into zeros. */
    if (!interleaved) memset(input_gradient, 0, (size_t)(g->batch * g->in_channels * g->in_height * g->in_width) * sizeof(float));
    pthread_mutex_lock(&conv_lock);
    /* The weight is packed once for all groups (packed per group, it had been a tenth of this GEMM). */
    float *columns = reserve(g, group, ck_sgemm_packed_a_floats(rows, g->out_channels));
    float *gradient = columns + rows * group * plane, *packed = gradient + g->out_channels * group * plane;
    ck_sgemm_pack_a(1, rows, g->out_channels, weight, rows, packed);
    for (long first = 0; first < g->batch; first += group) {
        long count = g->batch - first < group ? g->batch - first : group;
        (interleaved ? conv_reorder_interleaved : conv_reorder)(g, output_gradient + first * g->out_channels * plane, gradient, count, 1);
        ck_sgemm_packed(rows, count * plane, g->out_channels, packed, 0, gradient, count * plane, NULL, 0, columns, count * plane);
        if (interleaved) {
            conv_job job = {g, columns, input_gradient, first, count};
            ck_parallel_for(g->in_channels, 1 + 16384 / (rows / g->in_channels * plane * count + 1), col2im_channels, &job);
        } else {
            ck_col2im(g, columns, first, count, input_gradient);
        }
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
        float *columns = reserve(g, group, 0), *gradient = columns + rows * group * plane;
        for (long first = 0; first < g->batch; first += group) {
            long count = g->batch - first < group ? g->batch - first : group;
            ck_im2col(g, input, first, count, columns);
            conv_reorder(g, output_gradient + first * g->out_channels * plane, gradient, count, 1);
            ck_sgemm(0, 1, g->out_channels, rows, count * plane, 1, gradient, count * plane, columns, count * plane,
                     first == 0 ? 0 : 1, weight_gradient, rows);
        }
        pthread_mutex_unlock(&conv_lock);
        return;
    }
    conv_implicit_weight_gradient(g, input, output_gradient, weight_gradient);
    pthread_mutex_unlock(&conv_lock);
}
