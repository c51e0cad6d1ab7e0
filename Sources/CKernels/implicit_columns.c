/* Packing the implicit GEMM's B panels from a group's phase images, and naming the rows of each panel
 * that can be nonzero: column rows run tap by tap, so the taps that read only the zero border are a
 * few long runs a short GEMM skips. */
#include "implicit_columns.h"

enum { PACK_PREFETCH = 16 };   /* rows ahead */

/* Packs columns that are all apart (a weight gradient's taps): out[p][j] = phases[rows[p] + columns[j]].
 * Where four K rows are adjacent (consecutive samples of one output position), each column's four
 * values are one load, and 4x4 transposes place them, instead of sixteen single gathers. */
static void gather_columns(const float *phases, const long *rows, long kc, const long *columns, long width, float *out) {
    for (long p = 0; p < kc; p++) {
#if defined(__SSE2__)
        if (width == CK_NR && p + 4 <= kc && rows[p + 1] == rows[p] + 1 && rows[p + 2] == rows[p] + 2 && rows[p + 3] == rows[p] + 3) {
            const float *base = phases + rows[p];
            for (long j = 0; j < CK_NR; j += 4) {
                __m128 r0 = _mm_loadu_ps(base + columns[j]), r1 = _mm_loadu_ps(base + columns[j + 1]);
                __m128 r2 = _mm_loadu_ps(base + columns[j + 2]), r3 = _mm_loadu_ps(base + columns[j + 3]);
                _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
                _mm_storeu_ps(out + p * CK_NR + j, r0);
                _mm_storeu_ps(out + (p + 1) * CK_NR + j, r1);
                _mm_storeu_ps(out + (p + 2) * CK_NR + j, r2);
                _mm_storeu_ps(out + (p + 3) * CK_NR + j, r3);
            }
            p += 3;
            continue;
        }
#endif
        for (long j = 0; j < width; j++) out[p * CK_NR + j] = phases[rows[p] + columns[j]];
    }
}

/* Packs one panel, columns [column0, column0 + width) with width <= 16. */
static void pack_panel(const column_source *source, long pc, long kc, long column0, long width, float *out) {
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
        /* Each row is a line of its own, at offsets the hardware prefetcher cannot follow: ask ahead. */
        const float *first = source->phases + columns[0];
        for (long p = 0; p < kc; p++) {
            if (p + PACK_PREFETCH < kc) {   /* both ends: the run may straddle two lines */
                __builtin_prefetch(first + rows[p + PACK_PREFETCH]);
                __builtin_prefetch(first + rows[p + PACK_PREFETCH] + CK_NR - 1);
            }
            copy_run(out + p * CK_NR, first + rows[p], CK_NR, 0);
        }
    } else if (runs == width) {
        gather_columns(source->phases, rows, kc, columns, width, out);
    } else {
        for (long p = 0; p < kc; p++)
            for (long r = 0; r < runs; r++)
                copy_run(out + p * CK_NR + start[r], source->phases + rows[p] + columns[start[r]], length[r], 0);
    }
}

/* 1 when columns[0..count) are consecutive offsets. */
static int consecutive(const long *columns, long count) {
    for (long j = 1; j < count; j++)
        if (columns[j] != columns[j - 1] + 1) return 0;
    return 1;
}

/* Packs `span` columns that are one contiguous stretch of every row, a K row at a time across all of
 * their panels. */
static void pack_stretch(const float *first, const long *rows, long kc, long span, float *out) {
    for (long p = 0; p < kc; p++) {
        if (p + PACK_PREFETCH < kc)
            for (long j = 0; j <= span; j += CK_NR) __builtin_prefetch(first + rows[p + PACK_PREFETCH] + (j < span ? j : span - 1));
        for (long j = 0; j < span; j += CK_NR) copy_run(out + j * kc + p * CK_NR, first + rows[p] + j, CK_NR, 0);
    }
}

/* Packs a run of panels. Full panels that continue one another's stretch (samples interleaved, within an
 * output row) are packed together: panel by panel, a 16-float run that straddled two cache lines had its
 * second line read again for the next panel. */
