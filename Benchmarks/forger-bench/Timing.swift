import Foundation

/// Wall times in milliseconds of `repeats` runs of `body`, after `warmups` untimed runs.
func wallMilliseconds(repeats: Int, warmups: Int = 2, _ body: () -> Void) -> [Double] {
    for _ in 0..<warmups { body() }
    return (0..<max(repeats, 1)).map { _ in
        let started = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - started) / 1e6
    }
}

/// The median of `values` (the upper one for an even count); the machine is shared, so medians, not means.
func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }

/// Median wall time in milliseconds of `repeats` runs of `body` after warm-up runs.
func medianMilliseconds(repeats: Int, _ body: () -> Void) -> Double { median(wallMilliseconds(repeats: repeats, body)) }
