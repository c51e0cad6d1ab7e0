import Foundation
import Tensors

/// An 8-bit image in memory, as decoded from or encoded to a file.
///
/// `pixels` holds `height × width × channels` bytes, row-major and interleaved (HWC: `[y][x][channel]`),
/// top row first. Channels are 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA).
public struct Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public let pixels: [UInt8]

    /// An image over `pixels`; sizes that do not match are programming errors.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width > 0 && height > 0, "image sides must be positive, got \(width)×\(height)")
        precondition((1...4).contains(channels), "images have 1–4 channels, got \(channels)")
        precondition(pixels.count == width * height * channels,
                     "\(pixels.count) bytes do not fill \(width)×\(height)×\(channels)")
        (self.width, self.height, self.channels, self.pixels) = (width, height, channels, pixels)
    }

    /// The same image with `count` channels (1 or 3), converted as Pillow's `convert("L")` / `convert("RGB")`.
    ///
    /// Alpha is dropped, not composited (the pix2pix reference opens every file with `convert("RGB")`);
    /// gray becomes RGB by repetition; RGB becomes gray by ITU-R 601 luma with Pillow's rounding,
    /// L = (19595 R + 38470 G + 7471 B + 2¹⁵) >> 16.
    public func converted(toChannels count: Int) -> Image {
        precondition(count == 1 || count == 3, "conversion is to 1 (gray) or 3 (RGB) channels, got \(count)")
        if count == channels { return self }
        let pixelCount = width * height
        var output = [UInt8](repeating: 0, count: pixelCount * count)
        pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { output in
                for pixel in 0..<pixelCount {
                    let input = source.baseAddress! + pixel * channels
                    if channels <= 2 {
                        for channel in 0..<count { output[pixel * count + channel] = input[0] }
                    } else if count == 3 {
                        for channel in 0..<3 { output[pixel * 3 + channel] = input[channel] }
                    } else {
                        let luma = 19595 * UInt32(input[0]) + 38470 * UInt32(input[1]) + 7471 * UInt32(input[2])
                        output[pixel] = UInt8((luma + 0x8000) >> 16)
                    }
                }
            }
        }
        return Image(width: width, height: height, channels: count, pixels: output)
    }

    /// The `width × height` rectangle whose top-left pixel is (`x`, `y`); it must lie inside the image.
    public func cropped(x: Int, y: Int, width: Int, height: Int) -> Image {
        precondition(x >= 0 && y >= 0 && width > 0 && height > 0 && x + width <= self.width && y + height <= self.height,
                     "crop \(width)×\(height) at (\(x), \(y)) is outside a \(self.width)×\(self.height) image")
        let rowBytes = width * channels
        var output = [UInt8](repeating: 0, count: rowBytes * height)
        for row in 0..<height {
            let start = ((y + row) * self.width + x) * channels
            output.replaceSubrange((row * rowBytes)..<((row + 1) * rowBytes), with: pixels[start..<(start + rowBytes)])
        }
        return Image(width: width, height: height, channels: channels, pixels: output)
    }

    /// `left` and `right` side by side (left | right); both must have the same height and channels.
    public static func sideBySide(_ left: Image, _ right: Image) -> Image {
        precondition(left.height == right.height && left.channels == right.channels,
                     "side by side needs equal heights and channels, got \(left.height)/\(right.height) rows, "
                         + "\(left.channels)/\(right.channels) channels")
        var output: [UInt8] = []
        output.reserveCapacity(left.pixels.count + right.pixels.count)
        let (leftRow, rightRow) = (left.width * left.channels, right.width * right.channels)
        for row in 0..<left.height {
            output += left.pixels[(row * leftRow)..<((row + 1) * leftRow)]
            output += right.pixels[(row * rightRow)..<((row + 1) * rightRow)]
        }
        return Image(width: left.width + right.width, height: left.height, channels: left.channels, pixels: output)
    }

    /// The image as a `[1, C, H, W]` float tensor in [-1, 1] (byte / 127.5 − 1: 0 → −1, 255 → 1).
    public func tensor() -> Tensor {
        var result = Tensor(zeros: [1, channels, height, width])
        let plane = width * height
        result.withUnsafeMutableBufferPointer { output in
            pixels.withUnsafeBufferPointer { source in
                for pixel in 0..<plane {
                    for channel in 0..<channels {
                        output[channel * plane + pixel] = Float(source[pixel * channels + channel]) / 127.5 - 1
                    }
                }
            }
        }
        return result
    }

    /// The first image of a `[N, C, H, W]` tensor in [-1, 1] as bytes: round((v + 1) · 127.5) after
    /// clamping to [-1, 1], NaN as 0 (black), the same mapping as `imageGrid`.
    public init(tensor: Tensor) {
        precondition(tensor.rank == 4 && (1...4).contains(tensor.shape[1]),
                     "Image(tensor:) takes [N, C, H, W] with 1–4 channels, got \(tensor.shape)")
        let (channels, height, width) = (tensor.shape[1], tensor.shape[2], tensor.shape[3])
        let plane = width * height
        var pixels = [UInt8](repeating: 0, count: plane * channels)
        tensor.withUnsafeBufferPointer { source in
            for pixel in 0..<plane {
                for channel in 0..<channels {
                    let value = source[channel * plane + pixel]
                    let clamped = value.isNaN ? -1 : min(max(value, -1), 1)
                    pixels[pixel * channels + channel] = UInt8(((clamped + 1) * 127.5).rounded())
                }
            }
        }
        self.init(width: width, height: height, channels: channels, pixels: pixels)
    }
}
