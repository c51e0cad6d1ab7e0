"""Writes the tiny PNG and JPEG files ImageFileTests decodes (Pillow 13; run from any folder).

    python3 -m venv /tmp/pilvenv && /tmp/pilvenv/bin/pip install pillow
    /tmp/pilvenv/bin/python Tests/DatasetsTests/Fixtures/make_fixtures.py

PNG pixels follow formulas the tests recompute (sample(x, y, c) below); JPEG is lossy, so Pillow's
own decoding of each JPEG is stored beside it as raw bytes (<name>.pixels, HWC) for comparison.
Pillow cannot write interlaced PNG, so that file is assembled here by hand (Adam7, filter 0).
"""
import os
import struct
import zlib

from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
WIDTH, HEIGHT = 7, 5  # odd sides catch row-stride mistakes


def sample(x, y, c):
    return (x * 37 + y * 11 + c * 80) % 256


def alpha(x, y):
    return (x * 13 + y * 29) % 256


def palette_colour(i):
    return (i * 16, 255 - i * 16, (i * 53) % 256)


def build(mode, width, height, pixel):
    image = Image.new(mode, (width, height))
    image.putdata([pixel(x, y) for y in range(height) for x in range(width)])
    return image


def chunk(kind, body):
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def interlaced_rgb(width, height):
    """An Adam7-interlaced 8-bit RGB PNG of sample(x, y, c): each pass's pixels, rows unfiltered."""
    passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
    raw = b""
    for x0, y0, dx, dy in passes:
        for y in range(y0, height, dy):
            columns = range(x0, width, dx)
            if len(columns) == 0:
                continue
            raw += b"\x00" + bytes(sample(x, y, c) for x in columns for c in range(3))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 1)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def main():
    def path(name):
        return os.path.join(HERE, name)

    build("L", WIDTH, HEIGHT, lambda x, y: sample(x, y, 0)).save(path("gray.png"))
    build("LA", WIDTH, HEIGHT, lambda x, y: (sample(x, y, 0), alpha(x, y))).save(path("gray-alpha.png"))
    build("RGB", WIDTH, HEIGHT, lambda x, y: tuple(sample(x, y, c) for c in range(3))).save(path("rgb.png"))
    build("RGBA", WIDTH, HEIGHT, lambda x, y: tuple(sample(x, y, c) for c in range(3)) + (alpha(x, y),)).save(
        path("rgba.png"))
    build("1", WIDTH, HEIGHT, lambda x, y: 255 * ((x + y) % 2)).save(path("gray-1bit.png"))
    # 16-bit gray: the high byte is sample(x, y, 0); the low byte is noise the decoder must drop.
    build("I;16", WIDTH, HEIGHT, lambda x, y: sample(x, y, 0) * 256 + (x * 7 + y) % 256).save(path("gray-16bit.png"))
    palette = build("P", WIDTH, HEIGHT, lambda x, y: (x + 2 * y) % 16)
    palette.putpalette([value for i in range(16) for value in palette_colour(i)])
    palette.save(path("palette.png"), transparency=3)  # a tRNS chunk: libpng expands it to alpha
    with open(path("interlaced.png"), "wb") as file:
        file.write(interlaced_rgb(11, 9))

    # JPEG: a smooth 16×16 gradient, so quality 90 stays close to the formula.
    gradient = build("RGB", 16, 16, lambda x, y: (x * 15, y * 15, 128 + (x - y) * 4))
    gradient.save(path("baseline.jpg"), quality=90)
    gradient.save(path("progressive.jpg"), quality=90, progressive=True)
    gradient.convert("L").save(path("gray.jpg"), quality=90)
    for name in ["baseline.jpg", "progressive.jpg", "gray.jpg"]:
        with Image.open(path(name)) as decoded:
            assert decoded.info.get("progressive", 0) == (name == "progressive.jpg")
            with open(path(name + ".pixels"), "wb") as file:
                file.write(decoded.tobytes())


if __name__ == "__main__":
    main()
