#include "image_codecs.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Everything the callbacks and the error path share; it lives in memory (its address is taken), so
 * its fields keep their values across the longjmp. */
typedef struct {
    const unsigned char *bytes;
    size_t count;
    size_t position;
    int truncated;
    png_bytep *rows;
    image_codecs_image *image;
} png_reader;

static void read_from_memory(png_structp png, png_bytep destination, png_size_t length) {
    png_reader *reader = (png_reader *)png_get_io_ptr(png);
    if (reader->count - reader->position < length) {
        reader->truncated = 1;
        png_error(png, "the file ends before the image data does");
    }
    memcpy(destination, reader->bytes + reader->position, length);
    reader->position += length;
}

static void copy_error(png_structp png, png_const_charp message) {
    png_reader *reader = (png_reader *)png_get_error_ptr(png);
    snprintf(reader->image->message, sizeof reader->image->message, "%s", message);
    png_longjmp(png, 1);
}

/* Warnings (such as a bad CRC in an ancillary chunk, which libpng then skips) do not stop decoding. */
static void ignore_warning(png_structp png, png_const_charp message) {
    (void)png;
    (void)message;
}

/* Asks libpng for 8-bit gray, gray+alpha, RGB or RGBA, whatever the stored layout. */
static void request_eight_bit_samples(png_structp png, png_infop info) {
    png_set_expand(png); /* palette → RGB, low-depth gray → 8-bit, tRNS → alpha */
    png_set_strip_16(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
}

image_codecs_status image_codecs_decode_png(const unsigned char *bytes, size_t count, image_codecs_image *image) {
    memset(image, 0, sizeof *image);
    png_reader reader = {bytes, count, 0, 0, NULL, image};
    if (count < 8 || png_sig_cmp(bytes, 0, 8) != 0) {
        snprintf(image->message, sizeof image->message, "not a PNG file (bad signature)");
        return IMAGE_CODECS_CORRUPT;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &reader, copy_error, ignore_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        snprintf(image->message, sizeof image->message, "out of memory");
        return IMAGE_CODECS_TOO_LARGE;
    }
    if (setjmp(png_jmpbuf(png))) {
        image_codecs_status status = reader.truncated ? IMAGE_CODECS_TRUNCATED : IMAGE_CODECS_CORRUPT;
        free(reader.rows);
        image_codecs_release(image);
        png_destroy_read_struct(&png, &info, NULL);
        return status;
    }
    png_set_read_fn(png, &reader, read_from_memory);
    png_read_info(png, info);
    request_eight_bit_samples(png, info);
    long width = (long)png_get_image_width(png, info), height = (long)png_get_image_height(png, info);
    int channels = png_get_channels(png, info);
    if (width * height > IMAGE_CODECS_MAXIMUM_PIXELS) {
        snprintf(image->message, sizeof image->message, "%ld×%ld pixels is more than the %ld allowed",
                 width, height, IMAGE_CODECS_MAXIMUM_PIXELS);
        png_destroy_read_struct(&png, &info, NULL);
        return IMAGE_CODECS_TOO_LARGE;
    }
    size_t stride = (size_t)width * (size_t)channels;
    image->pixels = malloc(stride * (size_t)height);
    reader.rows = malloc(sizeof(png_bytep) * (size_t)height);
    if (!image->pixels || !reader.rows) {
        snprintf(image->message, sizeof image->message, "out of memory for %ld×%ld pixels", width, height);
        free(reader.rows);
        image_codecs_release(image);
        png_destroy_read_struct(&png, &info, NULL);
        return IMAGE_CODECS_TOO_LARGE;
    }
    for (long row = 0; row < height; row++) reader.rows[row] = image->pixels + (size_t)row * stride;
    png_read_image(png, reader.rows);
    png_read_end(png, NULL);
    free(reader.rows);
    png_destroy_read_struct(&png, &info, NULL);
    image->width = (int)width;
    image->height = (int)height;
    image->channels = channels;
    return IMAGE_CODECS_OK;
}

void image_codecs_release(image_codecs_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}
