/* Decoding PNG (libpng) and JPEG (libjpeg-turbo) from memory without ever leaving the process.
 *
 * Both libraries report fatal errors by calling an error handler that must not return; libjpeg's
 * default one calls exit(). These wrappers install handlers that copy the message and longjmp back,
 * so a corrupt or truncated file becomes a status code and a message for the caller. */
#ifndef IMAGE_CODECS_H
#define IMAGE_CODECS_H

#include <stddef.h>

typedef enum {
    IMAGE_CODECS_OK = 0,
    IMAGE_CODECS_CORRUPT = 1,     /* the data breaks the format */
    IMAGE_CODECS_TRUNCATED = 2,   /* the data ends before the image does */
    IMAGE_CODECS_UNSUPPORTED = 3, /* valid, but a layout these wrappers do not convert (CMYK JPEG) */
    IMAGE_CODECS_TOO_LARGE = 4,   /* more than IMAGE_CODECS_MAXIMUM_PIXELS, or out of memory */
} image_codecs_status;

/* Width × height above which decoding refuses, so a corrupt header cannot ask for gigabytes. */
#define IMAGE_CODECS_MAXIMUM_PIXELS (1L << 28)

/* A decoded image: 8-bit samples, row-major and interleaved (height × width × channels), top row
 * first. channels is 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA). */
typedef struct {
    int width;
    int height;
    int channels;
    unsigned char *pixels; /* owned; release with image_codecs_release */
    char message[256];     /* the library's reason when the status is not IMAGE_CODECS_OK */
} image_codecs_image;

/* Decodes any PNG: palette and tRNS expand to RGB(A), 1/2/4-bit gray to 8-bit, 16-bit samples keep
 * their high byte, Adam7 interlacing is undone. On failure pixels is NULL. */
image_codecs_status image_codecs_decode_png(const unsigned char *bytes, size_t count, image_codecs_image *image);

/* Decodes a baseline or progressive JPEG to gray (1 channel) or RGB (3 channels). A file that ends
 * early is an error, not a gray-padded image as libjpeg's default warning would leave it. */
image_codecs_status image_codecs_decode_jpeg(const unsigned char *bytes, size_t count, image_codecs_image *image);

/* Frees image->pixels (safe to call twice). */
void image_codecs_release(image_codecs_image *image);

#endif