void conv_pack_columns(const ck_b_source *base, long pc, long kc, long column0, long width, float *out) {
    const column_source *source = (const column_source *)base;
    const long *columns = source->n_offsets + column0;
    for (long j = 0; j < width;) {
        long end = j;
        while (end + CK_NR <= width && consecutive(columns + (end == j ? j : end - 1), end == j ? CK_NR : CK_NR + 1)) end += CK_NR;
        if (end - j > CK_NR) {
            pack_stretch(source->phases + columns[j], source->k_offsets + pc, kc, end - j, out + j * kc);
            j = end;
            continue;
        }
        pack_panel(source, pc, kc, column0 + j, width - j < CK_NR ? width - j : CK_NR, out + j * kc);
        j += CK_NR;
    }
}

/* Whether o * stride + k * dilation - padding can fall inside [0, size) for some o in [o_first, o_last]
 * and k in [k_first, k_last] (only the ends are checked, so a stride that steps over the image still
 * counts: live rows may include zero ones, never the reverse). */
static int reaches_image(long o_first, long o_last, long k_first, long k_last, long stride, long dilation, long padding, long size) {
    return o_last * stride + k_last * dilation - padding >= 0 && o_first * stride + k_first * dilation - padding < size;
}

/* Appends K run [start, end) to starts/ends, merging it with the last; returns the new count, or -1 when
 * it would pass `capacity`. */
static long add_run(long runs, long start, long end, long capacity, long *starts, long *ends) {
    if (runs < 0) return runs;
    if (runs > 0 && ends[runs - 1] == start) {
        ends[runs - 1] = end;
        return runs;
    }
    if (runs == capacity) return -1;
    starts[runs] = start, ends[runs] = end;
    return runs + 1;
}

/* The forward pass's live rows: the taps that can read inside the image from the panel's output
 * positions, each tap's channels one run. */
long conv_live_tap_rows(const ck_b_source *base, long column0, long width, long capacity, long *starts, long *ends) {
    const column_source *source = (const column_source *)base;
    const ck_conv_geometry *g = source->g;
    long plane = plane_of(g), last_column = column0 + width - 1, first, last;
    if (source->interleaved) {
        first = column0 / source->count, last = last_column / source->count;
    } else {
        first = column0 % plane, last = last_column % plane;
        if (column0 / plane != last_column / plane) first = 0, last = plane - 1;   /* two samples' positions */
    }
    long oh_first = first / g->out_width, oh_last = last / g->out_width, one_row = oh_first == oh_last;
    long ow_first = one_row ? first % g->out_width : 0, ow_last = one_row ? last % g->out_width : g->out_width - 1;
    long runs = 0;
    for (long kh = 0; kh < g->kernel_height; kh++) {
        if (!reaches_image(oh_first, oh_last, kh, kh, g->stride_height, g->dilation_height, g->padding_height, g->in_height)) continue;
        for (long kw = 0; kw < g->kernel_width; kw++)
            if (reaches_image(ow_first, ow_last, kw, kw, g->stride_width, g->dilation_width, g->padding_width, g->in_width))
                runs = add_run(runs, (kh * g->kernel_width + kw) * g->in_channels, (kh * g->kernel_width + kw + 1) * g->in_channels,
                               capacity, starts, ends);
    }
    return runs;
}

/* The weight gradient's live rows (K runs over interleaved output positions): the positions from which
 * the panel's taps can read inside the image, one run per output row. */
long conv_live_position_rows(const ck_b_source *base, long column0, long width, long capacity, long *starts, long *ends) {
    const column_source *source = (const column_source *)base;
    const ck_conv_geometry *g = source->g;
    if (!source->interleaved) return -1;
    long first = column0 / g->in_channels, last = (column0 + width - 1) / g->in_channels;
    long kh_first = first / g->kernel_width, kh_last = last / g->kernel_width, one_row = kh_first == kh_last;
    long kw_first = one_row ? first % g->kernel_width : 0, kw_last = one_row ? last % g->kernel_width : g->kernel_width - 1;
    long ow_first = g->out_width, ow_end = 0, runs = 0;
    for (long ow = 0; ow < g->out_width; ow++)
        if (reaches_image(ow, ow, kw_first, kw_last, g->stride_width, g->dilation_width, g->padding_width, g->in_width))
            ow_first = ow < ow_first ? ow : ow_first, ow_end = ow + 1;
    for (long oh = 0; oh < g->out_height && ow_first < ow_end; oh++)
        if (reaches_image(oh, oh, kh_first, kh_last, g->stride_height, g->dilation_height, g->padding_height, g->in_height))
            runs = add_run(runs, (oh * g->out_width + ow_first) * source->count, (oh * g->out_width + ow_end) * source->count,
                           capacity, starts, ends);
    return runs;
}
