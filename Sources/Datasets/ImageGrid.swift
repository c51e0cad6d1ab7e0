import Foundation
import Tensors

/// Tiles `[N, C, H, W]` images in [-1, 1] (C = 1 or 3) into one 8-bit picture, row by row.
///
/// `columns` defaults to ⌈√N⌉; cells are separated by `padding` pixels of `paddingValue` (in [-1, 1];
/// the default 1 is white). Values are clamped to [-1, 1] and mapped to 0–255 with rounding.
public func imageGrid(
    _ images: Tensor, columns: Int? = nil, padding: Int = 2, paddingValue: Float = 1
) -> (width: Int, height: Int, channels: Int, pixels: [UInt8]) {
    precondition(images.rank == 4 && (images.shape[1] == 1 || images.shape[1] == 3), "imageGrid takes [N, 1 or 3, H, W], got \(images.shape)")
    let (count, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
    let columns = max(1, columns ?? Int(Double(count).squareRoot().rounded(.up)))
    let rows = max(1, (count + columns - 1) / columns)
    let gridWidth = columns * width + (columns + 1) * padding
    let gridHeight = rows * height + (rows + 1) * padding
    var pixels = [UInt8](repeating: byte(paddingValue), count: gridWidth * gridHeight * channels)
    images.withUnsafeBufferPointer { values in
        for image in 0..<count {
            let top = padding + (image / columns) * (height + padding), left = padding + (image % columns) * (width + padding)
            for channel in 0..<channels {
                for y in 0..<height {
                    for x in 0..<width {
                        let value = values[((image * channels + channel) * height + y) * width + x]
                        pixels[((top + y) * gridWidth + left + x) * channels + channel] = byte(value)
                    }
                }
            }
        }
    }
    return (gridWidth, gridHeight, channels, pixels)
}

/// Writes `imageGrid(images, …)` as a PNG file (atomically).
public func writeImageGrid(_ images: Tensor, to url: URL, columns: Int? = nil, padding: Int = 2) throws {
    let grid = imageGrid(images, columns: columns, padding: padding)
    try PNG.write(width: grid.width, height: grid.height, channels: grid.channels, pixels: grid.pixels, to: url)
}

private func byte(_ value: Float) -> UInt8 {
    let clamped = value.isNaN ? -1 : min(max(value, -1), 1)
    return UInt8(((clamped + 1) * 127.5).rounded())
}
