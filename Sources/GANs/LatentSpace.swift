import Foundation
import Tensors

/// Paths through a generator's latent space: the noise vectors whose images show how smoothly the
/// generator maps nearby points to similar images.
public enum LatentPath {
    /// How points between two latent vectors are formed.
    public enum Mode: String, CaseIterable, Codable, Sendable {
        /// Straight line: (1 − t)·a + t·b. Midpoints have a smaller norm than N(0, I) samples.
        case lerp
        /// Great-circle interpolation (Shoemake 1985; White 2016 for GANs): keeps the norm typical
        /// of high-dimensional Gaussian samples along the whole path.
        case slerp
    }

    /// `steps` vectors from `start` to `end` inclusive, `[steps, latent]`; the first row equals
    /// `start` and the last equals `end` exactly.
    ///
    /// Weights are computed in Double. Nearly parallel vectors (angle below 1e-6) fall back to lerp,
    /// where slerp's 1/sin Ω would lose all precision.
    public static func interpolate(from start: [Float], to end: [Float], steps: Int, mode: Mode) -> Tensor {
        precondition(start.count == end.count, "both ends need the same latent size")
        precondition(steps >= 2, "a path needs at least its two ends")
        let angle = mode == .slerp ? Self.angle(start, end) : 0
        var scalars: [Float] = []
        scalars.reserveCapacity(steps * start.count)
        for index in 0..<steps {
            let t = Double(index) / Double(steps - 1)
            let (startWeight, endWeight): (Double, Double)
            if mode == .slerp && angle > 1e-6 {
                startWeight = sin((1 - t) * angle) / sin(angle)
                endWeight = sin(t * angle) / sin(angle)
            } else {
                (startWeight, endWeight) = (1 - t, t)
            }
            for (a, b) in zip(start, end) { scalars.append(Float(startWeight * Double(a) + endWeight * Double(b))) }
        }
        return Tensor(shape: [steps, start.count], scalars: scalars)
    }

    /// A closed loop through `points` (rows of `[P, latent]`): `stepsPerSegment` vectors from each
    /// point toward the next, returning to the first, `[P · stepsPerSegment, latent]`. Each point
    /// appears once, so an animation of the loop repeats without a stutter.
    public static func walk(through points: Tensor, stepsPerSegment: Int, mode: Mode) -> Tensor {
        let count = points.shape[0], size = points.shape[1]
        precondition(count >= 2 && stepsPerSegment >= 1, "a walk needs two points and one step per segment")
        let rows = points.scalars
        let segments = (0..<count).map { index -> Tensor in
            let start = Array(rows[(index * size)..<((index + 1) * size)])
            let next = (index + 1) % count
            let end = Array(rows[(next * size)..<((next + 1) * size)])
            let path = interpolate(from: start, to: end, steps: stepsPerSegment + 1, mode: mode)
            return path.sliced(axis: 0, 0..<stepsPerSegment)
        }
        return withoutGradients { Tensor.concatenating(segments, alongAxis: 0) }
    }

    /// The angle between two vectors in radians, in Double.
    static func angle(_ a: [Float], _ b: [Float]) -> Double {
        var dot = 0.0, normA = 0.0, normB = 0.0
        for (x, y) in zip(a, b) {
            dot += Double(x) * Double(y)
            normA += Double(x) * Double(x)
            normB += Double(y) * Double(y)
        }
        guard normA > 0, normB > 0 else { return 0 }
        return acos(min(max(dot / (normA * normB).squareRoot(), -1), 1))
    }
}
