import Glibc

/// Asks glibc's malloc to keep freed blocks of up to 32 MB for reuse instead of returning them to
/// the kernel. By default it serves every block above 128 KB (later: above the largest one freed so
/// far) with its own mmap and unmaps it on free, so code that allocates and frees the same few-MB
/// matrices again and again, as the doctor's ten fold fits do, page-faults the memory back in every
/// time: on the 198-row alpaca store that was a third of the command's page faults
/// (6,000 → 3,800 per run) and ~7–13 ms of CPU. Blocks above the threshold (a 100k-row store's
/// scratch) still get their own mapping, so peak memory does not change. Call it once, first thing,
/// from the executable: it changes the whole process.
public func keepFreedBlocksForReuse() {
    // mallopt is in malloc.h, which the Glibc module does not import; glibc always exports it.
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
    let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
    let mmapThreshold: Int32 = -3, trimThreshold: Int32 = -1   // M_MMAP_THRESHOLD, M_TRIM_THRESHOLD
    _ = mallopt(mmapThreshold, 32 << 20)
    _ = mallopt(trimThreshold, 64 << 20)
}
