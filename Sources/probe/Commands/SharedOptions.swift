import ArgumentParser
import Foundation

/// `--threads N`: caps OpenBLAS threads and Probe's own parallel loops.
struct ThreadOptions: ParsableArguments {
    @Option(help: "Worker threads for decoding and the network (default: all cores).")
    var threads: Int?

    func validate() throws {
        if let threads, threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    var resolved: Int { threads ?? ProcessInfo.processInfo.activeProcessorCount }
}

/// Writes a line to standard error (progress and warnings never mix with results on stdout).
func note(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
