import Kernels

/// How many threads the compute kernels use.
public enum Parallelism {
    /// Kernel threads: the machine's online cores unless `FORGER_THREADS` or this setting says otherwise.
    public static var threadCount: Int {
        get { Kernels.threadCount }
        set { Kernels.threadCount = max(1, newValue) }
    }
}
