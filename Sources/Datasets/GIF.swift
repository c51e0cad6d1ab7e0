import Tensors

/// A writer of animated GIF files (GIF89a) for grayscale frames: latent-space walks and
/// interpolations that play in any browser.
///
/// Every frame uses one global palette of 256 grey levels (index = grey value), so 8-bit
/// grayscale pixels are written losslessly. Pixel data is LZW-compressed with variable code
/// widths up to 12 bits and a clear code whenever the table fills, as the GIF specification
/// (CompuServe, 1989, Appendix F) describes. The NETSCAPE2.0 extension makes the animation loop.
public enum GIF {
    /// The bytes of an animated GIF of `frames`, each `width × height` grey values in row-major order.
    ///
    /// - Parameters:
    ///   - delay: display time of each frame in hundredths of a second.
    ///   - loopCount: how many times players repeat the animation; 0 repeats forever.
    public static func encode(
        frames: [[UInt8]], width: Int, height: Int, delay: Int = 10, loopCount: Int = 0
    ) -> [UInt8] {
        precondition(!frames.isEmpty, "a GIF needs at least one frame")
        precondition((1...65_535).contains(width) && (1...65_535).contains(height), "GIF sides are 1–65,535 pixels")
        precondition(frames.allSatisfy { $0.count == width * height }, "every frame must have width × height pixels")
        var bytes: [UInt8] = Array("GIF89a".utf8)
        // Logical screen: global colour table present, 8 bits per primary, 256 entries (2^(7+1)).
        bytes += littleEndian(width) + littleEndian(height) + [0xF7, 0, 0]
        for level in 0...255 { bytes += [UInt8(level), UInt8(level), UInt8(level)] }
        if frames.count > 1 {
            bytes += [0x21, 0xFF, 11] + Array("NETSCAPE2.0".utf8) + [3, 1] + littleEndian(loopCount) + [0]
        }
        for frame in frames {
            // Graphic control: no transparency, each frame replaces the previous one.
            bytes += [0x21, 0xF9, 4, 0x04] + littleEndian(delay) + [0, 0]
            bytes += [0x2C] + littleEndian(0) + littleEndian(0) + littleEndian(width) + littleEndian(height) + [0]
            bytes.append(8)  // minimum LZW code size for 8-bit indices
            let compressed = LZW.compress(frame, minimumCodeSize: 8)
            var start = 0
            while start < compressed.count {
                let end = min(start + 255, compressed.count)
                bytes.append(UInt8(end - start))
                bytes += compressed[start..<end]
                start = end
            }
            bytes.append(0)
        }
        bytes.append(0x3B)
        return bytes
    }

    private static func littleEndian(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
}

/// GIF's variant of Lempel–Ziv–Welch compression: codes packed least-significant bit first.
enum LZW {
    /// The LZW code stream of `indices` (each below 2^minimumCodeSize), starting with a clear code
    /// and ending with the end-of-information code.
    static func compress(_ indices: [UInt8], minimumCodeSize: Int) -> [UInt8] {
        let clearCode = 1 << minimumCodeSize, endCode = clearCode + 1
        var writer = BitWriter()
        var table: [Int: Int] = [:]  // (prefix code << 8 | next index) → code
        var nextCode = endCode + 1
        var width = minimumCodeSize + 1
        writer.write(clearCode, width: width)
        guard var prefix = indices.first.map(Int.init) else {
            writer.write(endCode, width: width)
            return writer.finish()
        }
        for index in indices.dropFirst() {
            let key = prefix << 8 | Int(index)
            if let code = table[key] {
                prefix = code
                continue
            }
            writer.write(prefix, width: width)
            if nextCode < 4096 {
                table[key] = nextCode
                // The decoder widens one code later than the encoder adds the entry.
                if nextCode == 1 << width && width < 12 { width += 1 }
                nextCode += 1
            } else {
                writer.write(clearCode, width: width)
                table.removeAll(keepingCapacity: true)
                nextCode = endCode + 1
                width = minimumCodeSize + 1
            }
            prefix = Int(index)
        }
        writer.write(prefix, width: width)
        writer.write(endCode, width: width)
        return writer.finish()
    }

    struct BitWriter {
        var bytes: [UInt8] = []
        var buffer = 0, count = 0

        mutating func write(_ code: Int, width: Int) {
            buffer |= code << count
            count += width
            while count >= 8 {
                bytes.append(UInt8(buffer & 0xFF))
                buffer >>= 8
                count -= 8
            }
        }

        mutating func finish() -> [UInt8] {
            if count > 0 { bytes.append(UInt8(buffer & 0xFF)) }
            return bytes
        }
    }
}

extension GIF {
    /// One grey frame per image of `[N, C, H, W]` in [-1, 1] (channels averaged), each pixel
    /// repeated `scale × scale` times so small images stay visible; frames are `(W·scale) × (H·scale)`.
    public static func frames(of images: Tensor, scale: Int = 1) -> [[UInt8]] {
        precondition(images.shape.count == 4 && scale >= 1, "frames(of:) takes [N, C, H, W] and a positive scale")
        let (count, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let values = images.scalars
        return (0..<count).map { image in
            var frame = [UInt8](repeating: 0, count: width * scale * height * scale)
            for y in 0..<(height * scale) {
                for x in 0..<(width * scale) {
                    var sum: Float = 0
                    for channel in 0..<channels {
                        sum += values[((image * channels + channel) * height + y / scale) * width + x / scale]
                    }
                    let value = sum / Float(channels)
                    let clamped = value.isNaN ? -1 : min(max(value, -1), 1)
                    frame[y * width * scale + x] = UInt8(((clamped + 1) * 127.5).rounded())
                }
            }
            return frame
        }
    }
}
