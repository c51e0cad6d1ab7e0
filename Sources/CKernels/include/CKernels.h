/* Forger's C micro-kernels: pointers and sizes only, no allocation policy visible to callers. */
#ifndef FORGER_CKERNELS_H
#define FORGER_CKERNELS_H

#ifdef __cplusplus
extern "C" {
#endif

/* Thread pool. Workers are persistent; the caller works too; chunks are claimed with
 * compare-and-swap, so a worker descheduled between chunks never holds up the caller. Serial when one
 * thread is configured, when count <= grain, when called from inside a task (nested calls), and for a
 * stretch of jobs after the caller waited on a chunk longer than it worked (another process had
 * preempted that worker). Setting the thread count ends such a stretch. */
typedef void (*ck_task_fn)(void *context, long begin, long end);
void ck_pool_set_threads(int count);
int ck_pool_threads(void);
void ck_parallel_for(long count, long grain, ck_task_fn fn, void *context);
/* Inter-op parallelism: begin posts fn(context, 0, 1) for one worker to run while the caller goes on;
 * the caller's parallel jobs meanwhile split over the other threads, and over that worker once it is
 * free. Parallel calls inside fn run serially on its worker. Returns 1 when posted, and then
 * ck_pool_end_background must follow: it waits for fn (or runs it on the caller if no worker has taken
 * it yet). Returns 0 after running fn on the caller at once: with one thread configured, inside a
 * task, while the pool runs serially for contention, or while another background task is out. */
int ck_pool_begin_background(ck_task_fn fn, void *context);
void ck_pool_end_background(void);

/* Row-major SGEMM: C = alpha * op(A) * op(B) + beta * C, op(A) m x k, op(B) k x n.
 * A is stored k x m when trans_a, B is stored n x k when trans_b. beta == 0 ignores C's contents.
 * Packed and cache-blocked with a 6x16 register kernel (AVX2/FMA when the CPU has it, NEON on
 * aarch64). Safe from any thread: packing buffers are per calling thread and kept between calls. */
void ck_sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
              const float *b, long ldb, float beta, float *c, long ldc);
/* The triple loop: the oracle the fast path is tested against. */
void ck_sgemm_naive(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
                    const float *b, long ldb, float beta, float *c, long ldc);
/* A B operand that packs its own panels: an implicit GEMM, such as convolution columns read straight
 * from the image instead of from a materialised column matrix. `pack` writes op(B)[pc:pc+kc,
 * column0:column0+width] as consecutive kc x 16 panels (panel q's row p at out + 16 (q kc + p)), the
 * last zero-padded past `width`; a run spans at most 8 panels. */
typedef struct ck_b_source ck_b_source;
struct ck_b_source {
    void (*pack)(const ck_b_source *self, long pc, long kc, long column0, long width, float *out);
    /* Optional (NULL: every row): the K rows that may be nonzero in columns [column0, column0 + width)
     * of one panel, as at most `capacity` ascending runs [starts[i], ends[i]); returns how many, or -1
     * for all of K. Rows left out must be zero there; short GEMMs (m <= 256) skip them. */
    long (*live_rows)(const ck_b_source *self, long column0, long width, long capacity, long *starts, long *ends);
};
/* C = A * B + beta * C (A row-major m x k) with B k x n supplied by `b`; same blocking, order and
 * thread-count independence as ck_sgemm. */
void ck_sgemm_source(long m, long n, long k, const float *a, long lda, const ck_b_source *b, float beta, float *c, long ldc);
/* 1 when the AVX2/FMA micro-kernel was selected at run time. */
int ck_sgemm_uses_avx2(void);

/* Adam (PyTorch semantics) over one tensor: g' = g + weight_decay * p; m = beta1 m + (1 - beta1) g';
 * v = beta2 v + (1 - beta2) g'^2; p -= step_size * m / (sqrt(v) / correction2_root + epsilon), where
 * step_size = lr / (1 - beta1^t) and correction2_root = sqrt(1 - beta2^t). Vectorised (AVX2 when the
 * CPU has it) and split over the pool; bit-identical to the scalar twin. */
typedef struct {
    float beta1, beta2, epsilon, weight_decay, step_size, correction2_root;
} ck_adam_settings;
void ck_adam_update(const ck_adam_settings *settings, float *parameters, const float *gradients, float *first,
                    float *second, long count);
/* The scalar loop, serial: the twin the fast path is tested against. */
void ck_adam_update_naive(const ck_adam_settings *settings, float *parameters, const float *gradients, float *first,
                          float *second, long count);

/* Floats from the Philox4x32-10 stream of `seed`, starting at word `first_word` (word i is lane i % 4
 * of the block with counter (i / 4, 0)): uniform low + scale * u, or with `dropout` the mask
 * u < keep ? scale : 0, where u = (word >> 8) * 2^-24. Split over the pool (AVX2 when the CPU has it);
 * every word comes from its own stream position, so the floats do not depend on the thread count. */
typedef struct {
    unsigned long long seed, first_word;
    int dropout;
    float keep, scale, low;
    float *out;
} ck_random_fill;
void ck_random_fill_floats(const ck_random_fill *fill, long count);
/* One block at a time, serial: the twin the fast path is tested against. */
void ck_random_fill_floats_naive(const ck_random_fill *fill, long count);

/* Convolution geometry, NCHW; the same description serves the transposed convolution. */
typedef struct {
    long batch, in_channels, in_height, in_width, out_channels, kernel_height, kernel_width;
    long stride_height, stride_width, padding_height, padding_width, dilation_height, dilation_width;
    long out_height, out_width;
} ck_conv_geometry;

/* Columns of samples [first, first + count): rows (c, kh, kw), columns (sample, oh, ow). */
void ck_im2col(const ck_conv_geometry *g, const float *input, long first, long count, float *columns);
/* Adds columns back into input-shaped gradient (which the caller zeroed). */
void ck_col2im(const ck_conv_geometry *g, const float *columns, long first, long count, float *input);

/* Convolution through im2col + SGEMM, batched; each overwrites its output. */
void ck_conv2d(const ck_conv_geometry *g, const float *input, const float *weight, float *output);
void ck_conv2d_input_gradient(const ck_conv_geometry *g, const float *output_gradient, const float *weight, float *input_gradient);
void ck_conv2d_weight_gradient(const ck_conv_geometry *g, const float *input, const float *output_gradient, float *weight_gradient);

#ifdef __cplusplus
}
#endif
#endif
