import Foundation
import Tensors

/// Tiles `[N, C, H, W]` images in [-1, 1] (C = 1 or 3) into one 8-bit picture, left to right, then top to bottom.
///
/// `columns` defaults to ⌈√N⌉ and rows to ⌈N / columns⌉. Every cell is surrounded by `padding`
/// pixels of `paddingValue` (in the images' [-1, 1] scale; the default 1 is white, which frames
/// MNIST's white-on-black digits), so the picture is `columns·W + (columns+1)·padding` wide.
/// Values map to bytes as round((v + 1) · 127.5) after clamping to [-1, 1]; NaN becomes 0 (black).
/// Unused cells of the last row stay padding colour. Pixels are interleaved `[y][x][channel]`.
public func imageGrid(
    _ images: Tensor, columns: Int? = nil, padding: Int = 2, paddingValue: Float = 1
) -> (width: Int, height: Int, channels: Int, pixels: [UInt8]) {
    precondition(images.shape.count == 4 && (images.shape[1] == 1 || images.shape[1] == 3),
                 "imageGrid takes [N, 1 or 3, H, W], got \(images.shape)")
    precondition(padding >= 0, "padding must not be negative, got \(padding)")
    let (count, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
    let columns = max(1, columns ?? Int(Double(count).squareRoot().rounded(.up)))
    let rows = max(1, (count + columns - 1) / columns)
    let gridWidth = columns * width + (columns + 1) * padding
    let gridHeight = rows * height + (rows + 1) * padding
    var pixels = [UInt8](repeating: byte(paddingValue), count: gridWidth * gridHeight * channels)
    images.withUnsafeBufferPointer { values in
        pixels.withUnsafeMutableBufferPointer { pixels in
            for image in 0..<count {
                let top = padding + (image / columns) * (height + padding)
                let left = padding + (image % columns) * (width + padding)
                for channel in 0..<channels {
                    let plane = (image * channels + channel) * height * width
                    for y in 0..<height {
                        let rowStart = ((top + y) * gridWidth + left) * channels + channel
                        for x in 0..<width {
                            pixels[rowStart + x * channels] = byte(values[plane + y * width + x])
                        }
                    }
                }
            }
        }
    }
    return (gridWidth, gridHeight, channels, pixels)
}

/// Writes `imageGrid(images, …)` as a PNG file, atomically (a temporary file, then a rename).
public func writeImageGrid(
    _ images: Tensor, to url: URL, columns: Int? = nil, padding: Int = 2, paddingValue: Float = 1
) throws {
    let grid = imageGrid(images, columns: columns, padding: padding, paddingValue: paddingValue)
    try PNG.write(width: grid.width, height: grid.height, channels: grid.channels, pixels: grid.pixels, to: url)
}

@inline(__always)
private func byte(_ value: Float) -> UInt8 {
    let clamped = value.isNaN ? -1 : min(max(value, -1), 1)
    return UInt8(((clamped + 1) * 127.5).rounded())
}
