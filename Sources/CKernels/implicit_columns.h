/* The implicit GEMM's B operand: convolution columns packed straight from phase images, and the rows of
 * each panel that can be nonzero (internal to CKernels). */
#ifndef FORGER_IMPLICIT_COLUMNS_H
#define FORGER_IMPLICIT_COLUMNS_H

#include "convolution_shared.h"

/* Convolution columns read straight from a group's phase-split images (an implicit GEMM): column row
 * r = (kh, kw, channel) and column q = (oh, ow, sample) hold phases[row_offsets[r] + column_offsets[q]],
 * so GEMM operand B, whichever way round, is phases[k_offsets[p] + n_offsets[j]]. Packing GEMM panels
 * from it never writes the column matrix, whose memory traffic had been im2col's cost. The phase images
 * hold the group's samples side by side, pixel by pixel ([channel][phase][y][x][sample]), so a panel's
 * 16 columns are one contiguous run: with 7- and 14-wide outputs, sample-major columns had broken each
 * panel row into two or three short runs. */
typedef struct {
    ck_b_source base;
    const float *phases;
    const long *k_offsets, *n_offsets;
    const ck_conv_geometry *g;
    long count;   /* samples in the group, interleaved when `interleaved` */
    int interleaved;
} column_source;

/* ck_b_source.pack: op(B)[pc:pc+kc, column0:column0+width] of a column_source. */
void conv_pack_columns(const ck_b_source *base, long pc, long kc, long column0, long width, float *out);
/* ck_b_source.live_rows of the forward pass (columns are positions): the taps that can read inside the
 * image from the panel's output positions. */
long conv_live_tap_rows(const ck_b_source *base, long column0, long width, long capacity, long *starts, long *ends);
/* ck_b_source.live_rows of the weight gradient (columns are column rows, K interleaved positions): the
 * positions from which the panel's taps can read inside the image. */
long conv_live_position_rows(const ck_b_source *base, long column0, long width, long capacity, long *starts, long *ends);

#endif
