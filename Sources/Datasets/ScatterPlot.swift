import Foundation
import Tensors

/// Draws real and generated 2-D points into one RGB picture: a white square spanning
/// [−extent, extent]² (y up), grey axes through the origin, real points as blue 3×3 dots and
/// generated points as red 3×3 dots drawn on top. Points outside the square are left out.
///
/// `real` and `generated` are `[N, 2]`; the picture is `size × size` pixels, interleaved RGB.
public func scatterPlot(real: Tensor, generated: Tensor, extent: Float, size: Int = 512) -> (width: Int, height: Int, channels: Int, pixels: [UInt8]) {
    precondition(real.rank == 2 && real.shape[1] == 2 && generated.rank == 2 && generated.shape[1] == 2,
                 "scatterPlot takes [N, 2] points, got \(real.shape) and \(generated.shape)")
    precondition(extent > 0 && size > 2, "scatterPlot needs a positive extent and size")
    var pixels = [UInt8](repeating: 255, count: size * size * 3)
    func paint(_ x: Int, _ y: Int, _ colour: [UInt8]) {
        guard x >= 0, x < size, y >= 0, y < size else { return }
        for channel in 0..<3 { pixels[(y * size + x) * 3 + channel] = colour[channel] }
    }
    func pixel(_ value: Float) -> Int { Int(((value + extent) / (2 * extent) * Float(size - 1)).rounded()) }
    let centre = pixel(0)
    for position in 0..<size {
        paint(position, centre, [200, 200, 200])
        paint(centre, position, [200, 200, 200])
    }
    for (points, colour) in [(real, [40, 90, 220] as [UInt8]), (generated, [220, 40, 40])] {
        let values = points.scalars
        for row in 0..<points.shape[0] where values[2 * row].isFinite && values[2 * row + 1].isFinite {
            let x = pixel(values[2 * row]), y = size - 1 - pixel(values[2 * row + 1])
            for dy in -1...1 { for dx in -1...1 { paint(x + dx, y + dy, colour) } }
        }
    }
    return (size, size, 3, pixels)
}

/// Writes `scatterPlot(…)` as a PNG file, atomically.
public func writeScatterPlot(real: Tensor, generated: Tensor, extent: Float, to url: URL, size: Int = 512) throws {
    let plot = scatterPlot(real: real, generated: generated, extent: extent, size: size)
    try PNG.write(width: plot.width, height: plot.height, channels: plot.channels, pixels: plot.pixels, to: url)
}
