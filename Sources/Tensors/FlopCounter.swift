/// Counts the floating-point operations of matmuls and convolutions as they run (2 per multiply-add),
/// so benchmarks report GFLOP/s of the work actually done rather than an estimate.
public enum FlopCounter {
    nonisolated(unsafe) public private(set) static var count: Int = 0

    /// Sets the count back to zero.
    public static func reset() { count = 0 }

    static func add(_ flops: Int) { count &+= flops }
}
