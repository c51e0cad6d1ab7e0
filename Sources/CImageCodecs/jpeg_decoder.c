#include "image_codecs.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

/* libjpeg's error manager extended with where to jump back to; the library hands it back to the
 * callbacks through cinfo->err, which is why it must come first. */
typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf return_point;
    int truncated;
    image_codecs_image *image;
} jpeg_error_context;

static void copy_message_and_return(j_common_ptr cinfo) {
    jpeg_error_context *context = (jpeg_error_context *)cinfo->err;
    char message[JMSG_LENGTH_MAX];
    cinfo->err->format_message(cinfo, message);
    snprintf(context->image->message, sizeof context->image->message, "%s", message);
    longjmp(context->return_point, 1);
}

/* The default handler only warns when data runs out (or a marker interrupts the compressed data)
 * and pads the image with gray; a training set should not silently contain half-gray images, so
 * both are fatal here. Other warnings (extraneous bytes between markers, common in camera files)
 * are ignored. */
static void fail_on_missing_data(j_common_ptr cinfo, int level) {
    jpeg_error_context *context = (jpeg_error_context *)cinfo->err;
    if (level >= 0) return;
    int code = cinfo->err->msg_code;
    if (code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER) {
        context->truncated = code == JWRN_JPEG_EOF;
        copy_message_and_return(cinfo);
    }
}

/* Gray stays gray; YCbCr and RGB become RGB; CMYK/YCCK have no conversion in libjpeg. */
static int choose_output(struct jpeg_decompress_struct *cinfo, image_codecs_image *image) {
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo->out_color_space = JCS_GRAYSCALE;
        return 1;
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo->out_color_space = JCS_RGB;
        return 1;
    default:
        snprintf(image->message, sizeof image->message,
                 "colour space %d (CMYK or YCCK) is not supported; convert the file to RGB",
                 (int)cinfo->jpeg_color_space);
        return 0;
    }
}

image_codecs_status image_codecs_decode_jpeg(const unsigned char *bytes, size_t count, image_codecs_image *image) {
    memset(image, 0, sizeof *image);
    struct jpeg_decompress_struct cinfo;
    jpeg_error_context context;
    cinfo.err = jpeg_std_error(&context.manager);
    context.manager.error_exit = copy_message_and_return;
    context.manager.emit_message = fail_on_missing_data;
    context.truncated = 0;
    context.image = image;
    if (setjmp(context.return_point)) {
        jpeg_destroy_decompress(&cinfo);
        image_codecs_release(image);
        return context.truncated ? IMAGE_CODECS_TRUNCATED : IMAGE_CODECS_CORRUPT;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, bytes, (unsigned long)count);
    jpeg_read_header(&cinfo, TRUE);
    if (!choose_output(&cinfo, image)) {
        jpeg_destroy_decompress(&cinfo);
        return IMAGE_CODECS_UNSUPPORTED;
    }
    long width = (long)cinfo.image_width, height = (long)cinfo.image_height;
    if (width * height > IMAGE_CODECS_MAXIMUM_PIXELS) {
        snprintf(image->message, sizeof image->message, "%ld×%ld pixels is more than the %ld allowed",
                 width, height, IMAGE_CODECS_MAXIMUM_PIXELS);
        jpeg_destroy_decompress(&cinfo);
        return IMAGE_CODECS_TOO_LARGE;
    }
    jpeg_start_decompress(&cinfo);
    size_t stride = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    image->pixels = malloc(stride * cinfo.output_height);
    if (!image->pixels) {
        snprintf(image->message, sizeof image->message, "out of memory for %ld×%ld pixels", width, height);
        jpeg_destroy_decompress(&cinfo);
        return IMAGE_CODECS_TOO_LARGE;
    }
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = image->pixels + (size_t)cinfo.output_scanline * stride;
        jpeg_read_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_decompress(&cinfo);
    image->width = (int)cinfo.output_width;
    image->height = (int)cinfo.output_height;
    image->channels = cinfo.output_components;
    jpeg_destroy_decompress(&cinfo);
    return IMAGE_CODECS_OK;
}
