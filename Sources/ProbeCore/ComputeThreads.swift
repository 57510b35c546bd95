import Foundation

/// How many threads Probe's compute may use (`--threads N`): the parallel loops of the engine and
/// the classifiers split their work into this many shares. Libraries with a thread pool of their
/// own size it from here where they use it (ProbeTensor's `setComputeThreads` also sizes OpenBLAS's).
public enum ComputeThreads {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var current = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// The cap (≥ 1). Defaults to the number of active processors.
    public static var count: Int {
        lock.lock(); defer { lock.unlock() }
        return current
    }

    /// Caps the parallel loops at `n` (values below 1 mean 1).
    public static func set(_ n: Int) {
        lock.lock()
        current = max(1, n)
        lock.unlock()
    }
}
