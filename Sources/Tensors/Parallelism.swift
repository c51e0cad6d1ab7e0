import Kernels

/// How many threads the compute kernels use.
public enum Parallelism {
    /// Kernel threads: the machine's online cores unless `FORGER_THREADS` or this setting says otherwise.
    public static var threadCount: Int {
        get { Kernels.threadCount }
        set { Kernels.threadCount = max(1, newValue) }
    }

    /// Runs `background` on one pool thread while `foreground` runs on the caller, and returns
    /// `foreground`'s result once both are done: inter-op parallelism, for a memory-bound pass beside
    /// an arithmetic-bound one. `foreground`'s kernels split over the other threads (and that one,
    /// once it is free); `background`'s run serially. The two must not write memory the other reads,
    /// so results are those of running `background` first, which is what one thread does.
    public static func overlapping<Result>(_ background: () -> Void, with foreground: () -> Result) -> Result {
        Kernels.overlapping(background, with: foreground)
    }
}
