import Dispatch
import Foundation
import COpenBLAS
import ProbeCore

/// Caps the engine's and the classifiers' parallel loops (`ComputeThreads`) and OpenBLAS's own
/// thread pool at `n` (values below 1 mean 1): `--threads N`.
public func setComputeThreads(_ n: Int) {
    ComputeThreads.set(n)
    openblas_set_num_threads(Int32(ComputeThreads.count))
}

/// Stops OpenBLAS's idle worker threads. OpenBLAS starts them when it loads (and again whenever its
/// thread count is set), and each idle worker spins on sched_yield for about 2²⁸ cycles (~0.1 s)
/// before it sleeps: longer than a short `probe` command lives, so on a 2-core machine it takes a core
/// from the command's own threads. OpenBLAS starts them again at the first call that needs them.
/// Call it only when no other thread is inside OpenBLAS.
public func parkIdleBLASWorkers() {
    blas_thread_shutdown_()
}

/// `withSingleThreadedBLAS` with OpenBLAS's workers stopped for the duration: for many small products
/// that the caller's own threads run side by side, where idle spinning workers would only compete
/// with them. No other thread may be inside OpenBLAS when it starts.
public func withBLASWorkersParked<T>(_ body: () throws -> T) rethrows -> T {
    try withSingleThreadedBLAS {
        parkIdleBLASWorkers()
        return try body()
    }
}

/// Runs `body(slot)` for `slot` in `0..<threads`, concurrently when `threads > 1`.
///
/// Each slot is one thread's share of the work; callers give every slot its own scratch memory.
@inline(__always)
public func parallelFor(threads: Int, _ body: (Int) -> Void) {
    if threads <= 1 {
        body(0)
    } else {
        DispatchQueue.concurrentPerform(iterations: threads, execute: body)
    }
}

/// The half-open range of `0..<count` that slot `slot` of `parts` takes (contiguous, sizes differ by ≤ 1).
@inline(__always)
public func sliceRange(_ count: Int, part slot: Int, of parts: Int) -> Range<Int> {
    let base = count / parts, extra = count % parts
    let start = slot * base + min(slot, extra)
    return start..<(start + base + (slot < extra ? 1 : 0))
}

private let blasLock = NSLock()
nonisolated(unsafe) private var blasSingleThreadUsers = 0
nonisolated(unsafe) private var blasSavedThreads: Int32 = 1

/// Runs `body` with OpenBLAS at one thread, so the engine's own threads can each call sgemm
/// without OpenBLAS spawning its pool under them; restores the previous setting afterwards.
public func withSingleThreadedBLAS<T>(_ body: () throws -> T) rethrows -> T {
    blasLock.lock()
    if blasSingleThreadUsers == 0 {
        blasSavedThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
    }
    blasSingleThreadUsers += 1
    blasLock.unlock()
    defer {
        blasLock.lock()
        blasSingleThreadUsers -= 1
        if blasSingleThreadUsers == 0 { openblas_set_num_threads(blasSavedThreads) }
        blasLock.unlock()
    }
    return try body()
}

/// The OpenBLAS kernel family in use ("Haswell", "Zen", "SkylakeX", "Sandybridge", "Prescott", …):
/// chosen from the CPU at load time, or forced with the OPENBLAS_CORETYPE environment variable.
public let blasCoreName: String = String(cString: openblas_get_corename())

/// True when one sgemm call gives a row of C the same bits at any position in the call, for every
/// call height and width the networks use, on the OpenBLAS core in use; then images may share a
/// GEMM call and each still gets the bits it gets alone. Measured, not assumed
/// (scripts/probes/sgemm_position.c, docs/determinism.md): SkylakeX and Sandybridge hold it;
/// Haswell and Zen (the AVX2 cores) sum a row in an order that depends on its place in a 12-row
/// tile, Prescott on whether it falls in a call's edge tile. Cores not measured count as false, so
/// there each image's rows go through calls of their own whose shapes never depend on the batch.
public let sgemmRowsArePositionIndependent: Bool = ["SkylakeX", "Sandybridge"].contains(blasCoreName)
